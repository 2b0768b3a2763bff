"""A signed-in session ends after the configured time without a request; pages carry what the
warning script needs; continuing renews the session and needs the CSRF token."""

from __future__ import annotations

import re
import time
from datetime import timedelta

from models import Role
from tests.functional.helpers import account, csrf_token, login
from webapp import create_app


def _warning(page: str) -> dict[str, str]:
    match = re.search(r'<dialog id="session-warning"[^>]*>', page)
    assert match, "no session warning on the page"
    return dict(re.findall(r'data-(\w+)="([^"]*)"', match.group(0)))


def test_pages_of_a_signed_in_user_carry_the_lifetime_and_the_warning(app, client):
    with app.app_context():
        user = account(Role.CITIZEN)
    assert 'id="session-warning"' not in client.get("/").get_data(as_text=True)
    login(client, user)
    settings = _warning(client.get("/my/proposals").get_data(as_text=True))
    assert settings["lifetime"] == str(30 * 60) and settings["warning"] == "120"
    assert settings["keepalive"] == "/session/keepalive"
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.expires is not None  # ends, unlike a browser session


def test_the_lifetime_is_a_setting(app_config, monkeypatch):
    monkeypatch.setenv("SESSION_LIFETIME_MINUTES", "10")
    monkeypatch.setenv("SESSION_WARNING_SECONDS", "90")
    other = create_app(app_config)
    assert other.permanent_session_lifetime == timedelta(minutes=10)
    assert other.config["SESSION_WARNING_SECONDS"] == 90


def test_continuing_renews_and_needs_the_token(app, client):
    with app.app_context():
        user = account(Role.REVIEWER)
    anonymous = client.post("/session/keepalive", headers={"X-CSRFToken": csrf_token(client)})
    assert anonymous.status_code in (302, 303) and "/login" in anonymous.headers["Location"]
    login(client, user)
    token = _warning(client.get("/office/").get_data(as_text=True))["csrf"]
    assert client.post("/session/keepalive").status_code == 400  # no CSRF token
    response = client.post("/session/keepalive", headers={"X-CSRFToken": token})
    assert response.status_code == 204
    assert client.get("/session/keepalive").status_code == 405  # nothing happens on GET


def test_an_idle_session_ends_and_activity_keeps_it(make_app):
    short = make_app(PERMANENT_SESSION_LIFETIME=timedelta(seconds=3))
    client = short.test_client()
    with short.app_context():
        user = account(Role.CITIZEN)
    login(client, user)
    for _ in range(3):  # a request every 1.5 s keeps it alive past its 3 s
        time.sleep(1.5)
        assert client.get("/my/proposals").status_code == 200
    time.sleep(4)
    response = client.get("/my/proposals")
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]
    assert csrf_token(client)  # the login page answers again
