"""The HTTP layer: the application factory, blueprints, forms, CLI commands and error handlers."""

from __future__ import annotations

import logging
from typing import Any

from babel import negotiate_locale
from flask import Flask, g, request, session
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from models import db, encryption
from models.base import sqlite_begin, writing
from workflows.dispatch import InlineDispatcher, RQDispatcher, dispatch_ready
from workflows.mail import FileMailer, SMTPMailer

from . import log_masking
from .config import build_config
from .extensions import babel, csrf, login_manager, migrate
from .i18n import install_template_gettext

log = logging.getLogger(__name__)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="static",
        instance_relative_config=True,
    )
    app.config.update(build_config(app.instance_path, config))
    log_masking.install()
    register_converters(app)
    register_extensions(app)
    register_jobs(app)
    register_blueprints(app)
    register_security(app)
    register_errorhandlers(app)
    register_cli(app)
    register_template_helpers(app)
    if app.config["SEARCH_PRELOAD"]:
        import search

        search.warm_up()
    return app


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin: needed for
    # SAVEPOINTs to work and for a transaction to cover its reads (SQLAlchemy's documented recipe).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA busy_timeout = 10000")
    cursor.close()


def _sqlite_writing_request() -> None:
    """On SQLite, a request that may change data begins its transactions with the write lock
    (models.base.writing): two of them run one after the other, so the second click of a
    double-clicked submit button reads the proposal the first one submitted under the form's
    key instead of failing with "database is locked". GET requests stay plain readers."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        g._sqlite_writing = writing()
        g._sqlite_writing.__enter__()


def _sqlite_writing_request_end(_exc: BaseException | None) -> None:
    marked = g.pop("_sqlite_writing", None)
    if marked is not None:
        marked.__exit__(None, None, None)


def _release_session(_exc: BaseException | None) -> None:
    """End the request's session. If the database went away after the last query (a restart
    between the answer and this teardown), the rollback fails: the answer is already made, so
    the dead connection is dropped (the pool opens a new one next time) instead of the error
    escaping the request as a bare server error."""
    try:
        db.session.remove()
    except DBAPIError as exc:
        # SQLAlchemy has invalidated a connection it sees as disconnected; the pool discards
        # any other whose reset fails when it comes back.
        log.warning("database connection lost at the end of a request: %s", exc.orig)
        db.session.registry.clear()


def register_extensions(app: Flask) -> None:
    app.extensions[encryption.EXTENSION] = encryption.build_box(
        app.config["SECRET_ENCRYPTION_KEYS"]
    )
    db.init_app(app)
    # Runs before Flask-SQLAlchemy's own teardown (the later registered runs first).
    app.teardown_appcontext(_release_session)
    migrate.init_app(app, db)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    # Flask-Login flashes this when a page needs a login: made a plain string in the reader's
    # language at that moment (the session keeps plain strings only).
    login_manager.login_message = _l("로그인이 필요한 페이지입니다.")  # type: ignore[assignment]
    login_manager.localize_callback = str
    login_manager.session_protection = "strong"

    def select_locale() -> str:
        chosen = request.args.get("lang")
        if request.path.startswith("/api/"):
            # An API call is on its own (no session): ?lang or the standard header names its
            # language. The pages stay Korean first whatever the browser asks; the language
            # switch (kept in the session) chooses English there.
            chosen = chosen or negotiate_locale(
                request.accept_languages.values(), app.config["LANGUAGES"], sep="-"
            )
        else:
            chosen = chosen or session.get("lang")
        if chosen in app.config["LANGUAGES"]:
            return str(chosen)
        return "ko"

    babel.init_app(app, locale_selector=select_locale)
    install_template_gettext(app)

    with app.app_context():
        engine: Engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", sqlite_begin)
            app.before_request(_sqlite_writing_request)
            app.teardown_request(_sqlite_writing_request_end)


def register_jobs(app: Flask) -> None:
    """Jobs go to RQ when REDIS_URL is set, otherwise run in-process after each commit."""
    if app.config["REDIS_URL"]:
        app.extensions["regrepeal.dispatcher"] = RQDispatcher(app.config["REDIS_URL"])
    else:
        app.extensions["regrepeal.dispatcher"] = InlineDispatcher()
    from .figures_cache import FiguresCache

    app.extensions["regrepeal.figures_cache"] = FiguresCache(
        app.config["REDIS_URL"],
        app.config["FIGURES_CACHE_SECONDS"],
        refresh_every=app.config["FIGURES_REFRESH_SECONDS"],
    )
    if app.config["SMTP_HOST"]:
        app.extensions["regrepeal.mailer"] = SMTPMailer(
            host=app.config["SMTP_HOST"],
            port=app.config["SMTP_PORT"],
            username=app.config["SMTP_USERNAME"],
            password=app.config["SMTP_PASSWORD"],
            starttls=app.config["SMTP_STARTTLS"],
        )
    else:
        from pathlib import Path

        app.extensions["regrepeal.mailer"] = FileMailer(Path(app.config["MAIL_FILE"]))

    from .identity import load_provider

    app.extensions["regrepeal.identity"] = load_provider(app)

    @app.teardown_request
    def _dispatch_after_commit(_exc: BaseException | None) -> None:
        # Side effects of the request's committed transaction, after the response is built.
        try:
            dispatch_ready(db.session)
        except Exception:
            logging.getLogger(__name__).exception("dispatching jobs after the request failed")


def register_blueprints(app: Flask) -> None:
    from .admin import bp as admin_bp
    from .agency import bp as agency_bp
    from .api import bp as api_bp
    from .assisted import bp as assisted_bp
    from .attachments import bp as attachments_bp
    from .auth import bp as auth_bp
    from .citizen import bp as citizen_bp
    from .deliberation import chair_bp, panel_bp
    from .exports import bp as exports_bp
    from .office import bp as office_bp
    from .public import bp as public_bp
    from .search_pages import bp as search_bp
    from .search_pages import office_bp as office_search_bp
    from .session_timeout import bp as session_timeout_bp
    from .votes import bp as votes_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(votes_bp, url_prefix="/votes")
    app.register_blueprint(exports_bp)
    app.register_blueprint(citizen_bp, url_prefix="/my")
    app.register_blueprint(agency_bp, url_prefix="/agency")
    app.register_blueprint(panel_bp, url_prefix="/panel")
    app.register_blueprint(chair_bp, url_prefix="/chair")
    app.register_blueprint(office_bp, url_prefix="/office")
    app.register_blueprint(attachments_bp, url_prefix="/attachments")
    app.register_blueprint(assisted_bp, url_prefix="/assisted")
    app.register_blueprint(search_bp)
    app.register_blueprint(office_search_bp)
    app.register_blueprint(session_timeout_bp)


def register_converters(app: Flask) -> None:
    from .security import register_converters as bounded_ints

    bounded_ints(app)


def register_security(app: Flask) -> None:
    from .security import register

    register(app)


def register_errorhandlers(app: Flask) -> None:
    from .errors import register

    register(app)


def register_cli(app: Flask) -> None:
    from .cli import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from .helpers import register

    register(app)

    @app.before_request
    def _remember_language() -> None:
        chosen = request.args.get("lang")
        if chosen in app.config["LANGUAGES"] and not request.path.startswith("/api/"):
            session["lang"] = chosen
        g.lang = session.get("lang", "ko")
