"""The signed-in session ends after ``PERMANENT_SESSION_LIFETIME`` without a request (the cookie
is re-signed on every request, so activity keeps it alive). Pages of a signed-in user carry the
lifetime and a warning time; ``static/js/site.js`` warns before the end and offers to continue,
which posts here (with the CSRF token) and so renews the session. Activity does not keep a
session forever: ``SESSION_ABSOLUTE_HOURS`` after the login it ends and the password (and
second factor) are asked again."""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, Flask, current_app, session
from flask_login import current_user, logout_user, user_logged_in

from .extensions import login_manager

bp = Blueprint("session_timeout", __name__)


@bp.record_once
def _setup(state: Any) -> None:
    app: Flask = state.app
    user_logged_in.connect(_make_permanent, app)


SIGNED_IN_AT = "signed_in_at"


def _make_permanent(_sender: Flask, **_extra: object) -> None:
    session.permanent = True
    session[SIGNED_IN_AT] = int(time.time())


@bp.before_app_request
def _sessions_expire() -> None:
    if "_user_id" not in session:
        return
    # Sessions signed in before these settings existed get the same lifetimes.
    if not session.permanent:
        session.permanent = True
    signed_in_at = session.get(SIGNED_IN_AT)
    if not isinstance(signed_in_at, int):
        session[SIGNED_IN_AT] = int(time.time())
    elif time.time() - signed_in_at > current_app.config["SESSION_ABSOLUTE_HOURS"] * 3600:
        logout_user()
        language = session.get("lang")
        session.clear()
        if language:
            session["lang"] = language


@bp.app_context_processor
def _timeout_settings() -> dict[str, object]:
    lifetime = int(current_app.permanent_session_lifetime.total_seconds())
    warning = min(int(current_app.config["SESSION_WARNING_SECONDS"]), lifetime)
    return {"session_timeout": {"lifetime": lifetime, "warning": warning}}


@bp.route("/session/keepalive", methods=["POST"])
def keepalive() -> tuple[str, int] | Any:
    """Renews a signed-in session (answers 204); anyone else is refused like any staff page."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    session.modified = True
    return "", 204
