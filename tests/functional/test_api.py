from __future__ import annotations

from models import Role, State, db
from tests import factories
from workflows.dispatch import commit


def test_stats_are_keyed_by_the_domain_codes(app, client):
    with app.app_context():
        office = factories.Office()
        factories.proposal_in(State.ANNOUNCED, office=office)
        factories.proposal_in(
            State.WITHDRAWN, proposer=factories.user(Role.AGENCY_STAFF), office=office
        )
        commit(db.session)
    body = client.get("/api/v1/stats").get_json()
    assert set(body) == {"received", "repeals", "by_stage", "by_outcome", "as_of", "updating"}
    assert body["updating"] is False
    assert body["received"]["total"] == 2
    assert body["received"]["by_source"] == {"citizen": 1, "official": 0, "agency": 1}
    assert body["received"]["by_channel"]["online_window"] == 1
    assert body["received"]["by_channel"]["task_force"] == 1
    assert body["repeals"] == {
        "total": 1,
        "by_sector": {
            "construction_housing": 1,
            "business_smallbiz": 0,
            "admin_welfare": 0,
            "transport_env_safety": 0,
        },
        "by_type": {"economic": 1, "excessive_standard": 0, "citizen_inconvenience": 0},
    }
    assert body["by_stage"] == {"intake": 1, "review": 0, "deliberation": 0, "decision": 1}
    assert body["by_outcome"]["repeal"] == 1 and body["by_outcome"]["withdrawn"] == 1


def test_stats_filters_by_date(app, client):
    with app.app_context():
        factories.proposal_in(State.SUBMITTED)
        commit(db.session)
    assert (
        client.get("/api/v1/stats?from=2000-01-01&to=2000-12-31").get_json()["received"]["total"]
        == 0
    )


def test_bad_filters_get_a_clear_message_not_a_server_error(app, client):
    response = client.get("/api/v1/stats?from=2025-13-01")
    assert response.status_code == 400
    assert response.get_json()["field"] == "from"
    response = client.get("/api/v1/stats?from=2025-04-01&to=2025-01-01")
    assert response.status_code == 400
    assert response.get_json()["message"] == "종료일은 시작일보다 빠를 수 없습니다"
    response = client.get("/api/v1/stats?campaign=nope")
    assert response.status_code == 400 and response.get_json()["field"] == "campaign"


def test_unknown_api_path_answers_json(app, client):
    response = client.get("/api/v1/nothing")
    assert response.status_code == 404 and response.get_json()["error"] == "404"
