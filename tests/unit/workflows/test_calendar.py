from datetime import UTC, date, datetime

from workflows.calendar import add_business_days, business_days_between, is_business_day


def test_weekends_and_korean_public_holidays_are_not_business_days():
    assert not is_business_day(date(2025, 1, 4))  # Saturday
    assert not is_business_day(date(2025, 1, 29))  # 설날
    assert not is_business_day(date(2025, 3, 3))  # substitute holiday for 삼일절
    assert is_business_day(date(2025, 1, 31))


def test_business_days_between_counts_in_seoul_dates():
    # Fri 2025-01-24 09:00 KST → Fri 2025-01-31: 27th (temporary holiday), 28–30th (설날) off.
    start = datetime(2025, 1, 24, 0, 0, tzinfo=UTC)
    end = datetime(2025, 1, 31, 0, 0, tzinfo=UTC)
    assert business_days_between(start, end) == 1
    assert business_days_between(start, start) == 0


def test_deadline_arithmetic_skips_holidays():
    start = datetime(2025, 2, 27, 0, 0, tzinfo=UTC)  # Thursday
    assert add_business_days(start, 2) == date(
        2025, 3, 4
    )  # Fri 28, (Sat, Sun, 3/1, 3/3 off), Tue 4


def test_business_days_between_agrees_with_counting_day_by_day_across_years():
    from datetime import timedelta

    def by_day(first: date, last: date) -> int:
        count, day = 0, first + timedelta(days=1)
        while day <= last:
            count += is_business_day(day)
            day += timedelta(days=1)
        return count

    starts = [date(2024, 12, 20) + timedelta(days=n * 11) for n in range(40)]
    for first in starts:
        for length in (0, 1, 6, 30, 200, 400, 800):
            last = first + timedelta(days=length)
            # Noon in Seoul: the UTC moment on the same Seoul date.
            moments = [datetime(d.year, d.month, d.day, 3, 0, tzinfo=UTC) for d in (first, last)]
            assert business_days_between(*moments) == by_day(first, last), (first, last)
    later, earlier = datetime(2026, 3, 2, tzinfo=UTC), datetime(2025, 3, 2, tzinfo=UTC)
    assert business_days_between(later, earlier) == 0
