"""A proposer writes, saves, previews and submits a proposal, follows it, answers an information
request and withdraws; nobody else can see it."""

from __future__ import annotations

import re
import threading
from pathlib import Path

from sqlalchemy import func, select

from models import Proposal, Role, State, User, db
from tests import factories
from tests.functional.helpers import account, csrf_token, login
from workflows.dispatch import commit
from workflows.mail import FileMailer

FORM = {
    "title": "마을버스 환승 시간 완화",
    "current_regulation": "마을버스 환승은 1시간 안에만 인정됩니다.",
    "legal_basis": "",
    "problem": "배차 간격이 길어 환승 할인을 못 받습니다.",
    "proposed_change": "환승 인정 시간을 2시간으로 늘려 주십시오.",
    "expected_effect": "교통비 부담이 줄어듭니다.",
    "sector_code": "transport_env_safety",
    "regulation_type_code": "",
    "contact_name": "홍길동",
    "contact_phone": "010-1111-2222",
    "contact_email": "hong@citizen.example",
}


def _post(client, action: str, path: str = "/my/proposals/new", **changes):  # type: ignore[no-untyped-def]
    page = client.get(path).get_data(as_text=True)
    key = re.search(r'name="submission_key" type="hidden" value="([^"]*)"', page).group(1)
    data = {
        **FORM,
        **changes,
        "action": action,
        "submission_key": changes.get("submission_key", key),
        "csrf_token": csrf_token(client, path),
    }
    return client.post(path, data=data), data


def _citizen(client, app):  # type: ignore[no-untyped-def]
    with app.app_context():
        user = account(Role.CITIZEN, email="hong@citizen.example")
    login(client, user)
    return user


def test_every_missing_field_is_named_and_everything_typed_is_kept(app, client):
    _citizen(client, app)
    response, _data = _post(client, "submit", problem="", proposed_change="", consent="y")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "<title>오류:" in page
    assert "문제점을 입력해 주십시오" in page and "개선안을 입력해 주십시오" in page
    assert "마을버스 환승은 1시간 안에만 인정됩니다." in page  # kept
    with app.app_context():
        assert db.session.scalar(select(func.count(Proposal.id))) == 0  # nothing half-saved


def test_submission_needs_consent_and_says_so(app, client):
    _citizen(client, app)
    response, _data = _post(client, "submit")
    assert response.status_code == 422
    assert "개인정보 수집·이용에 동의해야 제안을 제출할 수 있습니다" in response.get_data(
        as_text=True
    )


def test_draft_then_preview_then_submit_gives_a_receipt_and_an_email(app, client):
    _citizen(client, app)
    saved, data = _post(client, "save")
    assert saved.status_code == 303 and "/edit" in saved.headers["Location"]
    edit = saved.headers["Location"]
    page = client.get(edit).get_data(as_text=True)
    assert "마을버스 환승 시간 완화" in page and 'name="consent"' in page
    assert "checked" not in page.split('name="consent"')[0][-200:]  # consent unchecked
    preview = client.post(
        edit, data={**data, "action": "preview", "csrf_token": csrf_token(client, edit)}
    )
    assert "미리 보기" in preview.get_data(as_text=True)
    submitted = client.post(
        edit,
        data={**data, "action": "submit", "consent": "y", "csrf_token": csrf_token(client, edit)},
    )
    assert submitted.status_code == 303 and "/receipt" in submitted.headers["Location"]
    receipt = client.get(submitted.headers["Location"]).get_data(as_text=True)
    number = re.search(r'id="receipt-no">([0-9]{4}-[0-9]{6})<', receipt).group(1)
    with app.app_context():
        proposal = db.session.scalars(select(Proposal)).one()
        assert proposal.state is State.SUBMITTED and proposal.receipt_no == number
        assert proposal.consent_version and proposal.consent_at
        mails = FileMailer(Path(app.config["MAIL_FILE"])).messages()
    assert len(mails) == 1 and number in mails[0]["Subject"]


def test_double_click_creates_one_proposal_with_one_receipt(app, client):
    _citizen(client, app)
    first, data = _post(client, "submit", consent="y")
    again = client.post(
        "/my/proposals/new", data={**data, "csrf_token": csrf_token(client, "/my/proposals/new")}
    )
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    with app.app_context():
        assert db.session.scalar(select(func.count(Proposal.id))) == 1


def test_parallel_clicks_on_submit_make_one_proposal_and_all_see_its_receipt(app, client):
    # A double click sends the second request before the first has answered: on SQLite the
    # second one used to fail with "database is locked" (a 503) instead of showing the receipt.
    _citizen(client, app)
    page = client.get("/my/proposals/new").get_data(as_text=True)
    key = re.search(r'name="submission_key" type="hidden" value="([^"]*)"', page).group(1)
    data = {**FORM, "action": "submit", "consent": "y", "submission_key": key}
    data["csrf_token"] = csrf_token(client, "/my/proposals/new")
    cookie = client.get_cookie("session").value
    barrier = threading.Barrier(6)
    answers: list[tuple[int, str]] = []

    def click() -> None:
        tab = app.test_client()
        tab.set_cookie("session", cookie)
        barrier.wait(timeout=30)
        response = tab.post("/my/proposals/new", data=data)
        answers.append((response.status_code, response.headers.get("Location", "")))

    threads = [threading.Thread(target=click) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(answers) == 6
    assert {status for status, _ in answers} == {303}, answers
    assert len({location for _, location in answers}) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count(Proposal.id))) == 1


def test_personal_data_in_the_text_is_flagged_before_submission(app, client):
    _citizen(client, app)
    response, data = _post(
        client, "submit", consent="y", problem="제 번호 010-9999-8888 로 연락 주세요."
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="pii-warning"' in page and "전화번호" in page
    with app.app_context():
        assert db.session.scalar(select(func.count(Proposal.id))) == 0
    confirmed = client.post(
        "/my/proposals/new",
        data={
            **data,
            "pii_acknowledged": "yes",
            "csrf_token": csrf_token(client, "/my/proposals/new"),
        },
    )
    assert confirmed.status_code == 303


def test_the_proposer_answers_an_information_request_and_sees_the_trail(app, client):
    user = _citizen(client, app)
    with app.app_context():
        office = factories.Office()
        proposal = factories.proposal_in(
            State.INFO_REQUESTED, proposer=db.session.get(User, user.id), office=office
        )
        commit(db.session)
        proposal_id = proposal.id
    page = client.get(f"/my/proposals/{proposal_id}").get_data(as_text=True)
    assert "근거 조문을 알려 주십시오" in page and "보완 요청에 답하기" in page
    empty = client.post(
        f"/my/proposals/{proposal_id}/answer",
        data={"answer": " ", "csrf_token": csrf_token(client, f"/my/proposals/{proposal_id}")},
    )
    assert empty.status_code == 422 and "보완 답변을 입력해 주십시오" in empty.get_data(
        as_text=True
    )
    done = client.post(
        f"/my/proposals/{proposal_id}/answer",
        data={
            "answer": "서울특별시 여객자동차 운수사업 조례 제12조입니다.",
            "csrf_token": csrf_token(client, f"/my/proposals/{proposal_id}"),
        },
    )
    assert done.status_code == 303
    with app.app_context():
        assert db.session.get(Proposal, proposal_id).state is State.IN_REVIEW


def test_withdraw_before_a_decision_only(app, client):
    user = _citizen(client, app)
    with app.app_context():
        office = factories.Office()
        me = db.session.get(User, user.id)
        open_one = factories.proposal_in(State.IN_REVIEW, proposer=me, office=office)
        decided = factories.proposal_in(State.DECIDED, proposer=me, office=office)
        commit(db.session)
        open_id, decided_id = open_one.id, decided.id
    assert "철회하기" not in client.get(f"/my/proposals/{decided_id}").get_data(as_text=True)
    refused = client.post(
        f"/my/proposals/{decided_id}/withdraw",
        data={"csrf_token": csrf_token(client, f"/my/proposals/{open_id}")},
    )
    assert refused.status_code == 303
    assert "결정된 제안은 철회할 수 없습니다" in client.get(refused.headers["Location"]).get_data(
        as_text=True
    )
    client.post(
        f"/my/proposals/{open_id}/withdraw",
        data={
            "reason": "해결되었습니다",
            "csrf_token": csrf_token(client, f"/my/proposals/{open_id}"),
        },
    )
    with app.app_context():
        assert db.session.get(Proposal, open_id).state is State.WITHDRAWN
        assert db.session.get(Proposal, decided_id).state is State.DECIDED


def test_someone_elses_proposal_is_not_found(app, client):
    _citizen(client, app)
    with app.app_context():
        other = factories.proposal_in(State.IN_REVIEW)
        commit(db.session)
        other_id = other.id
    assert client.get(f"/my/proposals/{other_id}").status_code == 404
    assert (
        client.post(
            f"/my/proposals/{other_id}/withdraw",
            data={"csrf_token": csrf_token(client, "/my/proposals")},
        ).status_code
        == 404
    )


def test_staff_cannot_use_the_proposer_pages(app, client):
    with app.app_context():
        reviewer = account(Role.REVIEWER)
    login(client, reviewer)
    assert client.get("/my/proposals").status_code == 403
    assert app.test_client().get("/my/proposals").status_code == 302  # anonymous → login


def test_an_official_submits_for_the_department_through_the_contest_channel(app, client):
    with app.app_context():
        official = account(Role.OFFICIAL)
    login(client, official)
    response, _data = _post(client, "submit", consent="y")
    assert response.status_code == 303
    with app.app_context():
        proposal = db.session.scalars(select(Proposal)).one()
        assert proposal.source_kind.value == "official"
        assert proposal.channel_code == "creative_contest"
        assert proposal.organisation_id == official.organisation_id
