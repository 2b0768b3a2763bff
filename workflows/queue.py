"""The office's work queues (read side): named queues with live counts, combinable filters and
keyset pagination over an index, so a page costs the same on the first and the millionth row."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, true
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.elements import True_

from models import (
    OPEN_STATES,
    Campaign,
    Proposal,
    ProposalTally,
    Role,
    SourceKind,
    Stage,
    State,
    User,
    utcnow,
)

from . import tally
from .deadlines import Targets, overdue_clause, seoul_today

QUEUES = ("all", "new", "mine", "waiting", "in_review", "ready", "overdue")
SORTS = ("newest", "oldest", "updated")
PAGE_SIZE = 50
# Counts are exact up to here; beyond it a queue shows "more than" (a count over a million rows
# on every page view would cost seconds; a capped one reads at most this many index entries).
COUNT_CAP = 10_000
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class QueueFilter:
    """Everything a queue view can be narrowed by; all optional and combinable."""

    queue: str = "all"
    stage: Stage | None = None
    state: State | None = None
    sector: str | None = None
    regulation_type: str | None = None
    source: SourceKind | None = None
    channel: str | None = None
    campaign: str | None = None
    organisation: int | None = None
    reviewer: int | None = None  # 0: nobody assigned yet
    department: int | None = None
    min_age_days: int | None = None
    max_age_days: int | None = None
    q: str | None = None
    # The proposals the search index matched for ``q``; None: match ``q`` in the database.
    q_ids: frozenset[int] | None = None
    sort: str = "newest"
    after: tuple[datetime, int] | None = None
    limit: int = PAGE_SIZE
    extra: dict[str, Any] = field(default_factory=dict)


def scope_clause(actor: User) -> ColumnElement[bool]:
    """What an actor's queues may contain: officials see their department's share only."""
    if actor.role is Role.OFFICIAL:
        return Proposal.owning_department_id == actor.organisation_id
    return true()


def queue_clause(name: str, actor: User, targets: Targets, now: datetime) -> ColumnElement[bool]:
    if name == "new":
        return Proposal.state == State.SUBMITTED
    if name == "mine":
        return and_(Proposal.assigned_reviewer_id == actor.id, Proposal.state.in_(OPEN_STATES))
    if name == "waiting":
        return Proposal.state == State.INFO_REQUESTED
    if name == "in_review":
        return Proposal.state == State.IN_REVIEW
    if name == "ready":
        return and_(Proposal.state == State.IN_REVIEW, Proposal.reviewed_at.is_not(None))
    if name == "overdue":
        return overdue_clause(targets, now)
    return Proposal.state != State.DRAFT


def _filters(session: Session, f: QueueFilter, now: datetime) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [Proposal.state != State.DRAFT]
    if f.stage is not None:
        where.append(Proposal.stage == f.stage)
    if f.state is not None:
        where.append(Proposal.state == f.state)
    if f.sector:
        where.append(Proposal.sector_code == f.sector)
    if f.regulation_type:
        where.append(Proposal.regulation_type_code == f.regulation_type)
    if f.source is not None:
        where.append(Proposal.source_kind == f.source)
    if f.channel:
        where.append(Proposal.channel_code == f.channel)
    if f.campaign:
        campaign_id = session.scalar(select(Campaign.id).where(Campaign.code == f.campaign))
        where.append(Proposal.campaign_id == (campaign_id or -1))
    if f.organisation is not None:
        where.append(Proposal.organisation_id == f.organisation)
    if f.department is not None:
        where.append(Proposal.owning_department_id == f.department)
    if f.reviewer == 0:
        where.append(Proposal.assigned_reviewer_id.is_(None))
    elif f.reviewer is not None:
        where.append(Proposal.assigned_reviewer_id == f.reviewer)
    if f.min_age_days is not None:
        where.append(Proposal.submitted_at <= now - timedelta(days=f.min_age_days))
    if f.max_age_days is not None:
        where.append(Proposal.submitted_at >= now - timedelta(days=f.max_age_days))
    if f.q and f.q_ids is not None:
        where.append(or_(Proposal.receipt_no == f.q.strip(), Proposal.id.in_(sorted(f.q_ids))))
    elif f.q:
        text = f.q.strip()
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(
            or_(
                Proposal.receipt_no == text,
                Proposal.title.like(pattern, escape="\\"),
                Proposal.problem.like(pattern, escape="\\"),
            )
        )
    return where


def _sort_column(sort: str) -> Any:
    return Proposal.updated_at if sort == "updated" else Proposal.submitted_at


def _keyset(f: QueueFilter) -> ColumnElement[bool] | None:
    if f.after is None:
        return None
    column = _sort_column(f.sort)
    value, last_id = f.after
    if f.sort == "oldest":
        return or_(column > value, and_(column == value, Proposal.id > last_id))
    return or_(column < value, and_(column == value, Proposal.id < last_id))


def base_query(
    session: Session, actor: User, f: QueueFilter, targets: Targets, now: datetime
) -> Select[Proposal]:
    return select(Proposal).where(
        scope_clause(actor),
        queue_clause(f.queue, actor, targets, now),
        *_filters(session, f, now),
    )


@dataclass(frozen=True)
class Page:
    items: list[Proposal]
    next_after: tuple[datetime, int] | None


def page(
    session: Session,
    actor: User,
    f: QueueFilter,
    targets: Targets,
    now: datetime | None = None,
) -> Page:
    """One page of the queue after the cursor, in the chosen order."""
    now = now or utcnow()
    column = _sort_column(f.sort)
    query = base_query(session, actor, f, targets, now).with_only_columns(Proposal.id)
    if f.sort != "updated":
        # Every proposal past its draft has a submission time (receipt_iff_submitted); saying
        # so lets a newest-first walk of a submitted_at index skip the drafts, sorted first there.
        query = query.where(Proposal.submitted_at.is_not(None))
    keyset = _keyset(f)
    if keyset is not None:
        query = query.where(keyset)
    if f.sort == "oldest":
        query = query.order_by(column.asc(), Proposal.id.asc())
    else:
        query = query.order_by(column.desc(), Proposal.id.desc())
    limit = max(1, min(f.limit, MAX_PAGE_SIZE))
    # The ids first, then the rows: choosing the page needs only indexed columns (an index-only
    # scan of a state's entries in order), where a whole-row query was planned over the
    # updated_at index and stepped over tens of thousands of other states' rows.
    ids = list(session.scalars(query.limit(limit + 1)))
    found = {
        p.id: p
        for p in session.scalars(
            select(Proposal)
            .where(Proposal.id.in_(ids))
            .options(
                selectinload(Proposal.assigned_reviewer),
                selectinload(Proposal.owning_department),
            )
        )
    }
    rows = [found[i] for i in ids if i in found]
    items = rows[:limit]
    following = None
    if len(rows) > limit:
        last = items[-1]
        following = (
            getattr(last, "updated_at" if f.sort == "updated" else "submitted_at"),
            last.id,
        )
    return Page(items, following)


# Filters that no index of the named queues serves: under one of them a small queue's capped
# count read every row of its state to find its few (1-2.5 s each at a million).
_SCATTERING = (
    "sector",
    "regulation_type",
    "source",
    "channel",
    "campaign",
    "organisation",
    "department",
    "min_age_days",
    "max_age_days",
    "q",
)


def counts(
    session: Session,
    actor: User,
    targets: Targets,
    f: QueueFilter | None = None,
    now: datetime | None = None,
    cap: int = COUNT_CAP,
) -> dict[str, int]:
    """The live size of every named queue (within the actor's scope and the other filters),
    exact up to ``cap``; a larger queue counts as ``cap + 1`` ("more than ``cap``")."""
    now = now or utcnow()
    base = replace(f or QueueFilter(), after=None)
    if any(getattr(base, name) not in (None, "") for name in _SCATTERING):
        return _counts_in_one_pass(session, actor, targets, base, now, cap)
    return {name: _capped_count(session, actor, targets, base, name, now, cap) for name in QUEUES}


def _capped_count(
    session: Session,
    actor: User,
    targets: Targets,
    f: QueueFilter,
    name: str,
    now: datetime,
    cap: int,
) -> int:
    query = base_query(session, actor, replace(f, queue=name), targets, now)
    capped = query.with_only_columns(Proposal.id).limit(cap + 1).subquery()
    return session.scalar(select(func.count()).select_from(capped)) or 0


def _counts_in_one_pass(
    session: Session,
    actor: User,
    targets: Targets,
    f: QueueFilter,
    now: datetime,
    cap: int,
) -> dict[str, int]:
    """Under a scattering filter: every named queue but "all" lies among the open states, so
    one pass over the open proposals the filters keep counts them all (a third of the time of
    six capped counts that each read the same rows, measured at a million)."""
    named = [name for name in QUEUES if name != "all"]
    # Counted over the open proposals alone, which one covering index holds with every column
    # read here (``ix_proposal_open_counts``): an index-only scan instead of visiting the rows.
    row = session.execute(
        select(*(func.count().filter(queue_clause(name, actor, targets, now)) for name in named))
        .select_from(Proposal)
        .where(
            Proposal.state.in_(sorted(OPEN_STATES)),
            scope_clause(actor),
            *_filters(session, f, now),
        )
    ).one()
    found = dict(zip(named, row, strict=True))
    everything = _all_from_tally(session, actor, f)
    if everything is None:
        everything = _capped_count(session, actor, targets, f, "all", now, cap)
    found["all"] = everything
    return {name: min(found[name], cap + 1) for name in QUEUES}


# The filters whose columns the registers' tally has (``workflows.tally``).
_TALLIED = {
    "stage": ProposalTally.stage,
    "state": ProposalTally.state,
    "sector": ProposalTally.sector_code,
    "regulation_type": ProposalTally.regulation_type_code,
    "source": ProposalTally.source_kind,
}


def _all_from_tally(session: Session, actor: User, f: QueueFilter) -> int | None:
    """The "all" queue's size summed from the registers' tally when the actor sees every
    proposal and every filter set is one of its columns (the count read up to ``cap`` rows
    besides the other queues' pass: most proposals are decided, outside that pass); else None."""
    if not isinstance(scope_clause(actor), True_):
        return None  # the actor's share (an official's department), which the tally lacks
    conditions = [ProposalTally.state != State.DRAFT]
    for item in fields(f):
        value = getattr(f, item.name)
        if item.name in _PAGE_ONLY or value is None or value == "" or value == {}:
            continue
        column = _TALLIED.get(item.name)
        if column is None:
            return None
        conditions.append(column == value)
    return tally.total(session, *conditions)


# Fields that choose the page, not what is counted: every page of every queue shares its counts.
_PAGE_ONLY = frozenset({"queue", "sort", "after", "limit"})


def counts_key(
    actor: User, targets: Targets, f: QueueFilter, now: datetime | None = None
) -> tuple[Hashable, ...] | None:
    """Everything ``counts`` depends on besides the stored rows, for a cache keyed by the figures
    generation (which any committed change to a proposal or campaign renews). None when the
    counts cannot be cached: an age filter moves with the clock at every second, and a keyword
    is matched through the search index, which the generation does not follow."""
    if f.q or f.q_ids is not None or f.min_age_days is not None or f.max_age_days is not None:
        return None
    if f.extra:
        return None
    # "mine" is the actor's, the scope their role's and department's; "overdue" moves with the
    # Seoul date and the configured targets.
    key: list[Hashable] = [
        actor.id,
        actor.role.value,
        actor.organisation_id,
        targets.review,
        targets.result,
        seoul_today(now).isoformat(),
    ]
    for item in fields(f):
        if item.name not in _PAGE_ONLY and item.name not in ("q", "q_ids", "extra"):
            value = getattr(f, item.name)
            key.append(getattr(value, "value", value))
    return tuple(key)
