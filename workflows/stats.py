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


def _count_by(session: Session, base: Select[Any], column: Any, codes: list[str]) -> dict[str, int]:
    sub = base.subquery()
    rows = session.execute(
        select(sub.c[column.key], func.count()).group_by(sub.c[column.key])
    ).all()
    counts = {code: 0 for code in codes}
    for code, count in rows:
        if code is not None:
            counts[str(code)] = counts.get(str(code), 0) + count
    return counts


def campaign_stats(session: Session, filters: StatsFilter | None = None) -> dict[str, Any]:
    """Received by source kind and channel, repeals by sector and type, by stage and outcome,
    keyed by DOMAIN.md's codes. Every code of the reference lists appears, with 0 if unused."""
    filters = filters or StatsFilter()
    received = _received(filters)
    repeals = received.where(Proposal.state == State.ANNOUNCED)
    sectors = list(session.scalars(select(Sector.code).order_by(Sector.position, Sector.code)))
    types = list(
        session.scalars(
            select(RegulationType.code).order_by(RegulationType.position, RegulationType.code)
        )
    )
    channels = list(session.scalars(select(Channel.code).order_by(Channel.position, Channel.code)))
    total = session.scalar(select(func.count()).select_from(received.subquery())) or 0
    repeal_total = session.scalar(select(func.count()).select_from(repeals.subquery())) or 0
    return {
        "received": {
            "total": total,
            "by_source": _count_by(session, received, Proposal.source_kind, SourceKind.values()),
            "by_channel": _count_by(session, received, Proposal.channel_code, channels),
        },
        "repeals": {
            "total": repeal_total,
            "by_sector": _count_by(session, repeals, Proposal.sector_code, sectors),
            "by_type": _count_by(session, repeals, Proposal.regulation_type_code, types),
        },
        "by_stage": _count_by(session, received, Proposal.stage, Stage.values()),
        "by_outcome": _count_by(session, received, Proposal.outcome, Outcome.values()),
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
    rows = session.execute(
        select(
            repeals.c.sector_code,
            repeals.c.regulation_type_code,
            repeals.c.repeal_no,
            repeals.c.title,
        ).order_by(repeals.c.repeal_no)
    ).all()
    cells: dict[tuple[str, str], RepealCell] = {}
    for sector, reg_type, number, title in rows:
        key = (sector or "", reg_type or "")
        cell = cells.setdefault(key, RepealCell(key[0], key[1], 0, []))
        cells[key] = RepealCell(cell.sector, cell.regulation_type, cell.count + 1, cell.examples)
        if len(cell.examples) < examples:
            cell.examples.append((number, title))
    return sorted(
        cells.values(),
        key=lambda c: (sector_order.get(c.sector, 99), type_order.get(c.regulation_type, 99)),
    )
