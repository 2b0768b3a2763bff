"""Rate limits (Flask-Limiter: memory in the embedded mode, Redis shared by every worker when
REDIS_URL is set), security headers, generic error pages with a request id, and sessions that
are renewed at login and ended at logout and at a password change."""

from __future__ import annotations

import os
import secrets

import pytest
from cryptography.fernet import Fernet
from flask import Flask
from sqlalchemy import func, select

from models import FormStash, Role, db
from tests.functional.helpers import PASSWORD, account, api_token, csrf_token, login
from webapp.security import CONTENT_SECURITY_POLICY


@pytest.fixture
def limited(make_app) -> Flask:  # type: ignore[no-untyped-def]
    return make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")


def test_login_attempts_are_limited_per_address_with_a_korean_page(limited: Flask) -> None:
    client = limited.test_client()
    token = csrf_token(client)
    wrong = {"email": "nobody@test.example", "password": "wrong password", "csrf_token": token}
    statuses = [client.post("/login", data=wrong).status_code for _ in range(10)]
    assert statuses == [422] * 10
    response = client.post("/login", data=wrong)
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "요청이 너무 많습니다" in page and response.headers["X-Request-Id"] in page
    assert "Retry-After" in response.headers
    # a request without a CSRF token is counted and refused the same way
    assert client.post("/login", data={}).status_code == 429
    # another address is not affected
    other = limited.test_client()
    response = other.post("/login", data=wrong, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert response.status_code != 429


def test_second_factor_guesses_are_limited_per_address(limited: Flask) -> None:
    with limited.app_context():
        reviewer = account(Role.REVIEWER)
    client = limited.test_client()
    token = csrf_token(client)
    password = {"email": reviewer.email, "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=password).headers["Location"].endswith("/second-factor")
    token = csrf_token(client, "/login/second-factor")
    statuses = [
        client.post("/login/second-factor", data={"code": "000000", "csrf_token": token})
        for _ in range(11)
    ]
    assert statuses[-1].status_code == 429
    assert all(r.status_code != 429 for r in statuses[:4])


def test_password_reset_requests_are_limited(limited: Flask) -> None:
    client = limited.test_client()
    token = csrf_token(client, "/password/reset")
    data = {"email": "someone@test.example", "csrf_token": token}
    assert [client.post("/password/reset", data=data).status_code for _ in range(5)] == [303] * 5
    assert client.post("/password/reset", data=data).status_code == 429


def test_reset_token_guessing_is_limited(limited: Flask) -> None:
    client = limited.test_client()
    statuses = [
        client.get(f"/password/reset/{secrets.token_urlsafe(8)}").status_code for _ in range(11)
    ]
    assert statuses[:10] == [400] * 10 and statuses[10] == 429


def test_api_token_requests_are_limited_with_a_json_answer(limited: Flask) -> None:
    client = limited.test_client()
    body = {"email": "nobody@test.example", "password": "wrong password"}
    statuses = [client.post("/api/v1/tokens", json=body).status_code for _ in range(10)]
    assert 429 not in statuses
    response = client.post("/api/v1/tokens", json=body)
    assert response.status_code == 429
    assert response.get_json()["error"] == "429" and response.get_json()["request_id"]


def test_anonymous_posts_to_the_proposal_form_cannot_fill_the_database(limited: Flask) -> None:
    client = limited.test_client()
    text = "가" * 10_000
    statuses = [
        client.post("/my/proposals/new", data={"title": text, "problem": text}).status_code
        for _ in range(35)
    ]
    assert statuses.count(429) == 5
    with limited.app_context():
        assert db.session.scalar(select(func.count()).select_from(FormStash)) == 30


def test_limits_are_off_by_default_in_the_test_configuration(app: Flask) -> None:
    client = app.test_client()
    data = {"email": "nobody@test.example", "password": "x", "csrf_token": csrf_token(client)}
    assert all(client.post("/login", data=data).status_code == 422 for _ in range(12))


@pytest.mark.redis
def test_with_redis_the_count_is_shared_by_every_worker(make_app) -> None:  # type: ignore[no-untyped-def]
    settings = {
        "RATELIMIT_ENABLED": True,
        "REDIS_URL": os.environ["TEST_REDIS_URL"],
        "RATELIMIT_KEY_PREFIX": f"test-limits-{secrets.token_hex(6)}",
    }
    first, second = make_app(**settings), make_app(**settings)
    assert first.config["RATELIMIT_STORAGE_URI"] == os.environ["TEST_REDIS_URL"]
    body = {"email": "nobody@test.example", "password": "wrong password"}
    for _ in range(5):
        assert first.test_client().post("/api/v1/tokens", json=body).status_code == 401
    for _ in range(5):
        assert second.test_client().post("/api/v1/tokens", json=body).status_code == 401
    assert first.test_client().post("/api/v1/tokens", json=body).status_code == 429
    assert second.test_client().post("/api/v1/tokens", json=body).status_code == 429


def test_every_answer_carries_the_security_headers(client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/", "/login", "/no-such-page", "/api/v1/stats", "/static/css/site.css"):
        response = client.get(path)
        headers = response.headers
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, path
        assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
        assert "script-src 'self'" in CONTENT_SECURITY_POLICY
        assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["X-Frame-Options"] == "DENY", path
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin", path
        assert "Strict-Transport-Security" not in headers, path  # not over plain http in dev
        response.close()
    assert client.get("/login").headers["Cache-Control"] == "no-store"


def test_hsts_and_secure_cookies_in_production(make_app) -> None:  # type: ignore[no-untyped-def]
    production = make_app(
        APP_ENV="production",
        SECRET_KEY="a-production-secret",
        SECRET_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
    )
    response = production.test_client().get("/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert production.config["RATELIMIT_ENABLED"] is True


def test_pages_for_a_logged_in_user_are_never_stored(app: Flask, client) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        user = account(Role.CITIZEN)
    login(client, user)
    for path in ("/", "/my/proposals", "/proposals"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path


def test_an_unexpected_error_shows_a_generic_page_with_the_request_id(make_app) -> None:  # type: ignore[no-untyped-def]
    broken = make_app(PROPAGATE_EXCEPTIONS=False)

    def explode() -> str:
        raise RuntimeError("secret internals: password=hunter2")

    broken.add_url_rule("/explode", "explode", explode)
    broken.add_url_rule("/api/v1/explode", "api_explode", explode)
    response = broken.test_client().get("/explode")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert response.headers["X-Request-Id"] in page
    assert "hunter2" not in page and "Traceback" not in page and "RuntimeError" not in page
    response = broken.test_client().get("/api/v1/explode")
    assert response.status_code == 500
    body = response.get_json()
    assert body["request_id"] == response.headers["X-Request-Id"]
    assert "hunter2" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("given", "kept"),
    [("abc-123.DEF_9", True), ("<script>alert(1)</script>", False), ("x" * 65, False)],
)
def test_a_request_id_from_a_proxy_is_kept_only_when_it_is_a_plain_token(
    client, given: str, kept: bool
) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/no-such-page", headers={"X-Request-Id": given})
    assert (response.headers["X-Request-Id"] == given) is kept
    assert "<script>alert(1)" not in response.get_data(as_text=True)


def test_login_renews_the_session_so_a_planted_one_is_worthless(app: Flask, client) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        user = account(Role.CITIZEN)
    with client.session_transaction() as planted:
        planted["planted"] = "by an attacker"
        planted["_fresh"] = True
    login(client, user)
    with client.session_transaction() as current:
        assert "planted" not in current
        assert current["_user_id"].startswith(f"{user.id}:")


def test_logout_ends_the_session_even_for_a_copied_cookie(app: Flask, client) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        user = account(Role.CITIZEN)
    login(client, user)
    with client.session_transaction() as before:
        copied = dict(before)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/my/proposals")})
    replay = app.test_client()
    with replay.session_transaction() as stolen:
        stolen.update(copied)
    assert replay.get("/my/proposals").status_code == 302  # to the login page


def test_a_password_change_ends_every_other_session(app: Flask) -> None:
    with app.app_context():
        user = account(Role.CITIZEN)
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, user)
    login(phone, user)
    response = laptop.post(
        "/password",
        data={
            "current_password": PASSWORD,
            "new_password": "a brand new passphrase 42",
            "confirm": "a brand new passphrase 42",
            "csrf_token": csrf_token(laptop, "/password"),
        },
    )
    assert response.status_code == 303
    assert laptop.get("/my/proposals").status_code == 200
    assert phone.get("/my/proposals").status_code == 302


def test_behind_a_trusted_proxy_each_client_address_has_its_own_count(make_app) -> None:  # type: ignore[no-untyped-def]
    proxied = make_app(RATELIMIT_ENABLED=True, TRUSTED_PROXY_COUNT=1)
    client = proxied.test_client()
    body = {"email": "nobody@test.example", "password": "wrong password"}

    def attempt(address: str) -> int:
        headers = {"X-Forwarded-For": address}
        return client.post("/api/v1/tokens", json=body, headers=headers).status_code

    assert [attempt("203.0.113.7") for _ in range(10)] == [401] * 10
    assert attempt("203.0.113.7") == 429
    assert attempt("198.51.100.2") == 401


def test_nul_characters_and_odd_digits_are_refused_not_server_errors(app: Flask) -> None:
    """Found by Schemathesis: NUL in text failed in PostgreSQL's driver, and '¹' passed
    str.isdigit() and then failed int() (both 500)."""
    with app.app_context():
        user = account(Role.REVIEWER)
    client = app.test_client()
    login(client, user)
    assert client.get("/proposals?q=a%00b").status_code == 400
    assert client.get("/office/?reviewer=%C2%B9").status_code == 400
    assert client.get("/office/?min_age=%C2%B9").status_code == 400
    assert client.get("/repeals?announcement=%C2%B9").status_code == 400
    headers = api_token(client, user)
    response = client.post("/api/v1/panel-sessions", json={"title": "a\x00b"}, headers=headers)
    assert response.status_code == 422 and response.get_json()["errors"]
    assert client.get("/api/v1/queue?reviewer=%C2%B9", headers=headers).status_code == 400
