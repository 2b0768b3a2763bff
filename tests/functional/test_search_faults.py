"""The search index deleted or damaged under a serving application, against the real PostgreSQL,
Redis and an RQ worker process: searches keep answering from the database and say the index is
being rebuilt, one rebuild is queued (however many searches notice), the worker runs it, and
afterwards every searchable proposal is in the index and the notice is gone.

Index writes made while the worker is down wait in the outbox: ``test_search_queue.py``."""

from __future__ import annotations

import os
import shutil
import signal
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import func, select

import search
from models import OutboxMessage, OutboxState, Proposal, Role, State, db
from tests import factories
from tests.conftest import REDIS_URL
from tests.functional.helpers import account, login
from tests.workers import kill_worker, start_worker, wait_for
from webapp.search_pages.service import REBUILD_JOB
from workflows.dispatch import commit

NOTICE = "검색 색인을 다시 만드는 중입니다"
QUERY = {"q": "용적률을 완화"}

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def redis_connection() -> Iterator[Redis]:
    connection = Redis.from_url(REDIS_URL or "redis://127.0.0.1:6379/15")
    connection.flushdb()
    yield connection
    connection.flushdb()


def _damage(directory: Path, how: str) -> None:
    if how == "deleted":
        shutil.rmtree(directory)
        return
    segments = list(directory.glob("*.seg"))
    assert segments, sorted(p.name for p in directory.iterdir())
    for segment in segments:
        with segment.open("r+b") as handle:
            if how == "truncated":
                handle.truncate(segment.stat().st_size // 3)
            else:
                handle.seek(segment.stat().st_size // 2)
                handle.write(b"\xffgarbage\x00" * 4)


def _rebuild_messages() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.job == REBUILD_JOB)))


def _api(client) -> tuple[int, bool, set[str]]:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/search", query_string=QUERY)
    if response.status_code != 200:
        return response.status_code, False, set()
    body = response.get_json()
    return 200, body["degraded"], {r["receipt_no"] for r in body["results"]}


# "garbled": bytes overwritten in the middle of each segment (same size, header intact); Whoosh
# keeps no checksums, the seals beside the segments find it (the web process opens the index
# afresh here: a searcher already open over the garbled bytes notices only when it fails).
@pytest.mark.parametrize("how", ["deleted", "truncated", "garbled"])
def test_a_damaged_index_answers_from_the_database_and_the_worker_rebuilds_it_once(
    app, app_config, make_app, redis_connection, how
):
    directory = Path(str(app_config["SEARCH_INDEX_DIR"]))
    served = make_app(REDIS_URL=REDIS_URL)
    with served.app_context():
        office = factories.Office()
        public = {factories.proposal_in(State.IN_REVIEW, office=office).receipt_no for _ in "ab"}
        hidden = factories.submitted(title="용적률 완화 접수만 된 제안").receipt_no
        chair = account(Role.CHAIR)
        commit(db.session)
    anonymous, staff = served.test_client(), served.test_client()
    login(staff, chair)

    log = (directory.parent / "worker.log").open("a")
    worker = start_worker(app_config, REDIS_URL or "", log)
    try:
        # The worker builds the index and applies the queued updates.
        with served.app_context():
            wait_for(
                lambda: set(db.session.scalars(select(OutboxMessage.state))) == {OutboxState.DONE},
                120,
                "the worker to index the proposals",
            )
        assert _api(anonymous) == (200, False, public)

        # Searches go on in the background through everything that follows.
        answers: list[tuple[int, bool, set[str]]] = []
        stop = threading.Event()

        def keep_searching() -> None:
            client = served.test_client()
            while not stop.is_set():
                answers.append(_api(client))

        background = threading.Thread(target=keep_searching)
        background.start()
        try:
            # The worker is busy elsewhere (stopped) while the index is damaged.
            os.kill(worker.pid, signal.SIGSTOP)
            try:
                _damage(directory, how)
                if how == "garbled":
                    search.close(str(directory))  # as a web process starting now
                public_page = anonymous.get("/search", query_string=QUERY)
                office_page = staff.get("/office/search", query_string=QUERY)
                for page in (public_page, office_page):
                    assert page.status_code == 200 and NOTICE in page.get_data(as_text=True)
                assert all(r in public_page.get_data(as_text=True) for r in public)
                assert hidden not in public_page.get_data(as_text=True)
                assert hidden in office_page.get_data(as_text=True)
                # Many searches notice the damage at once: one rebuild is queued between them.
                with ThreadPoolExecutor(6) as pool:
                    burst = list(pool.map(lambda _: _api(served.test_client()), range(12)))
                assert burst == [(200, True, public)] * 12
                with served.app_context():
                    messages = _rebuild_messages()
                    assert [m.state for m in messages] == [OutboxState.PENDING]
            finally:
                os.kill(worker.pid, signal.SIGCONT)

            # The worker runs the queued rebuild.
            with served.app_context():
                wait_for(
                    lambda: [m.state for m in _rebuild_messages()] == [OutboxState.DONE],
                    120,
                    "the worker to run the rebuild",
                )
        finally:
            stop.set()
            background.join(timeout=60)
    finally:
        kill_worker(worker)
        log.close()

    # Every answer during the fault was a full answer; the background saw the fallback.
    assert answers and all(a[0] == 200 and a[2] == public for a in answers), answers[-3:]
    assert any(degraded for _status, degraded, _found in answers)
    with served.app_context():
        assert len(_rebuild_messages()) == 1  # nobody queued a second rebuild meanwhile
        searchable = set(
            db.session.scalars(select(Proposal.id).where(Proposal.state != State.DRAFT))
        )
        assert db.session.scalar(select(func.count(Proposal.id))) == len(searchable) == 3
    search.close(str(directory))  # as a fresh web process would
    assert {int(d["id"]) for d in search.stored(str(directory))} == searchable
    assert _api(anonymous) == (200, False, public)
    for client, path in ((anonymous, "/search"), (staff, "/office/search")):
        page = client.get(path, query_string=QUERY)
        assert page.status_code == 200 and NOTICE not in page.get_data(as_text=True)
