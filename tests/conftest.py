"""Fixtures: the app built from a config mapping, on SQLite by default or on the real PostgreSQL
when TEST_DATABASE_URL is set; the schema is always built by the Alembic migrations."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, exists, literal, select, text, union_all
from werkzeug.routing.rules import Rule

from models import db
from webapp import create_app
from webapp.config import normalise_database_url

PG_URL = os.environ.get("TEST_DATABASE_URL")
REDIS_URL = os.environ.get("TEST_REDIS_URL")

# Tables kept between tests: the schema version and the reference data seeded by migrations.
KEEP = {"alembic_version", "sector", "regulation_type", "channel", "decline_reason"}


@pytest.fixture(autouse=True, scope="session")
def _url_builders_compiled_once() -> Iterator[None]:
    """Every test builds its own app, and Werkzeug compiles two URL builders (Python source, via
    ``ast`` and ``compile``) for each of the app's routes: most of ``create_app``'s time. A builder
    depends only on the rule's text, parts and defaults, and takes the rule as an argument, so
    the apps of a run share each builder, compiled the first time."""
    compile_builder = Rule._compile_builder
    builders: dict[tuple[object, ...], Any] = {}

    def shared(rule: Rule, append_unknown: bool = True) -> Any:
        defaults = sorted((rule.defaults or {}).items())
        key = (rule.rule, tuple(rule._trace), repr(defaults), append_unknown)
        if key not in builders:
            builders[key] = compile_builder(rule, append_unknown)
        return builders[key]

    Rule._compile_builder = shared  # type: ignore[method-assign]
    yield
    Rule._compile_builder = compile_builder  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _servers_present(request: pytest.FixtureRequest) -> None:
    """A test that needs a server fails loudly when the server is not configured; never skips."""
    if request.node.get_closest_marker("postgres") and not PG_URL:
        pytest.fail("this test needs PostgreSQL: set TEST_DATABASE_URL (see README, 'Tests')")
    if request.node.get_closest_marker("redis") and not REDIS_URL:
        pytest.fail("this test needs Redis: set TEST_REDIS_URL (see README, 'Tests')")


def _migrate(url: str, instance: Path) -> None:
    from flask_migrate import upgrade

    app = create_app(
        {
            "APP_ENV": "testing",
            "SECRET_KEY": "t",
            "DATABASE_URL": url,
            "MAIL_FILE": str(instance / "mail.mbox"),
        }
    )
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The migrated database every test starts from (a file to copy, or the PostgreSQL URL)."""
    base = tmp_path_factory.mktemp("db")
    if PG_URL:
        engine = create_engine(normalise_database_url(PG_URL))
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        _migrate(PG_URL, base)
        return PG_URL
    path = base / "template.sqlite3"
    _migrate(f"sqlite:///{path}", base)
    return str(path)


# Append-only tables (a trigger refuses DELETE): emptied with TRUNCATE, with what refers to them.
APPEND_ONLY = {"proposal_event", "admin_audit_entry", "personal_data_access"}


def _truncate_postgres(url: str) -> None:
    """Empty what the test wrote and restart the sequences it used. Only the tables holding rows
    are emptied, by DELETE children first: a TRUNCATE of every table cost 0.5-1 s per test (a new
    file per table and index), most of the PostgreSQL run's time."""
    tables = [t for t in db.metadata.sorted_tables if t.name not in KEEP]  # parents first
    engine = create_engine(normalise_database_url(url))
    with engine.begin() as connection:
        probe = union_all(*(select(literal(t.name)).where(exists().select_from(t)) for t in tables))
        used = set(connection.scalars(probe))
        stuck = used & APPEND_ONLY
        if stuck:
            connection.execute(text(f"TRUNCATE {', '.join(sorted(stuck))} CASCADE"))
        for table in reversed(tables):
            if table.name in used and table.name not in stuck:
                connection.execute(table.delete())
        if "proposal" in used:
            # Deleting the proposals had their triggers write the tally's -1s: emptied after.
            connection.execute(text("DELETE FROM proposal_tally"))
        # The sequences of the emptied tables that were used (those of KEEP tables go on).
        sequences = connection.scalars(
            text(
                "SELECT s.sequencename FROM pg_sequences s"
                " JOIN pg_class c ON c.relname = s.sequencename AND c.relkind = 'S'"
                " JOIN pg_depend d ON d.objid = c.oid AND d.deptype IN ('a', 'i')"
                " JOIN pg_class t ON t.oid = d.refobjid"
                " WHERE s.schemaname = 'public' AND s.last_value IS NOT NULL"
                " AND t.relname = ANY(:tables)"
            ),
            {"tables": [t.name for t in tables]},
        ).all()
        if sequences:
            restart = ", ".join(f"setval('\"{name}\"', 1, false)" for name in sequences)
            connection.execute(text(f"SELECT {restart}"))
        connection.execute(text("INSERT INTO counter (name, value) VALUES ('repeal_no', 0)"))
    engine.dispose()


@pytest.fixture
def app_config(database_template: str, tmp_path: Path) -> dict[str, object]:
    if PG_URL:
        url = PG_URL
    else:
        copy = tmp_path / "test.sqlite3"
        shutil.copyfile(database_template, copy)
        url = f"sqlite:///{copy}"
    return {
        "APP_ENV": "testing",
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": url,
        "MAIL_FILE": str(tmp_path / "mail" / "outbox.mbox"),
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "EXPORT_DIR": str(tmp_path / "exports"),
        "IMPORT_DIR": str(tmp_path / "imports"),
        "ATTACHMENT_DIR": str(tmp_path / "attachments"),
        "DEMO_PASSWORD": "demo-password-2025",
    }


@pytest.fixture
def app(app_config: dict[str, object]) -> Iterator[Flask]:
    application = create_app(app_config)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
    if PG_URL:
        _truncate_postgres(PG_URL)


@pytest.fixture
def make_app(app: Flask, app_config: dict[str, object]) -> Iterator[Callable[..., Flask]]:
    """Another app on the same database with some settings changed (a queue, a pool size)."""
    made: list[Flask] = []

    def build(**overrides: object) -> Flask:
        other = create_app({**app_config, **overrides})
        made.append(other)
        return other

    yield build
    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    """An application context, for tests that call operations directly."""
    with app.app_context():
        yield app
        db.session.rollback()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


# The demo accounts' password in the tests: not the default, so that logging in with it proves the
# loader used the DEMO_PASSWORD setting.
DEMO_PASSWORD = "pw-for-demo-1"


def _demo_app(url: str, base: Path) -> Flask:
    return create_app(
        {
            "APP_ENV": "testing",
            "SECRET_KEY": "demo",
            "DATABASE_URL": url,
            "MAIL_FILE": str(base / "mail.mbox"),
            "EXPORT_DIR": str(base / "exports"),
            "IMPORT_DIR": str(base / "imports"),
            "SEARCH_INDEX_DIR": str(base / "index"),
            "DEMO_PASSWORD": DEMO_PASSWORD,
        }
    )


def _load_demo(application: Flask) -> None:
    # The search index is built only by the modules that search the demo data (it takes a while).
    result = application.test_cli_runner().invoke(args=["demo-data", "--no-search-index"])
    assert result.exit_code == 0, result.output
    assert "2,507 proposals, 123 repeals" in result.output


@pytest.fixture(scope="session")
def demo_database(database_template: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """On SQLite, a copy of the template with the demo data loaded once per run, which every demo
    module copies again; on PostgreSQL the URL (each module loads the demo data itself)."""
    if PG_URL:
        return PG_URL
    base = tmp_path_factory.mktemp("demo-template")
    path = base / "demo.sqlite3"
    shutil.copyfile(database_template, path)
    application = _demo_app(f"sqlite:///{path}", base)
    _load_demo(application)
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
    return str(path)


@contextlib.contextmanager
def demo_application(base: Path, demo_database: str) -> Iterator[Flask]:
    """An app on its own database (a copy of the demo database, or the emptied PostgreSQL one
    with the demo data loaded again), for modules whose tests all read the same demo campaign."""
    if PG_URL:
        _truncate_postgres(PG_URL)
        url = PG_URL
    else:
        shutil.copyfile(demo_database, base / "demo.sqlite3")
        url = f"sqlite:///{base / 'demo.sqlite3'}"
    application = _demo_app(url, base)
    if PG_URL:
        _load_demo(application)
    try:
        yield application
    finally:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()
        if PG_URL:
            _truncate_postgres(PG_URL)
