"""Office reviewers and officials enter a citizen's proposal received at a forum, a desk or by
phone: the citizen is the proposer, the staff member is recorded, the channel and consent too."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from models import Proposal, ProposalEvent, Role, SourceKind, State, User, db
from tests.functional.helpers import account, csrf_token, login
from tests.functional.test_citizen import FORM

NEW = "/assisted/new"
TYPED = {
    **{k: v for k, v in FORM.items() if not k.startswith("contact_")},
    "citizen_name": "김민원",
    "citizen_phone": "010-3333-4444",
    "citizen_email": "",
    "channel_code": "debate_forum",
    "consent_method": "oral",
}


def _post(client, **changes):  # type: ignore[no-untyped-def]
    response = client.get(NEW)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[-3000:]
    key = re.search(r'name="entry_key"[^>]*value="([^"]*)"', page).group(1)
    data = {**TYPED, **changes, "entry_key": changes.get("entry_key", key)}
    data["csrf_token"] = csrf_token(client, NEW)
    return client.post(NEW, data=data), data


def _staff(client, app, role: Role = Role.REVIEWER):  # type: ignore[no-untyped-def]
    with app.app_context():
        user = account(role)
    login(client, user)
    return user


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.OFFICIAL])
def test_staff_enter_a_proposal_for_a_citizen_with_channel_and_consent(app, client, role):
    staff = _staff(client, app, role)
    response, _data = _post(client)
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    receipt = re.search(r'id="receipt-no">([0-9-]+)<', page).group(1)
    assert "대토론회" in page
    with app.app_context():
        proposal = db.session.scalar(select(Proposal).where(Proposal.receipt_no == receipt))
        assert proposal.state is State.SUBMITTED and proposal.source_kind is SourceKind.CITIZEN
        assert proposal.channel_code == "debate_forum" and proposal.entered_by_id == staff.id
        assert proposal.proposer.name == "김민원" and proposal.proposer.role is Role.CITIZEN
        assert proposal.proposer.password_hash is None and proposal.contact_phone == "010-3333-4444"
        assert proposal.consent_at is not None
        event = db.session.scalar(
            select(ProposalEvent).where(
                ProposalEvent.proposal_id == proposal.id, ProposalEvent.kind == "assisted_intake"
            )
        )
        assert event.data == {"consent_method": "oral", "channel": "debate_forum"}
        assert not event.visible_to_proposer


def test_a_double_click_enters_one_proposal(app, client):
    _staff(client, app)
    first, data = _post(client)
    second = client.post(NEW, data={**data, "csrf_token": csrf_token(client, NEW)})
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    with app.app_context():
        assert db.session.scalar(select(func.count(Proposal.id))) == 1


def test_a_registered_citizen_s_email_links_it_to_their_account(app, client):
    with app.app_context():
        citizen = account(Role.CITIZEN, email="member@citizen.example")
    _staff(client, app)
    response, _data = _post(client, citizen_email="Member@Citizen.example", citizen_phone="")
    assert response.status_code == 303
    with app.app_context():
        proposal = db.session.scalar(select(Proposal))
        assert proposal.proposer_id == citizen.id
    login(app.test_client(), citizen)
    own = app.test_client()
    login(own, citizen)
    assert proposal.title in own.get("/my/proposals").get_data(as_text=True)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"citizen_name": ""}, "citizen_name", "제안자 이름을 입력해 주십시오"),
        (
            {"citizen_phone": "", "citizen_email": ""},
            "citizen_phone",
            "전화번호나 이메일 중 하나는 입력해 주십시오",
        ),
        ({"citizen_phone": "전화 없음"}, "citizen_phone", "전화번호 형식이 올바르지 않습니다"),
        ({"citizen_email": "not-an-email"}, "citizen_email", "이메일 형식이 올바르지 않습니다"),
        ({"consent_method": ""}, "consent_method", "어떻게 동의했는지 골라 주십시오"),
        ({"channel_code": ""}, "channel_code", "접수 경로를 골라 주십시오"),
        ({"channel_code": "online_window"}, "channel_code", "접수 경로를 골라 주십시오"),
        ({"channel_code": "task_force"}, "channel_code", "접수 경로를 골라 주십시오"),
        ({"problem": ""}, "problem", "문제점을 입력해 주십시오"),
    ],
)
def test_every_form_error_is_named_and_everything_typed_is_kept(
    app, client, changes, field, message
):
    _staff(client, app)
    response, _data = _post(client, **changes)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "<title>오류:" in page
    assert message in page
    assert f'id="{field}-error"' in page or field == "consent_method"
    assert TYPED["current_regulation"] in page and TYPED["expected_effect"] in page
    with app.app_context():
        assert db.session.scalar(select(func.count(Proposal.id))) == 0
        assert db.session.scalar(select(func.count(User.id)).where(User.name == "김민원")) == 0


def test_a_staff_email_cannot_be_used_as_the_citizen(app, client):
    staff = _staff(client, app)
    response, _data = _post(client, citizen_email=staff.email)
    assert response.status_code == 422
    assert "직원 계정의 이메일입니다" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "role", [Role.CITIZEN, Role.AGENCY_STAFF, Role.PANEL_MEMBER, Role.CHAIR, Role.ADMIN]
)
def test_other_roles_may_not_use_assisted_intake(app, client, role):
    with app.app_context():
        user = account(role)
    login(client, user)
    assert client.get(NEW).status_code == 403
    assert client.get("/assisted/").status_code == 403


def test_anonymous_is_sent_to_login_and_another_staff_member_s_receipt_is_404(app, client):
    assert client.get(NEW).status_code == 302
    _staff(client, app)
    response, _data = _post(client)
    receipt = response.headers["Location"]
    other = app.test_client()
    _staff(other, app, Role.OFFICIAL)
    assert other.get(receipt).status_code == 404
    assert client.get(receipt).status_code == 200
