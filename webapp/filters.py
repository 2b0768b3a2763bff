"""Parsing of the statistics filter shared by the home page and the API (campaign, from, to)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from models import Campaign, db
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
