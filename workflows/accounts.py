"""Accounts: citizens register themselves; passwords are changed or reset by an e-mailed
one-time link. Changing a password ends every other signed-in session (a reset: all of them), and
the owner is told by e-mail of every change to how the account logs in (a security notice)."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from models import Role, User, utcnow

from . import logins, outbox
from .errors import Bilingual, InvalidInput
from .intake import FieldErrors

# OWASP ASVS 4 V2.1.1-2: at least 12 characters (runs of spaces counting as one), and long
# pass-phrases allowed up to 128.
MIN_PASSWORD = 12
MAX_PASSWORD = 128
RESET_MAX_AGE = 3600  # seconds a reset link stays valid


# OWASP ASVS 4 V2.1.7: refuse passwords found in lists of breached and common passwords.
# zxcvbn's estimate covers them (its dictionaries hold the 30,000 most frequent passwords of
# leaked sets, with common words and names) and also their variants: keyboard runs, dates,
# repeats, l33t spellings. Scores 0-2 ("too guessable" up to "somewhat guessable") are refused.
GUESSABLE_SCORE = 2
ZXCVBN_MAX = 72  # zxcvbn refuses longer input; a longer pass-phrase is judged on its start


def _guessable(password: str, hints: list[str]) -> bool:
    from zxcvbn import zxcvbn  # its word lists take about 14 MB: loaded when a password is set

    return int(zxcvbn(password[:ZXCVBN_MAX], user_inputs=hints)["score"]) <= GUESSABLE_SCORE


def _password_problem(password: str, *, email: str = "", name: str = "") -> Bilingual | None:
    if len(re.sub(r"\s+", " ", password)) < MIN_PASSWORD:
        return Bilingual(
            f"비밀번호는 {MIN_PASSWORD}자 이상이어야 합니다",
            f"The password must be at least {MIN_PASSWORD} characters long",
        )
    if len(password) > MAX_PASSWORD:
        return Bilingual(
            f"비밀번호는 {MAX_PASSWORD}자 이하여야 합니다",
            f"The password must be at most {MAX_PASSWORD} characters long",
        )
    lowered = password.lower()
    if email and email.split("@")[0].lower() in lowered and len(email.split("@")[0]) >= 4:
        return Bilingual(
            "비밀번호에 이메일 아이디를 넣을 수 없습니다",
            "The password must not contain the name of the e-mail address",
        )
    if len(set(password)) < 4:
        return Bilingual(
            "같은 글자를 되풀이한 비밀번호는 쓸 수 없습니다",
            "The password must not repeat the same few characters",
        )
    hints = [part for part in (email.split("@")[0], email, name) if part]
    if _guessable(password, hints):
        return Bilingual(
            "유출되었거나 흔히 쓰여 쉽게 추측할 수 있는 비밀번호입니다. 흔한 단어, 연속된 숫자, "
            "키보드 배열, 날짜, 되풀이를 피해 더 길게 써 주십시오",
            "This password has been leaked or is common and easy to guess. Avoid common words, "
            "runs of digits, keyboard patterns, dates and repeats, and make it longer",
        )
    return None


def password_is_weak(user: User, password: str) -> bool:
    """Whether the password the user has just logged in with would be refused now (ASVS V2.1.7:
    a password set before the policy, or since found guessable, is to be changed). The same
    check as a new password's; the password is neither kept nor logged."""
    return _password_problem(password, email=user.email) is not None


# What a security notice reports: a change to how the account logs in.
SECURITY_NOTICES = (
    "password_changed",
    "password_reset",
    "second_factor_enrolled",
    "second_factor_reset",
    "recovery_code_used",
)


def queue_security_notice(session: Session, user: User, kind: str) -> None:
    """E-mail the account's owner (after the commit) that its login changed, and when; someone
    else who did it is noticed by the owner."""
    assert kind in SECURITY_NOTICES
    outbox.enqueue(
        session,
        "send_security_notice",
        queue="mail",
        user_id=user.id,
        kind=kind,
        at=utcnow().isoformat(),
    )


INVALID_EMAIL = Bilingual("이메일 주소 형식이 올바르지 않습니다", "The e-mail address is not valid")


def hash_password(password: str) -> str:
    return generate_password_hash(password)  # scrypt, Werkzeug's default


def register_citizen(
    session: Session, *, email: str, name: str, password: str, phone: str | None = None
) -> User:
    """Create a citizen account; every problem is named per field."""
    errors: dict[str, str] = {}
    normalised = ""
    try:
        normalised = validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        errors["email"] = INVALID_EMAIL
    clean_name = re.sub(r"\s+", " ", name).strip()
    if not 1 <= len(clean_name) <= 100:
        errors["name"] = Bilingual("이름을 입력해 주십시오", "Enter your name")
    problem = _password_problem(password, email=normalised)
    if problem:
        errors["password"] = problem
    if normalised and session.scalar(select(User.id).where(User.email == normalised)):
        errors["email"] = Bilingual(
            "이미 가입된 이메일입니다. 로그인하거나 비밀번호를 재설정해 주십시오",
            "This e-mail address is already registered. Log in or reset the password",
        )
    if errors:
        raise FieldErrors(errors)
    user = User(
        email=normalised,
        name=clean_name,
        role=Role.CITIZEN,
        phone=(phone or "").strip() or None,
        password_hash=hash_password(password),
    )
    session.add(user)
    session.flush()
    return user


def change_password(
    session: Session, user: User, *, current: str, new: str, keep_session: int | None = None
) -> None:
    """Check the current password, set the new one and end every session but ``keep_session``
    (the browser the change was made in); the owner is e-mailed a security notice."""
    if not user.password_hash or not check_password_hash(user.password_hash, current):
        raise FieldErrors(
            {
                "current_password": Bilingual(
                    "현재 비밀번호가 올바르지 않습니다", "The current password is not correct"
                )
            }
        )
    problem = _password_problem(new, email=user.email)
    if problem:
        raise FieldErrors({"new_password": problem})
    user.password_hash = hash_password(new)
    logins.end_sessions(session, user, keep=keep_session)
    queue_security_notice(session, user, "password_changed")


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="password-reset")


def reset_token(secret: str, user: User) -> str:
    """A signed link token bound to the current password hash: using it changes the hash, so
    it works once; it also expires."""
    return _serializer(secret).dumps({"u": user.id, "h": (user.password_hash or "")[-16:]})


def request_password_reset(session: Session, *, email: str) -> None:
    """Queue a reset e-mail if the account exists; say nothing either way (no account probing)."""
    user = session.scalar(
        select(User).where(User.email == email.strip().lower(), User.active.is_(True))
    )
    if user is not None:
        outbox.enqueue(session, "send_password_reset", queue="mail", user_id=user.id)


def user_for_reset(session: Session, secret: str, token: str) -> User:
    try:
        data = _serializer(secret).loads(token, max_age=RESET_MAX_AGE)
    except SignatureExpired:
        raise InvalidInput(
            "reset_expired",
            "재설정 링크의 유효 시간이 지났습니다. 다시 요청해 주십시오",
            "The reset link has expired",
        ) from None
    except BadSignature:
        raise InvalidInput(
            "reset_invalid", "올바르지 않은 재설정 링크입니다", "The reset link is not valid"
        ) from None
    user = session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.active or (user.password_hash or "")[-16:] != data.get("h"):
        raise InvalidInput(
            "reset_used",
            "이미 사용했거나 올바르지 않은 재설정 링크입니다",
            "The reset link was used already or is not valid",
        )
    return user


def reset_password(session: Session, secret: str, token: str, *, new: str) -> User:
    user = user_for_reset(session, secret, token)
    problem = _password_problem(new, email=user.email)
    if problem:
        raise FieldErrors({"password": problem})
    user.password_hash = hash_password(new)
    logins.end_sessions(session, user)
    queue_security_notice(session, user, "password_reset")
    return user
