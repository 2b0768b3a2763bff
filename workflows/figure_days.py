"""The public figures per campaign and Seoul submission day, and their merge into any filter's.

Every public figure is over the received proposals a filter selects by campaign and Seoul
submission date, and every one is a count or a histogram of a per-proposal value (a proposal's
stages reached and business days there, the reason of the decision in force, whether it was
decided again and changed): so the figures of a date range are the sums of its days'. A few
GROUP BY queries with the campaign and the Seoul day added to the grouping give those per-day
parts once (``compute_day_figures``); a filter nobody asked for before is then a sum over the
days in its range (``merge``), not the dashboard's queries over the whole table.

The one figure that is not a count: the home page's examples (the first two announced titles of
each sector × type cell by repeal number). Its mergeable form is the first two of each day's
cell: the first two of a range are the first two of its days' first twos.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from sqlalchemy import Date, case, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.functions import FunctionElement

from models import (
    Channel,
    Decision,
    ImplementationStage,
    Outcome,
    Proposal,
    ProposalStageFigure,
    RegulationType,
    Sector,
    SourceKind,
    Stage,
    State,
)

from .dashboard import Dashboard, StageDays, _median_and_p90
from .stats import RepealCell, StatsFilter, _received

# The home page's table shows this many examples per cell; the parts keep as many per day.
EXAMPLES = 2

Day = tuple[int | None, date]  # (campaign id, Seoul submission day)
Counts = dict[tuple[Hashable, ...], int]


class seoul_day(FunctionElement[date]):
    """The Seoul calendar date of a UTC timestamp column. Seoul keeps UTC+9 all year (no summer
    time since 1988), so SQLite's fixed offset gives the same date as PostgreSQL's zone."""

    type = Date()
    inherit_cache = True


@compiles(seoul_day)
def _seoul_day_sqlite(element: seoul_day, compiler: Any, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, '+9 hours')"


@compiles(seoul_day, "postgresql")
def _seoul_day_postgresql(element: seoul_day, compiler: Any, **kw: Any) -> str:
    return f"CAST(timezone('Asia/Seoul', {compiler.process(element.clauses, **kw)}) AS DATE)"


@dataclass
class DayFigures:
    """The additive parts of every public figure, per (campaign, Seoul submission day), with the
    reference lists' codes in their order (the figures list every code, 0 if unused).

    ``counts`` keys: ("received",), ("source", code), ("channel", code), ("stage", code),
    ("outcome", code), ("cell", sector or "", type or "") over all received, ("repeal", sector,
    type) over the announced (codes as stored, None kept), ("in_force",), ("reached", stage),
    ("days", stage, business days), ("reason", code or ""), ("reexamined",), ("overturned",).
    Equal keys are one object, so that pickle writes each once (the parts are stored in Redis).
    """

    sectors: list[str]
    types: list[str]
    channels: list[str]
    counts: dict[Day, Counts] = field(default_factory=dict)
    # The first ``EXAMPLES`` (repeal number, title) of each day's announced sector × type cell.
    examples: dict[Day, dict[tuple[str, str], list[tuple[int, str]]]] = field(default_factory=dict)


def compute_day_figures(session: Session) -> DayFigures:
    """The per-day parts of every public figure: one pass of each of the dashboard's queries,
    grouped by campaign and Seoul submission day as well."""
    parts = DayFigures(
        sectors=list(session.scalars(select(Sector.code).order_by(Sector.position, Sector.code))),
        types=list(
            session.scalars(
                select(RegulationType.code).order_by(RegulationType.position, RegulationType.code)
            )
        ),
        channels=list(
            session.scalars(select(Channel.code).order_by(Channel.position, Channel.code))
        ),
    )
    keys: dict[tuple[Hashable, ...], tuple[Hashable, ...]] = {}

    def add(day: Day, key: tuple[Hashable, ...], n: int) -> None:
        key = keys.setdefault(key, key)
        counts = parts.counts.setdefault(day, {})
        counts[key] = counts.get(key, 0) + n

    received = _received(StatsFilter()).subquery()
    day = seoul_day(received.c.submitted_at)
    by = (received.c.campaign_id, day)
    # The breakdown's marginals, per day. Not the breakdown's whole cube with the day added:
    # a day's few hundred proposals would be nearly one row each (150,000 rows to fold at
    # 200,000 proposals); three narrower groupings give a few dozen rows per day.
    c = received.c
    announced = (c.state == State.ANNOUNCED).label("announced")
    in_force = (c.implementation_stage == ImplementationStage.IN_FORCE).label("in_force")
    groupings: list[tuple[Any, ...]] = [
        (c.source_kind, c.channel_code),
        (c.sector_code, c.regulation_type_code, announced),
        (c.stage, c.outcome, in_force),
    ]
    for index, columns in enumerate(groupings):
        for campaign_id, on, *values, n in session.execute(
            select(*by, *columns, func.count()).group_by(*by, *columns)
        ):
            counts = parts.counts.setdefault((campaign_id, on), {})
            row_keys: list[tuple[Hashable, ...]] = []
            if index == 0:
                source, channel = values
                row_keys.append(("received",))
                row_keys += [
                    (name, str(code))
                    for name, code in (("source", source), ("channel", channel))
                    if code is not None
                ]
            elif index == 1:
                sector, reg_type, is_repeal = values
                row_keys.append(("cell", sector or "", reg_type or ""))
                if is_repeal:
                    row_keys.append(("repeal", sector, reg_type))
            else:
                stage, outcome, is_in_force = values
                row_keys += [
                    (name, str(code))
                    for name, code in (("stage", stage), ("outcome", outcome))
                    if code is not None
                ]
                if is_in_force:
                    row_keys.append(("in_force",))
            for key in row_keys:
                key = keys.setdefault(key, key)
                counts[key] = counts.get(key, 0) + n

    # Stages reached and business days per stage: one row per proposal and stage reached.
    figure = ProposalStageFigure
    for campaign_id, on, stage, days, n in session.execute(
        select(*by, figure.stage, figure.business_days, func.count())
        .join(figure, figure.proposal_id == received.c.id)
        .group_by(*by, figure.stage, figure.business_days)
    ):
        if stage in (Stage.REVIEW, Stage.DELIBERATION, Stage.DECISION):
            add((campaign_id, on), ("reached", str(stage)), n)
        if days is not None:
            add((campaign_id, on), ("days", str(stage), days), n)

    # The reason of the decision in force (the last one) of each declined proposal.
    latest = (
        select(Decision.proposal_id, func.max(Decision.sequence).label("sequence"))
        .group_by(Decision.proposal_id)
        .subquery()
    )
    for campaign_id, on, code, n in session.execute(
        select(*by, Decision.reason_code, func.count())
        .select_from(received)
        .join(latest, latest.c.proposal_id == received.c.id)
        .join(
            Decision,
            (Decision.proposal_id == latest.c.proposal_id)
            & (Decision.sequence == latest.c.sequence),
        )
        .where(Decision.outcome == Outcome.NOT_ACCEPTED)
        .group_by(*by, Decision.reason_code)
    ):
        add((campaign_id, on), ("reason", code or ""), n)

    # Decided more than once, and whether the last answer differs from the first.
    span = (
        select(
            Decision.proposal_id,
            func.min(Decision.sequence).label("first"),
            func.max(Decision.sequence).label("last"),
        )
        .where(Decision.proposal_id.in_(select(Decision.proposal_id).where(Decision.sequence > 1)))
        .group_by(Decision.proposal_id)
        .having(func.count() > 1)
        .subquery()
    )
    first, last = aliased(Decision), aliased(Decision)
    for campaign_id, on, again, changed in session.execute(
        select(
            *by,
            func.count(),
            func.coalesce(func.sum(case((first.outcome != last.outcome, 1), else_=0)), 0),
        )
        .select_from(span)
        .join(received, received.c.id == span.c.proposal_id)
        .join(first, (first.proposal_id == span.c.proposal_id) & (first.sequence == span.c.first))
        .join(last, (last.proposal_id == span.c.proposal_id) & (last.sequence == span.c.last))
        .group_by(*by)
    ):
        add((campaign_id, on), ("reexamined",), int(again))
        if changed:
            add((campaign_id, on), ("overturned",), int(changed))

    # The home page's examples: the first announced titles of each day's cell.
    repeals = _received(StatsFilter()).where(Proposal.state == State.ANNOUNCED).subquery()
    repeal_day = seoul_day(repeals.c.submitted_at)
    partition = (
        repeals.c.campaign_id,
        repeal_day,
        repeals.c.sector_code,
        repeals.c.regulation_type_code,
    )
    ranked = select(
        repeals.c.campaign_id,
        repeal_day.label("day"),
        repeals.c.sector_code,
        repeals.c.regulation_type_code,
        repeals.c.repeal_no,
        repeals.c.title,
        func.row_number().over(partition_by=partition, order_by=repeals.c.repeal_no).label("rank"),
    ).subquery()
    for campaign_id, on, sector, reg_type, number, title in session.execute(
        select(
            ranked.c.campaign_id,
            ranked.c.day,
            ranked.c.sector_code,
            ranked.c.regulation_type_code,
            ranked.c.repeal_no,
            ranked.c.title,
        )
        .where(ranked.c.rank <= EXAMPLES)
        .order_by(ranked.c.repeal_no)
    ):
        cells = parts.examples.setdefault((campaign_id, on), {})
        cells.setdefault((sector or "", reg_type or ""), []).append((number, title))
    return parts


def _in(filters: StatsFilter, day: Day) -> bool:
    campaign_id, on = day
    if filters.campaign is not None and campaign_id != filters.campaign.id:
        return False
    if filters.date_from is not None and on < filters.date_from:
        return False
    return filters.date_to is None or on <= filters.date_to


def merge(parts: DayFigures, filters: StatsFilter) -> Counts:
    """The counts of the days (and campaign) ``filters`` selects, summed."""
    total: Counts = {}
    for day, counts in parts.counts.items():
        if _in(filters, day):
            for key, n in counts.items():
                total[key] = total.get(key, 0) + n
    return total


def _tally(counts: Counts, name: str, codes: list[str]) -> dict[str, int]:
    tally = dict.fromkeys(codes, 0)
    for key, n in counts.items():
        if key[0] == name:
            code = str(key[1])
            tally[code] = tally.get(code, 0) + n
    return tally


def _repeals(counts: Counts, index: int, codes: list[str]) -> dict[str, int]:
    tally = dict.fromkeys(codes, 0)
    for key, n in counts.items():
        if key[0] == "repeal" and key[index] is not None:
            code = str(key[index])
            tally[code] = tally.get(code, 0) + n
    return tally


def stats_from(parts: DayFigures, counts: Counts) -> dict[str, Any]:
    """What ``campaign_stats`` gives for the filter ``counts`` were merged for."""
    return {
        "received": {
            "total": counts.get(("received",), 0),
            "by_source": _tally(counts, "source", SourceKind.values()),
            "by_channel": _tally(counts, "channel", parts.channels),
        },
        "repeals": {
            "total": sum(n for key, n in counts.items() if key[0] == "repeal"),
            "by_sector": _repeals(counts, 1, parts.sectors),
            "by_type": _repeals(counts, 2, parts.types),
        },
        "by_stage": _tally(counts, "stage", Stage.values()),
        "by_outcome": _tally(counts, "outcome", Outcome.values()),
    }


def dashboard_from(parts: DayFigures, filters: StatsFilter) -> Dashboard:
    """What ``build_dashboard`` gives for ``filters``, from the per-day parts alone."""
    counts = merge(parts, filters)
    stats = stats_from(parts, counts)
    sector_type = {(str(k[1]), str(k[2])): n for k, n in counts.items() if k[0] == "cell"}
    histograms: dict[str, list[tuple[int, int]]] = {}
    for key, n in sorted((k, n) for k, n in counts.items() if k[0] == "days"):
        histograms.setdefault(str(key[1]), []).append((cast(int, key[2]), n))
    stage_days = []
    for stage in Stage:
        histogram = histograms.get(stage.value, [])
        median, p90 = _median_and_p90(histogram)
        stage_days.append(StageDays(stage, sum(n for _days, n in histogram), median, p90))
    return Dashboard(
        stats=stats,
        sector_type=sector_type,
        funnel=[
            ("received", stats["received"]["total"]),
            ("review", counts.get(("reached", Stage.REVIEW.value), 0)),
            ("deliberation", counts.get(("reached", Stage.DELIBERATION.value), 0)),
            ("decision", counts.get(("reached", Stage.DECISION.value), 0)),
            ("announced", stats["repeals"]["total"]),
            ("in_force", counts.get(("in_force",), 0)),
        ],
        decline_reasons=dict(sorted((str(k[1]), n) for k, n in counts.items() if k[0] == "reason")),
        stage_days=stage_days,
        reexamined=counts.get(("reexamined",), 0),
        overturned=counts.get(("overturned",), 0),
    )


def campaign_stats_from(parts: DayFigures, filters: StatsFilter) -> dict[str, Any]:
    """What ``campaign_stats`` gives for ``filters``, from the per-day parts alone."""
    return stats_from(parts, merge(parts, filters))


def repeal_cells_from(
    parts: DayFigures, filters: StatsFilter, *, examples: int = EXAMPLES
) -> list[RepealCell]:
    """What ``repeals_by_sector_and_type`` gives for ``filters`` (at most ``EXAMPLES`` examples
    per cell), from the per-day parts alone."""
    if examples > EXAMPLES:
        raise ValueError(f"the day parts keep {EXAMPLES} examples per cell")
    sizes: dict[tuple[str, str], int] = {}
    for key, n in merge(parts, filters).items():
        if key[0] == "repeal":
            cell = (str(key[1] or ""), str(key[2] or ""))
            sizes[cell] = sizes.get(cell, 0) + n
    firsts: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for day, day_cells in parts.examples.items():
        if _in(filters, day):
            for cell, titles in day_cells.items():
                firsts.setdefault(cell, []).extend(titles)
    for titles in firsts.values():
        titles.sort()
    # Cells in the order of their first repeal number, then by the reference lists (stable),
    # as the direct computation inserts them.
    sector_order = {code: i for i, code in enumerate(parts.sectors)}
    type_order = {code: i for i, code in enumerate(parts.types)}
    ordered = sorted(firsts, key=lambda cell: firsts[cell][0][0])
    cells = [RepealCell(s, t, sizes[(s, t)], firsts[(s, t)][:examples]) for s, t in ordered]
    return sorted(
        cells,
        key=lambda c: (sector_order.get(c.sector, 99), type_order.get(c.regulation_type, 99)),
    )
