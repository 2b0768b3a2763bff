"""What the public may see: the office's publication policy, the repeal register and the public
list of proposals, with personal data masked. Views render these; they decide nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session, joinedload

from models import (
    Announcement,
    AnnouncementState,
    Decision,
    Proposal,
    ProposalEvent,
    Stage,
    State,
)
from models.masking import mask_name, mask_text

# A proposal is public once the office has screened it (taken it into review): the text has been
# read by staff and personal data in it can be masked. Withdrawn proposals are not shown (the
# proposer took their text back); drafts and unscreened submissions are not either.
PUBLIC_STATES = frozenset(
    {State.IN_REVIEW, State.IN_DELIBERATION, State.DECIDED, State.ANNOUNCED, State.MERGED}
)

# Events that make up the public timeline (internal notes, assignments and opinions stay inside).
PUBLIC_EVENT_KINDS = {
    "submit_proposal": "접수",
    "start_review": "검토 시작",
    "request_information": "보완 요청",
    "answer_information_request": "보완 답변",
    "merge_proposal": "중복 병합",
    "send_to_deliberation": "심의 회부",
    "forward_to_central": "중앙정부 건의",
    "decline_proposal": "불수용",
    "decide_proposal": "결정",
    "publish_announcement": "규제철폐 발표",
    "update_implementation": "이행",
}
PUBLIC_NOTE_KINDS = {
    "merge_proposal",
    "forward_to_central",
    "decline_proposal",
    "decide_proposal",
    "publish_announcement",
    "update_implementation",
}


def public_condition() -> ColumnElement[bool]:
    """SQL form of the publication policy."""
    return or_(
        Proposal.state.in_(list(PUBLIC_STATES)),
        and_(Proposal.state == State.INFO_REQUESTED, Proposal.stage == Stage.REVIEW),
    )


def is_public(proposal: Proposal) -> bool:
    return proposal.state in PUBLIC_STATES or (
        proposal.state is State.INFO_REQUESTED and proposal.stage is Stage.REVIEW
    )


@dataclass(frozen=True)
class PublicFilter:
    sector: str | None = None
    regulation_type: str | None = None
    announcement_id: int | None = None
    stage: str | None = None
    source: str | None = None


def _filtered(query: Select[Any], filters: PublicFilter) -> Select[Any]:
    if filters.sector:
        query = query.where(Proposal.sector_code == filters.sector)
    if filters.regulation_type:
        query = query.where(Proposal.regulation_type_code == filters.regulation_type)
    if filters.announcement_id:
        query = query.where(Proposal.announcement_id == filters.announcement_id)
    if filters.stage:
        query = query.where(Proposal.stage == filters.stage)
    if filters.source:
        query = query.where(Proposal.source_kind == filters.source)
    return query


def repeal_register(session: Session, filters: PublicFilter | None = None) -> list[Proposal]:
    """규제철폐 1호 … N호 in number order, with their announcements."""
    query = (
        select(Proposal)
        .where(Proposal.state == State.ANNOUNCED)
        .options(joinedload(Proposal.announcement))
        .order_by(Proposal.repeal_no)
    )
    return list(session.scalars(_filtered(query, filters or PublicFilter())))


def repeal_register_page(
    session: Session,
    filters: PublicFilter,
    *,
    page: int = 1,
    per_page: int = 50,
    total: int | None = None,
) -> Page:
    """One page of the register in number order (``total`` when the caller has it cached)."""
    query = _filtered(select(Proposal).where(Proposal.state == State.ANNOUNCED), filters)
    if total is None:
        total = count_rows(session, query)
    items = list(
        session.scalars(
            query.options(joinedload(Proposal.announcement))
            .order_by(Proposal.repeal_no)
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
    )
    return Page(items, total, page, per_page)


def count_rows(session: Session, query: Select[Any]) -> int:
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def count_repeals(session: Session, filters: PublicFilter) -> int:
    return count_rows(
        session, _filtered(select(Proposal.id).where(Proposal.state == State.ANNOUNCED), filters)
    )


def count_public_proposals(session: Session, filters: PublicFilter) -> int:
    return count_rows(session, _filtered(select(Proposal.id).where(public_condition()), filters))


def repeal_by_number(session: Session, number: int) -> Proposal | None:
    return session.scalar(
        select(Proposal).where(Proposal.repeal_no == number, Proposal.state == State.ANNOUNCED)
    )


def published_announcements(session: Session) -> list[Announcement]:
    return list(
        session.scalars(
            select(Announcement)
            .where(Announcement.state == AnnouncementState.PUBLISHED)
            .order_by(Announcement.announced_on, Announcement.id)
        )
    )


def published_announcement(session: Session, announcement_id: int) -> Announcement | None:
    announcement = session.get(Announcement, announcement_id)
    if announcement is None or announcement.state is not AnnouncementState.PUBLISHED:
        return None
    return announcement


@dataclass(frozen=True)
class Page:
    items: list[Proposal]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def public_proposals(
    session: Session,
    filters: PublicFilter,
    *,
    page: int = 1,
    per_page: int = 50,
    total: int | None = None,
) -> Page:
    """Public proposals, newest first (``total`` when the caller has it cached)."""
    base = _filtered(select(Proposal).where(public_condition()), filters)
    if total is None:
        total = count_public_proposals(session, filters)
    items = list(
        session.scalars(
            base.order_by(Proposal.submitted_at.desc(), Proposal.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
    )
    return Page(items, total, page, per_page)


def public_proposal(session: Session, receipt_no: str) -> Proposal | None:
    proposal = session.scalar(select(Proposal).where(Proposal.receipt_no == receipt_no))
    if proposal is None or not is_public(proposal):
        return None
    return proposal


@dataclass(frozen=True)
class PublicText:
    """A proposal's public fields, with personal data masked."""

    proposer: str
    title: str
    current_regulation: str
    legal_basis: str
    problem: str
    proposed_change: str
    expected_effect: str


def public_text(proposal: Proposal) -> PublicText:
    """The texts as the public (and the search index) may see them: contact details and the
    proposer's own name masked, also where they were typed into the free texts."""
    names = (proposal.contact_name,)
    return PublicText(
        proposer=mask_name(proposal.contact_name),
        title=mask_text(proposal.title, names),
        current_regulation=mask_text(proposal.current_regulation, names),
        legal_basis=mask_text(proposal.legal_basis, names),
        problem=mask_text(proposal.problem, names),
        proposed_change=mask_text(proposal.proposed_change, names),
        expected_effect=mask_text(proposal.expected_effect, names),
    )


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    label: str
    note: str


def public_timeline(session: Session, proposal: Proposal) -> list[TimelineEntry]:
    events = session.scalars(
        select(ProposalEvent)
        .where(
            ProposalEvent.proposal_id == proposal.id,
            ProposalEvent.kind.in_(list(PUBLIC_EVENT_KINDS)),
        )
        .order_by(ProposalEvent.occurred_at, ProposalEvent.id)
    )
    return [
        TimelineEntry(
            e.occurred_at,
            PUBLIC_EVENT_KINDS[e.kind],
            mask_text(e.note) if e.kind in PUBLIC_NOTE_KINDS else "",
        )
        for e in events
    ]


def public_decision(proposal: Proposal) -> Decision | None:
    """The decision the public may read: only once the case is decided."""
    if proposal.state in (State.DECIDED, State.ANNOUNCED):
        return proposal.current_decision
    return None
