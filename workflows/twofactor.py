"""Two-factor login (TOTP, RFC 6238) for the staff who can change a proposal's fate.

Enrolment: a new secret is shown as a QR code; it is stored (encrypted, see models/encryption)
only once the user has typed a code it produced. Then ten one-time recovery codes are issued
(only their SHA-256 is kept). A login code is accepted once: the last accepted time step is
stored and older or equal steps refused.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import timedelta

import pyotp
import segno
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from models import TWO_FACTOR_ROLES, RecoveryCode, User, as_utc, utcnow

from . import logins
from .accounts import queue_security_notice

ISSUER = "규제철폐 제안센터"
RECOVERY_CODES = 10
STEP = 30  # seconds per TOTP code
# One step either side is accepted: a phone clock a little off, or a code typed as it changed.
WINDOW = 1
# Wrong codes in a row (over any number of logins) that lock the second factor, and for how long.
LOCK_AFTER = 10
LOCK_MINUTES = 15


def requires_second_factor(user: User) -> bool:
    return user.role in TWO_FACTOR_ROLES


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The enrolment QR code as an inline SVG element (drawn here; no third-party service)."""
    svg: str = segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff")
    return svg


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _matching_step(secret: str, code: str, now: float) -> int | None:
    code = _normalise(code)
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int(now) // STEP
    for step in range(current - WINDOW, current + WINDOW + 1):
        if hmac.compare_digest(totp.at(step * STEP), code):
            return step
    return None


def code_matches_secret(secret: str, code: str, *, now: float | None = None) -> bool:
    """Whether a code belongs to a secret being enrolled (nothing stored yet)."""
    return _matching_step(secret, code, time.time() if now is None else now) is not None


def _digest(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def confirm_enrolment(session: Session, user: User, *, secret: str, code: str) -> list[str]:
    """Store the secret once a code from it was typed, and issue fresh recovery codes (returned
    in plain text this once); the owner is e-mailed a security notice. Returns an empty list
    when the code is wrong; nothing changes."""
    step = _matching_step(secret, code, time.time())
    if step is None:
        return []
    user.totp_secret = secret
    user.totp_enrolled_at = utcnow()
    user.totp_last_step = step
    codes = issue_recovery_codes(session, user)
    session.flush()
    queue_security_notice(session, user, "second_factor_enrolled")
    return codes


def issue_recovery_codes(session: Session, user: User) -> list[str]:
    """Replace the user's recovery codes with new ones; the old ones stop working."""
    for old in session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ):
        old.used_at = utcnow()
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = secrets.token_hex(5)  # 10 hex digits, shown as xxxxx-xxxxx
        codes.append(f"{raw[:5]}-{raw[5:]}")
        session.add(RecoveryCode(user_id=user.id, code_hash=_digest(raw)))
    session.flush()
    return codes


def is_locked(user: User) -> bool:
    """Too many wrong codes in a row, the last one less than LOCK_MINUTES ago."""
    if user.totp_failures < LOCK_AFTER or user.totp_failed_at is None:
        return False
    return as_utc(user.totp_failed_at) > utcnow() - timedelta(minutes=LOCK_MINUTES)


def record_failure(session: Session, user: User) -> None:
    """Count a wrong code (to be committed even though the login is refused)."""
    user.totp_failures = (user.totp_failures or 0) + 1
    user.totp_failed_at = utcnow()
    session.flush()


def verify_login_code(session: Session, user: User, code: str, *, now: float | None = None) -> str:
    """Check a second-factor code at login: ``"totp"`` or ``"recovery"`` when accepted (a TOTP
    step or a recovery code is then used up and the count of wrong codes starts again), ``""``
    when refused, or when the second factor is locked after too many wrong codes."""
    if not user.totp_secret or is_locked(user):
        return ""
    used = _check_code(session, user, code, now=now)
    if used:
        user.totp_failures = 0
        user.totp_failed_at = None
        session.flush()
    return used


def _check_code(session: Session, user: User, code: str, *, now: float | None) -> str:
    assert user.totp_secret
    step = _matching_step(user.totp_secret, code, time.time() if now is None else now)
    if step is not None:
        if user.totp_last_step is not None and step <= user.totp_last_step:
            return ""  # replayed
        user.totp_last_step = step
        session.flush()
        return "totp"
    normalised = _normalise(code)
    if len(normalised) == 10:
        row = session.scalar(
            select(RecoveryCode).where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_hash == _digest(normalised),
                RecoveryCode.used_at.is_(None),
            )
        )
        if row is not None:
            row.used_at = utcnow()
            session.flush()
            queue_security_notice(session, user, "recovery_code_used")
            return "recovery"
    return ""


def remaining_recovery_codes(session: Session, user: User) -> int:
    return len(
        session.scalars(
            select(RecoveryCode.id).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        ).all()
    )


def reset_second_factor(session: Session, actor: User | None, user: User) -> None:
    """Forget the user's authenticator and recovery codes (an admin's act for a lost phone):
    the next login enrols again; every session of the user ends. Recorded in the admin audit
    trail (``actor`` None: from the command line)."""
    from .admin import _check_admin, record_audit

    _check_admin(actor)
    before = {"second_factor": user.totp_secret is not None}
    user.totp_secret = None
    user.totp_enrolled_at = None
    user.totp_last_step = None
    for old in session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ):
        old.used_at = utcnow()
    logins.end_sessions(session, user)
    queue_security_notice(session, user, "second_factor_reset")
    record_audit(
        session,
        actor,
        "reset_second_factor",
        "user",
        str(user.id),
        before,
        {"second_factor": False, "sessions_ended": True},
    )


def reencrypt_secrets(session: Session) -> int:
    """Write every stored authenticator secret again, encrypted with the newest key of
    SECRET_ENCRYPTION_KEYS (after a key rotation; older keys can then be retired). Returns how
    many were written."""
    count = 0
    for user in session.scalars(select(User).where(User.totp_secret.is_not(None))):
        flag_modified(user, "totp_secret")  # same value, written again with the newest key
        count += 1
    session.flush()
    return count
