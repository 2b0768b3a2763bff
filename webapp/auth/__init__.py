"""Accounts: registration, login, logout, password change and reset, and the list of one's
signed-in sessions (each one can be ended)."""

from __future__ import annotations

import time
from datetime import timedelta
from urllib.parse import urlsplit

from cryptography.fernet import InvalidToken
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.security import check_password_hash

from models import LoginSession, User, db
from models.base import writing_apart
from models.encryption import secret_box
from workflows import accounts, logins, twofactor
from workflows.dispatch import commit
from workflows.errors import WorkflowError
from workflows.intake import FieldErrors

from ..extensions import login_manager
from ..i18n import localised, refusal_text
from .forms import (
    EndSessionsForm,
    LoginForm,
    PasswordChangeForm,
    RegisterForm,
    ResetForm,
    ResetRequestForm,
    SecondFactorForm,
)

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(cookie_id: str) -> User | None:
    """The user of an open login session whose token the cookie carries (one query)."""
    parsed = logins.parse_cookie_id(cookie_id)
    if parsed is None:
        return None
    # Usually the request's first query; only then may the loader commit its own write.
    untouched = not db.session().in_transaction()
    found = logins.signed_in(db.session, *parsed)
    if found is None:
        return None
    user, row = found
    if not logins.is_live(row, *_lifetimes()):
        return None
    user.current_login = (row.id, parsed[2])
    if untouched and logins.seen_due(row):
        # In a short transaction of its own: on SQLite a GET's read transaction could not take
        # the write lock once another request had committed (it fails at once, no waiting).
        with writing_apart(db.session):
            if logins.seen_now(db.session, row):
                db.session.commit()
    return user


def _lifetimes() -> tuple[timedelta, timedelta]:
    """(idle, absolute): how long a session lasts without a request, and at most."""
    hours = float(current_app.config["SESSION_ABSOLUTE_HOURS"])
    return current_app.permanent_session_lifetime, timedelta(hours=hours)


def _open_sessions(user: User) -> list[LoginSession]:
    idle, absolute = _lifetimes()
    return logins.open_sessions(db.session, user, idle=idle, absolute=absolute)


def sign_in(user: User) -> None:
    """A new login session for this browser, named by the cookie from now on."""
    row, token = logins.start(
        db.session,
        user,
        address=request.remote_addr,
        user_agent=request.headers.get("User-Agent"),
    )
    commit(db.session)
    user.current_login = (row.id, token)
    login_user(user)


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths are followed after login."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


# The half-logged-in state between the password and the second factor (in the signed session).
PENDING = "second_factor"
PENDING_SECONDS = 300  # time to type the code after the password
MAX_TRIES = 5  # wrong codes before the password must be typed again


def _fresh_session() -> None:
    """A new session (no fixation), keeping the language and text typed before an expiry."""
    language = session.get("lang")
    stashed_form = session.get("form_stash")
    session.clear()
    if language:
        session["lang"] = language
    if stashed_form:  # text typed before the session expired, given back after login
        session["form_stash"] = stashed_form


# Set in the session of a login whose (right) password would be refused now: every page shows a
# notice until the password is changed (templates/base.html). Only this flag is kept.
WEAK_FLAG = "password_weak"


def _complete_login(user: User, *, weak_password: bool = False) -> None:
    _fresh_session()
    sign_in(user)
    flash(_("로그인했습니다."), "success")
    if weak_password:
        session[WEAK_FLAG] = True
        flash(
            _(
                "지금 비밀번호는 유출되었거나 쉽게 추측할 수 있는 비밀번호로 판단됩니다. "
                "계정을 지키려면 비밀번호를 바꿔 주십시오."
            ),
            "warning",
        )


def _after_login(target: str | None, *, weak_password: bool) -> str:
    """Where a login goes on: the password change first when the password is weak (ASVS
    V2.1.7; the account is logged in all the same, the staff can work), else where it was going."""
    if weak_password:
        return url_for(".change_password")
    return safe_next(target) or url_for("public.home")


def _pending_user() -> tuple[User, dict] | None:  # type: ignore[type-arg]
    """The account whose password was right a moment ago, if still valid."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    user = db.session.get(User, pending.get("user"))
    if (
        user is None
        or not user.active
        or user.session_token != pending.get("token")
        or int(time.time()) - int(pending.get("at", 0)) > PENDING_SECONDS
    ):
        session.pop(PENDING, None)
        return None
    return user, pending


def _no_store(page: str, status: int = 200):  # type: ignore[no-untyped-def]
    response = make_response(page, status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/login/second-factor", methods=["GET", "POST"])
def second_factor():  # type: ignore[no-untyped-def]
    found = _pending_user()
    if found is None or not found[0].totp_secret:
        flash(_("로그인 시간이 지났습니다. 다시 로그인해 주십시오."), "error")
        return redirect(url_for(".login"), 303)
    user, pending = found
    form = SecondFactorForm()
    if form.validate_on_submit():
        used = twofactor.verify_login_code(db.session, user, form.code.data or "")
        if used:
            commit(db.session)
            target = pending.get("next")
            weak = bool(pending.get("weak"))
            _complete_login(user, weak_password=weak)
            if used == "recovery":
                left = twofactor.remaining_recovery_codes(db.session, user)
                flash(_("복구 코드를 사용했습니다. 남은 복구 코드: %(n)d개", n=left), "warning")
            return redirect(_after_login(target, weak_password=weak), 303)
        db.session.rollback()
        locked = twofactor.is_locked(user)
        if not locked:
            twofactor.record_failure(db.session, user)
            commit(db.session)
        pending["tries"] = int(pending.get("tries", 0)) + 1
        if pending["tries"] >= MAX_TRIES:
            session.pop(PENDING, None)
            flash(_("인증 코드가 여러 번 틀렸습니다. 다시 로그인해 주십시오."), "error")
            return redirect(url_for(".login"), 303)
        session[PENDING] = pending
        if locked or twofactor.is_locked(user):
            form.code.errors.append(
                _(
                    "인증 코드를 너무 여러 번 틀려 잠시 잠겼습니다. %(n)d분 뒤에 다시 해 주십시오.",
                    n=twofactor.LOCK_MINUTES,
                )
            )
        else:
            form.code.errors.append(_("인증 코드가 올바르지 않거나 이미 사용되었습니다."))
    status = 422 if form.errors else 200
    return _no_store(render_template("auth/second_factor.html", form=form), status)


def _enrolment_secret(sealed: object) -> str | None:
    if not isinstance(sealed, str):
        return None
    try:
        return secret_box().decrypt(sealed.encode(), ttl=PENDING_SECONDS).decode()
    except InvalidToken:
        return None


@bp.route("/login/enrol", methods=["GET", "POST"])
def enrol():  # type: ignore[no-untyped-def]
    found = _pending_user()
    if found is None or found[0].totp_secret or not twofactor.requires_second_factor(found[0]):
        flash(_("로그인 시간이 지났습니다. 다시 로그인해 주십시오."), "error")
        return redirect(url_for(".login"), 303)
    user, pending = found
    # The secret being enrolled waits in the session cookie, which is signed but readable:
    # it is kept there encrypted with the application's keys, like in the database.
    secret = _enrolment_secret(pending.get("secret"))
    if not secret:
        secret = twofactor.new_secret()
        pending["secret"] = secret_box().encrypt(secret.encode()).decode()
        session[PENDING] = pending
    form = SecondFactorForm()
    if form.validate_on_submit():
        codes = twofactor.confirm_enrolment(
            db.session, user, secret=secret, code=form.code.data or ""
        )
        if codes:
            commit(db.session)
            weak = bool(pending.get("weak"))
            target = _after_login(pending.get("next"), weak_password=weak)
            _complete_login(user, weak_password=weak)
            session["recovery_codes"] = {"codes": codes, "next": target}
            return redirect(url_for(".recovery_codes"), 303)
        db.session.rollback()
        form.code.errors.append(
            _("인증 코드가 올바르지 않습니다. 앱에 지금 보이는 코드를 입력해 주십시오.")
        )
    qr = Markup(twofactor.qr_svg(twofactor.provisioning_uri(secret, user.email)))  # noqa: S704 - drawn by segno from our own data
    groups = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    page = render_template("auth/enrol.html", form=form, qr_svg=qr, secret_groups=groups)
    return _no_store(page, 422 if form.errors else 200)


@bp.route("/login/recovery-codes")
@login_required
def recovery_codes():  # type: ignore[no-untyped-def]
    """The recovery codes just issued, shown once (then gone from the session)."""
    shown = session.pop("recovery_codes", None)
    if not isinstance(shown, dict):
        return redirect(url_for("public.home"), 303)
    target = safe_next(shown.get("next")) or url_for("public.home")
    page = render_template("auth/recovery_codes.html", codes=shown["codes"], next_url=target)
    return _no_store(page)


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
            target = safe_next(request.args.get("next"))
            # Judged now, while the typed password is at hand; only the verdict is kept.
            weak = accounts.password_is_weak(user, form.password.data)
            if twofactor.requires_second_factor(user):
                # Password right: the account is not logged in until the second factor is.
                _fresh_session()
                session[PENDING] = {
                    "user": user.id,
                    "token": user.session_token,
                    "next": target,
                    "at": int(time.time()),
                    "tries": 0,
                    "weak": weak,
                }
                if user.totp_secret:
                    return redirect(url_for(".second_factor"), 303)
                return redirect(url_for(".enrol"), 303)
            _complete_login(user, weak_password=weak)
            return redirect(_after_login(target, weak_password=weak), 303)
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():  # type: ignore[no-untyped-def]
    user: User = current_user._get_current_object()
    if user.current_login is not None:  # this session only; the others stay signed in
        logins.end_session(db.session, user, user.current_login[0])
        commit(db.session)
    logout_user()
    session.clear()
    flash(_("로그아웃했습니다."), "success")
    return redirect(url_for("public.home"), 303)


def _apply_field_errors(form, errors: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    for name, message in errors.items():
        field = getattr(form, name, None)
        (field.errors if field is not None else form.form_errors).append(localised(message))


@bp.route("/register", methods=["GET", "POST"])
def register():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        return redirect(url_for("public.home"), 303)
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = accounts.register_citizen(
                db.session,
                email=form.email.data or "",
                name=form.name.data or "",
                password=form.password.data or "",
                phone=form.phone.data,
            )
            commit(db.session)
        except FieldErrors as exc:
            db.session.rollback()
            _apply_field_errors(form, exc.errors)
        else:
            session.clear()
            sign_in(user)
            flash(_("가입했습니다. 이제 규제 개선을 제안할 수 있습니다."), "success")
            return redirect(safe_next(request.args.get("next")) or url_for("public.home"), 303)
    return render_template("auth/register.html", form=form), (422 if form.errors else 200)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():  # type: ignore[no-untyped-def]
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user: User = current_user._get_current_object()
        try:
            accounts.change_password(
                db.session,
                user,
                current=form.current_password.data or "",
                new=form.new_password.data or "",
                keep_session=user.current_login[0] if user.current_login else None,
            )
            commit(db.session)
        except FieldErrors as exc:
            db.session.rollback()
            _apply_field_errors(form, exc.errors)
        else:
            # This browser's session goes on; every other one has ended.
            session.pop(WEAK_FLAG, None)
            flash(_("비밀번호를 바꿨습니다. 다른 기기의 로그인은 모두 끝났습니다."), "success")
            return redirect(url_for("public.home"), 303)
    return render_template("auth/password.html", form=form), (422 if form.errors else 200)


@bp.route("/password/reset", methods=["GET", "POST"])
def request_reset():  # type: ignore[no-untyped-def]
    form = ResetRequestForm()
    if form.validate_on_submit():
        accounts.request_password_reset(db.session, email=form.email.data or "")
        commit(db.session)
        flash(_("가입된 이메일이면 재설정 링크를 보냈습니다. 메일함을 확인해 주십시오."), "success")
        return redirect(url_for(".login"), 303)
    return render_template("auth/reset_request.html", form=form), (422 if form.errors else 200)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset(token: str):  # type: ignore[no-untyped-def]
    secret = current_app.config["SECRET_KEY"]
    try:
        accounts.user_for_reset(db.session, secret, token)
    except WorkflowError as exc:
        return render_template(
            "errors/error.html", status=400, message=refusal_text(exc), request_id=""
        ), 400
    form = ResetForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(db.session, secret, token, new=form.password.data or "")
            commit(db.session)
        except FieldErrors as exc:
            db.session.rollback()
            _apply_field_errors(form, exc.errors)
        else:
            flash(_("새 비밀번호를 정했습니다. 로그인해 주십시오."), "success")
            return redirect(url_for(".login"), 303)
    return render_template("auth/reset.html", form=form), (422 if form.errors else 200)


def _sessions_page(form: EndSessionsForm, status: int = 200):  # type: ignore[no-untyped-def]
    user: User = current_user._get_current_object()
    rows = _open_sessions(user)
    this = user.current_login[0] if user.current_login else None
    page = render_template(
        "auth/sessions.html",
        form=form,
        rows=rows,
        this_session=this,
        others=[row for row in rows if row.id != this],
        mask_address=logins.mask_address,
    )
    return _no_store(page, status)


@bp.route("/account/sessions")
@login_required
def sessions():  # type: ignore[no-untyped-def]
    """Where the account is signed in; any session can be ended from here."""
    return _sessions_page(EndSessionsForm())


def _password_confirmed(form: EndSessionsForm) -> bool:
    """The form is valid and its password is the account's (else the errors are on the form)."""
    if not form.validate_on_submit():
        return False
    try:
        logins.check_password(current_user._get_current_object(), form.password.data or "")
    except FieldErrors:
        form.password.errors.append(_("비밀번호가 올바르지 않습니다. 다시 입력해 주십시오."))
        return False
    return True


@bp.route("/account/sessions/<int:session_id>/end", methods=["POST"])
@login_required
def end_session(session_id: int):  # type: ignore[no-untyped-def]
    user: User = current_user._get_current_object()
    if session_id not in {row.id for row in _open_sessions(user)}:
        abort(404)  # another account's session, or one already ended
    form = EndSessionsForm()
    if not _password_confirmed(form):
        return _sessions_page(form, 422)
    logins.end_session(db.session, user, session_id)
    commit(db.session)
    if user.current_login and session_id == user.current_login[0]:
        logout_user()
        session.clear()
        flash(_("로그아웃했습니다."), "success")
        return redirect(url_for("public.home"), 303)
    flash(_("선택한 기기의 로그인을 끝냈습니다."), "success")
    return redirect(url_for(".sessions"), 303)


@bp.route("/account/sessions/end-others", methods=["POST"])
@login_required
def end_other_sessions():  # type: ignore[no-untyped-def]
    user: User = current_user._get_current_object()
    form = EndSessionsForm()
    if not _password_confirmed(form) or user.current_login is None:
        return _sessions_page(form, 422)
    ended = logins.end_sessions(db.session, user, keep=user.current_login[0])
    commit(db.session)
    flash(_("다른 기기의 로그인 %(n)d개를 끝냈습니다.", n=ended), "success")
    return redirect(url_for(".sessions"), 303)
