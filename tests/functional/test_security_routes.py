"""Deny by default: every route of the url map is either on the explicit list of public routes
or refuses an anonymous visitor (a redirect to the login page, 401 or 403), for every method."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from werkzeug.routing import Rule

# Routes an anonymous visitor may use, each with the reason.
PUBLIC = {
    "static",
    "public.home",
    "public.dashboard",
    "public.repeals",
    "public.repeal",
    "public.announcements",
    "public.announcement",
    "public.proposals",
    "public.proposal",
    "public.report",
    "public.report_xlsx",
    "public.healthz",
    "auth.login",
    "auth.register",
    "auth.request_reset",
    "auth.reset",  # guarded by the signed one-time token in the URL
    "search_pages.public_search",  # public proposals only, masked
    "api.search_proposals",  # without a token: the same public view
    "votes.index",
    "votes.show",
    "votes.results",
    "exports.open_data",
    "exports.download_now",
    # Background builds of the public data sets; the link is an unguessable token, and staff
    # data sets answer 404 to anyone but the staff member who asked for them.
    "exports.request_export",
    "exports.status",
    "exports.download",
    "api.stats",
    "api.repeals",
    "api.vote_results",
    "api.openapi",
    "api.create_token",  # takes the credentials themselves
}

# Public routes whose answer to a made-up identifier must be 404 (never data, never 500).
_SAMPLE = {"int": "987654", "default": "no-such-thing", "path": "css/site.css"}


def _url(rule: Rule) -> str:
    def fill(match: re.Match[str]) -> str:
        converter = match.group(1) or "default"
        return _SAMPLE.get(converter, _SAMPLE["default"])

    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>", fill, rule.rule)


def _rules(app: Flask) -> list[Rule]:
    return sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))


def _refused(response, path: str) -> bool:  # type: ignore[no-untyped-def]
    if path.startswith("/api/"):
        return response.status_code == 401
    if response.status_code in (302, 303):
        return response.headers["Location"].startswith("/login")
    return response.status_code in (401, 403)


def test_every_route_is_public_by_the_list_or_refuses_anonymous_visitors(app: Flask) -> None:
    app.config["WTF_CSRF_ENABLED"] = False  # the walk is about authentication, not CSRF
    client = app.test_client()
    endpoints = {rule.endpoint for rule in _rules(app)}
    assert endpoints >= PUBLIC, f"public list names unknown routes: {PUBLIC - endpoints}"
    open_routes = []
    for rule in _rules(app):
        if rule.endpoint in PUBLIC:
            continue
        path = _url(rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method)
            if not _refused(response, path):
                status = response.status_code
                open_routes.append(f"{method} {rule.rule} ({rule.endpoint}) → {status}")
    assert open_routes == [], "routes not on the public list that answer anonymous visitors:\n" + (
        "\n".join(open_routes)
    )


def test_a_new_unlisted_route_is_caught_by_the_walk(app: Flask) -> None:
    """The walk can fail: a route added without a guard is reported."""
    app.add_url_rule("/unguarded-probe", "unguarded_probe", lambda: "open")
    client = app.test_client()
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "unguarded_probe")
    response = client.get(_url(rule))
    assert not _refused(response, rule.rule)
    assert rule.endpoint not in PUBLIC


@pytest.mark.parametrize(
    "endpoint",
    sorted(e for e in PUBLIC if e not in {"static", "api.create_token", "auth.login"}),
)
def test_public_routes_answer_made_up_identifiers_without_a_server_error(
    app: Flask, endpoint: str
) -> None:
    client = app.test_client()
    for rule in _rules(app):
        if rule.endpoint != endpoint or "GET" not in (rule.methods or set()):
            continue
        response = client.get(_url(rule))
        assert response.status_code < 500, (rule.rule, response.status_code)
        if rule.arguments:
            expected = (200, 302, 303, 400, 404)
            assert response.status_code in expected, (rule.rule, response.status_code)
