"""A proposer whose session expired while typing loses nothing: the form comes back filled,
either at once (CSRF failure) or after logging in again."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from models import FormStash, Proposal, Role, User, db
from tests.functional.helpers import account, csrf_token, login
from tests.functional.test_citizen import FORM
from workflows import logins
from workflows.dispatch import commit

NEW = "/my/proposals/new"


def _open_form(client, app):  # type: ignore[no-untyped-def]
    with app.app_context():
        user = account(Role.CITIZEN, email="typing@citizen.example")
    login(client, user)
    page = client.get(NEW).get_data(as_text=True)
    key = re.search(r'name="submission_key" type="hidden" value="([^"]*)"', page).group(1)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return user, key, token


def _expire_elsewhere(app, user) -> None:  # type: ignore[no-untyped-def]
    """The login ends server-side (logout on another device, password change)."""
    with app.app_context():
        logins.end_sessions(db.session, db.session.get(User, user.id))
        commit(db.session)


def test_posting_after_the_login_ended_stashes_the_text_and_restores_it_after_login(app, client):
    user, key, token = _open_form(client, app)
    _expire_elsewhere(app, user)
    response = client.post(
        NEW, data={**FORM, "action": "submit", "submission_key": key, "csrf_token": token}
    )
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/login?next=/my/proposals/new")
    login_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "작성하신 내용은 보관해 두었으니" in login_page
    with app.app_context():
        assert db.session.scalar(select(func.count(Proposal.id))) == 0
    response = client.post(
        "/login?next=/my/proposals/new",
        data={
            "email": user.email,
            "password": "correct horse battery",
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 303 and response.headers["Location"] == NEW
    page = client.get(NEW).get_data(as_text=True)
    assert "작성하던 내용을 되살렸습니다" in page
    for name in ("title", "current_regulation", "problem", "proposed_change", "expected_effect"):
        assert FORM[name] in page, name
    assert f'value="{key}"' in page  # same key: submitting now still creates one proposal
    # Given back once: a reload shows an empty form again.
    again = client.get(NEW).get_data(as_text=True)
    assert "작성하던 내용을 되살렸습니다" not in again and FORM["problem"] not in again


def test_a_csrf_failure_on_the_form_shows_it_again_with_the_text_and_a_korean_message(app, client):
    _user, key, _token = _open_form(client, app)
    response = client.post(
        NEW, data={**FORM, "action": "submit", "submission_key": key, "csrf_token": "stale"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "보안 확인 시간이 지나 제출되지 않았습니다" in page
    assert FORM["problem"] in page and FORM["title"] in page
    fresh = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        NEW,
        data={
            **FORM,
            "action": "submit",
            "submission_key": key,
            "csrf_token": fresh,
            "consent": "y",
        },
    )
    assert response.status_code == 303 and "/receipt" in response.headers["Location"]


def test_a_lost_session_cookie_keeps_the_text_through_the_login(app, client):
    user, key, token = _open_form(client, app)
    client.delete_cookie("session")  # the browser lost the session (closed, expired)
    response = client.post(
        NEW, data={**FORM, "action": "save", "submission_key": key, "csrf_token": token}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "로그인이 만료되어 제출되지 않았습니다" in page and FORM["problem"] in page
    assert "/login?next=/my/proposals/new" in page
    with app.app_context():
        assert db.session.scalar(select(func.count(FormStash.id))) == 1
    login(client, user)
    page = client.get(NEW).get_data(as_text=True)
    assert "작성하던 내용을 되살렸습니다" in page and FORM["expected_effect"] in page


def test_a_stash_is_given_back_only_to_the_browser_that_holds_its_key(app, client):
    user, key, token = _open_form(client, app)
    _expire_elsewhere(app, user)
    client.post(NEW, data={**FORM, "action": "save", "submission_key": key, "csrf_token": token})
    other_browser = app.test_client()
    login(other_browser, user)
    page = other_browser.get(NEW).get_data(as_text=True)
    assert FORM["problem"] not in page


def test_a_csrf_failure_elsewhere_is_a_plain_korean_error(app, client):
    with app.app_context():
        user = account(Role.CITIZEN)
    login(client, user)
    response = client.post("/logout", data={"csrf_token": "stale"})
    assert response.status_code == 400
    assert "보안 확인 시간이 지났습니다" in response.get_data(as_text=True)


def test_next_after_login_must_stay_on_the_site(app, client):
    with app.app_context():
        user = account(Role.CITIZEN)
    response = client.post(
        "/login?next=https://evil.example/my/proposals/new",
        data={
            "email": user.email,
            "password": "correct horse battery",
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 303 and response.headers["Location"] == "/"
