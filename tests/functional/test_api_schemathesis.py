"""Schemathesis against the OpenAPI document: generated requests for every operation, anonymous
and with a citizen's and a reviewer's token; no answer is a server error and every answer
(status, content type, headers, body) matches the document."""

from __future__ import annotations

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from models import Role
from tests.functional.helpers import account, api_token

# Schema-valid requests the server still refuses with a documented 400/422 (an unknown sector
# code, a date range out of order) are fine: the codes live in the database, not the document.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _headers(app: Flask, who: str) -> dict[str, str]:
    if who == "anonymous":
        return {}
    with app.app_context():
        user = account(Role(who))
    return api_token(app.test_client(), user)


@pytest.mark.parametrize("who", ["anonymous", "citizen", "reviewer"])
def test_the_api_answers_generated_requests_as_documented(app: Flask, who: str) -> None:
    headers = _headers(app, who)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=12, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def check(case) -> None:  # type: ignore[no-untyped-def]
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            check()
        except Exception as exc:  # every operation is tried; all failures are reported
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert failures == []


def test_a_staff_token_cannot_propose_and_is_told_so_with_403(app: Flask) -> None:
    """Found by Schemathesis: this answered 422 without the documented ``errors`` object."""
    headers = _headers(app, "reviewer")
    body = {
        "title": "제목",
        "current_regulation": "현행",
        "problem": "문제",
        "proposed_change": "개선",
        "expected_effect": "효과",
        "consent": True,
    }
    response = app.test_client().post("/api/v1/proposals", json=body, headers=headers)
    assert response.status_code == 403
    assert response.get_json()["error"] == "proposer_role"
