"""Infrastructure tables: gap-free counters and the transactional outbox of background jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, enum_column, utcnow
from .enums import OutboxState


class Counter(Base):
    """A named counter (receipt numbers per year, repeal numbers) bumped inside the transaction
    that uses the value, so a rollback returns it and no number is skipped or issued twice."""

    __tablename__ = "counter"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


# The search index's jobs (webapp.search_pages.service.INDEX_JOBS), as the partial index reads them.
_INDEX_JOBS = "job IN ('index_proposal', 'remove_proposal')"


class OutboxMessage(Base):
    """A background job recorded in the transaction that caused it and delivered after commit."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        CheckConstraint("attempts >= 0", name="attempts_non_negative"),
        CheckConstraint("(state = 'done') = (done_at IS NOT NULL)", name="done_at_iff_done"),
        Index("ix_outbox_message_state_available_at", "state", "available_at"),
        # The search rebuild's catch-up: index messages applied since the rebuild began (its
        # pending arm is served by the index above). Without it the catch-up read every message.
        Index(
            "ix_outbox_message_index_jobs_done_at",
            "done_at",
            postgresql_where=text(_INDEX_JOBS),
            sqlite_where=text(_INDEX_JOBS),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    queue: Mapped[str] = mapped_column(String(40), default="default")
    state: Mapped[OutboxState] = mapped_column(
        enum_column(OutboxState, "outbox_state"), default=OutboxState.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    available_at: Mapped[datetime] = mapped_column(default=utcnow)
    dispatched_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]


class MailLog(Base):
    """One e-mail sent about a proposal; the unique key makes a re-run job send nothing twice."""

    __tablename__ = "mail_log"
    __table_args__ = (UniqueConstraint("event_id", "recipient"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("proposal_event.id"))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    template: Mapped[str] = mapped_column(String(100))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


class Export(Base):
    """A spreadsheet export built in the background; reachable only through its random token
    (and, for staff data sets, only by the person who asked for it)."""

    __tablename__ = "export"
    __table_args__ = (
        CheckConstraint("format IN ('csv', 'xlsx')", name="format_known"),
        CheckConstraint("state IN ('pending', 'running', 'done', 'failed')", name="state_known"),
        CheckConstraint("rows_done >= 0", name="rows_done_non_negative"),
        CheckConstraint(
            "(state = 'done') = (finished_at IS NOT NULL AND file_name IS NOT NULL)"
            " OR state = 'failed'",
            name="done_has_a_file",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    dataset: Mapped[str] = mapped_column(String(40))
    format: Mapped[str] = mapped_column(String(8))
    filters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    rows_total: Mapped[int] = mapped_column(default=0)
    rows_done: Mapped[int] = mapped_column(default=0)
    file_name: Mapped[str | None] = mapped_column(String(100))
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class BulkImport(Base):
    """An uploaded CSV/XLSX of proposals from an agency, imported row by row by a job; the
    report says for every row whether it was accepted (with its receipt number) or why not."""

    __tablename__ = "bulk_import"
    __table_args__ = (
        CheckConstraint("format IN ('csv', 'xlsx')", name="format_known"),
        CheckConstraint("state IN ('pending', 'running', 'done', 'failed')", name="state_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(100))
    format: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    rows_total: Mapped[int] = mapped_column(default=0)
    rows_done: Mapped[int] = mapped_column(default=0)
    accepted: Mapped[int] = mapped_column(default=0)
    already: Mapped[int] = mapped_column(default=0)
    refused: Mapped[int] = mapped_column(default=0)
    report: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class SearchTerms(Base):
    """A proposal's search terms (its public title and body analysed by Kiwi), kept so a rebuild
    of the search index does not analyse everything again. A cache like the index: re-derivable
    from the proposal, used only while ``analyser`` and ``digest`` (of the texts they came from)
    still match; written by the index job and by rebuilds. Space-joined terms (no term holds a
    space)."""

    __tablename__ = "search_terms"

    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), primary_key=True
    )
    analyser: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(32))
    title_terms: Mapped[str] = mapped_column(Text, default="")
    body_terms: Mapped[str] = mapped_column(Text, default="")
