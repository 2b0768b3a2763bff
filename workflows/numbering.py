"""Gap-free numbers: receipt numbers (YYYY-NNNNNN, per year) and repeal numbers (규제철폐 N호).

Both come from a counter row bumped with ``UPDATE … RETURNING`` inside the transaction that uses
the number. The row lock serialises concurrent publishers on PostgreSQL and the database write
lock does so on SQLite; a rollback returns the number, so none is skipped or issued twice.
(``SELECT … FOR UPDATE`` is silently ignored by SQLite, and PostgreSQL sequences leave gaps on
rollback, which is why neither is used.)
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import update
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
