"""``GET /api/v1/repeals`` in slices: ``limit`` repeals after the ``after`` cursor, the next
slice's address in the ``Link`` header. Following it visits every repeal of a filtered register
once and in number order, also while repeals are announced between two requests; a bad limit or
cursor is a 400 naming the field, never a server error. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from models import State, db
from tests import factories
from tests.functional.helpers import HOSTILE_CURSORS
from tests.functional.test_openapi import _validator
from tests.functional.test_public_registers import HOSTILE
from workflows.dispatch import commit

SECTOR = "business_smallbiz"
OTHER = "construction_housing"


def _next(response) -> str | None:  # type: ignore[no-untyped-def]
    link = response.headers.get("Link")
    if link is None:
        return None
    match = re.fullmatch(r'<(/api/v1/repeals\?[^>]+)>; rel="next"', link)
    assert match, link
    return match.group(1)


def _announce(office: factories.Office, sectors: list[str]) -> list[int]:
    """Announced repeals of these sectors, one announcement each; their numbers, in order."""
    made = []
    for sector in sectors:
        proposal = factories.proposal_in(State.ANNOUNCED, office=office)
        proposal.sector_code = sector
        made.append(proposal)
    commit(db.session)
    return [p.repeal_no or 0 for p in made]


def test_following_the_links_visits_every_repeal_once_in_order_while_more_are_announced(
    app: Flask, client: FlaskClient
) -> None:
    sectors = [SECTOR, OTHER, SECTOR, SECTOR, OTHER, SECTOR, SECTOR]
    with app.app_context():
        numbers = _announce(factories.Office(), sectors)
    expected = [n for n, sector in zip(numbers, sectors, strict=True) if sector == SECTOR]
    url: str | None = f"/api/v1/repeals?sector={SECTOR}&limit=2"
    slices: list[list[int]] = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, url
        rows = response.get_json()
        assert all(row["sector"] == SECTOR for row in rows)
        slices.append([row["number"] for row in rows])
        assert len(slices) < 20, "the links go round in circles"
        url = _next(response)
        assert url is None or (f"sector={SECTOR}" in url and "limit=2" in url)
        if len(slices) == 1:
            # Announced between two requests: higher numbers, so met at the end of the walk.
            with app.app_context():
                added = _announce(factories.Office(), [SECTOR, OTHER, SECTOR])
            expected += [added[0], added[2]]
    seen = [number for rows in slices for number in rows]
    assert seen == expected and len(seen) == len(set(seen)) == 7
    assert seen == sorted(seen)
    assert [len(rows) for rows in slices] == [2, 2, 2, 1]
    # A slice reads the same rows when asked again: the cursor is a row's key, not an offset.
    again = client.get(f"/api/v1/repeals?sector={SECTOR}&limit=2&after={slices[0][-1]}")
    assert [row["number"] for row in again.get_json()] == slices[1]


def test_limit_default_bounds_and_refusals(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        numbers = _announce(factories.Office(), [SECTOR] * 3)
    whole = client.get("/api/v1/repeals")
    assert [r["number"] for r in whole.get_json()] == numbers and "Link" not in whole.headers
    one = client.get("/api/v1/repeals?limit=1")
    assert [r["number"] for r in one.get_json()] == numbers[:1]
    assert _next(one) == f"/api/v1/repeals?limit=1&after={numbers[0]}"
    assert client.get("/api/v1/repeals?limit=500").get_json() == whole.get_json()
    for bad in ("0", "-1", "501", "1000000", "1.5", "1e2", "abc", "\u0663", " ", "1" * 400):
        response = client.get("/api/v1/repeals", query_string={"limit": bad})
        if not bad.strip():
            assert response.status_code == 200, repr(bad)  # an empty value: the default
            continue
        assert response.status_code == 400, bad
        body = response.get_json()
        assert body["error"] == "invalid_filter" and body["field"] == "limit", bad
        assert body["message"] == "limit 값은 1부터 500 사이의 숫자여야 합니다", bad


def test_hostile_cursors_are_refused_with_400_naming_the_field(
    app: Flask, client: FlaskClient
) -> None:
    with app.app_context():
        _announce(factories.Office(), [SECTOR])
    document = client.get("/api/v1/openapi.json").get_json()
    error = _validator(document, "/repeals", "get", "400")
    for cursor in (*HOSTILE_CURSORS, *HOSTILE, "0", "2147483648", "1 ", "+1"):
        response = client.get("/api/v1/repeals", query_string={"after": cursor})
        if cursor.strip() == "1":  # a repeal number (spaces around are dropped): a slice
            assert response.status_code == 200, cursor
            continue
        assert response.status_code == 400, (cursor[:40], response.status_code)
        body = response.get_json()
        assert body["field"] == "after" and "after 값이 올바르지 않습니다" in body["message"]
        error.validate(body)
    # Past the end: an empty slice without a next link, not an error.
    last = client.get("/api/v1/repeals?after=2147483647")
    assert last.status_code == 200 and last.get_json() == [] and "Link" not in last.headers


def test_a_paged_answer_matches_the_document(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        numbers = _announce(factories.Office(), [SECTOR, OTHER])
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/repeals"]["get"]
    assert {"limit", "after"} <= {p["name"] for p in operation["parameters"]}
    assert "Link" in operation["responses"]["200"]["headers"]
    response = client.get("/api/v1/repeals?limit=1")
    _validator(document, "/repeals", "get", "200").validate(response.get_json())
    following = client.get(_next(response) or "")
    assert [r["number"] for r in following.get_json()] == numbers[1:]
