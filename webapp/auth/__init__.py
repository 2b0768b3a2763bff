"""Login and logout."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from werkzeug.security import check_password_hash

from models import User, db
from workflows.dispatch import commit

from ..extensions import login_manager
from .forms import LoginForm

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(cookie_id: str) -> User | None:
    user_id, _sep, token = cookie_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_token != token:
        return None
    return user


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths are followed after login."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.email == form.email.data.strip().lower()))
        if (
            user is None
            or not user.active
            or user.password_hash is None
            or not check_password_hash(user.password_hash, form.password.data)
        ):
            form.password.errors.append(_("이메일 또는 비밀번호가 올바르지 않습니다."))
        else:
            language = session.get("lang")
            session.clear()  # a fresh session at login: no fixation
            if language:
                session["lang"] = language
            login_user(user)
            flash(_("로그인했습니다."), "success")
            return redirect(safe_next(request.args.get("next")) or url_for("public.home"), 303)
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():  # type: ignore[no-untyped-def]
    user: User = current_user._get_current_object()
    user.rotate_session_token()
    commit(db.session)
    logout_user()
    session.clear()
    flash(_("로그아웃했습니다."), "success")
    return redirect(url_for("public.home"), 303)
