"""Campaigns, proposals, their append-only event trail, reviews, decisions and announcements."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, enum_column, utcnow
from .enums import (
    AnnouncementState,
    ImplementationStage,
    Outcome,
    ReviewKind,
    SourceKind,
    Stage,
    State,
)
from .people import Organisation, User


def _in(values: list[str]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


_OPEN = _in(["submitted", "info_requested", "in_review", "in_deliberation"])
_DECIDED = _in(["repeal", "relax", "long_term", "forward_central", "not_accepted"])
_ANNOUNCEABLE = _in(["repeal", "relax"])
_PUBLIC = (
    "state IN ('in_review', 'in_deliberation', 'decided', 'announced', 'merged')"
    " OR (state = 'info_requested' AND stage = 'review')"
)
# What the office's queue counts read of an open proposal (workflows.queue.counts).
_OPEN_COUNTED = (
    "state",
    "stage",
    "assigned_reviewer_id",
    "reviewed_at",
    "submitted_at",
    "clock_started_at",
    "regulation_type_code",
    "source_kind",
    "channel_code",
    "campaign_id",
    "organisation_id",
    "owning_department_id",
)
# The office's named queues as index predicates (workflows.queue / workflows.deadlines): "ready
# for deliberation", and the states whose deadline clock runs (where "overdue" looks).
_READY = "state = 'in_review' AND reviewed_at IS NOT NULL"
_CLOCK_RUNNING = "state IN ('submitted', 'in_review', 'in_deliberation')"
# The chair's backlog (workflows.agenda): decided repeals and relaxations in no announcement.
_AWAITING_ANNOUNCEMENT = (
    "state = 'decided' AND outcome IN ('repeal', 'relax') AND announcement_id IS NULL"
)


class Campaign(Base):
    """A period of intensive intake (the 100-day campaign); intake continues between campaigns."""

    __tablename__ = "campaign"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="period_in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    # A deactivated campaign keeps its proposals but no new proposal is counted in it.
    active: Mapped[bool] = mapped_column(default=True)

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


class Announcement(Base):
    """A dated public batch of decisions (a weekly briefing, a task-force report)."""

    __tablename__ = "announcement"
    __table_args__ = (
        CheckConstraint(
            "(state = 'published' AND published_at IS NOT NULL)"
            " OR (state = 'draft' AND published_at IS NULL)",
            name="published_at_iff_published",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    announced_on: Mapped[date]
    summary: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[AnnouncementState] = mapped_column(
        enum_column(AnnouncementState, "announcement_state"), default=AnnouncementState.DRAFT
    )
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    proposals: Mapped[list[Proposal]] = relationship(
        back_populates="announcement", order_by="Proposal.repeal_no, Proposal.id"
    )


class Proposal(Base):
    """One request to repeal or relax a regulation, with every field of the office's form."""

    __tablename__ = "proposal"
    __table_args__ = (
        CheckConstraint(
            "(state = 'draft' AND receipt_no IS NULL AND submitted_at IS NULL)"
            " OR (state <> 'draft' AND receipt_no IS NOT NULL AND submitted_at IS NOT NULL)",
            name="receipt_iff_submitted",
        ),
        CheckConstraint(
            "(state = 'draft' AND stage = 'intake')"
            " OR (state = 'submitted' AND stage = 'intake')"
            " OR (state = 'info_requested' AND stage IN ('intake', 'review'))"
            " OR (state = 'in_review' AND stage = 'review')"
            " OR (state = 'in_deliberation' AND stage = 'deliberation')"
            " OR (state IN ('decided', 'announced') AND stage = 'decision')"
            " OR (state IN ('withdrawn', 'merged'))",
            name="state_matches_stage",
        ),
        CheckConstraint(
            f"(state IN ('draft', 'submitted', 'info_requested', 'in_review', 'in_deliberation')"
            f" AND outcome IS NULL)"
            f" OR (state = 'decided' AND outcome IN {_DECIDED})"
            f" OR (state = 'announced' AND outcome IN {_ANNOUNCEABLE})"
            f" OR (state = 'withdrawn' AND outcome = 'withdrawn')"
            f" OR (state = 'merged' AND outcome = 'merged')",
            name="outcome_matches_state",
        ),
        CheckConstraint(
            "(state = 'announced' AND repeal_no IS NOT NULL AND announcement_id IS NOT NULL)"
            " OR (state <> 'announced' AND repeal_no IS NULL)",
            name="repeal_no_iff_announced",
        ),
        CheckConstraint(
            f"announcement_id IS NULL OR outcome IN {_ANNOUNCEABLE}",
            name="only_repeals_in_announcements",
        ),
        CheckConstraint("repeal_no IS NULL OR repeal_no > 0", name="repeal_no_positive"),
        CheckConstraint(
            "(state = 'merged' AND merged_into_id IS NOT NULL AND merged_into_id <> id)"
            " OR (state <> 'merged' AND merged_into_id IS NULL)",
            name="merged_iff_pointer",
        ),
        CheckConstraint(
            "(info_requested_at IS NULL) = (state <> 'info_requested')",
            name="clock_paused_iff_info_requested",
        ),
        CheckConstraint(
            "consent_at IS NOT NULL OR state = 'draft'", name="consent_before_submission"
        ),
        CheckConstraint(
            "(state = 'announced' AND implementation_stage IS NOT NULL)"
            " OR (state <> 'announced' AND implementation_stage IS NULL"
            " AND effective_on IS NULL AND ordinance_change_needed IS NULL)",
            name="implementation_only_when_announced",
        ),
        CheckConstraint(
            "implementation_stage IS NULL OR implementation_stage <> 'in_force'"
            " OR effective_on IS NOT NULL",
            name="in_force_has_a_date",
        ),
        UniqueConstraint("proposer_id", "idempotency_key"),
        UniqueConstraint("organisation_id", "external_id"),
        Index("ix_proposal_state_stage", "state", "stage"),
        Index("ix_proposal_submitted_at_id", "submitted_at", "id"),
        # The office's queues: keyset pages over (submitted_at, id) within a state, a reviewer's
        # or a department's share, and the most recently changed first.
        Index("ix_proposal_state_submitted_at_id", "state", "submitted_at", "id"),
        Index(
            "ix_proposal_reviewer_state_submitted_at_id",
            "assigned_reviewer_id",
            "state",
            "submitted_at",
            "id",
        ),
        Index(
            "ix_proposal_department_state_submitted_at_id",
            "owning_department_id",
            "state",
            "submitted_at",
            "id",
        ),
        Index("ix_proposal_updated_at_id", "updated_at", "id"),
        # Most recently changed first within a state: the ids of a page read from the index alone
        # (over the updated_at index the page stepped over 58,000 other rows at a million).
        Index("ix_proposal_state_updated_at_id", "state", "updated_at", "id"),
        # "Ready for deliberation": in review with the office's opinion recorded.
        Index("ix_proposal_state_reviewed_at", "state", "reviewed_at"),
        Index(
            "ix_proposal_ready_submitted_at_id",
            "submitted_at",
            "id",
            postgresql_where=text(_READY),
            sqlite_where=text(_READY),
        ),
        Index(
            "ix_proposal_ready_updated_at_id",
            "updated_at",
            "id",
            postgresql_where=text(_READY),
            sqlite_where=text(_READY),
        ),
        # "Overdue" is among the states with a running clock: a page in either order, and (with
        # what the condition reads included) its capped count, without reading the rows.
        Index(
            "ix_proposal_clock_submitted_at_id",
            "submitted_at",
            "id",
            postgresql_where=text(_CLOCK_RUNNING),
            sqlite_where=text(_CLOCK_RUNNING),
        ),
        Index(
            "ix_proposal_clock_updated_at_id",
            "updated_at",
            "id",
            postgresql_include=["state", "submitted_at", "clock_started_at", "reviewed_at"],
            postgresql_where=text(_CLOCK_RUNNING),
            sqlite_where=text(_CLOCK_RUNNING),
        ),
        # The office's queue counts under a filter no other index serves (sector, type, source,
        # channel …): one pass over the open proposals, read from this index alone, sector first
        # (0.44 s → 34 ms at a million for one sector and stage).
        Index(
            "ix_proposal_open_counts",
            "sector_code",
            postgresql_include=list(_OPEN_COUNTED),
            postgresql_where=text(f"state IN {_OPEN}"),
            sqlite_where=text(f"state IN {_OPEN}"),
        ),
        # The public register, newest first: only screened proposals (the newest are mostly
        # not, and a full index had to skip them all). The predicate is public_condition().
        Index(
            "ix_proposal_public_submitted_at_id",
            "submitted_at",
            "id",
            postgresql_where=text(_PUBLIC),
            sqlite_where=text(_PUBLIC),
        ),
        # The repeal register in number order. The unique index on repeal_no also holds the
        # NULL of every proposal not announced, and a filter matching few repeals walked them all.
        # Sector and type ride along (PostgreSQL) so the register's filtered totals are counted
        # from the index alone (400 ms → 16 ms at a million for one sector).
        # The announcement forms page through the backlog in id order (filtered by sector or a
        # title word): the primary key stepped over every other proposal to find them.
        Index(
            "ix_proposal_awaiting_announcement_id",
            "id",
            postgresql_where=text(_AWAITING_ANNOUNCEMENT),
            sqlite_where=text(_AWAITING_ANNOUNCEMENT),
        ),
        Index(
            "ix_proposal_announced_repeal_no",
            "repeal_no",
            postgresql_where=text("state = 'announced'"),
            postgresql_include=["sector_code", "regulation_type_code"],
            sqlite_where=text("state = 'announced'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_no: Mapped[str | None] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    current_regulation: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str | None] = mapped_column(Text)
    problem: Mapped[str] = mapped_column(Text)
    proposed_change: Mapped[str] = mapped_column(Text)
    expected_effect: Mapped[str] = mapped_column(Text)

    # The proposer's contact: private, shown only to the staff who need it.
    contact_name: Mapped[str] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    consent_version: Mapped[str | None] = mapped_column(String(20))
    consent_at: Mapped[datetime | None]
    # When the retention job erased the contact and attachments (the proposal itself stays).
    personal_data_destroyed_at: Mapped[datetime | None]

    source_kind: Mapped[SourceKind] = mapped_column(enum_column(SourceKind, "source_kind"))
    channel_code: Mapped[str] = mapped_column(ForeignKey("channel.code"), index=True)
    sector_code: Mapped[str | None] = mapped_column(ForeignKey("sector.code"), index=True)
    regulation_type_code: Mapped[str | None] = mapped_column(
        ForeignKey("regulation_type.code"), index=True
    )
    classification_confirmed: Mapped[bool] = mapped_column(default=False)

    proposer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    # Staff who typed it in for the proposer (assisted intake), when not the proposer.
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"), index=True)
    assigned_reviewer_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id"), index=True
    )
    # The department that owns the regulation (소관부서), once the office has transferred it, and
    # the date by which it owes its opinion (and, to keep the rule, its justification).
    owning_department_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    department_due_on: Mapped[date | None]
    # Deadlines run from here in business days: the submission, moved later by the business days
    # spent waiting for the proposer (None: never paused, the clock runs from submitted_at).
    clock_started_at: Mapped[datetime | None]
    # When the office first recorded its review opinion (the first-review target).
    reviewed_at: Mapped[datetime | None]

    state: Mapped[State] = mapped_column(enum_column(State, "state"), default=State.DRAFT)
    stage: Mapped[Stage] = mapped_column(enum_column(Stage, "stage"), default=Stage.INTAKE)
    outcome: Mapped[Outcome | None] = mapped_column(enum_column(Outcome, "outcome"))
    info_requested_at: Mapped[datetime | None]
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id"), index=True)
    external_ref: Mapped[str | None] = mapped_column(String(100))
    announcement_id: Mapped[int | None] = mapped_column(ForeignKey("announcement.id"), index=True)
    repeal_no: Mapped[int | None] = mapped_column(unique=True)
    # Implementation after announcement (이행): shown publicly in the repeal register.
    ordinance_change_needed: Mapped[bool | None]
    implementation_stage: Mapped[ImplementationStage | None] = mapped_column(
        enum_column(ImplementationStage, "implementation_stage")
    )
    effective_on: Mapped[date | None]

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)
    # The key of the form or API call that created it: a repeated submission finds this row.
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    # The submitting organisation's own id for a bulk-imported row: a second upload finds it.
    external_id: Mapped[str | None] = mapped_column(String(100))

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it here

    proposer: Mapped[User] = relationship(foreign_keys=[proposer_id])
    entered_by: Mapped[User | None] = relationship(foreign_keys=[entered_by_id])
    assigned_reviewer: Mapped[User | None] = relationship(foreign_keys=[assigned_reviewer_id])
    organisation: Mapped[Organisation | None] = relationship(foreign_keys=[organisation_id])
    owning_department: Mapped[Organisation | None] = relationship(
        foreign_keys=[owning_department_id]
    )
    campaign: Mapped[Campaign | None] = relationship()
    merged_into: Mapped[Proposal | None] = relationship(remote_side=[id])
    announcement: Mapped[Announcement | None] = relationship(back_populates="proposals")
    events: Mapped[list[ProposalEvent]] = relationship(
        back_populates="proposal", order_by="ProposalEvent.id"
    )
    decisions: Mapped[list[Decision]] = relationship(
        back_populates="proposal", order_by="Decision.id"
    )
    reviews: Mapped[list[Review]] = relationship(back_populates="proposal", order_by="Review.id")

    @property
    def current_decision(self) -> Decision | None:
        return self.decisions[-1] if self.decisions else None

    def __repr__(self) -> str:
        return f"<Proposal {self.id} {self.receipt_no} {self.state}>"


class ProposalEvent(Base):
    """One change to a proposal: who, when, from which state and stage to which, and why.

    Append-only: the ORM refuses updates and deletes, and the migration installs triggers that
    refuse them in the database too.
    """

    __tablename__ = "proposal_event"
    __table_args__ = (Index("ix_proposal_event_proposal_id_id", "proposal_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"))
    kind: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    from_state: Mapped[State | None] = mapped_column(enum_column(State, "event_from_state"))
    to_state: Mapped[State] = mapped_column(enum_column(State, "event_to_state"))
    from_stage: Mapped[Stage | None] = mapped_column(enum_column(Stage, "event_from_stage"))
    to_stage: Mapped[Stage] = mapped_column(enum_column(Stage, "event_to_stage"))
    note: Mapped[str] = mapped_column(Text, default="")
    visible_to_proposer: Mapped[bool] = mapped_column(default=True)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    proposal: Mapped[Proposal] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


@event.listens_for(ProposalEvent, "before_update")
@event.listens_for(ProposalEvent, "before_delete")
def _events_are_append_only(mapper: Any, connection: Any, target: ProposalEvent) -> None:
    raise ValueError("proposal events are append-only")


class Review(Base):
    """A reviewer's or the owning department's opinion on a proposal."""

    __tablename__ = "review"
    __table_args__ = (
        CheckConstraint(
            f"recommendation IS NULL OR recommendation IN {_DECIDED}",
            name="recommendation_is_an_outcome",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[ReviewKind] = mapped_column(enum_column(ReviewKind, "review_kind"))
    opinion: Mapped[str] = mapped_column(Text)
    recommendation: Mapped[str | None] = mapped_column(String(32))
    # The department's justification to keep a regulation (the burden of proof lies with it).
    keep_purpose: Mapped[str | None] = mapped_column(Text)
    keep_evidence: Mapped[str | None] = mapped_column(Text)
    keep_harm_if_repealed: Mapped[str | None] = mapped_column(Text)
    keep_alternatives: Mapped[str | None] = mapped_column(Text)
    keep_responsible_official: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="reviews")
    author: Mapped[User] = relationship()


class Decision(Base):
    """The recorded outcome of a proposal with its reasons; a re-examination adds a new one."""

    __tablename__ = "decision"
    __table_args__ = (
        CheckConstraint(
            "outcome <> 'not_accepted' OR reason_code IS NOT NULL",
            name="decline_needs_reason_code",
        ),
        UniqueConstraint("proposal_id", "sequence"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), index=True)
    sequence: Mapped[int] = mapped_column(default=1)
    outcome: Mapped[Outcome] = mapped_column(enum_column(Outcome, "decision_outcome"))
    reasons: Mapped[str] = mapped_column(Text)
    reason_code: Mapped[str | None] = mapped_column(ForeignKey("decline_reason.code"))
    responsible_official: Mapped[str] = mapped_column(String(100), default="")
    external_ref: Mapped[str | None] = mapped_column(String(100))
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="decisions")
    decided_by: Mapped[User] = relationship()


class ProposalStageFigure(Base):
    """Derived from the event trail, never edited: one row per stage a proposal has reached, with
    the business days it has spent there for the public figures (None while the stage is still
    running or was only spent waiting for the proposer). Rebuilt for a proposal at every flush
    that changes it (``workflows.figures``), so the dashboard aggregates it in SQL."""

    __tablename__ = "proposal_stage_figure"

    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), primary_key=True
    )
    stage: Mapped[Stage] = mapped_column(enum_column(Stage, "stage_figure_stage"), primary_key=True)
    business_days: Mapped[int | None]


class ProposalTally(Base):
    """How many proposals have each combination of the registers' columns, as signed deltas
    written by triggers on ``proposal`` (+1 for a row's new values, -1 for its old ones, on every
    insert, delete and update that changes one of them), in the same transaction as the change.
    A register's total under any filter is then a sum over a few thousand rows instead of a count
    over a million proposals, and it is never older than the rows the page lists. The deltas are
    summed into one row per combination now and then (``workflows.tally.compact``); the
    proposals stay the truth (``workflows.tally.rebuild``)."""

    __tablename__ = "proposal_tally"

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[State] = mapped_column(enum_column(State, None))
    stage: Mapped[Stage] = mapped_column(enum_column(Stage, None))
    source_kind: Mapped[SourceKind] = mapped_column(enum_column(SourceKind, None))
    sector_code: Mapped[str | None] = mapped_column(String(40))
    regulation_type_code: Mapped[str | None] = mapped_column(String(40))
    announcement_id: Mapped[int | None]
    n: Mapped[int]
