"""Signed-in sessions (OWASP ASVS 4 V3.3.4): every login makes a ``LoginSession`` row that the
login cookie names ("user:session:token"); the owner sees the open ones and, after typing the
password again, ends any of them or all the others. Ending a session ends it at once: the user
loader refuses a cookie whose session is ended. Changes to how the account logs in (password,
second factor, role, deactivation) end the sessions here too (``end_sessions``)."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from models import LoginSession, User, as_utc, utcnow

from .errors import Bilingual
from .intake import FieldErrors

# last_seen_at moves forward at most this often: a request does not write to the database.
LAST_SEEN_PRECISION = timedelta(minutes=1)
MAX_BROWSER = 80


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# Browser and system names in the order they must be tested (Edge and Whale also say "Chrome",
# Chrome also says "Safari"); a short name is all the owner needs to recognise a device.
_BROWSERS = (
    ("Edg/", "Edge"),
    ("Whale/", "Whale"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
)


def describe_browser(user_agent: str | None) -> str:
    """ "Chrome · Windows" from a User-Agent header; the first word of an unknown one (a script's
    "curl/8.5"), cut short; "" when there is none."""
    agent = (user_agent or "").strip()
    if not agent:
        return ""
    browser = next((name for mark, name in _BROWSERS if mark in agent), None)
    system = next((name for mark, name in _SYSTEMS if mark in agent), None)
    if browser is None:
        browser = re.split(r"[\s(;]", agent, maxsplit=1)[0]
    return " · ".join(part for part in (browser, system) if part)[:MAX_BROWSER]


def mask_address(address: str | None) -> str:
    """203.0.113.7 → 203.0.*.*; an IPv6 address keeps its first two groups (2001:db8:*)."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv4Address):
        first, second = str(ip).split(".")[:2]
        return f"{first}.{second}.*.*"
    groups = [group.lstrip("0") or "0" for group in ip.exploded.split(":")[:2]]
    return ":".join(groups) + ":*"


def start(
    session: Session, user: User, *, address: str | None, user_agent: str | None
) -> tuple[LoginSession, str]:
    """A new signed-in session for ``user``; the token goes into the cookie, never the table."""
    token = secrets.token_urlsafe(32)
    row = LoginSession(
        user_id=user.id,
        token_hash=_digest(token),
        address=(address or "")[:45],
        browser=describe_browser(user_agent),
    )
    session.add(row)
    session.flush()
    return row, token


def parse_cookie_id(cookie_id: str) -> tuple[int, int, str] | None:
    """(user id, session id, token) from "user:session:token", or None for anything else (an
    old "user:token" cookie included: those sessions log in again)."""
    parts = cookie_id.split(":")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit() or not parts[2]:
        return None
    return int(parts[0]), int(parts[1]), parts[2]


def signed_in(
    session: Session, user_id: int, session_id: int, token: str
) -> tuple[User, LoginSession] | None:
    """The active user and the open session a cookie names, if its token matches: one query by
    the session's primary key; the token is compared in constant time."""
    found = session.execute(
        select(User, LoginSession)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(
            LoginSession.id == session_id,
            LoginSession.user_id == user_id,
            LoginSession.ended_at.is_(None),
        )
    ).first()
    if found is None:
        return None
    user, row = found
    if not hmac.compare_digest(row.token_hash, _digest(token)) or not user.active:
        return None
    return user, row


def seen_due(row: LoginSession) -> bool:
    """The session's use is to be noted (it was last noted a minute ago or more)."""
    return utcnow() - as_utc(row.last_seen_at) >= LAST_SEEN_PRECISION


def seen_now(session: Session, row: LoginSession) -> bool:
    """Note that the session is in use, at most once a minute; True when the row changed."""
    if not seen_due(row):
        return False
    session.execute(
        update(LoginSession).where(LoginSession.id == row.id).values(last_seen_at=utcnow())
    )
    return True


def live_since(idle: timedelta, absolute: timedelta) -> tuple[datetime, datetime]:
    """(last seen after, started after): a session outside them has run out even if nobody
    ended it (its cookie has expired: idle, or the absolute lifetime since the login). The
    idle bound allows for last_seen_at being written only once a minute."""
    now = utcnow()
    return now - idle - LAST_SEEN_PRECISION, now - absolute


def is_live(row: LoginSession, idle: timedelta, absolute: timedelta) -> bool:
    seen_after, started_after = live_since(idle, absolute)
    return as_utc(row.last_seen_at) > seen_after and as_utc(row.created_at) > started_after


def open_sessions(
    session: Session, user: User, *, idle: timedelta, absolute: timedelta
) -> list[LoginSession]:
    """The user's open sessions that have not run out, the most recently used first."""
    seen_after, started_after = live_since(idle, absolute)
    return list(
        session.scalars(
            select(LoginSession)
            .where(
                LoginSession.user_id == user.id,
                LoginSession.ended_at.is_(None),
                LoginSession.last_seen_at > seen_after,
                LoginSession.created_at > started_after,
            )
            .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())
        )
    )


def end_sessions(session: Session, user: User, *, keep: int | None = None) -> int:
    """End every open session of ``user`` but ``keep`` (and any half-done login, whose binding
    token changes); the number ended. Called when how the account logs in changes."""
    user.rotate_session_token()
    query = update(LoginSession).where(
        LoginSession.user_id == user.id, LoginSession.ended_at.is_(None)
    )
    if keep is not None:
        query = query.where(LoginSession.id != keep)
    ended = session.execute(query.values(ended_at=utcnow()))
    session.flush()
    return int(getattr(ended, "rowcount", 0) or 0)


def end_session(session: Session, user: User, session_id: int) -> bool:
    """End one session (a logout); False when it is not an open session of ``user``."""
    ended = session.execute(
        update(LoginSession)
        .where(
            LoginSession.id == session_id,
            LoginSession.user_id == user.id,
            LoginSession.ended_at.is_(None),
        )
        .values(ended_at=utcnow())
    )
    return bool(getattr(ended, "rowcount", 0))


def check_password(user: User, password: str) -> None:
    """The password typed again before sessions are ended (ASVS V3.3.4: "having re-entered
    login credentials")."""
    if not user.password_hash or not check_password_hash(user.password_hash, password):
        raise FieldErrors(
            {"password": Bilingual("비밀번호가 올바르지 않습니다", "The password is not correct")}
        )


def purge_old_sessions(session: Session, *, now: datetime, retention_days: int) -> int:
    """Delete the session rows (with their client address and browser) last used, or ended,
    more than ``retention_days`` ago: a row past its idle limit opens nothing any more, and the
    owner's list never shows it. The number deleted."""
    if retention_days < 1:
        raise ValueError("the retention period must be at least one day")
    before = now - timedelta(days=retention_days)
    gone = session.execute(
        delete(LoginSession).where(
            or_(LoginSession.last_seen_at < before, LoginSession.ended_at < before)
        )
    )
    return int(getattr(gone, "rowcount", 0) or 0)
