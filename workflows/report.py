"""The campaign report in the shape of the office's own work report (section Ⅱ-5): proposals
received by source with their channels, repeals by sector and type with examples, the dates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import (
    Announcement,
    AnnouncementState,
    Campaign,
    Channel,
    Proposal,
    RegulationType,
    Sector,
    SourceKind,
)

from .exports import Cell, Sheet
from .stats import StatsFilter, campaign_stats, repeals_by_sector_and_type


@dataclass(frozen=True)
class SourceLine:
    source: SourceKind
    count: int
    channels: list[tuple[str, int]]  # (channel label, count), channels actually used


@dataclass(frozen=True)
class SectorBlock:
    sector: str
    count: int
    types: list[tuple[str, int, list[str]]]  # (type label, count, example titles)


@dataclass(frozen=True)
class AnnouncementLine:
    announced_on: date
    title: str
    count: int


@dataclass(frozen=True)
class CampaignReport:
    campaign: Campaign
    received: int
    sources: list[SourceLine]
    repeals: int
    sectors: list[SectorBlock]
    announcements: list[AnnouncementLine]


def campaign_report(session: Session, campaign: Campaign, *, examples: int = 3) -> CampaignReport:
    filters = StatsFilter(campaign=campaign)
    stats = campaign_stats(session, filters)
    channels = list(session.scalars(select(Channel).order_by(Channel.position)))
    per_channel: dict[tuple[str, str], int] = {
        (str(source), code): count
        for source, code, count in session.execute(
            select(Proposal.source_kind, Proposal.channel_code, func.count())
            .where(Proposal.campaign_id == campaign.id, Proposal.receipt_no.is_not(None))
            .group_by(Proposal.source_kind, Proposal.channel_code)
        )
    }
    sources = [
        SourceLine(
            source,
            stats["received"]["by_source"][source.value],
            [
                (c.label_ko, per_channel[(source.value, c.code)])
                for c in channels
                if per_channel.get((source.value, c.code))
            ],
        )
        for source in SourceKind
    ]
    sector_label = {s.code: s.label_ko for s in session.scalars(select(Sector))}
    type_label = {t.code: t.label_ko for t in session.scalars(select(RegulationType))}
    blocks: dict[str, SectorBlock] = {}
    for cell in repeals_by_sector_and_type(session, filters, examples=examples):
        block = blocks.setdefault(
            cell.sector,
            SectorBlock(
                sector_label.get(cell.sector, cell.sector or "미분류"),
                stats["repeals"]["by_sector"].get(cell.sector, 0),
                [],
            ),
        )
        block.types.append(
            (
                type_label.get(cell.regulation_type, cell.regulation_type or "미분류"),
                cell.count,
                [title for _n, title in cell.examples],
            )
        )
    announcements = [
        AnnouncementLine(a.announced_on, a.title, count)
        for a, count in session.execute(
            select(Announcement, func.count(Proposal.id))
            .join(Proposal, Proposal.announcement_id == Announcement.id)
            .where(
                Announcement.state == AnnouncementState.PUBLISHED,
                Proposal.campaign_id == campaign.id,
            )
            .group_by(Announcement.id)
            .order_by(Announcement.announced_on, Announcement.id)
        ).all()
    ]
    return CampaignReport(
        campaign,
        stats["received"]["total"],
        sources,
        stats["repeals"]["total"],
        list(blocks.values()),
        announcements,
    )


def report_sheets(report: CampaignReport) -> Sequence[Sheet]:
    """The same report as workbook sheets: received, repeals, announcements."""
    period = f"{report.campaign.starts_on.isoformat()} ~ {report.campaign.ends_on.isoformat()}"
    received: list[Sequence[Cell]] = [(report.campaign.name, period, "합계", report.received)]
    for line in report.sources:
        received.append((line.source.label, "", "소계", line.count))
        received.extend((line.source.label, name, "", count) for name, count in line.channels)
    repeals: list[Sequence[Cell]] = [("합계", "", report.repeals, "")]
    for block in report.sectors:
        for type_label, count, titles in block.types:
            repeals.append(
                (f"{block.sector} ({block.count})", type_label, count, "; ".join(titles))
            )
    announcements: list[Sequence[Cell]] = [
        (a.announced_on, a.title, a.count) for a in report.announcements
    ]
    return [
        Sheet("제안·접수", ("제안자 유형", "접수 경로", "구분", "건수"), received),
        Sheet("규제철폐", ("분야", "규제 유형", "건수", "주요 사례"), repeals),
        Sheet("발표", ("발표일", "발표", "규제철폐 건수"), announcements),
    ]
