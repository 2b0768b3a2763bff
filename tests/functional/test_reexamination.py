"""The proposer asks for a re-examination from their proposal's page: once per decision,
within 30 days, only while the decision is not announced; refusals say why."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from models import Decision, ProposalEvent, Role, State, db
from tests import factories
from tests.functional.helpers import account, csrf_token, login
from workflows import triage
from workflows.dispatch import commit


def _declined_proposal(app, client):  # type: ignore[no-untyped-def]
    with app.app_context():
        proposer = account(Role.CITIZEN)
        office = factories.Office()
        proposal = factories.submitted(db.session.merge(proposer))
        triage.start_review(db.session, office.reviewer, proposal)
        triage.decline_proposal(
            db.session,
            office.reviewer,
            proposal,
            reason_code="safety",
            reasons="안전 우려가 큽니다",
        )
        commit(db.session)
        proposal_id = proposal.id
    login(client, proposer)
    return proposer, proposal_id


def _ask(client, proposal_id: int, reasons: str):  # type: ignore[no-untyped-def]
    page = f"/my/proposals/{proposal_id}"
    return client.post(
        f"{page}/reexamination", data={"reasons": reasons, "csrf_token": csrf_token(client, page)}
    )


def test_the_proposer_requests_a_reexamination_and_review_reopens(app, client):
    _proposer, proposal_id = _declined_proposal(app, client)
    page = client.get(f"/my/proposals/{proposal_id}").get_data(as_text=True)
    assert "재심사 요청하기" in page and "안전 우려가 큽니다" in page
    response = _ask(client, proposal_id, "같은 기준을 다른 구에서는 적용하지 않습니다")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "재심사 요청을 접수했습니다" in page
    assert "같은 기준을 다른 구에서는 적용하지 않습니다" in page  # on the record
    assert "재심사 요청하기" not in page
    with app.app_context():
        proposal = db.session.get(factories.Proposal, proposal_id)
        assert proposal.state is State.IN_REVIEW and proposal.outcome is None
        assert db.session.scalar(
            select(Decision.outcome).where(Decision.proposal_id == proposal_id)
        )
        kinds = db.session.scalars(
            select(ProposalEvent.kind).where(ProposalEvent.proposal_id == proposal_id)
        ).all()
        assert kinds[-1] == "request_reexamination"


def test_empty_reasons_are_refused_next_to_the_field(app, client):
    _proposer, proposal_id = _declined_proposal(app, client)
    response = _ask(client, proposal_id, "  ")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "재심사를 요청하는 이유를 입력해 주십시오" in page
    with app.app_context():
        assert db.session.get(factories.Proposal, proposal_id).state is State.DECIDED


def test_after_30_days_the_page_says_why_and_the_request_is_refused(app, client):
    _proposer, proposal_id = _declined_proposal(app, client)
    with app.app_context():
        decision = db.session.scalar(select(Decision).where(Decision.proposal_id == proposal_id))
        decision.decided_at = decision.decided_at - timedelta(days=31)
        commit(db.session)
    page = client.get(f"/my/proposals/{proposal_id}").get_data(as_text=True)
    assert "재심사를 요청할 수 없습니다" in page and "30일 이내에만" in page
    response = _ask(client, proposal_id, "늦었지만 다시 봐 주십시오")
    assert response.status_code == 422 and "30일 이내에만" in response.get_data(as_text=True)


def test_a_second_request_for_the_same_decision_is_refused(app, client):
    _proposer, proposal_id = _declined_proposal(app, client)
    assert _ask(client, proposal_id, "첫 요청").status_code == 303
    response = _ask(client, proposal_id, "두 번째 요청")
    assert response.status_code == 422  # the proposal is in review now: nothing to re-examine
    assert "재심사를 요청할 수 없습니다" in response.get_data(as_text=True)


def test_another_citizen_cannot_see_or_request_it(app, client):
    _proposer, proposal_id = _declined_proposal(app, client)
    stranger = app.test_client()
    with app.app_context():
        other = account(Role.CITIZEN)
    login(stranger, other)
    assert stranger.get(f"/my/proposals/{proposal_id}").status_code == 404
    response = stranger.post(
        f"/my/proposals/{proposal_id}/reexamination",
        data={"reasons": "x", "csrf_token": csrf_token(stranger, "/my/proposals")},
    )
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(factories.Proposal, proposal_id).state is State.DECIDED


def test_an_announced_decision_says_it_cannot_be_reexamined(app, client):
    with app.app_context():
        proposer = account(Role.CITIZEN)
        proposal = factories.proposal_in(State.ANNOUNCED, proposer=db.session.merge(proposer))
        commit(db.session)
        proposal_id = proposal.id
    login(client, proposer)
    page = client.get(f"/my/proposals/{proposal_id}").get_data(as_text=True)
    assert "재심사 요청하기" not in page
    response = _ask(client, proposal_id, "다시")
    assert response.status_code == 422
    assert "발표된 제안은 재심사를 요청할 수 없습니다" in response.get_data(as_text=True)
