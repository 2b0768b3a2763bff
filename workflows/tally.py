"""The registers' totals from ``proposal_tally``, the deltas the database's triggers write.

Every insert, delete, and update of a proposal that changes one of the registers' columns
(state, stage, source, sector, type, announcement) writes -1 for the old values and +1 for the
new ones, in the changing transaction (the migration ``f2b8d4e6a1c3`` holds the triggers). A
register's total under a filter is the sum of ``n`` over the rows that the same filter keeps:
current at every commit, and a few thousand rows to read instead of a million proposals.

Inserting deltas, rather than updating one row per combination, lets concurrent submissions
commit without waiting for each other's lock on a shared row; ``compact`` sums them into one row
per combination from time to time (the figures' refresh job and ``flask figures fill`` do).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, delete, func, insert, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from models import ProposalTally

# The tally's columns, each as the proposal's column of the same name.
COLUMNS = (
    "state",
    "stage",
    "source_kind",
    "sector_code",
    "regulation_type_code",
    "announcement_id",
)


def total(session: Session, *conditions: ColumnElement[bool]) -> int:
    """How many proposals meet ``conditions``: expressions over the tally's columns, written as
    over the proposal's (``workflows.public`` builds them for either)."""
    found = session.scalar(select(func.coalesce(func.sum(ProposalTally.n), 0)).where(*conditions))
    return int(found or 0)


def compact(connection: Connection) -> int:
    """Sum the deltas into one row per combination (none for a combination that sums to 0);
    returns how many rows were summed."""
    columns = [getattr(ProposalTally, name) for name in COLUMNS]
    if connection.dialect.name == "postgresql":
        # One statement, so one snapshot: the deltas it deletes are exactly those it sums, and
        # those committed meanwhile by other transactions are left for the next time.
        names = ", ".join(COLUMNS)
        result = connection.execute(
            text(
                f"WITH gone AS (DELETE FROM proposal_tally RETURNING {names}, n),"  # noqa: S608
                f" summed AS (INSERT INTO proposal_tally ({names}, n)"
                f" SELECT {names}, sum(n) FROM gone GROUP BY {names} HAVING sum(n) <> 0)"
                " SELECT count(*) FROM gone"
            )
        )
        return int(result.scalar() or 0)
    # SQLite: one writer at a time, so the three statements see the same rows.
    last = connection.scalar(select(func.max(ProposalTally.id)))
    if last is None:
        return 0
    summed = (
        select(*columns, func.sum(ProposalTally.n))
        .where(ProposalTally.id <= last)
        .group_by(*columns)
        .having(func.sum(ProposalTally.n) != 0)
    )
    connection.execute(insert(ProposalTally).from_select([*COLUMNS, "n"], summed))
    return connection.execute(delete(ProposalTally).where(ProposalTally.id <= last)).rowcount


# Count the tally again from the proposals: plain SQL, also run by the benchmarks' own
# connections (``bench/million.py`` loads with the triggers off).
_NAMES = ", ".join(COLUMNS)
REBUILD = (
    "DELETE FROM proposal_tally",
    f"INSERT INTO proposal_tally ({_NAMES}, n)"  # noqa: S608 - the tally's column names
    f" SELECT {_NAMES}, count(*) FROM proposal GROUP BY {_NAMES}",
)


def rebuild(connection: Connection) -> None:
    """Count the tally again from the proposals (after a bulk load with the triggers off)."""
    for statement in REBUILD:
        connection.execute(text(statement))
