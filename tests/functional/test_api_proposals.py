"""Tokens and the proposal API: Bearer only, idempotent submission, 404 for others."""

from __future__ import annotations

from sqlalchemy import func, select

from models import TWO_FACTOR_ROLES, Proposal, Role, State, db
from tests import factories
from tests.functional.helpers import PASSWORD, account, login, totp_code
from workflows.dispatch import commit

BODY = {
    "title": "공원 내 상행위 제한적 허용",
    "current_regulation": "도시공원 안 상행위 금지",
    "problem": "주말 방문객 편의가 떨어집니다",
    "proposed_change": "푸드트럭 영업을 허용합니다",
    "expected_effect": "공원 이용이 늘어납니다",
    "sector": "business_smallbiz",
    "regulation_type": "economic",
    "consent": True,
}


def _token(client, user) -> dict[str, str]:  # type: ignore[no-untyped-def]
    body = {"email": user.email, "password": PASSWORD}
    if user.role in TWO_FACTOR_ROLES:
        body["otp"] = totp_code(client, user)
    response = client.post("/api/v1/tokens", json=body)
    assert response.status_code == 201 and set(response.get_json()) == {"token"}
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def test_tokens_need_the_right_password(app, client):
    with app.app_context():
        user = account(Role.CITIZEN)
    assert (
        client.post("/api/v1/tokens", json={"email": user.email, "password": "x"}).status_code
        == 401
    )
    assert client.post("/api/v1/tokens", json={"email": user.email}).status_code == 422


def test_submit_with_an_idempotency_key_creates_one(app, client):
    with app.app_context():
        user = account(Role.CITIZEN)
    headers = {**_token(client, user), "Idempotency-Key": "abc-123"}
    first = client.post("/api/v1/proposals", json=BODY, headers=headers)
    again = client.post("/api/v1/proposals", json=BODY, headers=headers)
    assert first.status_code == 201 and again.status_code == 200
    assert first.get_json() == again.get_json()
    body = first.get_json()
    assert set(body) == {"id", "receipt_no", "stage", "state"}
    assert (body["stage"], body["state"]) == ("intake", "submitted")
    with app.app_context():
        assert db.session.scalar(select(func.count(Proposal.id))) == 1


def test_invalid_input_gets_one_message_per_field(app, client):
    with app.app_context():
        user = account(Role.CITIZEN)
    response = client.post(
        "/api/v1/proposals",
        headers=_token(client, user),
        json={**BODY, "title": "", "sector": "nope", "consent": False},
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {"consent"}  # consent is checked first: nothing is read without it
    response = client.post(
        "/api/v1/proposals",
        headers=_token(client, user),
        json={**BODY, "title": "", "sector": "nope"},
    )
    errors = response.get_json()["errors"]
    assert errors["title"] == "제목을 입력해 주십시오" and "sector" in errors
    with app.app_context():
        assert db.session.scalar(select(func.count(Proposal.id))) == 0


def test_session_cookies_do_not_authenticate_api_calls(app, client):
    with app.app_context():
        user = account(Role.CITIZEN)
    login(client, user)
    assert client.post("/api/v1/proposals", json=BODY).status_code == 401


def test_only_the_proposer_and_staff_see_a_proposal(app, client):
    with app.app_context():
        owner = account(Role.CITIZEN)
        stranger = account(Role.CITIZEN)
        reviewer = account(Role.REVIEWER)
    created = client.post("/api/v1/proposals", json=BODY, headers=_token(client, owner))
    receipt = created.get_json()["receipt_no"]
    assert (
        client.get(f"/api/v1/proposals/{receipt}", headers=_token(client, owner)).status_code == 200
    )
    assert (
        client.get(f"/api/v1/proposals/{receipt}", headers=_token(client, stranger)).status_code
        == 404
    )
    assert (
        client.get("/api/v1/proposals/2099-999999", headers=_token(client, stranger)).status_code
        == 404
    )
    assert (
        client.get(f"/api/v1/proposals/{receipt}", headers=_token(client, reviewer)).status_code
        == 200
    )
    assert client.get(f"/api/v1/proposals/{receipt}").status_code == 401
    mine = client.get("/api/v1/me/proposals", headers=_token(client, owner)).get_json()
    assert [p["receipt_no"] for p in mine] == [receipt]


def test_a_revoked_token_stops_working(app, client):
    with app.app_context():
        user = account(Role.CITIZEN)
    headers = _token(client, user)
    assert client.get("/api/v1/me/proposals", headers=headers).status_code == 200
    assert client.delete("/api/v1/tokens/current", headers=headers).status_code == 204
    assert client.get("/api/v1/me/proposals", headers=headers).status_code == 401


def test_a_tokens_last_use_is_noted_to_the_minute(app, client):
    """Every call used to rewrite the token's row (concurrent calls with one token queued on its
    lock); the last use is now written when it is a minute old or more."""
    from datetime import timedelta

    from models import ApiToken, as_utc
    from workflows.tokens import LAST_USED_PRECISION

    with app.app_context():
        user = account(Role.CITIZEN)
    headers = _token(client, user)

    def last_used():  # type: ignore[no-untyped-def]
        with app.app_context():
            row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
            return as_utc(row.last_used_at) if row.last_used_at else None

    assert client.get("/api/v1/me/proposals", headers=headers).status_code == 200
    first = last_used()
    assert first is not None
    assert client.get("/api/v1/me/proposals", headers=headers).status_code == 200
    assert last_used() == first  # within the minute: not written again
    with app.app_context():
        row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
        row.last_used_at = first - LAST_USED_PRECISION - timedelta(seconds=1)
        db.session.commit()
    assert client.get("/api/v1/me/proposals", headers=headers).status_code == 200
    assert last_used() > first - LAST_USED_PRECISION


def test_the_decision_is_in_the_proposers_view(app, client):
    with app.app_context():
        user = account(Role.CITIZEN)
        from models import User

        proposal = factories.proposal_in(State.DECIDED, proposer=db.session.get(User, user.id))
        commit(db.session)
        receipt = proposal.receipt_no
    body = client.get(f"/api/v1/proposals/{receipt}", headers=_token(client, user)).get_json()
    assert body["decision"]["responsible_official"] == "김담당"
