"""The outbox runner is handed each message's job name with its id, so a job goes straight to
its locked row; an id alone (a queue entry from an older release) still runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from models import OutboxMessage, OutboxState, db
from workflows import outbox
from workflows.jobs import run_outbox_message

JOB = "send_security_notice"  # its user is missing here: it reads one row and does nothing


def _pending(n: int) -> list[int]:
    for _ in range(n):
        outbox.enqueue(db.session, JOB, user_id=10**6, kind="password_changed", at="2026-01-01")
    db.session.commit()
    outbox.take_ready(db.session)  # run here by hand, not by the inline dispatcher
    return list(db.session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)))


@contextmanager
def _statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


@pytest.mark.postgres
def test_a_job_handed_its_name_runs_with_one_statement_fewer(ctx):
    old_style, new_style = _pending(2)
    with _statements() as by_id:
        assert run_outbox_message(old_style) == "done"
    with _statements() as by_name:
        assert run_outbox_message(new_style, JOB) == "done"
    assert len(by_name) == len(by_id) - 1, (by_id, by_name)
    lookup = [s for s in by_id if s not in by_name]
    assert len(lookup) == 1 and "FROM outbox_message" in lookup[0]
    assert {m.state for m in db.session.scalars(select(OutboxMessage))} == {OutboxState.DONE}


def test_a_message_queued_with_its_id_alone_still_runs(ctx):
    (message_id,) = _pending(1)
    assert run_outbox_message(message_id) == "done"
    assert run_outbox_message(message_id) == "skipped"  # a duplicate delivery does nothing
    assert run_outbox_message(message_id, JOB) == "skipped"


def test_the_dispatcher_is_handed_the_job_name(ctx):
    outbox.enqueue(db.session, JOB, queue="mail", user_id=1, kind="password_changed", at="x")
    db.session.flush()
    message_id = db.session.scalars(select(OutboxMessage.id)).one()
    db.session.commit()
    assert outbox.take_ready(db.session) == [outbox.Ready(message_id, "mail", JOB)]
