"""Read-side figures for the home page, the dashboard and ``GET /api/v1/stats``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from models import (
    Campaign,
    Channel,
    Outcome,
    Proposal,
    RegulationType,
    Sector,
    SourceKind,
    Stage,
    State,
)

from .numbering import SEOUL


@dataclass(frozen=True)
class StatsFilter:
    campaign: Campaign | None = None
    date_from: date | None = None
    date_to: date | None = None


def _received(filters: StatsFilter) -> Select[Any]:
    """Proposals that reached the office (drafts never count), within the filter."""
    query = select(Proposal).where(Proposal.state != State.DRAFT)
    if filters.campaign is not None:
        query = query.where(Proposal.campaign_id == filters.campaign.id)
    if filters.date_from is not None:
        start = datetime.combine(filters.date_from, time.min, tzinfo=SEOUL)
        query = query.where(Proposal.submitted_at >= start)
    if filters.date_to is not None:
        end = datetime.combine(filters.date_to + timedelta(days=1), time.min, tzinfo=SEOUL)
        query = query.where(Proposal.submitted_at < end)
    return query


# The columns the public figures break proposals down by: one GROUP BY over them (a "cube" of a
# few hundred rows at most) gives every count of the home page, the API and the dashboard.
_CUBE = (
    Proposal.source_kind,
    Proposal.channel_code,
    Proposal.sector_code,
    Proposal.regulation_type_code,
    Proposal.stage,
    Proposal.state,
    Proposal.outcome,
    Proposal.implementation_stage,
)


def breakdown(session: Session, filters: StatsFilter) -> list[Any]:
    """Received proposals counted per combination of the figures' columns (``n``)."""
    sub = _received(filters).subquery()
    columns = [sub.c[column.key] for column in _CUBE]
    rows = session.execute(select(*columns, func.count().label("n")).group_by(*columns))
    return list(rows)


def _tally(rows: list[Any], key: str, codes: list[str]) -> dict[str, int]:
    counts = {code: 0 for code in codes}
    for row in rows:
        code = getattr(row, key)
        if code is not None:
            counts[str(code)] = counts.get(str(code), 0) + row.n
    return counts


def campaign_stats(
    session: Session, filters: StatsFilter | None = None, cube: list[Any] | None = None
) -> dict[str, Any]:
    """Received by source kind and channel, repeals by sector and type, by stage and outcome,
    keyed by DOMAIN.md's codes. Every code of the reference lists appears, with 0 if unused."""
    filters = filters or StatsFilter()
    rows = breakdown(session, filters) if cube is None else cube
    repeals = [row for row in rows if row.state == State.ANNOUNCED]
    sectors = list(session.scalars(select(Sector.code).order_by(Sector.position, Sector.code)))
    types = list(
        session.scalars(
            select(RegulationType.code).order_by(RegulationType.position, RegulationType.code)
        )
    )
    channels = list(session.scalars(select(Channel.code).order_by(Channel.position, Channel.code)))
    return {
        "received": {
            "total": sum(row.n for row in rows),
            "by_source": _tally(rows, "source_kind", SourceKind.values()),
            "by_channel": _tally(rows, "channel_code", channels),
        },
        "repeals": {
            "total": sum(row.n for row in repeals),
            "by_sector": _tally(repeals, "sector_code", sectors),
            "by_type": _tally(repeals, "regulation_type_code", types),
        },
        "by_stage": _tally(rows, "stage", Stage.values()),
        "by_outcome": _tally(rows, "outcome", Outcome.values()),
    }


@dataclass(frozen=True)
class RepealCell:
    sector: str
    regulation_type: str
    count: int
    examples: list[tuple[int, str]]  # (repeal number, title), in number order


def repeals_by_sector_and_type(
    session: Session, filters: StatsFilter | None = None, *, examples: int = 2
) -> list[RepealCell]:
    """The campaign report's table: announced repeals per sector × regulation type, with the
    first announced titles of each cell as examples. Empty cells are left out."""
    repeals = (
        _received(filters or StatsFilter()).where(Proposal.state == State.ANNOUNCED).subquery()
    )
    sector_order = {
        code: i
        for i, code in enumerate(session.scalars(select(Sector.code).order_by(Sector.position)))
    }
    type_order = {
        code: i
        for i, code in enumerate(
            session.scalars(select(RegulationType.code).order_by(RegulationType.position))
        )
    }
    # The first ``examples`` titles of each cell and the cell's size, by window functions.
    cell = (repeals.c.sector_code, repeals.c.regulation_type_code)
    ranked = select(
        *cell,
        repeals.c.repeal_no,
        repeals.c.title,
        func.row_number().over(partition_by=cell, order_by=repeals.c.repeal_no).label("rank"),
        func.count().over(partition_by=cell).label("size"),
    ).subquery()
    rows = session.execute(
        select(
            ranked.c.sector_code,
            ranked.c.regulation_type_code,
            ranked.c.repeal_no,
            ranked.c.title,
            ranked.c.size,
        )
        .where(ranked.c.rank <= max(examples, 1))
        .order_by(ranked.c.repeal_no)
    ).all()
    cells: dict[tuple[str, str], RepealCell] = {}
    for sector, reg_type, number, title, size in rows:
        key = (sector or "", reg_type or "")
        cell_ = cells.setdefault(key, RepealCell(key[0], key[1], size, []))
        if len(cell_.examples) < examples:
            cell_.examples.append((number, title))
    return sorted(
        cells.values(),
        key=lambda c: (sector_order.get(c.sector, 99), type_order.get(c.regulation_type, 99)),
    )
