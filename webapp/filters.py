"""Parsing of the statistics filter shared by the home page and the API (campaign, from, to)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from models import Campaign, RegulationType, Sector, SourceKind, Stage, db
from workflows.public import PublicFilter
from workflows.stats import StatsFilter


class FilterError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _parse_date(field: str, raw: str | None) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise FilterError(field, f"날짜는 YYYY-MM-DD 형식이어야 합니다: {raw[:20]}") from None


def parse_stats_filter(args: dict[str, str], *, default_campaign: bool) -> StatsFilter:
    """``campaign`` (a code, or ``all``), ``from`` and ``to`` (ISO dates, in order)."""
    code = (args.get("campaign") or "").strip()
    campaign: Campaign | None = None
    if code and code != "all":
        campaign = db.session.scalar(select(Campaign).where(Campaign.code == code))
        if campaign is None:
            raise FilterError("campaign", f"알 수 없는 캠페인 코드입니다: {code[:40]}")
    elif not code and default_campaign:
        campaign = db.session.scalars(select(Campaign).order_by(Campaign.starts_on.desc())).first()
    date_from = _parse_date("from", args.get("from"))
    date_to = _parse_date("to", args.get("to"))
    if date_from and date_to and date_from > date_to:
        raise FilterError("to", "종료일은 시작일보다 빠를 수 없습니다")
    return StatsFilter(campaign=campaign, date_from=date_from, date_to=date_to)


MAX_PAGE = 10_000
PER_PAGE_CHOICES = (20, 50, 100)


def _code(args: dict[str, str], field: str, model: type, label: str) -> str | None:
    value = (args.get(field) or "").strip()
    if not value:
        return None
    if db.session.get(model, value) is None:
        raise FilterError(field, f"알 수 없는 {label} 코드입니다: {value[:40]}")
    return value


def _positive(args: dict[str, str], field: str, label: str, maximum: int) -> int | None:
    raw = (args.get(field) or "").strip()
    if not raw:
        return None
    if not raw.isdecimal() or not 1 <= int(raw) <= maximum:
        raise FilterError(field, f"{label}은(는) 1부터 {maximum:,} 사이의 숫자여야 합니다")
    return int(raw)


def parse_public_filter(args: dict[str, str]) -> PublicFilter:
    """``sector``, ``regulation_type``, ``announcement``, ``stage``, ``source`` (codes)."""
    stage = (args.get("stage") or "").strip() or None
    if stage and stage not in Stage.values():
        raise FilterError("stage", f"알 수 없는 단계 코드입니다: {stage[:40]}")
    source = (args.get("source") or "").strip() or None
    if source and source not in SourceKind.values():
        raise FilterError("source", f"알 수 없는 제안자 유형 코드입니다: {source[:40]}")
    return PublicFilter(
        sector=_code(args, "sector", Sector, "분야"),
        regulation_type=_code(args, "regulation_type", RegulationType, "규제 유형"),
        announcement_id=_positive(args, "announcement", "발표 번호", 10**9),
        stage=stage,
        source=source,
    )


def parse_page(args: dict[str, str]) -> tuple[int, int]:
    page = _positive(args, "page", "쪽 번호", MAX_PAGE) or 1
    per_page = _positive(args, "per_page", "쪽당 건수", max(PER_PAGE_CHOICES)) or 50
    return page, per_page
