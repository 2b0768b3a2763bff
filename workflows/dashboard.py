"""The public dashboard's figures: breakdowns, the funnel, outcomes with reasons, business days
per stage and re-examinations — all computed from the database and the event trail."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, aliased

from models import (
    Decision,
    ImplementationStage,
    Outcome,
    ProposalStageFigure,
    Stage,
    State,
)

from .stats import StatsFilter, _received, breakdown, campaign_stats

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


def _nearest_rank(histogram: list[tuple[int, int]], rank: int) -> int:
    """The value at 1-based ``rank`` of the sorted values a (value, count) histogram stands for."""
    seen = 0
    for value, count in histogram:
        seen += count
        if seen >= rank:
            return value
    raise ValueError(rank)


def _median_and_p90(histogram: list[tuple[int, int]]) -> tuple[float | None, float | None]:
    size = sum(count for _value, count in histogram)
    if not size:
        return None, None
    if size % 2:
        median = float(_nearest_rank(histogram, size // 2 + 1))
    else:
        median = (_nearest_rank(histogram, size // 2) + _nearest_rank(histogram, size // 2 + 1)) / 2
    # Nearest-rank percentile: a figure that is one of the observed values.
    rank = max(1, -(-90 * size // 100))
    return median, float(_nearest_rank(histogram, rank))


def build_dashboard(session: Session, filters: StatsFilter | None = None) -> Dashboard:
    """Every figure by SQL aggregation: one GROUP BY over the received proposals, the stages
    reached and business days from ``proposal_stage_figure``, decisions grouped per proposal."""
    filters = filters or StatsFilter()
    cube = breakdown(session, filters)
    ids = select(_received(filters).subquery().c.id)

    sector_type: dict[tuple[str, str], int] = defaultdict(int)
    for row in cube:
        sector_type[(row.sector_code or "", row.regulation_type_code or "")] += row.n
    reached = dict.fromkeys((Stage.REVIEW, Stage.DELIBERATION, Stage.DECISION), 0)
    for stage, count in session.execute(
        select(ProposalStageFigure.stage, func.count())
        .where(ProposalStageFigure.proposal_id.in_(ids), ProposalStageFigure.stage.in_(reached))
        .group_by(ProposalStageFigure.stage)
    ):
        reached[stage] = count
    funnel = [
        ("received", sum(row.n for row in cube)),
        ("review", reached[Stage.REVIEW]),
        ("deliberation", reached[Stage.DELIBERATION]),
        ("decision", reached[Stage.DECISION]),
        ("announced", sum(row.n for row in cube if row.state == State.ANNOUNCED)),
        (
            "in_force",
            sum(row.n for row in cube if row.implementation_stage == ImplementationStage.IN_FORCE),
        ),
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
        stats=campaign_stats(session, filters, cube=cube),
        sector_type=dict(sector_type),
        funnel=funnel,
        decline_reasons=decline_reasons,
        stage_days=_stage_days(session, ids),
        reexamined=reexamined,
        overturned=overturned,
    )


def _stage_days(session: Session, ids: Any) -> list[StageDays]:
    """Business days per stage for the stages each proposal has left (open stretches excluded),
    waiting-for-proposer time excluded: median and p90 from a histogram of the derived rows."""
    histograms: dict[Stage, list[tuple[int, int]]] = defaultdict(list)
    for stage, days, count in session.execute(
        select(ProposalStageFigure.stage, ProposalStageFigure.business_days, func.count())
        .where(
            ProposalStageFigure.proposal_id.in_(ids),
            ProposalStageFigure.business_days.is_not(None),
        )
        .group_by(ProposalStageFigure.stage, ProposalStageFigure.business_days)
        .order_by(ProposalStageFigure.stage, ProposalStageFigure.business_days)
    ):
        histograms[stage].append((cast(int, days), count))
    result = []
    for stage in Stage:
        histogram = histograms.get(stage, [])
        median, p90 = _median_and_p90(histogram)
        result.append(StageDays(stage, sum(count for _days, count in histogram), median, p90))
    return result


def _reexaminations(session: Session, ids: Any) -> tuple[int, int]:
    """Proposals decided more than once, and how many of those changed the first answer."""
    span = (
        select(
            Decision.proposal_id,
            func.min(Decision.sequence).label("first"),
            func.max(Decision.sequence).label("last"),
        )
        # Decided more than once: a decision numbered 2 or more exists (few rows, read first).
        .where(
            Decision.proposal_id.in_(select(Decision.proposal_id).where(Decision.sequence > 1)),
            Decision.proposal_id.in_(ids),
        )
        .group_by(Decision.proposal_id)
        .having(func.count() > 1)
        .subquery()
    )
    first, last = aliased(Decision), aliased(Decision)
    again, changed = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((first.outcome != last.outcome, 1), else_=0)), 0),
        )
        .select_from(span)
        .join(first, (first.proposal_id == span.c.proposal_id) & (first.sequence == span.c.first))
        .join(last, (last.proposal_id == span.c.proposal_id) & (last.sequence == span.c.last))
    ).one()
    return int(again), int(changed)
