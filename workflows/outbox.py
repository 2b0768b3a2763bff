"""The transactional outbox: side effects are recorded as rows in the transaction that causes
them and handed to the job runner only after that transaction commits.

A broken queue therefore never loses work: a row stays ``pending`` until a job marks it ``done``,
and ``deliver_due`` hands over whatever is still pending (after a Redis outage, a crash, a retry
delay). Jobs are idempotent, so a duplicate delivery is harmless.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Protocol

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from models import OutboxMessage, OutboxState, utcnow

_NEW = "outbox_new"
_READY = "outbox_ready"
_FLUSHED = "outbox_flushed"
_SUPPRESS = "outbox_suppressed"
_ONCE = "outbox_once"


class Ready(NamedTuple):
    """A committed message as it is handed to the runner: its id, queue and job name (the
    runner needs the name before it reads the row; see ``jobs.run_outbox_message``)."""

    id: int
    queue: str
    job: str


class Dispatcher(Protocol):
    """Hands committed outbox messages to something that runs them."""

    def dispatch(self, messages: list[Ready]) -> None: ...


def enqueue(session: Session, job: str, *, queue: str = "default", **payload: Any) -> None:
    """Record job ``job`` with a JSON payload of ids and plain values, to run after commit."""
    if session.info.get(_SUPPRESS):
        return
    message = OutboxMessage(job=job, payload=payload, queue=queue)
    session.add(message)
    session.info.setdefault(_NEW, []).append(message)


def enqueue_once(session: Session, job: str, *, queue: str = "default", **payload: Any) -> None:
    """``enqueue`` unless the same job with the same payload is already recorded in this
    transaction (an operation that records three events re-indexes its proposal once)."""
    if session.info.get(_SUPPRESS):
        return
    key = (job, tuple(sorted(payload.items())))
    seen: set[Any] = session.info.setdefault(_ONCE, set())
    if key in seen:
        return
    seen.add(key)
    enqueue(session, job, queue=queue, **payload)


def recording(session: Session) -> bool:
    """False inside ``suppressed``: side effects are not being recorded."""
    return not session.info.get(_SUPPRESS)


@contextlib.contextmanager
def suppressed(session: Session) -> Iterator[None]:
    """Record no side effects inside the block (replaying history for demo data)."""
    session.info[_SUPPRESS] = True
    try:
        yield
    finally:
        session.info.pop(_SUPPRESS, None)


def take_ready(session: Session) -> list[Ready]:
    """The messages whose transaction has committed since the last call."""
    ready: list[Ready] = session.info.pop(_READY, [])
    return ready


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, flush_context: Any) -> None:
    new: list[OutboxMessage] = session.info.get(_NEW, [])
    if new:
        flushed = [m for m in new if m.id is not None]
        session.info[_NEW] = [m for m in new if m.id is None]
        session.info.setdefault(_FLUSHED, []).extend(Ready(m.id, m.queue, m.job) for m in flushed)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    # No SQL may run here; the ids were captured when the rows were flushed.
    session.info.pop(_ONCE, None)
    flushed = session.info.pop(_FLUSHED, [])
    if flushed:
        session.info.setdefault(_READY, []).extend(flushed)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_NEW, None)
    session.info.pop(_FLUSHED, None)
    session.info.pop(_ONCE, None)


def due_messages(
    session: Session,
    *,
    now: datetime | None = None,
    limit: int = 100,
    stale_after: timedelta = timedelta(minutes=2),
) -> list[OutboxMessage]:
    """Pending messages that should be (re)delivered: never handed over, or handed over long ago."""
    now = now or utcnow()
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.state == OutboxState.PENDING)
            .where(OutboxMessage.available_at <= now)
            .where(
                (OutboxMessage.dispatched_at.is_(None))
                | (OutboxMessage.dispatched_at < now - stale_after)
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
    )


def retry_delay(attempts: int) -> timedelta:
    """Back-off after the n-th failed attempt: 10 s, 1 min, 5 min, 15 min, then hourly."""
    steps = [10, 60, 300, 900]
    return timedelta(seconds=steps[attempts - 1] if attempts - 1 < len(steps) else 3600)
