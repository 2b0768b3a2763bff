"""Deadlines in business days (weekends and Korean public holidays off): the first-review target,
the final-result target and the owning department's opinion. The clock starts at submission and
is moved later by the business days spent waiting for the proposer, so a pause never counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, func, or_

from models import Proposal, ReviewKind, State, as_utc, utcnow

from .calendar import add_business_days, business_days_between, is_business_day
from .numbering import SEOUL

DEFAULT_REVIEW_DAYS = 14
DEFAULT_RESULT_DAYS = 60
DEFAULT_DEPARTMENT_DAYS = 10

# Where each target applies: the first review until the office has written its opinion, the
# result until a decision (an announced repeal was decided before).
REVIEW_TARGET_STATES = frozenset({State.SUBMITTED, State.IN_REVIEW})
RESULT_TARGET_STATES = frozenset({State.SUBMITTED, State.IN_REVIEW, State.IN_DELIBERATION})


@dataclass(frozen=True)
class Targets:
    """The configured targets, in business days."""

    review: int = DEFAULT_REVIEW_DAYS
    result: int = DEFAULT_RESULT_DAYS
    department: int = DEFAULT_DEPARTMENT_DAYS


def seoul_today(now: datetime | None = None) -> date:
    return as_utc(now or utcnow()).astimezone(SEOUL).date()


def clock_start(proposal: Proposal) -> datetime | None:
    return proposal.clock_started_at or proposal.submitted_at


def resumed_clock(proposal: Proposal, paused_from: datetime, resumed_at: datetime) -> datetime:
    """The clock start after a pause: later by the business days the proposer took to answer."""
    start = clock_start(proposal) or paused_from
    paused = business_days_between(paused_from, resumed_at)
    if paused == 0:
        return start
    shifted = add_business_days(start, paused)
    # Noon in Seoul on the shifted day: deadline arithmetic reads only the Seoul date.
    return datetime.combine(shifted, time(12), tzinfo=SEOUL)


@dataclass(frozen=True)
class Deadline:
    kind: str  # "review" or "result"
    due_on: date
    business_days_left: int  # negative when overdue
    paused: bool

    @property
    def overdue(self) -> bool:
        return not self.paused and self.business_days_left < 0


def _days_left(due_on: date, today: date) -> int:
    if today <= due_on:
        return business_days_between(
            datetime.combine(today, time(12), tzinfo=SEOUL),
            datetime.combine(due_on, time(12), tzinfo=SEOUL),
        )
    return -business_days_between(
        datetime.combine(due_on, time(12), tzinfo=SEOUL),
        datetime.combine(today, time(12), tzinfo=SEOUL),
    )


def deadlines(proposal: Proposal, targets: Targets, now: datetime | None = None) -> list[Deadline]:
    """The targets that still apply to ``proposal``, with their due dates."""
    start = clock_start(proposal)
    if start is None:
        return []
    today = seoul_today(now)
    paused = proposal.state is State.INFO_REQUESTED
    found = []
    reviewing = proposal.state in REVIEW_TARGET_STATES or (paused and proposal.reviewed_at is None)
    if reviewing and proposal.reviewed_at is None:
        due = add_business_days(start, targets.review)
        found.append(Deadline("review", due, _days_left(due, today), paused))
    if proposal.state in RESULT_TARGET_STATES or paused:
        due = add_business_days(start, targets.result)
        found.append(Deadline("result", due, _days_left(due, today), paused))
    return found


def is_overdue(proposal: Proposal, targets: Targets, now: datetime | None = None) -> bool:
    return any(d.overdue for d in deadlines(proposal, targets, now))


def overdue_cutoff(days: int, today: date) -> date:
    """A clock started on a Seoul date before this one is past ``days`` business days today: the
    (days + 1)-th business day counting back from today (the inverse of ``add_business_days``)."""
    day = today
    counted = 1 if is_business_day(day) else 0
    while counted < days + 1:
        day -= timedelta(days=1)
        if is_business_day(day):
            counted += 1
    return day


def _started_before(day: date) -> ColumnElement[bool]:
    moment = datetime.combine(day, time(0), tzinfo=SEOUL)
    started = func.coalesce(Proposal.clock_started_at, Proposal.submitted_at)
    return started < moment


def overdue_clause(targets: Targets, now: datetime | None = None) -> ColumnElement[bool]:
    """SQL for "past a target": one cut-off date per target, so the query stays indexable.

    The clock never starts before the submission (a pause only moves it later:
    ``resumed_clock``), so whatever is past a target was submitted before the later of the two
    cut-offs. Saying so bounds the walk of an index on ``submitted_at``: newest first, the
    queue no longer steps over the weeks of proposals still within their targets. The states
    with a running clock, said once outside the OR, let the planner match the partial indexes
    on them (it did not infer them from the two branches)."""
    today = seoul_today(now)
    review_cutoff = overdue_cutoff(targets.review, today)
    result_cutoff = overdue_cutoff(targets.result, today)
    latest = datetime.combine(max(review_cutoff, result_cutoff), time(0), tzinfo=SEOUL)
    return and_(
        Proposal.submitted_at < latest,
        Proposal.state.in_(sorted(REVIEW_TARGET_STATES | RESULT_TARGET_STATES)),
        or_(
            and_(
                Proposal.state.in_(REVIEW_TARGET_STATES),
                Proposal.reviewed_at.is_(None),
                _started_before(review_cutoff),
            ),
            and_(Proposal.state.in_(RESULT_TARGET_STATES), _started_before(result_cutoff)),
        ),
    )


def department_due_on(at: datetime, targets: Targets) -> date:
    return add_business_days(at, targets.department)


@dataclass(frozen=True)
class DepartmentStatus:
    """Where the owning department's opinion stands, as the panel must see it."""

    kind: str  # "not_transferred", "provided", "pending", "missing"
    due_on: date | None
    keeps: bool  # the department wants to keep the regulation (and justified it)


def department_status(proposal: Proposal, now: datetime | None = None) -> DepartmentStatus:
    """Provided, still pending, or missing by its deadline (the burden of proof lies with the
    department: no justification by the deadline is shown as such, not as "no objection")."""
    if proposal.owning_department_id is None:
        return DepartmentStatus("not_transferred", None, False)
    opinions = [
        r
        for r in proposal.reviews
        if r.kind is ReviewKind.DEPARTMENT
        and r.author is not None
        and r.author.organisation_id == proposal.owning_department_id
    ]
    due = proposal.department_due_on
    if opinions:
        latest = opinions[-1]
        return DepartmentStatus("provided", due, latest.keep_purpose is not None)
    if due is not None and seoul_today(now) > due:
        return DepartmentStatus("missing", due, False)
    return DepartmentStatus("pending", due, False)
