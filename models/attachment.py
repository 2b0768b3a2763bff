"""Files a proposer attaches to a proposal, and form text kept across an expired session."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .people import User
from .proposal import Proposal


class Attachment(Base):
    """An uploaded file, stored outside the web root under a random name.

    Until the form is saved it is held by the form's key (``form_key``) and its uploader; saving
    the draft or submitting gives it a proposal. The type is what the content says it is.
    """

    __tablename__ = "attachment"
    __table_args__ = (
        CheckConstraint("size_bytes > 0", name="not_empty"),
        Index("ix_attachment_owner_id_form_key", "owner_id", "form_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    form_key: Mapped[str | None] = mapped_column(String(64))
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(8))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    proposal: Mapped[Proposal | None] = relationship()
    owner: Mapped[User] = relationship()


class FormStash(Base):
    """What a visitor typed into a form when the session had expired, kept for a day so the
    form comes back filled after logging in; claimed once, by the browser that holds the key."""

    __tablename__ = "form_stash"

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of the random key kept in the visitor's session; the key itself is never stored.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    form: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
