"""The queries that walk large tables on PostgreSQL are served by the indexes made for them.

Each query is run as the code builds it; its statement and parameters are captured and
explained with sequential scans disabled, so the plan names the index that serves it (the
tables here are small, and the planner would otherwise read them whole)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, text

from models import db, utcnow
from webapp.search_pages import service
from workflows import agenda

pytestmark = pytest.mark.postgres


def _plans(call: Callable[[], Any], table: str) -> list[str]:
    """The plans of the SELECTs ``call`` runs on ``table``, as PostgreSQL would run them."""
    captured: list[tuple[str, Any]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT") and f"FROM {table}" in statement:
            captured.append((statement, parameters))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert captured, f"no query on {table}"
    connection = db.session.connection()
    connection.execute(text("SET LOCAL enable_seqscan = off"))
    return [
        "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {sql}", params))
        for sql, params in captured
    ]


def test_search_catch_up_reads_only_the_index_messages_applied_since(ctx):
    started = utcnow() - timedelta(minutes=5)
    (plan,) = _plans(lambda: service._changed_since(db.session, started), "outbox_message")
    assert "ix_outbox_message_index_jobs_done_at" in plan


@pytest.mark.parametrize(
    "filters",
    [
        agenda.AnnounceableFilter(),
        agenda.AnnounceableFilter(sector="construction_housing", word="주차", after=7),
    ],
    ids=["first page", "filtered, after a key"],
)
def test_announcement_backlog_pages_through_the_backlog_alone(ctx, filters):
    (plan,) = _plans(lambda: agenda.find_announceable(db.session, filters), "proposal")
    assert "ix_proposal_awaiting_announcement_id" in plan
