"""The office's workspace through the pages: queues and filters, bulk actions, every triage and
review form with its refusals, optimistic locking, officials' share, and the access rules."""

from __future__ import annotations

import re

import pytest

from models import Role, db
from tests import factories
from tests.functional.helpers import account, login
from workflows.dispatch import commit


def form_token(page: str) -> str:
    match = re.search(r'name="[a-z_]*-?csrf_token" type="hidden" value="([^"]+)"', page)
    if match is None:
        match = re.search(r'name="[a-z_]*-?csrf_token" value="([^"]+)"', page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def version_of(page: str, action: str) -> str:
    match = re.search(rf'name="{action}-version" type="hidden" value="(\d+)"', page)
    assert match, f"no {action} form on the page"
    return match.group(1)


def post_action(client, receipt_no: str, action: str, **values: str):  # type: ignore[no-untyped-def]
    page = client.get(f"/office/proposals/{receipt_no}").get_data(as_text=True)
    data = {f"{action}-csrf_token": form_token(page), f"{action}-version": version_of(page, action)}
    data.update({f"{action}-{k}": v for k, v in values.items()})
    return client.post(f"/office/proposals/{receipt_no}/actions/{action}", data=data)


@pytest.fixture
def office(app):  # type: ignore[no-untyped-def]
    with app.app_context():
        return account(Role.REVIEWER)


def submitted(app, **fields):  # type: ignore[no-untyped-def]
    with app.app_context():
        proposal = factories.submitted(**fields)
        commit(db.session)
        return proposal.receipt_no, proposal.id


def test_pages_render_for_a_reviewer(app, client, office):
    receipt, _id = submitted(app)
    login(client, office)
    queue = client.get("/office/")
    assert queue.status_code == 200
    assert receipt in queue.get_data(as_text=True)
    page = client.get(f"/office/proposals/{receipt}")
    assert page.status_code == 200
    assert "start_review-version" in page.get_data(as_text=True)
