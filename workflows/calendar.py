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


def business_days_between(start: datetime, end: datetime) -> int:
    """Business days after ``start``'s Seoul date up to and including ``end``'s (0 if same day)."""
    first = as_utc(start).astimezone(SEOUL).date()
    last = as_utc(end).astimezone(SEOUL).date()
    count = 0
    day = first + timedelta(days=1)
    while day <= last:
        if is_business_day(day):
            count += 1
        day += timedelta(days=1)
    return count


def add_business_days(start: datetime, days: int) -> date:
    """The Seoul date ``days`` business days after ``start`` (deadline arithmetic)."""
    day = as_utc(start).astimezone(SEOUL).date()
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_business_day(day):
            remaining -= 1
    return day
