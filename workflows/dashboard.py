"""The public dashboard's figures: breakdowns, the funnel, outcomes with reasons, business days
per stage and re-examinations — all computed from the database and the event trail."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import (
    ANNOUNCEABLE_OUTCOMES,
    OPEN_STATES,
    Decision,
    ImplementationStage,
    Outcome,
    Proposal,
    ProposalEvent,
    Stage,
    State,
)

from .calendar import business_days_between
from .stats import StatsFilter, _received, campaign_stats
from .timing import stage_intervals

FUNNEL = ("received", "review", "deliberation", "decision", "announced", "in_force")


@dataclass(frozen=True)
class StageDays:
    stage: Stage
    cases: int
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class Dashboard:
    stats: dict[str, Any]
    sector_type: dict[tuple[str, str], int]
    funnel: list[tuple[str, int]]
    decline_reasons: dict[str, int]
    stage_days: list[StageDays]
    reexamined: int
    overturned: int


def _percentile(values: list[int], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    # Nearest-rank percentile: a figure that is one of the observed values.
    rank = max(1, -(-int(q * 100) * len(ordered) // 100))
    return float(ordered[rank - 1])


def build_dashboard(session: Session, filters: StatsFilter | None = None) -> Dashboard:
    filters = filters or StatsFilter()
    received = _received(filters).subquery()
    ids = select(received.c.id)

    sector_type: dict[tuple[str, str], int] = {}
    for sector, reg_type, count in session.execute(
        select(received.c.sector_code, received.c.regulation_type_code, func.count()).group_by(
            received.c.sector_code, received.c.regulation_type_code
        )
    ):
        sector_type[(sector or "", reg_type or "")] = count

    reached: dict[str, int] = {}
    for stage in (Stage.REVIEW, Stage.DELIBERATION, Stage.DECISION):
        reached[stage.value] = (
            session.scalar(
                select(func.count(func.distinct(ProposalEvent.proposal_id))).where(
                    ProposalEvent.proposal_id.in_(ids), ProposalEvent.to_stage == stage
                )
            )
            or 0
        )
    total = session.scalar(select(func.count()).select_from(received)) or 0
    announced = (
        session.scalar(select(func.count()).where(received.c.state == State.ANNOUNCED.value)) or 0
    )
    in_force = (
        session.scalar(
            select(func.count()).where(
                received.c.implementation_stage == ImplementationStage.IN_FORCE.value
            )
        )
        or 0
    )
    funnel = [
        ("received", total),
        ("review", reached["review"]),
        ("deliberation", reached["deliberation"]),
        ("decision", reached["decision"]),
        ("announced", announced),
        ("in_force", in_force),
    ]

    # The reason code of the decision in force for each declined proposal.
    latest = (
        select(Decision.proposal_id, func.max(Decision.sequence).label("sequence"))
        .where(Decision.proposal_id.in_(ids))
        .group_by(Decision.proposal_id)
        .subquery()
    )
    decline_reasons: dict[str, int] = {}
    for code, count in session.execute(
        select(Decision.reason_code, func.count())
        .join(
            latest,
            (latest.c.proposal_id == Decision.proposal_id)
            & (latest.c.sequence == Decision.sequence),
        )
        .where(Decision.outcome == Outcome.NOT_ACCEPTED)
        .group_by(Decision.reason_code)
    ):
        decline_reasons[code or ""] = count

    reexamined, overturned = _reexaminations(session, ids)
    return Dashboard(
        stats=campaign_stats(session, filters),
        sector_type=sector_type,
        funnel=funnel,
        decline_reasons=decline_reasons,
        stage_days=_stage_days(session, ids),
        reexamined=reexamined,
        overturned=overturned,
    )


def _stage_days(session: Session, ids: Any) -> list[StageDays]:
    """Business days per stage for the stages each proposal has left (open stretches excluded),
    waiting-for-proposer time excluded."""
    per_proposal: dict[int, list[ProposalEvent]] = defaultdict(list)
    for event in session.scalars(
        select(ProposalEvent)
        .where(ProposalEvent.proposal_id.in_(ids))
        .order_by(ProposalEvent.proposal_id, ProposalEvent.id)
    ):
        per_proposal[event.proposal_id].append(event)
    cases = {
        pid: (state, outcome)
        for pid, state, outcome in session.execute(
            select(Proposal.id, Proposal.state, Proposal.outcome).where(Proposal.id.in_(ids))
        )
    }
    spent: dict[Stage, list[int]] = defaultdict(list)
    for proposal_id, events in per_proposal.items():
        intervals = stage_intervals(events)
        state, outcome = cases.get(proposal_id, (None, None))
        # A case still in a stage (or a decided repeal awaiting its announcement): that last
        # stretch is not finished and would distort the figures.
        still_open = state in OPEN_STATES or (
            state is State.DECIDED and outcome in ANNOUNCEABLE_OUTCOMES
        )
        if still_open and intervals:
            current = intervals[-1].stage
            intervals = [i for i in intervals if i.stage is not current]
        totals: dict[Stage, int] = defaultdict(int)
        for interval in intervals:
            if not interval.paused:
                totals[interval.stage] += business_days_between(interval.start, interval.end)
        for stage, days in totals.items():
            spent[stage].append(days)
    result = []
    for stage in Stage:
        values = spent.get(stage, [])
        result.append(
            StageDays(
                stage,
                len(values),
                float(statistics.median(values)) if values else None,
                _percentile(values, 0.9),
            )
        )
    return result


def _reexaminations(session: Session, ids: Any) -> tuple[int, int]:
    """Proposals decided more than once, and how many of those changed the first answer."""
    rows = session.execute(
        select(Decision.proposal_id, Decision.sequence, Decision.outcome)
        .where(Decision.proposal_id.in_(ids))
        .order_by(Decision.proposal_id, Decision.sequence)
    ).all()
    by_proposal: dict[int, list[Outcome]] = defaultdict(list)
    for proposal_id, _sequence, outcome in rows:
        by_proposal[proposal_id].append(outcome)
    again = [outcomes for outcomes in by_proposal.values() if len(outcomes) > 1]
    return len(again), sum(1 for outcomes in again if outcomes[-1] != outcomes[0])
