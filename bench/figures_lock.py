"""How long the figures refresh holds SQLite's write lock in embedded mode (where it runs in the
request that made a change). Not part of the tests.

    python -m bench.figures_lock WORKDIR --runs 5

Loads the demo data into WORKDIR/db.sqlite3 the first time (a few minutes; kept for the next
runs), then times each refresh job run in-process, and every transaction of it that began with
the write lock (``BEGIN IMMEDIATE``), from its begin to its commit or rollback.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    base: Path = args.workdir
    fresh = not (base / "db.sqlite3").exists()
    base.mkdir(parents=True, exist_ok=True)

    from models import base as model_base
    from models import db
    from webapp import create_app, figures_cache
    from workflows import outbox
    from workflows.dispatch import commit

    app = create_app(
        {
            "APP_ENV": "testing",
            "SECRET_KEY": "bench",
            "DATABASE_URL": f"sqlite:///{base / 'db.sqlite3'}",
            "MAIL_FILE": str(base / "mail.mbox"),
            "EXPORT_DIR": str(base / "exports"),
            "IMPORT_DIR": str(base / "imports"),
            "SEARCH_INDEX_DIR": str(base / "index"),
            "DEMO_PASSWORD": "bench-demo-password",
        }
    )
    if fresh:
        from flask_migrate import upgrade

        with app.app_context():
            upgrade()
        print(app.test_cli_runner().invoke(args=["demo-data", "--no-search-index"]).output)

    held: list[float] = []
    began: dict[int, float] = {}
    with app.app_context():
        engine = db.engine

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            writer = conn.get_execution_options().get("sqlite_writer")
            if writer and model_base._SQLITE_WRITING.get():
                began[id(conn)] = time.perf_counter()

        def _end(conn: Any) -> None:
            start = began.pop(id(conn), None)
            if start is not None:
                held.append(time.perf_counter() - start)

        event.listen(engine, "commit", _end)
        event.listen(engine, "rollback", _end)

    app.test_client().get("/api/v1/stats")  # figures in use: changes ask for a refresh
    cache = app.extensions["regrepeal.figures_cache"]
    for run in range(args.runs):
        with app.app_context():
            cache._local.clear()  # a full recompute, as after a change
            held.clear()
            outbox.enqueue_once(
                db.session, figures_cache.REFRESH_JOB, queue=figures_cache.REFRESH_QUEUE
            )
            start = time.perf_counter()
            commit(db.session)  # the job runs in-process after the commit
            total = time.perf_counter() - start
        locked = ", ".join(f"{h * 1000:.1f}" for h in held)
        print(f"run {run}: job {total * 1000:.0f} ms; write lock held (ms): {locked}")


if __name__ == "__main__":
    main()
