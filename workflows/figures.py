"""What the public figures are computed from, kept current by the session itself.

Two things follow every flush that touches a proposal, its events or decisions:

- the proposal's rows of ``proposal_stage_figure`` (stages reached, business days spent in each)
  are rebuilt from its event trail, which stays the truth, once per transaction just before it
  commits (a flush only notes which proposals it touched: one submission flushes four times, and
  rebuilding at each flush cost four statements each); the dashboard then aggregates them in SQL
  instead of walking every event in Python;
- at commit, the ``figures`` generation gets a fresh random value in the same transaction, so a
  cache keyed on it can never serve figures older than a committed change, whichever process
  made it. The value is random rather than incremented so that a database that is emptied and
  refilled (tests, a restore) never repeats a generation an old cache entry has. The generation
  is the sum of ``GENERATION_SHARDS`` rows of ``counter`` (``figures``, ``figures:1`` …), of which
  a commit sets one picked at random: set on one row, every change held that row's lock from its
  update to the end of its commit (the WAL flush), and concurrent submissions queued on it.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import delete, event, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from models import (
    ANNOUNCEABLE_OUTCOMES,
    OPEN_STATES,
    Announcement,
    Campaign,
    Channel,
    Counter,
    Decision,
    DeclineReason,
    Outcome,
    Proposal,
    ProposalEvent,
    ProposalStageFigure,
    RegulationType,
    Sector,
    Stage,
    State,
    utcnow,
)

from .calendar import business_days_between
from .timing import stage_intervals

GENERATION = "figures"
GENERATION_SHARDS = 16
SHARD_NAMES = (GENERATION, *(f"{GENERATION}:{n}" for n in range(1, GENERATION_SHARDS)))
# Rows whose change can alter a public figure or the reference lists the figures are keyed by
# (announcements: the registers' filter lists are cached under the generation too).
_WATCHED = (
    Announcement,
    Proposal,
    ProposalEvent,
    Decision,
    Campaign,
    Sector,
    RegulationType,
    Channel,
    DeclineReason,
)
_CHANGED = "figures.changed"
_TOUCHED = "figures.touched"
_CREATED = "figures.created"  # proposals inserted by this transaction (no stage figures yet)
_BATCH = 500
# Called in a transaction that changed the figures, before it commits (the web application asks
# for the figures to be recomputed there, in the same transaction, through the outbox).
_ON_CHANGE: list[Callable[[Session], None]] = []


def on_change(callback: Callable[[Session], None]) -> None:
    if callback not in _ON_CHANGE:
        _ON_CHANGE.append(callback)


def stage_figures(
    events: Sequence[Any], state: State | None, outcome: Outcome | None, now: datetime | None = None
) -> dict[Stage, int | None]:
    """Stages reached → business days spent there (waiting for the proposer excluded), or None
    when nothing finished counts: a case still in a stage (or a decided repeal awaiting its
    announcement) leaves that stage out, since its last stretch is not over."""
    if not events:
        return {}
    intervals = stage_intervals(cast(Sequence[ProposalEvent], events), now)
    still_open = state in OPEN_STATES or (
        state is State.DECIDED and outcome in ANNOUNCEABLE_OUTCOMES
    )
    if still_open and intervals:
        current = intervals[-1].stage
        intervals = [i for i in intervals if i.stage is not current]
    figures: dict[Stage, int | None] = {e.to_stage: None for e in events}
    for interval in intervals:
        if not interval.paused:
            figures[interval.stage] = (figures.get(interval.stage) or 0) + business_days_between(
                interval.start, interval.end
            )
    return figures


def refresh_stage_figures(
    connection: Connection, proposal_ids: Iterable[int], created: Iterable[int] = ()
) -> None:
    """Rebuild ``proposal_stage_figure`` for these proposals from their event trail (those
    ``created`` in the same transaction have no rows yet: nothing to delete)."""
    ids = sorted(set(proposal_ids))
    fresh = set(created)
    now = utcnow()
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start : start + _BATCH]
        # Each proposal with its events in one query (a proposal without events comes once,
        # with no event: it has no stage figures).
        trails: dict[int, list[Any]] = defaultdict(list)
        states: dict[int, tuple[State, Outcome | None]] = {}
        for row in connection.execute(
            select(
                Proposal.id.label("pid"),
                Proposal.state.label("proposal_state"),
                Proposal.outcome.label("proposal_outcome"),
                ProposalEvent.id,
                ProposalEvent.proposal_id,
                ProposalEvent.occurred_at,
                ProposalEvent.from_state,
                ProposalEvent.to_state,
                ProposalEvent.to_stage,
                ProposalEvent.data,
            )
            .select_from(Proposal)
            .outerjoin(ProposalEvent, ProposalEvent.proposal_id == Proposal.id)
            .where(Proposal.id.in_(chunk))
            .order_by(Proposal.id, ProposalEvent.id)
        ):
            states[row.pid] = (row.proposal_state, row.proposal_outcome)
            if row.id is not None:
                trails[row.pid].append(row)
        rows = []
        for pid, (state, outcome) in states.items():
            for stage, days in stage_figures(trails.get(pid, []), state, outcome, now).items():
                rows.append({"proposal_id": pid, "stage": stage, "business_days": days})
        stale = [pid for pid in chunk if pid not in fresh]
        if stale:
            connection.execute(
                delete(ProposalStageFigure).where(ProposalStageFigure.proposal_id.in_(stale))
            )
        if rows:
            connection.execute(insert(ProposalStageFigure), rows)


def rebuild_stage_figures(connection: Connection) -> None:
    """Rebuild every proposal's rows (after a migration or a bulk load that bypassed the ORM)."""
    ids = list(connection.scalars(select(Proposal.id).order_by(Proposal.id)))
    refresh_stage_figures(connection, ids)


def generation(session: Session) -> int:
    """The current figures generation (0 before the first change of an emptied database)."""
    total = session.scalar(select(func.sum(Counter.value)).where(Counter.name.in_(SHARD_NAMES)))
    return int(total or 0)


def set_counter(connection: Connection, name: str, value: int) -> None:
    """Set counter ``name`` to ``value``, creating its row if need be, in one statement: an
    UPDATE then an INSERT when it found nothing failed one of two first changes made at once."""
    dialect_insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    connection.execute(
        dialect_insert(Counter)
        .values(name=name, value=value)
        .on_conflict_do_update(index_elements=["name"], set_={"value": value})
    )


def bump_generation(connection: Connection, shard: int | None = None) -> None:
    """Give the generation a new value by setting one of its rows (``shard``, or one at random)."""
    name = SHARD_NAMES[secrets.randbelow(GENERATION_SHARDS) if shard is None else shard]
    # 56 bits: the sum of the shards stays within a signed 64-bit integer (SQLite's SUM).
    set_counter(connection, name, secrets.randbits(56))


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, flush_context: Any) -> None:
    touched: set[int] = session.info.setdefault(_TOUCHED, set())
    created: set[int] = session.info.setdefault(_CREATED, set())
    changed = False
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, _WATCHED):
            changed = True
        if isinstance(obj, Proposal) and obj not in session.deleted and obj.id is not None:
            touched.add(obj.id)
            if obj in session.new:
                created.add(obj.id)
        elif isinstance(obj, ProposalEvent | Decision) and obj.proposal_id is not None:
            touched.add(obj.proposal_id)
    if changed:
        session.info[_CHANGED] = True


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    # Last in the transaction, so the counter row is locked only for the commit itself.
    session.flush()
    touched = session.info.pop(_TOUCHED, None)
    if touched:
        created: set[int] = session.info.get(_CREATED, set())
        refresh_stage_figures(session.connection(), touched, created)
        created.difference_update(touched)  # they have rows now (a savepoint's commit)
    if session.info.pop(_CHANGED, False):
        bump_generation(session.connection())
        for callback in _ON_CHANGE:
            callback(session)
        if session.new:
            session.flush()  # what the callbacks added (an outbox message)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: Any) -> None:
    # The proposals touched, and that the figures changed, are forgotten only when the outermost
    # transaction ends: a savepoint rolled back (SQLAlchemy's after_rollback fires for it too)
    # must not drop what the transaction around it changed before it, or its commit would leave
    # the figures generation as it was (one touched in vain is only rebuilt from its unchanged
    # trail; a change flagged in vain only costs a refresh).
    if transaction.parent is None:
        session.info.pop(_CHANGED, None)
        session.info.pop(_TOUCHED, None)
        session.info.pop(_CREATED, None)
