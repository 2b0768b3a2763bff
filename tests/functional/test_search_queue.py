"""Index updates through the real Redis and a real `flask --app wsgi worker --queues search`:
one writer, after the commit; with the worker down nothing is lost, it catches up when it runs."""

from __future__ import annotations

import pytest
from sqlalchemy import select

import search
from models import OutboxMessage, OutboxState, db
from search import Scope, SearchQuery
from tests import factories
from tests.functional.test_queue import redis_db  # noqa: F401 - fixture
from tests.workers import run_worker
from workflows.dispatch import commit

pytestmark = pytest.mark.redis


def _found(directory: str, text: str) -> list[str]:
    search.close(directory)  # as a fresh web process would
    result = search.query(directory, SearchQuery(text=text, scope=Scope.OFFICE))
    return [hit.receipt_no for hit in result.hits]


def test_index_updates_wait_for_the_search_worker_and_lose_nothing(
    app,
    app_config,
    make_app,
    redis_db,  # noqa: F811
):
    from tests.conftest import REDIS_URL

    directory = str(app_config["SEARCH_INDEX_DIR"])
    queued = make_app(REDIS_URL=REDIS_URL)
    with queued.app_context():
        first = factories.submitted(title="마을버스 최대이용가능 시간 완화").receipt_no
        second = factories.submitted(title="입간판 재료 규제 완화").receipt_no
        commit(db.session)
        messages = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.queue == "search")
        ).all()
        assert len(messages) == 2 and {m.state for m in messages} == {OutboxState.PENDING}
    # Committed and queued, but no worker has run: the index does not have them yet.
    assert search.status(directory) == "missing"
    result = run_worker(app_config, REDIS_URL or "", "--queues", "search")
    assert result.returncode == 0, result.stderr[-2000:]
    assert _found(directory, "마을버스이용시간") == [first]
    assert _found(directory, "입간판 재료를") == [second]
    with app.app_context():
        states = {
            m.state
            for m in db.session.scalars(
                select(OutboxMessage).where(OutboxMessage.queue == "search")
            )
        }
        assert states == {OutboxState.DONE}
    # A change made while the worker is down waits in the outbox and Redis, then is applied.
    with queued.app_context():
        third = factories.submitted(title="양재대로 자동차 전용도로 해제").receipt_no
        commit(db.session)
    assert _found(directory, "양재대로") == []
    result = run_worker(app_config, REDIS_URL or "", "--queues", "search")
    assert result.returncode == 0, result.stderr[-2000:]
    assert _found(directory, "양재대로 전용도로") == [third]
