"""Business days in Seoul: weekends and Korean public holidays (with substitute holidays) off."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays

from models import as_utc

from .numbering import SEOUL


@lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("KR", years=year).keys())


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


@lru_cache(maxsize=64)
def _counted_through(year: int) -> tuple[int, ...]:
    """Entry n: the business days among the first n days of ``year`` (the last is its total)."""
    first = date(year, 1, 1)
    counted = [0]
    for offset in range((date(year + 1, 1, 1) - first).days):
        counted.append(counted[-1] + is_business_day(first + timedelta(days=offset)))
    return tuple(counted)


def business_days_between(start: datetime, end: datetime) -> int:
    """Business days after ``start``'s Seoul date up to and including ``end``'s (0 if same day).
    From per-year running totals: a queue page shows a hundred deadlines, many of them overdue
    by hundreds of days, and counting those day by day cost a noticeable part of the page."""
    first = as_utc(start).astimezone(SEOUL).date()
    last = as_utc(end).astimezone(SEOUL).date()
    if last <= first:
        return 0
    count = -_counted_through(first.year)[first.timetuple().tm_yday]
    for year in range(first.year, last.year):
        count += _counted_through(year)[-1]
    return count + _counted_through(last.year)[last.timetuple().tm_yday]


def add_business_days(start: datetime, days: int) -> date:
    """The Seoul date ``days`` business days after ``start`` (deadline arithmetic)."""
    day = as_utc(start).astimezone(SEOUL).date()
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_business_day(day):
            remaining -= 1
    return day
