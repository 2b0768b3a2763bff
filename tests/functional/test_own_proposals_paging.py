"""A person's own proposals a page at a time: ``/my/proposals`` (keyset ``after``/``before``
like the public registers, drafts and the proposals entered for others included) and
``GET /api/v1/me/proposals`` (``limit``/``after``, the next slice in the ``Link`` header, the
body the array it always was). Following the links visits every proposal once, newest first; a
bad limit or cursor is a 400 naming the field, never a server error."""

from __future__ import annotations

import html
import re

from flask import Flask
from flask.testing import FlaskClient

from models import Proposal, Role, State, User, db
from tests import factories
from tests.functional.helpers import HOSTILE_CURSORS, account, login
from tests.functional.test_api_proposals import _token
from tests.functional.test_openapi import _validator
from workflows.dispatch import commit


def _mine(owner_id: int, count: int, *, drafts: int = 0) -> list[int]:
    """``count`` submitted proposals of the owner (and ``drafts`` drafts); their ids."""
    owner = db.session.get(User, owner_id)
    made = [factories.proposal_in(State.SUBMITTED, proposer=owner) for _ in range(count)]
    made += [factories.proposal_in(State.DRAFT, proposer=owner) for _ in range(drafts)]
    commit(db.session)
    return [p.id for p in made]


def _api_next(response) -> str | None:  # type: ignore[no-untyped-def]
    link = response.headers.get("Link")
    if link is None:
        return None
    match = re.fullmatch(r'<(/api/v1/me/proposals\?[^>]+)>; rel="next"', link)
    assert match, link
    return match.group(1)


def test_the_api_walks_every_own_proposal_once_newest_first(
    app: Flask, client: FlaskClient
) -> None:
    with app.app_context():
        owner = account(Role.CITIZEN)
        ids = _mine(owner.id, 5, drafts=1)
        _mine(account(Role.CITIZEN).id, 2)  # someone else's: never listed
        expected = [
            p.receipt_no
            for p in sorted(
                (db.session.get(Proposal, i) for i in ids[:5]),
                key=lambda p: (p.submitted_at, p.id),
                reverse=True,
            )
        ]
    headers = _token(client, owner)
    whole = client.get("/api/v1/me/proposals", headers=headers)
    assert [p["receipt_no"] for p in whole.get_json()] == expected
    assert "Link" not in whole.headers
    url: str | None = "/api/v1/me/proposals?limit=2"
    slices: list[list[str]] = []
    while url:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, url
        slices.append([p["receipt_no"] for p in response.get_json()])
        assert len(slices) < 10, "the links go round in circles"
        url = _api_next(response)
        assert url is None or "limit=2" in url
    assert [len(s) for s in slices] == [2, 2, 1]
    assert [r for s in slices for r in s] == expected
    # The body keeps its shape.
    document = client.get("/api/v1/openapi.json").get_json()
    first = client.get("/api/v1/me/proposals?limit=1", headers=headers)
    _validator(document, "/me/proposals", "get", "200").validate(first.get_json())
    operation = document["paths"]["/me/proposals"]["get"]
    assert {"limit", "after"} <= {p["name"] for p in operation["parameters"]}
    assert "Link" in operation["responses"]["200"]["headers"]


def test_the_api_refuses_bad_limits_and_hostile_cursors(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        owner = account(Role.CITIZEN)
        _mine(owner.id, 1)
    headers = _token(client, owner)
    document = client.get("/api/v1/openapi.json").get_json()
    error = _validator(document, "/me/proposals", "get", "400")
    for bad in ("0", "-1", "501", "1.5", "abc", "\u0663", "1" * 400):
        response = client.get("/api/v1/me/proposals", query_string={"limit": bad}, headers=headers)
        assert response.status_code == 400, bad
        body = response.get_json()
        assert body["field"] == "limit" and "limit 값은" in body["message"]
        error.validate(body)
    for cursor in (*HOSTILE_CURSORS, "0", "x" * 5000, "2025-01-01T00:00:00Z_0"):
        response = client.get(
            "/api/v1/me/proposals", query_string={"after": cursor}, headers=headers
        )
        assert response.status_code == 400, (cursor[:40], response.status_code)
        body = response.get_json()
        assert body["field"] == "after" and "after 값이 올바르지 않습니다" in body["message"]
        error.validate(body)
    # Without a token: 401 before anything is read.
    assert client.get("/api/v1/me/proposals?after=x_y").status_code == 401
    # A well-formed cursor past the end: an empty slice, no next link.
    last = client.get(
        "/api/v1/me/proposals",
        query_string={"after": "2000-01-01T00:00:00.000000Z_1"},
        headers=headers,
    )
    assert last.status_code == 200 and last.get_json() == [] and "Link" not in last.headers


def _page_ids(body: str) -> list[int]:
    return [int(n) for n in re.findall(r"/my/proposals/(\d+)(?:/edit)?\b", body)]


def _link(body: str, rel_id: str) -> str | None:
    match = re.search(rf'<a href="([^"]+)"[^>]*id="{rel_id}"', body)
    return html.unescape(match.group(1)) if match else None


def test_the_page_walks_own_and_entered_proposals_forward_and_back(
    app: Flask, client: FlaskClient
) -> None:
    with app.app_context():
        staff = account(Role.OFFICIAL)
        own = _mine(staff.id, 2, drafts=1)
        others = _mine(account(Role.CITIZEN).id, 3)
        for proposal_id in others[:2]:
            db.session.get(Proposal, proposal_id).entered_by_id = staff.id
        commit(db.session)
        listed = own + others[:2]
        expected = [
            p.id
            for p in sorted(
                (db.session.get(Proposal, i) for i in listed),
                key=lambda p: (p.created_at, p.id),
                reverse=True,
            )
        ]
    login(client, staff)
    whole = client.get("/my/proposals")
    assert whole.status_code == 200
    body = whole.get_data(as_text=True)
    assert sorted(set(_page_ids(body))) == sorted(expected)
    assert _link(body, "next-page") is None
    url: str | None = "/my/proposals?per_page=2"
    pages: list[list[int]] = []
    last_url = ""
    while url:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.get_data(as_text=True)
        pages.append(list(dict.fromkeys(_page_ids(text))))
        assert len(pages) < 10, "the links go round in circles"
        last_url, url = url, _link(text, "next-page")
        assert url is None or "per_page=2" in url
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [i for p in pages for i in p] == expected
    # Back from the last page: the page before it, then the first (with no "previous").
    previous = _link(client.get(last_url).get_data(as_text=True), "prev-page")
    assert previous is not None and "before=" in previous
    back = client.get(previous).get_data(as_text=True)
    assert list(dict.fromkeys(_page_ids(back))) == pages[1]
    top = client.get(_link(back, "prev-page") or "").get_data(as_text=True)
    assert list(dict.fromkeys(_page_ids(top))) == pages[0]


def test_hostile_page_positions_are_a_400_showing_the_first_page(
    app: Flask, client: FlaskClient
) -> None:
    with app.app_context():
        owner = account(Role.CITIZEN)
        ids = _mine(owner.id, 1)
    login(client, owner)
    for name, value in [("after", c) for c in HOSTILE_CURSORS] + [
        ("before", "x_y"),
        ("page", "abc"),
        ("per_page", "0"),
    ]:
        response = client.get("/my/proposals", query_string={name: value})
        assert response.status_code == 400, (name, value, response.status_code)
        text = response.get_data(as_text=True)
        assert 'class="error-message" role="alert"' in text
        assert _page_ids(text)[:1] == ids
