"""The office queues' counts come from the figures cache, and a committed change shows at once
(whichever process made it)."""

from __future__ import annotations

import re

import pytest
from redis import Redis

from models import Role, State, db
from tests import factories
from tests.conftest import REDIS_URL
from tests.functional.helpers import account, login
from tests.functional.test_api_office import token
from workflows import queue as work_queue
from workflows import triage
from workflows.dispatch import commit

KEYS = "regrepeal:figures:office_counts:*"


def _count(page: str, name: str) -> int:
    match = re.search(rf'data-queue="{name}"[^>]*>[^<]*<span class="count">(\d+)<', page)
    assert match, f"no count for {name}"
    return int(match.group(1))


def _counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record every time the counts are computed from the database."""
    calls: list[int] = []
    real = work_queue.counts

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(work_queue, "counts", spy)
    return calls


@pytest.fixture
def reviewer(app):  # type: ignore[no-untyped-def]
    with app.app_context():
        return account(Role.REVIEWER)


def test_every_page_and_sort_of_a_view_shares_one_cached_count(app, client, reviewer, monkeypatch):
    with app.app_context():
        factories.submitted()
        commit(db.session)
    login(client, reviewer)
    calls = _counted(monkeypatch)
    first = client.get("/office/").get_data(as_text=True)
    assert _count(first, "new") == 1 and len(calls) == 1
    for path in ("/office/", "/office/?queue=new&sort=oldest", "/office/?sort=updated"):
        assert _count(client.get(path).get_data(as_text=True), "new") == 1
    assert len(calls) == 1
    client.get("/office/?sector=admin_welfare")  # other filters: other counts
    assert len(calls) == 2
    client.get("/office/?min_age=1")  # moves with the clock: never cached
    client.get("/office/?min_age=1")
    assert len(calls) == 4


def test_a_workflow_change_moves_the_counts_at_once(app, client, reviewer):
    with app.app_context():
        proposal = factories.submitted()
        commit(db.session)
        proposal_id = proposal.id
    login(client, reviewer)
    before = client.get("/office/").get_data(as_text=True)
    assert (_count(before, "new"), _count(before, "in_review"), _count(before, "mine")) == (1, 0, 0)
    with app.app_context():
        from models import Proposal, User

        me = db.session.get(User, reviewer.id)
        target = db.session.get(Proposal, proposal_id)
        triage.start_review(db.session, me, target)
        triage.assign_reviewer(db.session, me, target, reviewer=me)
        commit(db.session)
    after = client.get("/office/?queue=in_review").get_data(as_text=True)
    assert (_count(after, "new"), _count(after, "in_review"), _count(after, "mine")) == (0, 1, 1)


def test_the_api_counts_share_the_cache_and_move_with_a_change(app, client, reviewer):
    staff = token(client, reviewer)
    assert client.get("/api/v1/queue", headers=staff).get_json()["counts"]["new"] == 0
    with app.app_context():
        factories.submitted()
        commit(db.session)
    assert client.get("/api/v1/queue", headers=staff).get_json()["counts"]["new"] == 1


def test_mine_is_counted_per_reviewer(app, client, reviewer):
    with app.app_context():
        colleague = account(Role.REVIEWER, name="김검토")
        from models import User

        me = db.session.get(User, reviewer.id)
        triage.assign_reviewer(db.session, me, factories.proposal_in(State.IN_REVIEW), reviewer=me)
        commit(db.session)
    login(client, reviewer)
    assert _count(client.get("/office/").get_data(as_text=True), "mine") == 1
    other = app.test_client()
    login(other, colleague)
    assert _count(other.get("/office/").get_data(as_text=True), "mine") == 0


def test_a_change_in_another_app_on_the_same_database_is_seen(app, client, reviewer, make_app):
    """Another worker process: its commit renews the generation this process reads."""
    login(client, reviewer)
    assert _count(client.get("/office/").get_data(as_text=True), "new") == 0
    other = make_app()
    with other.app_context():
        factories.submitted()
        commit(db.session)
    assert _count(client.get("/office/").get_data(as_text=True), "new") == 1


@pytest.mark.redis
def test_with_redis_the_workers_share_the_counts_and_a_change_reaches_them_all(make_app, reviewer):
    connection = Redis.from_url(REDIS_URL or "")
    connection.flushdb()
    try:
        first, second = make_app(REDIS_URL=REDIS_URL), make_app(REDIS_URL=REDIS_URL)
        one, two = first.test_client(), second.test_client()
        login(one, reviewer)
        login(two, reviewer)
        assert _count(one.get("/office/").get_data(as_text=True), "new") == 0
        stored = list(connection.scan_iter(KEYS))
        assert len(stored) == 1 and not first.extensions["regrepeal.figures_cache"]._local
        assert _count(two.get("/office/").get_data(as_text=True), "new") == 0
        assert list(connection.scan_iter(KEYS)) == stored  # served from what the first stored
        before = connection.hget(stored[0], "entry")
        with second.app_context():
            factories.submitted()
            commit(db.session)
        assert _count(one.get("/office/").get_data(as_text=True), "new") == 1
        assert _count(two.get("/office/").get_data(as_text=True), "new") == 1
        # One entry per view, rewritten with the new generation's counts.
        assert list(connection.scan_iter(KEYS)) == stored
        assert connection.hget(stored[0], "entry") != before
    finally:
        connection.flushdb()
