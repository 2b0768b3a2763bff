"""A change committed while the index is being rebuilt ends up in the rebuilt index.

A rebuild reads every proposal, writes a fresh index beside the live one and swaps it in at the
end. A change committed after its proposal was read has its index message applied to the live
(old) index, which the swap then throws away: the rebuild must catch up with such changes after
the swap, however the rebuild runs (the command line, a search worker's start, a rebuild job) and
whatever the change's own timing (committed during the rebuild, or begun before it).

The changes are made here at the last moment before the swap (every proposal has been read and
written to the fresh index), and their index messages are applied by another thread, as another
web process or search worker would."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

import search
from models import OutboxMessage, OutboxState, Proposal, Role, State, User, db, utcnow
from search import Scope, SearchQuery
from tests import factories
from tests.functional.helpers import account
from webapp.search_pages.service import REBUILD_JOB, index_dir, rebuild_index
from workflows import outbox, triage
from workflows.dispatch import commit
from workflows.jobs import run_outbox_message

STORE = importlib.import_module("search.store")
TITLE = "양재대로 자동차 전용도로 해제 요청"


def _apply_elsewhere(app: Flask, message_ids: list[int]) -> None:
    """Run index messages in a thread of their own (another process's session and app context)."""
    errors: list[BaseException] = []

    def run() -> None:
        with app.app_context():
            try:
                for message_id in message_ids:
                    run_outbox_message(message_id)
            except BaseException as exc:  # reported to the test below
                errors.append(exc)
            finally:
                db.session.remove()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive() and not errors, errors


def _before_the_swap(monkeypatch: pytest.MonkeyPatch, action: Callable[[], None]) -> list[int]:
    """Run ``action`` once, when the fresh index is complete and about to be swapped in."""
    real = STORE._swap
    calls: list[int] = []

    def swap(target, fresh):  # type: ignore[no-untyped-def]
        if not calls:
            calls.append(1)
            action()
        real(target, fresh)

    monkeypatch.setattr(STORE, "_swap", swap)
    return calls


def _public_ids(text: str) -> list[int]:
    search.close(index_dir())  # as a fresh process would see the index
    result = search.query(index_dir(), SearchQuery(text=text, scope=Scope.PUBLIC))
    return [hit.id for hit in result.hits]


@pytest.fixture
def received(app):  # type: ignore[no-untyped-def]
    """A proposal only received (not public) and the reviewer who will start its review."""
    with app.app_context():
        reviewer = account(Role.REVIEWER)
        proposal = factories.submitted(title=TITLE)
        factories.proposal_in(State.IN_REVIEW)
        commit(db.session)
        assert _public_ids("양재대로") == []
        return proposal.id, reviewer.id


def _start_review(side: Session, proposal_id: int, reviewer_id: int) -> None:
    reviewer = side.get(User, reviewer_id)
    proposal = side.get(Proposal, proposal_id)
    assert reviewer is not None and proposal is not None
    triage.start_review(side, reviewer, proposal)
    side.flush()


def _commit_and_index(app: Flask, side: Session) -> None:
    side.commit()
    ready = [message.id for message in outbox.take_ready(side)]
    assert ready
    _apply_elsewhere(app, ready)
    side.close()


def test_a_change_committed_during_a_rebuild_is_in_the_rebuilt_index(app, received, monkeypatch):
    """The command-line rebuild (and a worker's start) on either database; on SQLite the rebuild
    reads through one snapshot, which must not hide what was committed meanwhile."""
    proposal_id, reviewer_id = received

    def change() -> None:
        side = Session(db.engine)
        _start_review(side, proposal_id, reviewer_id)
        _commit_and_index(app, side)

    calls = _before_the_swap(monkeypatch, change)
    with app.app_context():
        rebuild_index(db.session, commit=True)
        assert calls == [1]
        assert _public_ids("양재대로") == [proposal_id]
        assert db.session.get(Proposal, proposal_id).state is State.IN_REVIEW


@pytest.mark.postgres
@pytest.mark.parametrize("how", ["command", "job"])
def test_a_change_begun_before_a_rebuild_and_committed_during_it_is_in_the_rebuilt_index(
    app, received, monkeypatch, how
):
    """The change's row was written (its update time set) before the rebuild started and
    committed only after the rebuild read the old row; on PostgreSQL, where a writer does not
    hold readers back. ``job``: the rebuild runs as the search worker runs it."""
    proposal_id, reviewer_id = received
    with app.app_context():
        side = Session(db.engine)
        _start_review(side, proposal_id, reviewer_id)  # flushed, not committed
        calls = _before_the_swap(monkeypatch, lambda: _commit_and_index(app, side))
        if how == "command":
            rebuild_index(db.session, commit=True)
        else:
            outbox.enqueue(db.session, REBUILD_JOB, queue="search")
            db.session.commit()
            message_id = outbox.take_ready(db.session)[0].id
            # The job rebuilds only an index it finds unusable (the live one stays writable).
            monkeypatch.setattr(search, "status", lambda directory: "stale")
            assert run_outbox_message(message_id) == "done"
        assert calls == [1]
        assert _public_ids("양재대로") == [proposal_id]
        pending = db.session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.state == OutboxState.PENDING)
        ).all()
        assert pending == []


def test_a_rebuild_job_catching_up_with_pending_messages_analyses_each_text_once(app, monkeypatch):
    """The proposals whose index messages wait (the worker was busy or down) are indexed by
    the rebuild and again by its catch-up: the second time with the terms the first kept, even
    though a rebuild inside a job has not committed them yet."""
    import search.analysis

    real = search.analysis.kiwi
    calls: list[int] = []

    def counting():  # type: ignore[no-untyped-def]
        calls.append(1)
        return real()

    with app.app_context():
        for title in ("노상주차장 야간 개방 허용", "마을버스 최대이용가능 시간 완화"):
            factories.submitted(title=title)
        db.session.commit()  # recorded, not handed to the runner: the index messages wait
        outbox.take_ready(db.session)
        pending = db.session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.state == OutboxState.PENDING)
        ).all()
        assert pending
        monkeypatch.setattr(search.analysis, "kiwi", counting)
        monkeypatch.setattr(search, "status", lambda directory: "missing")
        outbox.enqueue(db.session, REBUILD_JOB, queue="search")
        db.session.commit()
        message_id = outbox.take_ready(db.session)[0].id
        assert run_outbox_message(message_id) == "done"
        in_the_job = len(calls)
        assert in_the_job > 0
        assert _public_ids("노상주차장") == []  # received only: not public
        found = search.query(index_dir(), SearchQuery(text="노상주차장", scope=Scope.OFFICE))
        assert len(found.hits) == 1

        # The same texts analysed once, for comparison: no kept terms, no pending message.
        db.session.execute(text("DELETE FROM search_terms"))
        db.session.execute(update(OutboxMessage).values(state=OutboxState.DONE, done_at=utcnow()))
        db.session.commit()
        calls.clear()
        rebuild_index(db.session, commit=True)
        assert len(calls) == in_the_job
