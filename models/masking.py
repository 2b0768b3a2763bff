"""Personal data in one place: how names, phone numbers, e-mail addresses and resident
registration numbers are recognised and masked on every public surface, export and index."""

from __future__ import annotations

import re

# 주민등록번호: YYMMDD-GNNNNNN (the 7th digit 1-8 gives sex and century; foreigners 5-8).
RESIDENT_NUMBER = re.compile(r"(?<!\d)(\d{2}[01]\d[0-3]\d)\s?-?\s?([1-8]\d{6})(?!\d)")
# Mobile and landline numbers: 010-1234-5678, 01012345678, 02-123-4567, 031 123 4567.
PHONE = re.compile(
    r"(?<!\d)(01[016789]|02|0[3-6][1-5]|070)([\s.-]?)(\d{3,4})([\s.-]?)(\d{4})(?!\d)"
)
EMAIL = re.compile(r"(?<![\w.+-])([\w.+-]+)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")


def mask_name(name: str | None) -> str:
    """홍길동 → 홍*동, 이순 → 이*, 남궁민수 → 남**수; the first and last characters stay."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str | None) -> str:
    """010-1234-5678 → 010-****-5678 (the middle group hidden, separators kept)."""
    if not phone:
        return ""
    return PHONE.sub(lambda m: f"{m[1]}{m[2] or '-'}{'*' * len(m[3])}{m[4] or '-'}{m[5]}", phone)


def mask_email(email: str | None) -> str:
    """hong.gildong@example.com → h***@example.com."""
    if not email:
        return ""
    return EMAIL.sub(lambda m: f"{m[1][0]}***@{m[2]}", email)


def mask_text(text: str | None, names: tuple[str | None, ...] = ()) -> str:
    """Free text with any resident number, phone number or e-mail address masked, and the
    ``names`` known to belong to the text's author (a proposer typing "저는 홍길동입니다")."""
    if not text:
        return ""
    for name in names:
        name = (name or "").strip()
        if len(name) >= 2:
            text = text.replace(name, mask_name(name))
    text = RESIDENT_NUMBER.sub(lambda m: f"{m[1][:2]}****-{m[2][0]}******", text)
    text = mask_phone(text)
    return mask_email(text)


def find_personal_data(text: str | None) -> list[str]:
    """The kinds of personal data present in ``text``: resident_number, phone, email."""
    if not text:
        return []
    found = []
    if RESIDENT_NUMBER.search(text):
        found.append("resident_number")
    if PHONE.search(RESIDENT_NUMBER.sub("", text)):
        found.append("phone")
    if EMAIL.search(text):
        found.append("email")
    return found
