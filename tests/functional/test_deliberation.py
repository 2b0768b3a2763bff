"""The panel's and the chair's pages: sessions, opinions kept independent, conflicts, minutes,
decisions, announcements and implementation, with every role, form error and refusal."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from models import (
    TWO_FACTOR_ROLES,
    Announcement,
    Decision,
    OutboxMessage,
    PanelOpinion,
    PanelSession,
    Proposal,
    ProposalEvent,
    Recusal,
    Role,
    State,
    User,
    db,
)
from tests import factories
from tests.functional.helpers import _HASH, TOTP_SECRET, checked_ids, csrf_token, login
from workflows import deliberation
from workflows.dispatch import commit
from workflows.mail import FileMailer


def _person(role: Role, email: str):  # type: ignore[no-untyped-def]
    user = factories.user(role, email=email, password_hash=_HASH)
    if role in TWO_FACTOR_ROLES:
        user.totp_secret = TOTP_SECRET  # logs in with the authenticator's code (helpers.login)
    return user


@pytest.fixture
def scene(app: Flask) -> SimpleNamespace:
    """One repeal already announced (1호); a proposal in deliberation on a session of three
    members with quorum 2; a second one in deliberation not yet on any agenda."""
    with app.app_context():
        office = factories.Office.__new__(factories.Office)
        office.reviewer = _person(Role.REVIEWER, "reviewer@office.example")
        office.chair = _person(Role.CHAIR, "chair@office.example")
        office.panel = [_person(Role.PANEL_MEMBER, f"panel{n}@office.example") for n in (1, 2, 3)]
        _person(Role.PANEL_MEMBER, "outsider@office.example")
        _person(Role.OFFICIAL, "official@city.example")
        proposer = _person(Role.CITIZEN, "hong@citizen.example")
        factories.proposal_in(State.ANNOUNCED, office=office)
        proposal = factories.proposal_in(State.IN_DELIBERATION, proposer=proposer, office=office)
        waiting = factories.proposal_in(State.IN_DELIBERATION, office=office)
        panel = factories.panel_session(office, office.panel, [proposal])
        commit(db.session)
        return SimpleNamespace(
            proposal_id=proposal.id,
            receipt_no=proposal.receipt_no,
            waiting_id=waiting.id,
            panel_id=panel.id,
            item_id=panel.agenda[0].id,
            member_ids=[m.id for m in office.panel],
        )


def _client(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    login(client, SimpleNamespace(email=email))  # type: ignore[arg-type]
    return client


def _member(app: Flask, n: int) -> FlaskClient:
    return _client(app, f"panel{n}@office.example")


def _item_path(scene: SimpleNamespace) -> str:
    return f"/panel/sessions/{scene.panel_id}/items/{scene.item_id}"


def _opinion(client: FlaskClient, scene: SimpleNamespace, **data: str):  # type: ignore[no-untyped-def]
    path = _item_path(scene)
    return client.post(f"{path}/opinion", data={"csrf_token": csrf_token(client, path), **data})


def _count(app: Flask, model: type) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


# --- who may come in -------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/panel/", "/chair/", "/chair/implementation"])
def test_anonymous_visitors_are_sent_to_login(client, scene, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", [Role.CITIZEN, Role.OFFICIAL, Role.AGENCY_STAFF, Role.ADMIN])
def test_roles_outside_the_panel_are_refused_its_pages(app, scene, role):
    with app.app_context():
        _person(role, f"{role.value}@x.example")
        commit(db.session)
    client = _client(app, f"{role.value}@x.example")
    assert client.get("/panel/").status_code == 403
    assert client.get(f"/panel/sessions/{scene.panel_id}").status_code == 403
    assert client.get(f"/panel/sessions/{scene.panel_id}/minutes").status_code == 403


@pytest.mark.parametrize("email", ["reviewer@office.example", "panel1@office.example"])
def test_only_the_chair_decides_and_announces(app, scene, email):
    client = _client(app, email)
    assert client.get("/chair/").status_code == 403
    assert client.get(f"/chair/proposals/{scene.proposal_id}/decide").status_code == 403
    assert client.get("/chair/announcements/new").status_code == 403


def test_a_citizen_may_not_touch_implementation(app, scene):
    client = _client(app, "hong@citizen.example")
    assert client.get("/chair/implementation").status_code == 403
    assert client.get("/chair/implementation/1").status_code == 403


def test_a_member_not_sitting_on_a_session_gets_404(app, scene):
    client = _client(app, "outsider@office.example")
    listing = client.get("/panel/").get_data(as_text=True)
    assert f"/panel/sessions/{scene.panel_id}" not in listing
    assert client.get(f"/panel/sessions/{scene.panel_id}").status_code == 404
    assert client.get(_item_path(scene)).status_code == 404
    token = csrf_token(client, "/panel/")
    response = client.post(
        f"{_item_path(scene)}/opinion", data={"csrf_token": token, "vote": "repeal"}
    )
    assert response.status_code == 404
    assert _count(app, PanelOpinion) == 0


# --- sessions ---------------------------------------------------------------------------------


def test_a_reviewer_convenes_a_session_from_the_proposals_in_deliberation(app, scene):
    client = _client(app, "reviewer@office.example")
    form = client.get("/panel/sessions/new").get_data(as_text=True)
    with app.app_context():
        waiting = db.session.get(Proposal, scene.waiting_id)
        assert waiting.receipt_no in form
    response = client.post(
        "/panel/sessions/new",
        data={
            "csrf_token": csrf_token(client, "/panel/sessions/new"),
            "title": "제2차 규제개혁 심사위원회",
            "held_on": "2025-03-04",
            "quorum": "2",
            "members": [str(i) for i in scene.member_ids[:2]],
            "agenda": [str(scene.waiting_id)],
        },
    )
    assert response.status_code == 303
    with app.app_context():
        panel = db.session.scalar(
            select(PanelSession).where(PanelSession.title == "제2차 규제개혁 심사위원회")
        )
        assert panel.held_on == date(2025, 3, 4) and panel.quorum == 2
        assert [i.proposal_id for i in panel.agenda] == [scene.waiting_id]
        assert sorted(m.user_id for m in panel.members) == scene.member_ids[:2]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "정족수" in page and "의견 0/2건 기록" in page


def test_session_form_errors_are_named_and_what_was_typed_is_kept(app, scene):
    client = _client(app, "reviewer@office.example")
    token = csrf_token(client, "/panel/sessions/new")
    no_members = client.post(
        "/panel/sessions/new",
        data={"csrf_token": token, "title": "임시 회의", "held_on": "2025-03-04", "quorum": "1"},
    )
    page = no_members.get_data(as_text=True)
    assert no_members.status_code == 422
    assert "심사위원을 한 명 이상 고르십시오" in page and 'value="임시 회의"' in page
    bad_date = client.post(
        "/panel/sessions/new",
        data={"csrf_token": token, "title": "임시 회의", "held_on": "3월 4일", "quorum": "1"},
    )
    assert bad_date.status_code == 422 and "YYYY-MM-DD" in bad_date.get_data(as_text=True)
    too_high = client.post(
        "/panel/sessions/new",
        data={
            "csrf_token": token,
            "title": "임시 회의",
            "held_on": "2025-03-04",
            "quorum": "3",
            "members": [str(scene.member_ids[0])],
        },
    )
    assert too_high.status_code == 422
    assert "의결 정족수는 1 이상, 위원 수 이하여야 합니다" in too_high.get_data(as_text=True)
    assert _count(app, PanelSession) == 1


def test_panel_members_cannot_convene_sessions(app, scene):
    assert _member(app, 1).get("/panel/sessions/new").status_code == 403


# --- opinions ---------------------------------------------------------------------------------


def test_other_opinions_stay_hidden_until_the_member_records_their_own(app, scene):
    first, second = _member(app, 1), _member(app, 2)
    assert (
        _opinion(first, scene, vote="repeal", score="5", comment="근거 없는 규제입니다").status_code
        == 303
    )

    before = second.get(_item_path(scene)).get_data(as_text=True)
    assert "근거 없는 규제입니다" not in before
    assert "내 의견을 기록한 뒤에 볼 수 있습니다" in before
    assert "의견 1/3건 기록" in before  # progress, not content
    assert "만장일치" not in before  # not even the agreement
    session_page = second.get(f"/panel/sessions/{scene.panel_id}").get_data(as_text=True)
    assert "내 의견을 기록하면 보입니다" in session_page and "만장일치" not in session_page

    response = _opinion(second, scene, vote="relax", score="3", comment="완화가 적절합니다")
    assert response.status_code == 303
    after = second.get(response.headers["Location"]).get_data(as_text=True)
    assert "근거 없는 규제입니다" in after and "완화가 적절합니다" in after
    assert "의견 갈림" in after and "의견 2/3건 기록" in after and "정족수 충족" in after


def test_opinion_form_errors_keep_the_comment_and_save_nothing(app, scene):
    client = _member(app, 1)
    no_vote = _opinion(client, scene, score="4", comment="내 의견 초안")
    page = no_vote.get_data(as_text=True)
    assert no_vote.status_code == 422 and "의견을 골라 주십시오" in page and "내 의견 초안" in page
    bad_score = _opinion(client, scene, vote="repeal", score="7", comment="내 의견 초안")
    assert bad_score.status_code == 422
    assert "점수는 1~5 사이여야 합니다" in bad_score.get_data(as_text=True)
    assert _count(app, PanelOpinion) == 0


def test_a_second_opinion_is_refused_with_the_rule(app, scene):
    client = _member(app, 1)
    assert _opinion(client, scene, vote="repeal").status_code == 303
    with app.app_context():
        item = db.session.get(PanelSession, scene.panel_id).agenda[0]
        # The page no longer offers the form; a replayed post is refused by the workflow.
        assert item.opinions[0].vote.value == "repeal"
    token = csrf_token(client, "/panel/")
    again = client.post(
        f"{_item_path(scene)}/opinion", data={"csrf_token": token, "vote": "not_accepted"}
    )
    assert again.status_code == 409
    assert "이미 의견을 기록한 안건입니다" in again.get_data(as_text=True)
    assert _count(app, PanelOpinion) == 1


def test_opinions_need_the_csrf_token(app, scene):
    client = _member(app, 1)
    response = client.post(f"{_item_path(scene)}/opinion", data={"vote": "repeal"})
    assert response.status_code in (400, 422)
    assert _count(app, PanelOpinion) == 0


def test_a_member_declares_a_conflict_and_is_recused_from_the_item(app, scene):
    client = _member(app, 3)
    path = _item_path(scene)
    response = client.post(
        f"{path}/conflict", data={"csrf_token": csrf_token(client, path), "reason": "자문 이력"}
    )
    assert response.status_code == 303
    page = client.get(path).get_data(as_text=True)
    assert "회피한 안건" in page and 'action="' + f"{path}/opinion" not in page
    refused = _opinion(client, scene, vote="repeal")
    assert refused.status_code == 403
    assert "이해충돌로 회피한 안건에는 의견을 낼 수 없습니다" in refused.get_data(as_text=True)
    assert _count(app, PanelOpinion) == 0 and _count(app, Recusal) == 1
    # The others' progress now counts two expected opinions.
    assert "의견 0/2건 기록" in _member(app, 1).get(path).get_data(as_text=True)


# --- minutes ----------------------------------------------------------------------------------


def test_minutes_are_generated_from_the_opinions_for_staff_only(app, scene):
    _opinion(_member(app, 1), scene, vote="repeal", score="5", comment="철폐에 찬성")
    _opinion(_member(app, 2), scene, vote="repeal", score="4")
    path = f"/panel/sessions/{scene.panel_id}/minutes"
    page = _client(app, "reviewer@office.example").get(path)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "철폐에 찬성" in text and "만장일치" in text and "의견 2/3건" in text
    assert "deliberation.css" in text and "data-print" in text and "js/print.js" in text
    assert _member(app, 1).get(path).status_code == 403
    assert _client(app, "outsider@office.example").get(path).status_code == 404


# --- decisions --------------------------------------------------------------------------------


def _decide(client: FlaskClient, scene: SimpleNamespace, **data: str):  # type: ignore[no-untyped-def]
    path = f"/chair/proposals/{scene.proposal_id}/decide"
    page = client.get(path).get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    fields = {
        "csrf_token": csrf_token(client, path),
        "version": version,
        "outcome": "repeal",
        "reasons": "불합리한 규제로 부담이 큽니다",
        "responsible_official": "김담당",
        "reason_code": "",
        "external_ref": "",
    }
    fields.update(data)
    return client.post(path, data=fields)


def _reach_quorum(app: Flask, scene: SimpleNamespace) -> None:
    _opinion(_member(app, 1), scene, vote="repeal", score="5")
    _opinion(_member(app, 2), scene, vote="repeal", score="4")


def test_the_chair_cannot_decide_before_the_quorum(app, scene):
    chair = _client(app, "chair@office.example")
    _opinion(_member(app, 1), scene, vote="repeal")
    response = _decide(chair, scene, reasons="결정 사유 초안")
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "의결 정족수(2명)에 이르지 않아 결정할 수 없습니다" in page
    assert "결정 사유 초안" in page  # kept
    with app.app_context():
        assert db.session.get(Proposal, scene.proposal_id).state is State.IN_DELIBERATION
    assert _count(app, Decision) == 1  # only the announced 1호's


def test_decision_form_errors_are_shown_next_to_the_fields(app, scene):
    _reach_quorum(app, scene)
    chair = _client(app, "chair@office.example")
    no_reasons = _decide(chair, scene, reasons=" ", responsible_official="김담당")
    page = no_reasons.get_data(as_text=True)
    assert no_reasons.status_code == 422 and "결정 사유를 입력해 주십시오" in page
    assert 'value="김담당"' in page
    no_code = _decide(chair, scene, outcome="not_accepted")
    assert no_code.status_code == 422
    assert "불수용 사유 코드를 선택해 주십시오" in no_code.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Proposal, scene.proposal_id).state is State.IN_DELIBERATION


def test_a_concurrent_change_is_reported_and_the_typed_text_kept(app, scene):
    _reach_quorum(app, scene)
    chair = _client(app, "chair@office.example")
    stale = _decide(chair, scene, version="0", reasons="늦게 낸 결정 사유")
    page = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "다른 사용자가 이 제안을 먼저 변경했습니다" in page and "늦게 낸 결정 사유" in page
    with app.app_context():
        current = db.session.get(Proposal, scene.proposal_id)
        assert current.state is State.IN_DELIBERATION
        assert f'name="version" type="hidden" value="{current.version}"' in page


def test_the_chair_decides_and_the_decision_is_not_yet_public(app, scene):
    _reach_quorum(app, scene)
    chair = _client(app, "chair@office.example")
    response = _decide(chair, scene)
    assert response.status_code == 303
    with app.app_context():
        proposal = db.session.get(Proposal, scene.proposal_id)
        assert proposal.state is State.DECIDED and proposal.repeal_no is None
        assert proposal.current_decision.responsible_official == "김담당"
    register = app.test_client().get("/repeals").get_data(as_text=True)
    assert scene.receipt_no not in register and "2호" not in register
    desk = chair.get("/chair/").get_data(as_text=True)
    assert scene.receipt_no in desk


# --- announcements ----------------------------------------------------------------------------


def _decided(app: Flask, scene: SimpleNamespace) -> FlaskClient:
    _reach_quorum(app, scene)
    chair = _client(app, "chair@office.example")
    assert _decide(chair, scene).status_code == 303
    return chair


def test_announcement_form_errors_are_named(app, scene):
    chair = _decided(app, scene)
    token = csrf_token(chair, "/chair/announcements/new")
    response = chair.post(
        "/chair/announcements/new",
        data={"csrf_token": token, "title": "", "announced_on": "", "summary": "요약 초안"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "YYYY-MM-DD" in page and "요약 초안" in page
    no_title = chair.post(
        "/chair/announcements/new",
        data={"csrf_token": token, "title": " ", "announced_on": "2025-03-13"},
    )
    assert no_title.status_code == 422
    assert "발표 제목을 입력해 주십시오" in no_title.get_data(as_text=True)
    assert _count(app, Announcement) == 1  # only the one that announced 1호


def test_the_chair_publishes_and_the_repeal_gets_the_next_number(app, scene):
    chair = _decided(app, scene)
    form = chair.get("/chair/announcements/new").get_data(as_text=True)
    assert scene.receipt_no in form
    created = chair.post(
        "/chair/announcements/new",
        data={
            "csrf_token": csrf_token(chair, "/chair/announcements/new"),
            "title": "건설산업 규제철폐 TF 성과 보고회",
            "announced_on": "2025-03-13",
            "summary": "건설 분야 규제를 철폐합니다",
            "proposals": [str(scene.proposal_id)],
        },
    )
    assert created.status_code == 303
    draft_path = created.headers["Location"]
    draft = chair.get(draft_path).get_data(as_text=True)
    assert "규제철폐 2호부터" in draft
    with app.app_context():
        assert db.session.get(Proposal, scene.proposal_id).state is State.DECIDED

    reviewer = _client(app, "reviewer@office.example")
    token = csrf_token(reviewer, "/panel/")
    assert reviewer.post(f"{draft_path}/publish", data={"csrf_token": token}).status_code == 403

    published = chair.post(
        f"{draft_path}/publish", data={"csrf_token": csrf_token(chair, draft_path)}
    )
    assert published.status_code == 303 and "/announcements/" in published.headers["Location"]
    public = app.test_client().get(published.headers["Location"]).get_data(as_text=True)
    assert "건설산업 규제철폐 TF 성과 보고회" in public and "2호" in public
    with app.app_context():
        proposal = db.session.get(Proposal, scene.proposal_id)
        assert proposal.state is State.ANNOUNCED and proposal.repeal_no == 2
        mails = FileMailer(Path(app.config["MAIL_FILE"])).messages()
    told = [
        m
        for m in mails
        if scene.receipt_no in m["Subject"] and "규제철폐 과제로 발표" in m["Subject"]
    ]
    assert len(told) == 1 and told[0]["To"] == "hong@citizen.example"

    again = chair.post(f"{draft_path}/publish", data={"csrf_token": csrf_token(chair, draft_path)})
    assert again.status_code == 409
    assert "이미 발표된 발표문은 바꿀 수 없습니다" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Proposal, scene.proposal_id).repeal_no == 2

    mine = _client(app, "hong@citizen.example").get(f"/my/proposals/{scene.proposal_id}")
    assert "규제철폐 2호" in mine.get_data(as_text=True)


def test_an_empty_announcement_cannot_be_published(app, scene):
    chair = _client(app, "chair@office.example")
    created = chair.post(
        "/chair/announcements/new",
        data={
            "csrf_token": csrf_token(chair, "/chair/announcements/new"),
            "title": "빈 발표",
            "announced_on": "2025-03-20",
        },
    )
    path = created.headers["Location"]
    response = chair.post(f"{path}/publish", data={"csrf_token": csrf_token(chair, path)})
    assert response.status_code == 422
    assert "발표할 결정이 없습니다" in response.get_data(as_text=True)


def test_decisions_are_added_to_a_draft_announcement(app, scene):
    chair = _decided(app, scene)
    created = chair.post(
        "/chair/announcements/new",
        data={
            "csrf_token": csrf_token(chair, "/chair/announcements/new"),
            "title": "주간 발표",
            "announced_on": "2025-03-20",
        },
    )
    path = created.headers["Location"]
    token = csrf_token(chair, path)
    nothing = chair.post(f"{path}/items", data={"csrf_token": token})
    assert nothing.status_code == 422
    assert "추가할 결정을 하나 이상 고르십시오" in nothing.get_data(as_text=True)
    added = chair.post(
        f"{path}/items", data={"csrf_token": token, "proposals": [str(scene.proposal_id)]}
    )
    assert added.status_code == 303
    with app.app_context():
        assert db.session.get(Proposal, scene.proposal_id).announcement_id is not None


# --- the announcement forms at scale ----------------------------------------------------------


def _backlog(app: Flask, n: int) -> list[tuple[int, str]]:
    """``n`` decided repeals waiting for an announcement: (id, receipt number) in id order."""
    with app.app_context():
        office = factories.Office()
        decided = [factories.proposal_in(State.DECIDED, office=office) for _ in range(n)]
        commit(db.session)
        return sorted((p.id, p.receipt_no or "") for p in decided)


def _announcement_form(token: str, **extra: object) -> dict[str, object]:
    return {
        "csrf_token": token,
        "title": "3월 규제철폐 발표",
        "announced_on": "2025-03-20",
        **extra,
    }


def test_the_announcement_form_lists_a_filtered_page_of_the_backlog(app, scene, monkeypatch):
    from webapp.deliberation import chair as chair_views

    monkeypatch.setattr(chair_views, "CANDIDATES_SHOWN", 2)
    backlog = _backlog(app, 4)
    with app.app_context():
        db.session.get(Proposal, backlog[3][0]).title = "옥외광고물 심의"
        db.session.commit()
    chair = _client(app, "chair@office.example")
    page = chair.get("/chair/announcements/new").get_data(as_text=True)
    assert backlog[0][1] in page and backlog[1][1] in page and backlog[2][1] not in page
    # "next" is a button of the form: the next page starts after the last one shown
    assert f'name="after" value="{backlog[1][0]}"' in page
    page = chair.get(f"/chair/announcements/new?after={backlog[1][0]}").get_data(as_text=True)
    assert backlog[2][1] in page and backlog[0][1] not in page
    page = chair.get("/chair/announcements/new?q=옥외").get_data(as_text=True)
    assert "옥외광고물 심의" in page and backlog[0][1] not in page and 'value="옥외"' in page
    page = chair.get(f"/chair/announcements/new?q={backlog[2][1]}").get_data(as_text=True)
    assert backlog[2][1] in page and backlog[0][1] not in page
    page = chair.get("/chair/announcements/new?sector=no-such&after=abc").get_data(as_text=True)
    assert "고를 수 있는 항목이 없습니다." in page
    assert chair.get(f"/chair/announcements/new?after={2**70}").status_code == 200


def test_an_announcement_loads_only_the_ticked_decisions(app, scene, monkeypatch):
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from webapp.deliberation import chair as chair_views

    monkeypatch.setattr(chair_views, "CANDIDATES_SHOWN", 1)
    backlog = _backlog(app, 6)
    chair = _client(app, "chair@office.example")
    token = csrf_token(chair, "/chair/announcements/new")
    loaded: set[int] = set()

    def count(session, instance):  # type: ignore[no-untyped-def]
        if isinstance(instance, Proposal):
            loaded.add(instance.id)

    chosen = [backlog[2][0], backlog[4][0]]
    event.listen(Session, "loaded_as_persistent", count)
    try:
        response = chair.post(
            "/chair/announcements/new",
            data=_announcement_form(token, proposals=[str(i) for i in chosen]),
        )
    finally:
        event.remove(Session, "loaded_as_persistent", count)
    assert response.status_code == 303, response.get_data(as_text=True)
    # The shown page (1 row and the probe of the next) and the two ticked: not the backlog.
    assert loaded <= {backlog[0][0], backlog[1][0], *chosen}
    with app.app_context():
        notice = db.session.scalars(
            select(Announcement).where(Announcement.title == "3월 규제철폐 발표")
        ).one()
        assert sorted(p.id for p in notice.proposals) == chosen


@pytest.mark.parametrize("which", ["announced", "deliberating", "unknown", "huge"])
def test_a_decision_that_is_not_announceable_is_refused_and_nothing_changes(
    app, scene, monkeypatch, which
):
    from webapp.deliberation import chair as chair_views

    monkeypatch.setattr(chair_views, "CANDIDATES_SHOWN", 1)
    backlog = _backlog(app, 3)
    with app.app_context():
        announced = db.session.scalar(select(Proposal.id).where(Proposal.repeal_no.is_not(None)))
    bad = {
        "announced": announced,
        "deliberating": scene.waiting_id,
        "unknown": 10**6,
        "huge": 2**40,
    }[which]
    chair = _client(app, "chair@office.example")
    before = _count(app, Announcement)
    response = chair.post(
        "/chair/announcements/new",
        data=_announcement_form(
            csrf_token(chair, "/chair/announcements/new"),
            summary="요약 초안",
            proposals=[str(backlog[2][0]), str(bad)],
        ),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "아직 발표문에 들어가지 않은 철폐·완화 결정만 고를 수 있습니다" in page
    assert "요약 초안" in page
    # The ticked box outside the shown page is listed and stays ticked.
    assert re.search(
        rf'value="{backlog[2][0]}"[^>]*checked|checked[^>]*value="{backlog[2][0]}"', page
    )
    assert _count(app, Announcement) == before
    with app.app_context():
        assert db.session.get(Proposal, backlog[2][0]).announcement_id is None


def test_an_announcement_takes_at_most_the_cap(app, scene, monkeypatch):
    from workflows import agenda

    monkeypatch.setattr(agenda, "MAX_PER_ANNOUNCEMENT", 2)
    backlog = _backlog(app, 3)
    chair = _client(app, "chair@office.example")
    before = _count(app, Announcement)
    response = chair.post(
        "/chair/announcements/new",
        data=_announcement_form(
            csrf_token(chair, "/chair/announcements/new"),
            proposals=[str(i) for i, _ in backlog],
        ),
    )
    assert response.status_code == 422
    assert "한 번에 발표문에 넣을 수 있는 결정은 2건까지입니다" in response.get_data(as_text=True)
    assert _count(app, Announcement) == before


def test_the_draft_page_adds_from_a_filtered_page_and_refuses_the_rest(app, scene, monkeypatch):
    from webapp.deliberation import chair as chair_views

    monkeypatch.setattr(chair_views, "CANDIDATES_SHOWN", 1)
    backlog = _backlog(app, 3)
    chair = _client(app, "chair@office.example")
    created = chair.post(
        "/chair/announcements/new",
        data=_announcement_form(csrf_token(chair, "/chair/announcements/new")),
    )
    path = created.headers["Location"]
    page = chair.get(f"{path}?q={backlog[1][1]}").get_data(as_text=True)
    assert backlog[1][1] in page and backlog[0][1] not in page
    assert f'name="q" maxlength="100" value="{backlog[1][1]}"' in page  # posted with the form
    page = chair.get(path).get_data(as_text=True)
    assert f'name="after" value="{backlog[0][0]}"' in page
    token = csrf_token(chair, path)
    refused = chair.post(
        f"{path}/items",
        data={"csrf_token": token, "proposals": [str(backlog[2][0]), str(scene.waiting_id)]},
    )
    assert refused.status_code == 422
    assert "아직 발표문에 들어가지 않은 철폐·완화 결정만" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Proposal, backlog[2][0]).announcement_id is None
    added = chair.post(
        f"{path}/items", data={"csrf_token": token, "proposals": [str(backlog[2][0])]}
    )
    assert added.status_code == 303
    with app.app_context():
        assert db.session.get(Proposal, backlog[2][0]).announcement_id is not None


def _rows(app: Flask) -> tuple[int, ...]:
    """How many announcements, outbox messages and events there are, and proposals in one."""
    with app.app_context():
        return (
            *(
                int(db.session.scalar(select(func.count()).select_from(model)) or 0)
                for model in (Announcement, OutboxMessage, ProposalEvent)
            ),
            int(
                db.session.scalar(
                    select(func.count(Proposal.id)).where(Proposal.announcement_id.is_not(None))
                )
                or 0
            ),
        )


def test_ticks_survive_paging_and_only_the_save_makes_the_announcement(app, scene, monkeypatch):
    from webapp.deliberation import chair as chair_views

    monkeypatch.setattr(chair_views, "CANDIDATES_SHOWN", 2)
    backlog = [i for i, _ in _backlog(app, 5)]
    chair = _client(app, "chair@office.example")
    token = csrf_token(chair, "/chair/announcements/new")
    before = _rows(app)

    # Page 1: tick the first decision, then "next" (the button carries the last id shown).
    page = chair.post(
        "/chair/announcements/new",
        data=_announcement_form(
            token, summary="요약 초안", proposals=[str(backlog[0])], after=str(backlog[1])
        ),
    )
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert checked_ids(text, "proposals") == {backlog[0]}  # listed again, still ticked
    assert "다른 목록에서 고른 결정" in text and "1건을 골랐습니다." in text
    assert "요약 초안" in text and f'name="page_after" value="{backlog[1]}"' in text

    # Page 2: tick one more and go on to page 3; both stay ticked.
    ticks = checked_ids(text, "proposals") | {backlog[2]}
    page = chair.post(
        "/chair/announcements/new",
        data=_announcement_form(token, proposals=[str(i) for i in ticks], after=str(backlog[3])),
    )
    text = page.get_data(as_text=True)
    assert checked_ids(text, "proposals") == {backlog[0], backlog[2]}
    assert "2건을 골랐습니다." in text

    # Untick the first, then "clear" unticks everything.
    page = chair.post(
        "/chair/announcements/new",
        data=_announcement_form(token, proposals=[str(backlog[2])], picker="search"),
    )
    assert checked_ids(page.get_data(as_text=True), "proposals") == {backlog[2]}
    cleared = chair.post(
        "/chair/announcements/new",
        data=_announcement_form(token, proposals=[str(backlog[2])], picker="clear"),
    ).get_data(as_text=True)
    assert checked_ids(cleared, "proposals") == set() and "0건을 골랐습니다." in cleared
    assert _rows(app) == before  # moving through the list changed nothing
    forged = chair.post("/chair/announcements/new", data={"after": str(backlog[1])})
    assert forged.status_code == 400  # a move needs the CSRF token like any POST

    # The save gets every box ticked on any page.
    saved = chair.post(
        "/chair/announcements/new",
        data=_announcement_form(token, proposals=[str(backlog[0]), str(backlog[2])]),
    )
    assert saved.status_code == 303, saved.get_data(as_text=True)
    with app.app_context():
        notice = db.session.scalars(
            select(Announcement).where(Announcement.title == "3월 규제철폐 발표")
        ).one()
        assert sorted(p.id for p in notice.proposals) == [backlog[0], backlog[2]]


def test_the_draft_page_keeps_ticks_across_pages_and_adds_them_all(app, scene, monkeypatch):
    from webapp.deliberation import chair as chair_views

    monkeypatch.setattr(chair_views, "CANDIDATES_SHOWN", 1)
    backlog = [i for i, _ in _backlog(app, 3)]
    chair = _client(app, "chair@office.example")
    created = chair.post(
        "/chair/announcements/new",
        data=_announcement_form(csrf_token(chair, "/chair/announcements/new")),
    )
    path = created.headers["Location"]
    token = csrf_token(chair, path)
    before = _rows(app)
    page = chair.post(
        f"{path}/items",
        data={"csrf_token": token, "proposals": [str(backlog[0])], "after": str(backlog[0])},
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and checked_ids(text, "proposals") == {backlog[0]}
    assert _rows(app) == before  # "next" added nothing
    ticks = checked_ids(text, "proposals") | {backlog[1]}
    added = chair.post(
        f"{path}/items", data={"csrf_token": token, "proposals": [str(i) for i in ticks]}
    )
    assert added.status_code == 303
    with app.app_context():
        notice = db.session.get(Announcement, int(path.rsplit("/", 1)[1]))
        assert sorted(p.id for p in notice.proposals) == [backlog[0], backlog[1]]


def test_a_move_with_more_ticks_than_the_cap_says_so(app, scene, monkeypatch):
    from workflows import agenda

    monkeypatch.setattr(agenda, "MAX_PER_ANNOUNCEMENT", 2)
    backlog = _backlog(app, 3)
    chair = _client(app, "chair@office.example")
    before = _rows(app)
    page = chair.post(
        "/chair/announcements/new",
        data=_announcement_form(
            csrf_token(chair, "/chair/announcements/new"),
            proposals=[str(i) for i, _ in backlog],
            picker="search",
        ),
    )
    assert page.status_code == 200
    assert "한 번에 발표문에 넣을 수 있는 결정은 2건까지입니다" in page.get_data(as_text=True)
    assert _rows(app) == before


def test_the_desk_counts_the_backlog_and_lists_the_first(app, scene, monkeypatch):
    from webapp.deliberation import chair as chair_views

    monkeypatch.setattr(chair_views, "DESK_SHOWN", 2)
    backlog = _backlog(app, 3)
    page = _client(app, "chair@office.example").get("/chair/").get_data(as_text=True)
    assert '<span class="count">3</span>' in page
    assert backlog[0][1] in page and backlog[2][1] not in page
    assert "먼저 들어온 2건만 보입니다." in page


# --- implementation ---------------------------------------------------------------------------


def _implementation(client: FlaskClient, number: int, **data: str):  # type: ignore[no-untyped-def]
    path = f"/chair/implementation/{number}"
    page = client.get(path).get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    fields = {
        "csrf_token": csrf_token(client, path),
        "version": version,
        "ordinance_change_needed": "yes",
        "stage": "ordinance_amendment",
        "effective_on": "",
        "note": "",
    }
    fields.update(data)
    return client.post(path, data=fields)


def test_an_official_records_implementation_and_it_shows_publicly(app, scene):
    official = _client(app, "official@city.example")
    assert "1호" in official.get("/chair/implementation").get_data(as_text=True)
    no_date = _implementation(official, 1, stage="in_force", note="시행 메모")
    page = no_date.get_data(as_text=True)
    assert no_date.status_code == 422
    assert "시행 단계에는 시행일을 입력해야 합니다" in page and "시행 메모" in page
    contradiction = _implementation(official, 1, ordinance_change_needed="no")
    assert contradiction.status_code == 422
    assert "조례 개정 단계가 될 수 없습니다" in contradiction.get_data(as_text=True)

    done = _implementation(official, 1, stage="in_force", effective_on="2025-06-01")
    assert done.status_code == 303 and done.headers["Location"].endswith("/repeals/1")
    public = app.test_client().get("/repeals/1").get_data(as_text=True)
    assert "2025-06-01" in public
    with app.app_context():
        repeal = db.session.scalar(select(Proposal).where(Proposal.repeal_no == 1))
        assert repeal.effective_on == date(2025, 6, 1) and repeal.ordinance_change_needed


def test_a_stale_implementation_form_is_refused_and_keeps_the_note(app, scene):
    official = _client(app, "official@city.example")
    response = _implementation(official, 1, version="0", note="조례 입법예고 중")
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "다른 사용자가 이 제안을 먼저 변경했습니다" in page and "조례 입법예고 중" in page


def test_implementation_of_an_unknown_number_is_404(app, scene):
    assert _client(app, "chair@office.example").get("/chair/implementation/99").status_code == 404


def test_opinions_and_decisions_through_the_workflow_match_the_pages(app, scene):
    """The desk's consensus comes from the same opinions the workflow recorded."""
    with app.app_context():
        item = db.session.get(PanelSession, scene.panel_id).agenda[0]
        members = [db.session.get(factories.User, i) for i in scene.member_ids]
        for member, vote in zip(members, ["repeal", "repeal", "long_term"], strict=True):
            deliberation.record_opinion(db.session, member, item, vote=vote)
        commit(db.session)
    desk = _client(app, "chair@office.example").get("/chair/").get_data(as_text=True)
    assert "다수 의견" in desk and "의견 3/3건 기록" in desk


def test_office_staff_add_a_proposal_to_an_existing_agenda(app, scene):
    client = _client(app, "reviewer@office.example")
    path = f"/panel/sessions/{scene.panel_id}"
    token = csrf_token(client, path)
    nothing = client.post(f"{path}/agenda", data={"csrf_token": token})
    assert nothing.status_code == 422
    assert "안건에 올릴 제안을 하나 이상 고르십시오" in nothing.get_data(as_text=True)
    added = client.post(f"{path}/agenda", data={"csrf_token": token, "agenda": [scene.waiting_id]})
    assert added.status_code == 303
    with app.app_context():
        panel = db.session.get(PanelSession, scene.panel_id)
        assert [i.proposal_id for i in panel.agenda] == [scene.proposal_id, scene.waiting_id]
    member = _member(app, 1)
    assert "add-agenda" not in member.get(path).get_data(as_text=True)
    refused = member.post(
        f"{path}/agenda", data={"csrf_token": csrf_token(member, path), "agenda": [1]}
    )
    assert refused.status_code == 403


def test_the_item_page_speaks_english_when_asked(app, scene):
    page = _member(app, 1).get(f"{_item_path(scene)}?lang=en").get_data(as_text=True)
    assert "Record my opinion" in page and ">Repeal<" in page.replace(" ", "")
    assert "opinions are shown once you have recorded yours." in page


def test_the_sessions_list_counts_agendas_without_loading_them(app, scene):
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from models import AgendaItem

    with app.app_context():
        office = factories.Office.__new__(factories.Office)
        office.chair = db.session.scalars(select(User).where(User.role == Role.CHAIR)).one()
        members = [db.session.get(User, i) for i in scene.member_ids]
        both = [db.session.get(Proposal, i) for i in (scene.proposal_id, scene.waiting_id)]
        second = factories.panel_session(office, members, both)
        commit(db.session)
        second_id = second.id
    client = _client(app, "chair@office.example")
    loaded: list[object] = []

    def count(session, instance):  # type: ignore[no-untyped-def]
        if isinstance(instance, AgendaItem):
            loaded.append(instance)

    event.listen(Session, "loaded_as_persistent", count)
    try:
        listing = client.get("/panel/").get_data(as_text=True)
    finally:
        event.remove(Session, "loaded_as_persistent", count)
    rows = {
        panel_id: listing[listing.index(f"/panel/sessions/{panel_id}") :].split("</tr>")[0]
        for panel_id in (scene.panel_id, second_id)
    }
    assert "1건" in rows[scene.panel_id] and "2건" in rows[second_id]
    assert loaded == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PanelSession)) == 2


def test_a_ticked_decision_announced_meanwhile_is_unticked_with_a_word(app, scene, monkeypatch):
    """A decision ticked on the announcement form that left the backlog meanwhile (put in
    another announcement from another session) is unticked on the next move through the list,
    and the form says so."""
    from webapp.deliberation import chair as chair_views
    from workflows import announcement

    monkeypatch.setattr(chair_views, "CANDIDATES_SHOWN", 2)
    backlog = [i for i, _ in _backlog(app, 4)]
    chair = _client(app, "chair@office.example")
    token = csrf_token(chair, "/chair/announcements/new")
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == "chair@office.example")).one()
        notice = announcement.create_announcement(
            db.session, user, title="다른 발표", announced_on=date(2025, 3, 21), summary=""
        )
        announcement.add_to_announcement(
            db.session, user, notice, db.session.get(Proposal, backlog[2])
        )
        commit(db.session)
    page = chair.post(
        "/chair/announcements/new",
        data=_announcement_form(
            token, summary="요약 초안", proposals=[str(backlog[0]), str(backlog[2])], after="0"
        ),
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "고른 과제 중 1건은 그사이 발표할 수 없게 되어 선택에서 빠졌습니다." in text
    assert checked_ids(text, "proposals") == {backlog[0]} and "1건을 골랐습니다." in text
    assert "요약 초안" in text
