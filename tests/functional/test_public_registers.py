"""Paging of the public registers (/proposals, /repeals) by keyset cursors: following the links
visits every row of a filtered register exactly once and in order, forwards and backwards; a
shared link keeps its rows; a garbled cursor is refused with a message, never a server error.
Runs on SQLite (``make test``) and on PostgreSQL (``make test-postgres``)."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import unquote

import pytest
from flask.testing import FlaskClient

from models import State, db
from tests import factories
from webapp.filters import decode_time_key
from workflows import triage
from workflows.dispatch import commit
from workflows.public import is_public

SECTOR = "business_smallbiz"
OTHER = "construction_housing"


def _link(page: str, rel: str) -> str | None:
    match = re.search(rf'href="([^"]+)" rel="{rel}"', page)
    return html.unescape(match.group(1)) if match else None


def _walk(client: FlaskClient, url: str, rel: str, row: str) -> list[tuple[str, list[str]]]:
    """Every page reached from ``url`` by its ``rel`` links: (url, the rows it shows)."""
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        text = response.get_data(as_text=True)
        pages.append((url, re.findall(row, text)))
        assert len(pages) < 50, "the links go round in circles"
        url = _link(text, rel)  # type: ignore[assignment]
    return pages


def _public_proposals() -> list[str]:
    """A public register with ties in the submission time, mixed with rows of another sector
    and with unscreened proposals (not public); returns the expected order of ``SECTOR``."""
    office = factories.Office()
    made = []
    for i in range(14):
        proposal = factories.submitted(sector_code=SECTOR if i % 3 else OTHER)
        if i % 5 != 4:  # every fifth stays unscreened, so not public
            triage.start_review(db.session, office.reviewer, proposal)
        made.append(proposal)
    commit(db.session)
    moment = datetime(2025, 3, 2, 9, 0, tzinfo=UTC)
    for i, proposal in enumerate(made):
        # Five proposals share each time, so pages of two split ties: the id breaks them.
        proposal.submitted_at = moment + timedelta(minutes=i // 5)
    commit(db.session)
    expected = sorted(
        (p for p in made if is_public(p) and p.sector_code == SECTOR),
        key=lambda p: (p.submitted_at, p.id),
        reverse=True,
    )
    return [p.receipt_no for p in expected if p.receipt_no]


def _check_walk(client: FlaskClient, first: str, row: str, expected: list[str], per: int) -> None:
    forward = _walk(client, first, "next", row)
    seen = [item for _url, rows in forward for item in rows]
    assert seen == expected  # every row once, in order
    assert all(len(rows) == per for _url, rows in forward[:-1]) and forward[-1][1]
    assert all(SECTOR in url and f"per_page={per}" in url for url, _rows in forward[1:])
    backward = _walk(client, forward[-1][0], "prev", row)
    assert [rows for _url, rows in backward] == [rows for _url, rows in reversed(forward)]
    top = client.get(backward[-1][0]).get_data(as_text=True)
    assert 'id="first-page"' not in top and _link(top, "prev") is None


def test_paging_the_filtered_proposals_visits_every_row_once_in_order(app, client):
    with app.app_context():
        expected = _public_proposals()
    assert len(expected) == 8
    _check_walk(
        client,
        f"/proposals?sector={SECTOR}&per_page=2",
        r'href="/proposals/([^"]+)"',
        expected,
        2,
    )


def test_paging_the_filtered_repeal_register_visits_every_row_once_in_order(app, client):
    with app.app_context():
        office = factories.Office()
        made = [factories.proposal_in(State.ANNOUNCED, office=office) for _ in range(7)]
        for i, proposal in enumerate(made):
            proposal.sector_code = OTHER if i in (1, 4) else SECTOR
        commit(db.session)
        expected = sorted(str(p.repeal_no) for p in made if p.sector_code == SECTOR)
    expected.sort(key=int)
    assert len(expected) == 5
    _check_walk(client, f"/repeals?sector={SECTOR}&per_page=2", r'data-number="(\d+)"', expected, 2)


def test_a_shared_page_keeps_its_rows_when_new_proposals_arrive(app, client):
    with app.app_context():
        _public_proposals()
    first = client.get(f"/proposals?sector={SECTOR}&per_page=2").get_data(as_text=True)
    second = _link(first, "next")
    assert second and "after=" in second
    rows = re.findall(r'href="/proposals/([^"]+)"', client.get(second).get_data(as_text=True))
    with app.app_context():
        newest = factories.submitted(sector_code=SECTOR)
        triage.start_review(db.session, factories.Office().reviewer, newest)
        commit(db.session)
    again = client.get(second).get_data(as_text=True)
    assert re.findall(r'href="/proposals/([^"]+)"', again) == rows
    # An old ``?page=2`` link still opens (by offset), and now shows other rows.
    old = client.get(f"/proposals?sector={SECTOR}&per_page=2&page=2").get_data(as_text=True)
    assert re.findall(r'href="/proposals/([^"]+)"', old) != rows
    assert _link(old, "prev") and _link(old, "next")


HOSTILE = (
    "x",
    "_",
    "_5",
    "2025-03-02T09:00:00Z_",
    "2025-13-02T09:00:00Z_5",
    "2025-03-02T09:00:00Z_99999999999999999999",
    "2025-03-02T09:00:00Z_9223372036854775808",
    "2025-03-02T09:00:00Z_9223372036854775807",
    "2025-03-02T09:00:00+09:00_2147483648",
    "2025-03-02T09:00:00Z_-5",
    "2025-03-02T09:00:00Z_\u0663",
    "9999-12-31T23:59:59-14:00_1",
    "0001-01-01T00:00:00+14:00_1",
    "2025-03-02T09:00:00Z_1_2",
    "<script>alert(1)</script>",
    "1" * 5000,
    "-1",
    "0",
    "1e9",
    "2147483648",
    "1.5",
)


@pytest.mark.parametrize("register", ["/proposals", "/repeals"])
def test_a_garbled_cursor_is_refused_with_a_message_and_the_first_page(app, client, register):
    with app.app_context():
        repeal = factories.proposal_in(State.ANNOUNCED)
        commit(db.session)
        receipt = repeal.receipt_no
    for raw in HOSTILE:
        for name in ("after", "before"):
            response = client.get(register, query_string={name: raw})
            text = response.get_data(as_text=True)
            assert response.status_code in (200, 400), (raw, response.status_code)
            if response.status_code == 400:
                assert "쪽 위치가 올바르지 않습니다" in text, raw
                assert f"/proposals/{receipt}" in text or 'data-number="1"' in text
            assert "<script>alert(1)</script>" not in text


def test_cursors_beyond_either_end_give_an_empty_page_with_a_way_back(app, client):
    with app.app_context():
        factories.proposal_in(State.ANNOUNCED)
        commit(db.session)
    for url in (
        "/proposals?after=1900-01-01T00:00:00Z_1",
        "/proposals?before=2999-01-01T00:00:00Z_1",
        "/repeals?after=2147483647",
        "/repeals?before=1",
    ):
        response = client.get(url)
        text = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert "조건에 맞는" not in text or 'id="first-page"' in text, url
    # A cursor past the top shows the first page as it is (the "previous" walk ends there).
    top = client.get("/proposals?before=2999-01-01T00:00:00Z_1").get_data(as_text=True)
    assert "/proposals/" in top and _link(top, "prev") is None


def test_page_numbers_and_cursors_together_or_too_deep_are_refused(app, client):
    for url, field in (
        ("/proposals?page=21", "쪽 번호로는 20쪽까지"),
        ("/repeals?page=10000", "쪽 번호로는 20쪽까지"),
        ("/proposals?page=2&after=2025-03-02T09:00:00Z_1", "쪽 위치는 하나만"),
        ("/repeals?after=1&before=5", "쪽 위치는 하나만"),
    ):
        response = client.get(url)
        assert response.status_code == 400, url
        assert field in response.get_data(as_text=True), url
    assert client.get("/repeals?page=20").status_code == 200


def test_a_cursor_without_utc_offset_is_refused_as_on_the_office_queue(app, client):
    """One codec with the office's queue: a time without an offset is refused (every cursor
    issued carries one), any offset is read (the same moment, the same page)."""
    with app.app_context():
        _public_proposals()
    first = client.get(f"/proposals?sector={SECTOR}&per_page=2").get_data(as_text=True)
    after = re.search(r"after=([^&\"]+)", _link(first, "next") or "")
    assert after
    key = decode_time_key(unquote(after.group(1)))
    assert key is not None
    moment, number = key
    rows = r'href="/proposals/([^"]+)"'
    expected = re.findall(
        rows, client.get(f"/proposals?sector={SECTOR}&per_page=2&after={after.group(1)}").text
    )
    assert len(expected) == 2
    for other in (moment.isoformat(), moment.astimezone(timezone(timedelta(hours=9))).isoformat()):
        same = client.get(
            "/proposals",
            query_string={"sector": SECTOR, "per_page": 2, "after": f"{other}_{number}"},
        )
        assert re.findall(rows, same.text) == expected
    naive = client.get(
        "/proposals", query_string={"after": f"{moment.replace(tzinfo=None).isoformat()}_{number}"}
    )
    assert naive.status_code == 400 and "쪽 위치가 올바르지 않습니다" in naive.text
