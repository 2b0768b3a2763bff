"""Helpers for driving the web client like a browser (CSRF tokens, logging in)."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from models import Role, User, db
from tests import factories
from workflows.dispatch import commit

PASSWORD = "correct horse battery"
_HASH = generate_password_hash(PASSWORD)


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def account(role: Role = Role.CITIZEN, **kwargs: str) -> User:
    user = factories.user(role, password_hash=_HASH, **kwargs)
    commit(db.session)
    db.session.refresh(user)
    db.session.expunge(user)  # usable (read-only) after the app context ends
    return user


def login(client: FlaskClient, user: User, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return client.post(
        "/login", data={"email": user.email, "password": password, "csrf_token": csrf_token(client)}
    )
