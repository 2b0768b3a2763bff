"""Receipt numbers (YYYY-NNNNNN, unique per year) and repeal numbers (규제철폐 N호, gap-free).

Both come from a counter row bumped with ``UPDATE … RETURNING``. A repeal number is bumped inside
the transaction that uses it: the row lock serialises concurrent publishers on PostgreSQL and the
database write lock does so on SQLite; a rollback returns the number, so none is skipped or issued
twice. (``SELECT … FOR UPDATE`` is silently ignored by SQLite, and PostgreSQL sequences leave gaps
on rollback, which is why neither is used.)

Receipt numbers need only be unique within their year, not gap-free. On PostgreSQL a receipt
number is drawn in a short transaction of its own (``next_receipt_no_apart``): drawn inside the
submission, the counter row stayed locked until the submission committed, and every concurrent
submission queued behind it (the load benchmark found most of its waits there). The price is a
gap when a submission fails after its draw. On SQLite, whose write lock serialises writers anyway,
the number is still drawn inside the submission.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from models import Counter

SEOUL = ZoneInfo("Asia/Seoul")
REPEAL_COUNTER = "repeal_no"


def next_value(session: Session, name: str) -> int:
    """Bump counter ``name`` in the current transaction and return its new value."""
    bump = (
        update(Counter)
        .where(Counter.name == name)
        .values(value=Counter.value + 1)
        .returning(Counter.value)
        .execution_options(synchronize_session=False)
    )
    value = session.execute(bump).scalar_one_or_none()
    if value is None:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(
            insert(Counter)
            .values(name=name, value=0)
            .on_conflict_do_nothing(index_elements=["name"])
        )
        value = session.execute(bump).scalar_one()
    return int(value)


def next_receipt_no(session: Session, submitted_at: datetime) -> str:
    """The next receipt number of the (Seoul) year the proposal was submitted in."""
    year = submitted_at.astimezone(SEOUL).year
    return f"{year}-{next_value(session, f'receipt:{year}'):06d}"


def next_repeal_no(session: Session) -> int:
    return next_value(session, REPEAL_COUNTER)


def draws_apart(session: Session) -> bool:
    """Receipt numbers are drawn in a transaction of their own (PostgreSQL)."""
    return session.get_bind().dialect.name == "postgresql"


def next_receipt_no_apart(session: Session, submitted_at: datetime) -> str:
    """The next receipt number of that (Seoul) year, from a transaction of its own on another
    connection, committed at once: the counter row is locked only for that one statement.

    That transaction commits without waiting for its WAL flush (``synchronous_commit`` off for
    it alone), or the lock would last the flush. This loses no uniqueness: the submission that
    uses the number commits later, with the flush, and a flush writes the WAL in order, so the
    counter's update is on disk before any submission carrying its number is. A crash before
    then loses the update together with every use of the number."""
    year = submitted_at.astimezone(SEOUL).year
    name = f"receipt:{year}"
    bump = (
        update(Counter)
        .where(Counter.name == name)
        .where(func.set_config("synchronous_commit", "off", True).is_not(None))
        .values(value=Counter.value + 1)
        .returning(Counter.value)
    )
    engine = session.get_bind().engine
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        value = connection.execute(bump).scalar_one_or_none()
        if value is None:
            connection.execute(
                pg_insert(Counter)
                .values(name=name, value=0)
                .on_conflict_do_nothing(index_elements=["name"])
            )
            value = connection.execute(bump).scalar_one()
    return f"{year}-{int(value):06d}"
