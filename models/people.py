"""People and the organisations staff act for."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, enum_column, utcnow
from .encryption import EncryptedString
from .enums import STAFF_ROLES, OrganisationKind, Role


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class Organisation(Base):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OrganisationKind] = mapped_column(enum_column(OrganisationKind, "org_kind"))
    active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<Organisation {self.code}>"


class User(Base):
    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint(
            "role = 'citizen' OR organisation_id IS NOT NULL", name="staff_has_organisation"
        ),
        CheckConstraint("email = lower(email)", name="email_lowercase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(30))
    # None means the account cannot log in with a password (replayed or imported proposers).
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Indexed: the staff lists (reviewers for a filter or an assignment) are a few dozen rows
    # among tens of thousands of citizens' accounts.
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"), default=Role.CITIZEN, index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    # Binds a half-done login (password typed, second factor not yet) to the account's state:
    # it changes whenever the account's sessions are all ended (workflows.logins.end_sessions),
    # so such a login cannot be finished afterwards. The sessions themselves: LoginSession.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    # Two-factor login (TOTP): the shared secret once enrolment is confirmed (stored encrypted
    # with the application's keys, read back in clear), and the last time step accepted, so
    # that a code seen over someone's shoulder cannot be used a second time.
    totp_secret: Mapped[str | None] = mapped_column(EncryptedString())
    totp_enrolled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None]
    # Wrong second-factor codes in a row, kept here and not in the (client-side) session so a
    # replayed cookie cannot reset them; too many lock the second factor for a while.
    totp_failures: Mapped[int] = mapped_column(default=0, server_default="0")
    totp_failed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation | None] = relationship()

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    # The login manager's user protocol; the cookie id names the login session and carries its
    # token ("user:session:token"), so ending that session invalidates every copy of the cookie.
    # Set on the loaded object by the login and the user loader (never stored on the row).
    # (Not annotated at run time: the declarative mapping would take it for a column.)
    if TYPE_CHECKING:
        current_login: tuple[int, str] | None
    current_login = None

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        if self.current_login is None:  # not signed in through a login session: no usable id
            return f"{self.id}:0:"
        session_id, token = self.current_login
        return f"{self.id}:{session_id}:{token}"

    def rotate_session_token(self) -> None:
        """Voids a half-done login; use workflows.logins.end_sessions, which also ends the
        signed-in sessions."""
        self.session_token = new_session_token()

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class ApiToken(Base):
    """A personal access token for API clients; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
