"""Every look by staff at personal data is logged (who, when, what, from where) and the admin
reads the log; a proposer looking at their own data is not a staff access."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from models import PersonalDataAccess, Role, State, db, utcnow
from tests import factories
from tests.functional.helpers import account, login
from tests.functional.test_attachments import _submitted_with_attachment
from webapp.admin.security import ACTION_LABELS
from workflows import privacy
from workflows.dispatch import commit

AGENT = "Mozilla/5.0 (test; office desk)"


def _entries(app) -> list[PersonalDataAccess]:  # type: ignore[no-untyped-def]
    with app.app_context():
        rows = list(db.session.scalars(select(PersonalDataAccess).order_by(PersonalDataAccess.id)))
        db.session.expunge_all()
        return rows


def test_a_reviewer_opening_a_proposal_with_its_contact_is_logged(app, client):
    with app.app_context():
        reviewer = account(Role.REVIEWER)
        proposal = factories.proposal_in(State.IN_REVIEW)
        commit(db.session)
        receipt = proposal.receipt_no
    client.environ_base.update({"REMOTE_ADDR": "203.0.113.7", "HTTP_USER_AGENT": AGENT})
    login(client, reviewer)
    page = client.get(f"/office/proposals/{receipt}")
    assert page.status_code == 200
    [entry] = _entries(app)
    assert (entry.actor_id, entry.action, entry.object_type, entry.object_key) == (
        reviewer.id,
        "view_contact",
        "proposal",
        receipt,
    )
    assert entry.remote_addr == "203.0.113.7" and entry.user_agent == AGENT
    assert entry.occurred_at is not None
    client.get(f"/office/proposals/{receipt}")
    assert len(_entries(app)) == 2  # every look, not only the first


def test_a_refused_action_re_shows_the_contact_logged_and_changes_nothing(app, client):
    with app.app_context():
        reviewer = account(Role.REVIEWER)
        proposal = factories.proposal_in(State.IN_REVIEW)
        commit(db.session)
        receipt, version = proposal.receipt_no, proposal.version
    login(client, reviewer)
    page = client.get(f"/office/proposals/{receipt}").get_data(as_text=True)
    token = re.search(r'name="record_review-csrf_token" type="hidden" value="([^"]+)"', page)
    assert token, "no CSRF token of the review form"
    response = client.post(
        f"/office/proposals/{receipt}/actions/record_review",
        data={
            "record_review-csrf_token": token.group(1),
            "record_review-version": str(version + 5),  # someone else changed it first
            "record_review-opinion": "검토 의견",
        },
    )
    assert response.status_code == 409
    with app.app_context():
        assert factories_version(receipt) == version
    assert [e.action for e in _entries(app)] == ["view_contact", "view_contact"]


def factories_version(receipt: str) -> int:
    from models import Proposal

    return db.session.scalar(select(Proposal.version).where(Proposal.receipt_no == receipt))


def test_staff_downloading_an_attachment_is_logged_but_not_the_proposer(app, client):
    _proposer, attachment_id = _submitted_with_attachment(app, client)
    own = client.get(f"/attachments/{attachment_id}")
    own.close()
    assert own.status_code == 200 and _entries(app) == []
    staff = app.test_client()
    with app.app_context():
        chair = account(Role.CHAIR)
    login(staff, chair)
    response = staff.get(f"/attachments/{attachment_id}")
    response.close()
    assert response.status_code == 200
    [entry] = _entries(app)
    assert (entry.actor_id, entry.action, entry.object_key) == (
        chair.id,
        "download_attachment",
        str(attachment_id),
    )


def test_the_admin_reading_accounts_is_logged(app, client):
    with app.app_context():
        admin = account(Role.ADMIN)
        citizen = account(Role.CITIZEN)
    login(client, admin)
    assert client.get("/admin/users?role=citizen&q=홍").status_code == 200
    assert client.get(f"/admin/users/{citizen.id}").status_code == 200
    listed, viewed = _entries(app)
    assert (listed.action, listed.object_key, listed.detail["query"]) == (
        "list_accounts",
        "citizen",
        "홍",
    )
    assert (viewed.action, viewed.object_type, viewed.object_key) == (
        "view_account",
        "user",
        str(citizen.id),
    )


def test_the_admin_page_shows_who_when_what_and_from_where_with_filters(app, client):
    with app.app_context():
        admin = account(Role.ADMIN, name="관리자")
        reviewer = account(Role.REVIEWER, name="열람자")
        for key in ("2025-000001", "2025-000002"):
            privacy.record_access(
                db.session,
                db.session.get(type(reviewer), reviewer.id),
                action="view_contact",
                object_type="proposal",
                object_key=key,
                remote_addr="198.51.100.20",
                user_agent=AGENT,
            )
        privacy.record_access(
            db.session, None, action="destroy", object_type="proposal", object_key="2024-000009"
        )
        commit(db.session)
    login(client, admin)
    page = client.get("/admin/personal-data-access").get_data(as_text=True)
    assert "열람자" in page and reviewer.email in page and "198.51.100.20" in page
    assert AGENT in page and "2025-000002" in page and "보유기간 경과 파기" in page
    assert "시스템" in page
    one = client.get("/admin/personal-data-access?object=2025-000001").get_data(as_text=True)
    assert "2025-000001" in one and "2025-000002" not in one
    mine = client.get(f"/admin/personal-data-access?actor={reviewer.email}").get_data(as_text=True)
    assert "2025-000001" in mine and "2024-000009" not in mine
    kind = client.get("/admin/personal-data-access?action=destroy").get_data(as_text=True)
    assert "2024-000009" in kind and "2025-000001" not in kind
    assert "개인정보 접근 기록" in client.get("/admin/").get_data(as_text=True)


@pytest.mark.parametrize(
    "role", [Role.CITIZEN, Role.OFFICIAL, Role.AGENCY_STAFF, Role.REVIEWER, Role.CHAIR]
)
def test_only_the_admin_reads_the_access_log(app, client, role):
    with app.app_context():
        user = account(role)
    login(client, user)
    assert client.get("/admin/personal-data-access").status_code in (403, 404)


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get("/admin/personal-data-access")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_every_action_has_a_label():
    assert set(ACTION_LABELS) == privacy.ACTIONS


def test_the_office_page_says_the_contact_was_destroyed(app, client):
    with app.app_context():
        reviewer = account(Role.REVIEWER)
        proposal = factories.proposal_in(State.WITHDRAWN)
        proposal.contact_phone = "010-2222-3333"
        commit(db.session)
        receipt = proposal.receipt_no
        privacy.destroy_expired_personal_data(
            db.session, now=utcnow() + timedelta(days=366), retention_days=365
        )
        commit(db.session)
    login(client, reviewer)
    page = client.get(f"/office/proposals/{receipt}").get_data(as_text=True)
    assert "보유기간이 지나 제안자의 개인정보를 파기했습니다" in page
    assert "010-2222-3333" not in page
