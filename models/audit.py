"""The administrator's audit trail: every change made in the admin area, append-only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .people import User


class AdminAuditEntry(Base):
    """Who changed what in the admin area, when, and the values before and after.

    Append-only: the ORM refuses updates and deletes, and the migration installs triggers that
    refuse them in the database too. ``actor_id`` is None for changes made from the command line.
    """

    __tablename__ = "admin_audit_entry"
    __table_args__ = (Index("ix_admin_audit_entry_object", "object_type", "object_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(40))
    object_key: Mapped[str] = mapped_column(String(100))
    before: Mapped[dict[str, Any]] = mapped_column(default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(default=dict)

    actor: Mapped[User | None] = relationship()


@event.listens_for(AdminAuditEntry, "before_update")
@event.listens_for(AdminAuditEntry, "before_delete")
def _audit_is_append_only(mapper: Any, connection: Any, target: AdminAuditEntry) -> None:
    raise ValueError("the admin audit trail is append-only")
