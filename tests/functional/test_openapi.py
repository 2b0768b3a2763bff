"""Every API response matches the OpenAPI document it is published in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import update

from models import Role, State, VoteRound, db, utcnow
from tests import factories
from workflows import voting
from workflows.dispatch import commit


def _validator(document: dict, path: str, method: str, status: str) -> Draft202012Validator:  # type: ignore[type-arg]
    schema = document["paths"][path][method]["responses"][status]["content"]["application/json"][
        "schema"
    ]
    registry = Registry().with_resource(
        "urn:api", Resource.from_contents(document, default_specification=DRAFT202012)
    )
    ref = schema["$ref"].replace("#", "urn:api#") if "$ref" in schema else None
    return Draft202012Validator(
        {"$ref": ref} if ref else schema, registry=registry, format_checker=FormatChecker()
    )


@pytest.fixture
def document(client):  # type: ignore[no-untyped-def]
    body = client.get("/api/v1/openapi.json").get_json()
    assert body["openapi"].startswith("3.1")
    return body


def test_stats_and_repeals_match_the_document(app, client, document):
    with app.app_context():
        factories.proposal_in(State.ANNOUNCED)
        commit(db.session)
    cases = [
        ("/api/v1/stats", "/stats", "200"),
        ("/api/v1/stats?from=2025-02-01&to=2025-01-01", "/stats", "400"),
        ("/api/v1/repeals", "/repeals", "200"),
        ("/api/v1/repeals?sector=zzz", "/repeals", "400"),
    ]
    for url, path, status in cases:
        response = client.get(url)
        assert str(response.status_code) == status, url
        _validator(document, path, "get", status).validate(response.get_json())


def test_vote_results_match_the_document(app, client, document):
    with app.app_context():
        office = factories.Office()
        candidates = [factories.proposal_in(State.ANNOUNCED, office=office)]
        vote_round = voting.open_round(
            db.session,
            factories.user(Role.ADMIN),
            title="t",
            opens_at=utcnow() - timedelta(days=2),
            closes_at=utcnow() + timedelta(days=1),
            max_picks=1,
            candidates=candidates,
        )
        commit(db.session)
        round_id = vote_round.id
    path = "/votes/{round}/results"
    response = client.get(f"/api/v1/votes/{round_id}/results")
    _validator(document, path, "get", "409").validate(response.get_json())
    with app.app_context():
        db.session.execute(update(VoteRound).values(closes_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
    response = client.get(f"/api/v1/votes/{round_id}/results")
    assert response.status_code == 200
    _validator(document, path, "get", "200").validate(response.get_json())
    missing = client.get("/api/v1/votes/999/results")
    assert missing.status_code == 404
    _validator(document, path, "get", "404").validate(missing.get_json())


def test_every_api_route_is_in_the_document(app, document):
    path_params = {
        "{round}": "<int:round_id>",
        "{receipt_no}": "<receipt_no>",
        "{action}": "<action>",
        "{announcement_id}": "<int:announcement_id>",
    }
    documented = set()
    for path in document["paths"]:
        for name, converter in path_params.items():
            path = path.replace(name, converter)
        documented.add("/api/v1" + path)
    routes = {rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1")}
    assert routes == documented


def test_the_proposal_api_matches_the_document(app, client, document):
    from tests.functional.helpers import PASSWORD, account

    with app.app_context():
        citizen = account(Role.CITIZEN)
    token = client.post("/api/v1/tokens", json={"email": citizen.email, "password": PASSWORD})
    assert token.status_code == 201
    _validator(document, "/tokens", "post", "201").validate(token.get_json())
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
    body = {
        "title": "t",
        "current_regulation": "c",
        "problem": "p",
        "proposed_change": "x",
        "expected_effect": "e",
        "consent": True,
    }
    created = client.post("/api/v1/proposals", json=body, headers=headers)
    _validator(document, "/proposals", "post", "201").validate(created.get_json())
    invalid = client.post("/api/v1/proposals", json={"consent": True}, headers=headers)
    _validator(document, "/proposals", "post", "422").validate(invalid.get_json())
    receipt = created.get_json()["receipt_no"]
    one = client.get(f"/api/v1/proposals/{receipt}", headers=headers)
    _validator(document, "/proposals/{receipt_no}", "get", "200").validate(one.get_json())
    mine = client.get("/api/v1/me/proposals", headers=headers)
    _validator(document, "/me/proposals", "get", "200").validate(mine.get_json())


def test_the_search_api_matches_the_document(app, client, document):
    with app.app_context():
        factories.proposal_in(State.ANNOUNCED)
        commit(db.session)
    cases = [
        ("/api/v1/search?q=용적률을 완화", "200"),
        ("/api/v1/search?q=1호", "200"),
        ("/api/v1/search?q=", "200"),
        ("/api/v1/search?q=x&sector=zzz", "400"),
    ]
    for url, status in cases:
        response = client.get(url)
        assert str(response.status_code) == status, url
        _validator(document, "/search", "get", status).validate(response.get_json())
    found = client.get("/api/v1/search?q=용적률을 완화").get_json()
    assert found["total"] == 1 and found["facets"]["sector"] == {"construction_housing": 1}
