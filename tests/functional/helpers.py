"""Helpers for driving the web client like a browser (CSRF tokens, logging in)."""

from __future__ import annotations

import re
import time

import pyotp
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from models import TWO_FACTOR_ROLES, Role, User, db
from tests import factories
from workflows.dispatch import commit

PASSWORD = "correct horse battery"
# The authenticator secret of every staff account made here that logs in with a second factor.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
# The accounts made here store a cheap hash: checking Werkzeug's scrypt costs a tenth of a second
# or more per login, and the suite logs in hundreds of times. The login checks whatever hash is
# stored; the scrypt hashes the app makes are checked where they are made (test_auth).
_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def checked_ids(page: str, name: str) -> set[int]:
    """The values of the ticked checkboxes named ``name`` on a page (what a browser would post)."""
    boxes = re.findall(r"<input [^>]*>", page)
    return {
        int(re.search(r'value="(\d+)"', box).group(1))  # type: ignore[union-attr]
        for box in boxes
        if f'name="{name}"' in box and 'type="checkbox"' in box and " checked" in box
    }


def account(role: Role = Role.CITIZEN, **kwargs: str) -> User:
    user = factories.user(role, password_hash=_HASH, **kwargs)
    if role in TWO_FACTOR_ROLES:
        user.totp_secret = TOTP_SECRET
    commit(db.session)
    db.session.refresh(user)
    db.session.expunge(user)  # usable (read-only) after the app context ends
    return user


def totp_code(client: FlaskClient, user: User) -> str:
    """A code the user's authenticator shows now that the server has not accepted yet."""
    with client.application.app_context():
        fresh = db.session.scalar(select(User).where(User.email == user.email))
        assert fresh is not None and fresh.totp_secret
        last = fresh.totp_last_step
        secret = fresh.totp_secret
    now = int(time.time()) // 30
    # Not the step before: the clock may move on to the next step before the server checks.
    for step in (now, now + 1):
        if last is None or step > last:
            return pyotp.TOTP(secret).at(step * 30)
    raise AssertionError("no unused TOTP code left in this 30-second window")


def login(client: FlaskClient, user: User, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    """Log in like a browser; staff with a second factor also type their authenticator's code."""
    response = client.post(
        "/login", data={"email": user.email, "password": password, "csrf_token": csrf_token(client)}
    )
    if response.status_code == 303 and response.headers["Location"].endswith(
        "/login/second-factor"
    ):
        response = client.post(
            "/login/second-factor",
            data={
                "code": totp_code(client, user),
                "csrf_token": csrf_token(client, "/login/second-factor"),
            },
        )
    return response


def api_token(client: FlaskClient, user: User) -> dict[str, str]:
    """The Authorization header of a new personal access token (staff who decide add a code)."""
    body = {"email": user.email, "password": PASSWORD}
    if user.role in TWO_FACTOR_ROLES:
        body["otp"] = totp_code(client, user)
    response = client.post("/api/v1/tokens", json=body)
    assert response.status_code == 201, response.get_data(as_text=True)
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


# Hand-made queue cursors: no UTC offset, an id the column cannot hold, garbage.
HOSTILE_CURSORS = ("2025-01-01T00:00:00_5", "2025-01-01T00:00:00+00:00_99999999999", "x_y", "_")
