"""Sessions end when the account's credentials or rights change: the cookie names a login session
and carries its token, and every such change ends the account's sessions, so each of them (on
any device, or a copied cookie) is refused afterwards. A logout ends only its own session."""

from __future__ import annotations

import time

from cryptography.fernet import Fernet

from models import Role, User, db
from tests.functional.helpers import PASSWORD, account, csrf_token, login
from webapp import create_app
from workflows import accounts, admin, twofactor
from workflows.dispatch import commit


def _logged_in(client) -> bool:  # type: ignore[no-untyped-def]
    return client.get("/password").status_code == 200


def test_a_password_reset_ends_every_open_session(app, client):
    with app.app_context():
        user = account(Role.REVIEWER)
        token = accounts.reset_token(app.config["SECRET_KEY"], db.session.get(User, user.id))
    login(client, user)
    assert _logged_in(client)
    path = f"/password/reset/{token}"
    stranger = app.test_client()  # whoever holds the e-mailed link
    done = stranger.post(
        path,
        data={
            "password": "a brand new pass",
            "confirm": "a brand new pass",
            "csrf_token": csrf_token(stranger, path),
        },
    )
    assert done.status_code == 303
    assert not _logged_in(client)
    assert not _logged_in(stranger)  # a reset does not log anyone in (second factor still asked)


def test_logging_out_ends_this_session_only(app, client):
    with app.app_context():
        user = account(Role.CITIZEN)
    login(client, user)
    stolen = client.get_cookie("session").value
    laptop = app.test_client()
    login(laptop, user)
    assert _logged_in(client) and _logged_in(laptop)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert not _logged_in(client) and _logged_in(laptop)
    replay = app.test_client()  # a copy of the logged-out cookie stays logged out
    replay.set_cookie("session", stolen)
    assert not _logged_in(replay)


def test_deactivation_ends_a_session_already_open(app, client):
    with app.app_context():
        reviewer = account(Role.REVIEWER)
    login(client, reviewer)
    stolen = client.get_cookie("session").value
    assert _logged_in(client)
    with app.app_context():
        admin.set_user_active(db.session, None, db.session.get(User, reviewer.id), active=False)
        commit(db.session)
    assert not _logged_in(client)
    # Reactivated, the account logs in again, but the session open before stays ended.
    with app.app_context():
        admin.set_user_active(db.session, None, db.session.get(User, reviewer.id), active=True)
        commit(db.session)
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert not _logged_in(replay)
    assert login(app.test_client(), reviewer).status_code == 303


def test_a_role_change_ends_the_sessions_of_a_staff_member(app, client):
    with app.app_context():
        chair = account(Role.CHAIR)
    login(client, chair)
    assert _logged_in(client)
    with app.app_context():
        user = db.session.get(User, chair.id)
        admin.update_user(
            db.session,
            None,
            user,
            name=user.name,
            role=Role.REVIEWER,
            organisation_id=user.organisation_id,
        )
        commit(db.session)
    assert not _logged_in(client)


def test_a_second_factor_reset_ends_sessions_and_a_pending_login(app, client):
    with app.app_context():
        reviewer = account(Role.REVIEWER)
    login(client, reviewer)
    halfway = app.test_client()  # the password typed, the code not yet
    halfway.post(
        "/login",
        data={"email": reviewer.email, "password": PASSWORD, "csrf_token": csrf_token(halfway)},
    )
    with app.app_context():
        twofactor.reset_second_factor(db.session, None, db.session.get(User, reviewer.id))
        commit(db.session)
    assert not _logged_in(client)
    response = halfway.get("/login/enrol")  # may not enrol a new authenticator on the old step
    assert response.status_code == 303 and response.headers["Location"].endswith("/login")


def test_an_active_session_still_ends_some_hours_after_the_login(app, client):
    with app.app_context():
        user = account(Role.CITIZEN)
    login(client, user)
    hours = app.config["SESSION_ABSOLUTE_HOURS"]
    with client.session_transaction() as session:
        session["signed_in_at"] = int(time.time() - hours * 3600 + 60)  # a minute left
    assert _logged_in(client)  # activity (this request) does not move the login time
    with client.session_transaction() as session:
        assert session["signed_in_at"] < time.time() - hours * 3600 + 120
        session["signed_in_at"] = int(time.time() - hours * 3600 - 1)
    assert not _logged_in(client)
    assert login(client, user).status_code == 303 and _logged_in(client)


def test_the_absolute_lifetime_is_a_setting(make_app):
    assert make_app(SESSION_ABSOLUTE_HOURS="1").config["SESSION_ABSOLUTE_HOURS"] == 1


def test_production_names_the_session_cookie_for_this_host_only(app_config):
    production = create_app(
        {
            **app_config,
            "APP_ENV": "production",
            "SECRET_KEY": "s" * 40,
            "SECRET_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        }
    )
    try:
        response = production.test_client().get("/login", base_url="https://localhost")
        [cookie] = [
            c for c in response.headers.getlist("Set-Cookie") if c.startswith("__Host-session=")
        ]
        assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    finally:
        with production.app_context():
            db.engine.dispose()
