"""Second factors of staff accounts, the signed-in sessions of every account and the log of
staff access to personal data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .people import User


class RecoveryCode(Base):
    """A one-time code that replaces the authenticator app once; only its SHA-256 is stored."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


class LoginSession(Base):
    """One signed-in browser or device: the login cookie names it and carries a random token,
    of which only the SHA-256 is kept, so the owner can see where the account is signed in and
    end any of those sessions (ASVS V3.3.4). An ended session is kept (``ended_at``) so the
    list could show history later; the user loader refuses it at once."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Moved forward at most once a minute, not on every request (one write per minute at most).
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Shown to the owner only: the client address and a short browser name from the User-Agent.
    address: Mapped[str] = mapped_column(String(45), default="")
    browser: Mapped[str] = mapped_column(String(80), default="")
    ended_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class PersonalDataAccess(Base):
    """One look by staff at personal data: who, when, what (kind and object), from where.

    Append-only: the ORM refuses updates and deletes, and the migration installs triggers that
    refuse them in the database too.
    """

    __tablename__ = "personal_data_access"
    __table_args__ = (
        Index("ix_personal_data_access_object", "object_type", "object_key"),
        Index("ix_personal_data_access_occurred_at", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # None for the system itself (the retention job destroying data).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(40))
    object_key: Mapped[str] = mapped_column(String(100))
    remote_addr: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)

    actor: Mapped[User | None] = relationship()


@event.listens_for(PersonalDataAccess, "before_update")
@event.listens_for(PersonalDataAccess, "before_delete")
def _access_log_is_append_only(mapper: Any, connection: Any, target: PersonalDataAccess) -> None:
    raise ValueError("the personal data access log is append-only")
