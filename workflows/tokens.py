"""Personal access tokens for API clients (``Authorization: Bearer <token>``)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload
from werkzeug.security import check_password_hash

from models import ApiToken, User, as_utc, utcnow

from . import twofactor
from .errors import PermissionDenied

PREFIX = "rr_"
# The last use of a token is noted to this precision: writing it on every call made every API
# request an UPDATE of the token's row, and concurrent calls with one token queued on its lock.
LAST_USED_PRECISION = timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    session: Session, *, email: str, password: str, name: str = "", otp: str | None = None
) -> str:
    """Check the credentials and issue a new token; the plain token is shown only this once.
    Staff who log in with a second factor also give a code of their authenticator (``otp``):
    a token must not be a way round the second factor."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if (
        user is None
        or not user.active
        or not user.password_hash
        or not check_password_hash(user.password_hash, password)
    ):
        raise PermissionDenied(
            "credentials",
            "이메일 또는 비밀번호가 올바르지 않습니다",
            "Wrong e-mail address or password",
        )
    if twofactor.requires_second_factor(user):
        if not user.totp_secret:
            raise PermissionDenied(
                "second_factor_not_enrolled",
                "먼저 웹사이트에서 로그인해 2단계 인증을 등록해 주십시오",
                "Log in on the website first and enrol the second factor",
            )
        if not otp or not twofactor.verify_login_code(session, user, otp):
            raise PermissionDenied(
                "second_factor",
                "인증 앱의 코드(otp)가 없거나 올바르지 않습니다",
                "The authenticator code (otp) is missing or wrong",
            )
    token = PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=_digest(token), name=name[:100]))
    session.flush()
    return token


def count_second_factor_failure(session: Session, *, email: str) -> None:
    """Count a wrong authenticator code given with the right password (after the rollback of
    the refused request), so the API shares the login's lock."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is not None and not twofactor.is_locked(user):
        twofactor.record_failure(session, user)


def token_for(session: Session, token: str) -> ApiToken | None:
    """The valid, unrevoked token of an active user, or None (its use is noted by ``note_use``)."""
    if not token.startswith(PREFIX):
        return None
    # The token and its user in one query: every API call needs both.
    row = session.scalar(
        select(ApiToken)
        .options(joinedload(ApiToken.user))
        .where(ApiToken.token_hash == _digest(token), ApiToken.revoked_at.is_(None))
    )
    if row is None or not row.user.active:
        return None
    return row


def use_due(row: ApiToken) -> bool:
    """The token's use is to be noted (never noted, or a minute ago or more)."""
    return row.last_used_at is None or utcnow() - as_utc(row.last_used_at) >= LAST_USED_PRECISION


def note_use(session: Session, row: ApiToken) -> None:
    """Note the token's use, to the minute, in the caller's transaction."""
    if use_due(row):
        row.last_used_at = utcnow()
        session.flush()


def revoke_token(session: Session, token: str) -> bool:
    row = session.scalar(
        select(ApiToken).where(ApiToken.token_hash == _digest(token), ApiToken.revoked_at.is_(None))
    )
    if row is None:
        return False
    row.revoked_at = utcnow()
    session.flush()
    return True
