"""The role × route × object matrix: every account against every kind of personal or staff
object (drafts, proposals, receipts, attachments, contact details, staff exports, panel
sessions, opinions, minutes, decisions). Another person's object answers 404."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.functional.security_world import World, build
from tests.functional.test_security_walks import client_as

ACCOUNTS = [
    "anonymous",
    "citizen",
    "other_citizen",
    "official",
    "agency_staff",
    "reviewer",
    "panel_member",
    "outside_panel_member",
    "chair",
    "admin",
]

OBJECTS = {
    "draft": "/my/proposals/{draft}",
    "draft_edit": "/my/proposals/{draft}/edit",
    "receipt": "/my/proposals/{submitted}/receipt",
    "attachment": "/attachments/{attachment}",
    "contact_details": "/office/proposals/{submitted_receipt}",
    "staff_export": "/exports/{export_token}",
    "panel_session": "/panel/sessions/{panel}",
    "opinion_item": "/panel/sessions/{panel}/items/{item}",
    "minutes": "/panel/sessions/{panel}/minutes",
    "decision": "/chair/proposals/{deliberating}/decide",
    "staff_list": "/open-data/staff_proposals.csv",
}


# Expected answer per account, in the order of OBJECTS. "login": sent to the login page;
# 403: the role may never use the page; 404: the object is someone else's (or not shown to
# this role at all: a draft's attachment is the proposer's alone until it is submitted).
EXPECTED = {
    # draft edit receipt attachment contact export panel item minutes decide staff-list
    "anonymous": "login login login login login 404 login login login login 404",
    "citizen": "303 200 200 200 403 404 403 403 403 403 404",
    "other_citizen": "404 404 404 404 403 404 403 403 403 403 404",
    "official": "404 404 404 404 404 404 403 403 403 403 404",
    "agency_staff": "404 404 404 404 403 404 403 403 403 403 404",
    "reviewer": "403 403 403 404 200 200 200 200 200 403 200",
    "panel_member": "403 403 403 404 403 404 200 200 403 403 404",
    "outside_panel_member": "403 403 403 404 403 404 404 404 404 403 404",
    "chair": "403 403 403 404 200 404 200 200 200 200 200",
    "admin": "403 403 403 404 403 404 403 403 403 403 200",
}


def outcome(response) -> str:  # type: ignore[no-untyped-def]
    if response.status_code in (302, 303) and response.headers["Location"].startswith("/login"):
        return "login"
    return str(response.status_code)


@pytest.fixture
def world(app: Flask) -> World:
    return build(app)


@pytest.mark.parametrize("account", ACCOUNTS)
def test_each_account_gets_exactly_its_row_of_the_matrix(
    app: Flask, world: World, account: str
) -> None:
    client = client_as(app, world, account)
    got = {}
    for name, template in OBJECTS.items():
        response = client.get(template.format(**world.ids))
        got[name] = outcome(response)
        response.close()
    assert got == dict(zip(OBJECTS, EXPECTED[account].split(), strict=True))


def test_the_matrix_covers_every_account_and_object() -> None:
    assert set(EXPECTED) == set(ACCOUNTS)
    assert all(len(row.split()) == len(OBJECTS) for row in EXPECTED.values())


def test_another_persons_object_answers_404_not_403(app: Flask, world: World) -> None:
    """Owning roles see 404 for what is not theirs, so ids do not tell what exists."""
    for account, names in {
        "other_citizen": ("draft", "draft_edit", "receipt", "attachment"),
        "outside_panel_member": ("panel_session", "opinion_item"),
        "chair": ("staff_export",),
    }.items():
        client = client_as(app, world, account)
        for name in names:
            assert client.get(OBJECTS[name].format(**world.ids)).status_code == 404, (account, name)
