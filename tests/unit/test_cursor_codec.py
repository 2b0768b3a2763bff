"""The one (time, id) cursor codec of the public registers and the office's queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from webapp.filters import FilterError, decode_time_key, encode_time_key
from webapp.office.queue_filters import _cursor, encode_cursor

MOMENT = datetime(2025, 11, 1, 21, 50, 28, 965331, tzinfo=UTC)


def test_a_key_is_written_in_utc_with_z_and_read_back() -> None:
    assert encode_time_key((MOMENT, 435336)) == "2025-11-01T21:50:28.965331Z_435336"
    seoul = MOMENT.astimezone(timezone(timedelta(hours=9)))
    assert encode_time_key((seoul, 435336)) == "2025-11-01T21:50:28.965331Z_435336"
    whole = datetime(2025, 1, 3, 9, 0, tzinfo=UTC)
    assert encode_time_key((whole, 7)) == "2025-01-03T09:00:00.000000Z_7"
    for moment in (MOMENT, whole):
        assert decode_time_key(encode_time_key((moment, 7))) == (moment, 7)
    # SQLite hands back naive times; every stored time is UTC.
    assert encode_time_key((whole.replace(tzinfo=None), 7)) == "2025-01-03T09:00:00.000000Z_7"


def test_the_queue_writes_the_same_text_as_the_registers() -> None:
    assert encode_cursor((MOMENT, 5)) == encode_time_key((MOMENT, 5))
    assert encode_cursor(None) is None
    assert _cursor(encode_time_key((MOMENT, 5))) == (MOMENT, 5)


@pytest.mark.parametrize(
    "old",
    [
        "2025-11-01T21:50:28.965331+00:00_5",  # what the queue wrote before (isoformat)
        "2025-11-02T06:50:28.965331+09:00_5",  # the same moment with another offset
        "2025-11-01T21:50:28.965331Z_5",
    ],
)
def test_cursors_already_in_links_still_open_on_both_pages(old: str) -> None:
    assert decode_time_key(old) == (MOMENT, 5)
    assert _cursor(old) == (MOMENT, 5)


@pytest.mark.parametrize(
    "raw",
    [
        "2025-01-01T00:00:00_5",  # no UTC offset: refused by both (the registers read it as UTC)
        "2025-01-01_5",
        "2025-01-01T00:00:00+00:00_99999999999",
        "2025-01-01T00:00:00+00:00_0",
        "2025-01-01T00:00:00+00:00_ 5",
        "2025-01-01T00:00:00+00:00_+5",
        "2025-01-01T00:00:00+00:00_\u0665",
        "0001-01-01T00:00:00+14:00_1",  # before year 1 in UTC
        "x_y",
        "_",
        "",
    ],
)
def test_one_rule_refuses_the_same_cursors_on_both_pages(raw: str) -> None:
    assert decode_time_key(raw) is None
    if raw:
        with pytest.raises(FilterError) as refused:
            _cursor(raw)
        assert refused.value.field == "after"
