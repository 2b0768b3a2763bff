"""What the public may see: the office's publication policy, the repeal register and the public
list of proposals, with personal data masked. Views render these; they decide nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select, tuple_
from sqlalchemy.orm import Session, joinedload

from models import (
    Announcement,
    AnnouncementState,
    Decision,
    Proposal,
    ProposalEvent,
    ProposalTally,
    Stage,
    State,
)
from models.masking import mask_name, mask_text

from . import tally

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


def public_condition(of: type[Proposal] | type[ProposalTally] = Proposal) -> ColumnElement[bool]:
    """SQL form of the publication policy, over the proposals (or their tally's same columns)."""
    return or_(
        of.state.in_(list(PUBLIC_STATES)),
        and_(of.state == State.INFO_REQUESTED, of.stage == Stage.REVIEW),
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
    return query.where(*_filter_conditions(filters))


def _filter_conditions(
    filters: PublicFilter, of: type[Proposal] | type[ProposalTally] = Proposal
) -> list[ColumnElement[bool]]:
    conditions = []
    if filters.sector:
        conditions.append(of.sector_code == filters.sector)
    if filters.regulation_type:
        conditions.append(of.regulation_type_code == filters.regulation_type)
    if filters.announcement_id:
        conditions.append(of.announcement_id == filters.announcement_id)
    if filters.stage:
        conditions.append(of.stage == filters.stage)
    if filters.source:
        conditions.append(of.source_kind == filters.source)
    return conditions


def repeal_register(session: Session, filters: PublicFilter | None = None) -> list[Proposal]:
    """규제철폐 1호 … N호 in number order, with their announcements."""
    query = (
        select(Proposal)
        .where(Proposal.state == State.ANNOUNCED)
        .options(joinedload(Proposal.announcement))
        .order_by(Proposal.repeal_no)
    )
    return list(session.scalars(_filtered(query, filters or PublicFilter())))


def count_repeals(session: Session, filters: PublicFilter) -> int:
    """The repeal register's total, summed from the proposals' tally (``workflows.tally``)."""
    of = ProposalTally
    return tally.total(session, of.state == State.ANNOUNCED, *_filter_conditions(filters, of))


def count_public_proposals(session: Session, filters: PublicFilter) -> int:
    """The public register's total, summed from the proposals' tally (``workflows.tally``)."""
    of = ProposalTally
    return tally.total(session, public_condition(of), *_filter_conditions(filters, of))


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


def announced_counts(session: Session) -> dict[int, int]:
    """How many repeals each announcement carries, counted in the database (the announcements'
    page loaded every announced proposal to count them: seconds at a million proposals)."""
    rows = session.execute(
        select(Proposal.announcement_id, func.count(Proposal.id))
        .where(Proposal.announcement_id.is_not(None))
        .group_by(Proposal.announcement_id)
    )
    return {announcement_id: count for announcement_id, count in rows if announcement_id}


def published_announcement(session: Session, announcement_id: int) -> Announcement | None:
    announcement = session.get(Announcement, announcement_id)
    if announcement is None or announcement.state is not AnnouncementState.PUBLISHED:
        return None
    return announcement


@dataclass(frozen=True)
class Keyset:
    """Where a register page starts. ``after``: the rows that follow this key in the register's
    order (the "next" link); ``before``: the rows that precede it (the "previous" link); neither:
    the top, moved down by ``offset`` rows only for an old ``?page=N`` link (kept for small N).
    A key is the register's sort columns of one row, so a deep page costs what the first does:
    the index is entered at the key instead of stepping over every earlier row."""

    after: tuple[Any, ...] | None = None
    before: tuple[Any, ...] | None = None
    offset: int = 0


@dataclass(frozen=True)
class Page:
    """One page of a register: its rows and the keys the "previous" and "next" links carry
    (None: no such page). ``first`` is the top of the register, which needs no "first" link."""

    items: list[Proposal]
    total: int
    per_page: int
    prev_key: tuple[Any, ...] | None
    next_key: tuple[Any, ...] | None
    first: bool


@dataclass(frozen=True)
class _Order:
    """A register's order: its sort columns (unique together, the last one the tie-breaker)."""

    columns: tuple[Any, ...]
    descending: bool

    def key(self, proposal: Proposal) -> tuple[Any, ...]:
        return tuple(getattr(proposal, column.key) for column in self.columns)

    def seek(self, key: tuple[Any, ...], *, later: bool) -> ColumnElement[bool]:
        """The rows after (``later``) or before ``key`` in this order, as one row-value
        comparison: PostgreSQL and SQLite both enter a (submitted_at, id) index with it."""
        row = tuple_(*self.columns) if len(self.columns) > 1 else self.columns[0]
        value = (
            tuple_(*(literal(v, c.type) for v, c in zip(key, self.columns, strict=True)))
            if len(self.columns) > 1
            else literal(key[0], self.columns[0].type)
        )
        return row < value if later == self.descending else row > value

    def sorted(self, query: Select[Any], *, reverse: bool = False) -> Select[Any]:
        ascending = self.descending == reverse
        return query.order_by(*(c.asc() if ascending else c.desc() for c in self.columns))


PUBLIC_ORDER = _Order((Proposal.submitted_at, Proposal.id), descending=True)
REPEAL_ORDER = _Order((Proposal.repeal_no,), descending=False)


def _register_page(
    session: Session,
    query: Select[Any],
    order: _Order,
    keyset: Keyset,
    *,
    per_page: int,
    total: int,
    options: tuple[Any, ...] = (),
) -> Page:
    """One page of ``query`` in ``order`` from ``keyset``: ``per_page + 1`` rows are read to know
    whether the page fetched towards has a further page. The other side is taken to exist
    when the page was reached from it (a cursor is the key of a row shown there): a probe would
    cost a query per page, and a hand-made cursor only gets a link to the top or to an empty
    page that links back to the top."""
    if total == 0:
        # Nothing matches (the cached total says so): the index walk would find nothing at the
        # cost of reading every entry (1.6 s at a million for /proposals?stage=intake).
        return Page([], total, per_page, None, None, keyset == Keyset())
    backward = keyset.before is not None
    page_query = query
    if keyset.after is not None:
        page_query = query.where(order.seek(keyset.after, later=True))
    elif keyset.before is not None:
        page_query = query.where(order.seek(keyset.before, later=False))
    rows = list(
        session.scalars(
            order.sorted(page_query, reverse=backward)
            .options(*options)
            .offset(keyset.offset)
            .limit(per_page + 1)
        )
    )
    more = len(rows) > per_page
    items = rows[:per_page]
    if backward:
        items.reverse()
        if not more and len(items) < per_page:
            # Back at the top with a short page (rows were added since): show the first page.
            return _register_page(
                session, query, order, Keyset(), per_page=per_page, total=total, options=options
            )
    first = keyset == Keyset() or (backward and not more)
    if not items:
        return Page(items, total, per_page, None, None, first)
    has_prev = more if backward else not first
    has_next = backward or more
    return Page(
        items,
        total,
        per_page,
        order.key(items[0]) if has_prev else None,
        order.key(items[-1]) if has_next else None,
        first,
    )


def repeal_register_page(
    session: Session,
    filters: PublicFilter,
    keyset: Keyset | None = None,
    *,
    per_page: int = 50,
    total: int | None = None,
) -> Page:
    """One page of the register in number order (``total`` when the caller has it cached)."""
    query = _filtered(select(Proposal).where(Proposal.state == State.ANNOUNCED), filters)
    if total is None:
        total = count_repeals(session, filters)
    return _register_page(
        session,
        query,
        REPEAL_ORDER,
        keyset or Keyset(),
        per_page=per_page,
        total=total,
        options=(joinedload(Proposal.announcement),),
    )


def _slice_after(
    session: Session,
    query: Select[Any],
    order: _Order,
    after: tuple[Any, ...] | None,
    *,
    limit: int,
    options: tuple[Any, ...] = (),
) -> tuple[list[Proposal], tuple[Any, ...] | None]:
    """Up to ``limit`` rows of ``query`` in ``order`` that follow the key ``after`` (from the
    first without it), and the key the next slice starts after (None: this one reached the end).
    The API's paging: forward only and without a total, so a slice costs one index walk of
    ``limit + 1`` rows."""
    if after is not None:
        query = query.where(order.seek(after, later=True))
    rows = list(session.scalars(order.sorted(query).options(*options).limit(limit + 1)))
    items = rows[:limit]
    return items, (tuple(order.key(items[-1])) if len(rows) > limit else None)


def repeals_after(
    session: Session, filters: PublicFilter, after: tuple[int] | None, *, limit: int
) -> tuple[list[Proposal], tuple[Any, ...] | None]:
    """The repeal register's slice after repeal number ``after`` (see ``_slice_after``)."""
    query = _filtered(select(Proposal).where(Proposal.state == State.ANNOUNCED), filters)
    return _slice_after(
        session,
        query,
        REPEAL_ORDER,
        after,
        limit=limit,
        options=(joinedload(Proposal.announcement),),
    )


def public_proposals(
    session: Session,
    filters: PublicFilter,
    keyset: Keyset | None = None,
    *,
    per_page: int = 50,
    total: int | None = None,
) -> Page:
    """Public proposals, newest first (``total`` when the caller has it cached)."""
    query = _filtered(select(Proposal).where(public_condition()), filters)
    if total is None:
        total = count_public_proposals(session, filters)
    return _register_page(
        session, query, PUBLIC_ORDER, keyset or Keyset(), per_page=per_page, total=total
    )


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


# A person's own proposals (the citizen's "my proposals" page): the latest created first.
OWN_ORDER = _Order((Proposal.created_at, Proposal.id), descending=True)


def _own_query(user_id: int) -> Select[Any]:
    """What one person proposed, and what they entered for others (``entered_by_id``)."""
    return select(Proposal).where(
        or_(Proposal.proposer_id == user_id, Proposal.entered_by_id == user_id)
    )


def own_proposals_page(
    session: Session, user_id: int, keyset: Keyset | None = None, *, per_page: int = 50
) -> Page:
    """One page of a person's proposals, drafts included, the latest created first."""
    query = _own_query(user_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    return _register_page(
        session, query, OWN_ORDER, keyset or Keyset(), per_page=per_page, total=total
    )


def submitted_by_after(
    session: Session, user_id: int, after: tuple[datetime, int] | None, *, limit: int
) -> tuple[list[Proposal], tuple[Any, ...] | None]:
    """A proposer's submitted proposals, the latest first, after the key ``after``
    (submitted_at, id): the API's ``GET /me/proposals`` (see ``_slice_after``)."""
    query = select(Proposal).where(Proposal.proposer_id == user_id, Proposal.state != State.DRAFT)
    return _slice_after(session, query, PUBLIC_ORDER, after, limit=limit)
