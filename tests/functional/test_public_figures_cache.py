"""The public figures are cached, and a committed change to a proposal shows at once."""

from __future__ import annotations

import pytest
from redis import Redis

from models import State, db
from tests import factories
from tests.conftest import REDIS_URL
from workflows import triage
from workflows.dispatch import commit


def _cache(app):  # type: ignore[no-untyped-def]
    return app.extensions["regrepeal.figures_cache"]


def test_repeated_figures_come_from_the_cache(app, client):
    with app.app_context():
        factories.proposal_in(State.SUBMITTED)
        commit(db.session)
    first = client.get("/api/v1/stats").get_json()
    entries = len(_cache(app)._local)
    assert entries == 1
    assert client.get("/api/v1/stats").get_json() == first
    assert len(_cache(app)._local) == entries


def test_a_new_proposal_invalidates_the_cached_figures(app, client):
    with app.app_context():
        factories.proposal_in(State.SUBMITTED)
        commit(db.session)
    assert client.get("/api/v1/stats").get_json()["received"]["total"] == 1
    client.get("/dashboard")
    with app.app_context():
        factories.proposal_in(State.SUBMITTED)
        commit(db.session)
    assert client.get("/api/v1/stats").get_json()["received"]["total"] == 2
    assert 'id="received-total">2<' in client.get("/").get_data(as_text=True)


def test_a_state_change_invalidates_the_figures(app, client):
    with app.app_context():
        office = factories.Office()
        proposal = factories.proposal_in(State.SUBMITTED, office=office)
        commit(db.session)
        before = client.get("/api/v1/stats").get_json()
        assert before["by_stage"]["intake"] == 1
        triage.start_review(db.session, office.reviewer, proposal)
        commit(db.session)
        after = client.get("/api/v1/stats").get_json()
    assert after["by_stage"]["intake"] == 0
    assert after["by_stage"]["review"] == 1


def test_a_change_in_another_app_on_the_same_database_is_seen(app, client, make_app):
    """Another worker process: its commit bumps the generation this process reads."""
    client.get("/api/v1/stats")
    other = make_app()
    with other.app_context():
        factories.proposal_in(State.SUBMITTED)
        commit(db.session)
    assert client.get("/api/v1/stats").get_json()["received"]["total"] == 1


def test_the_cache_can_be_turned_off(make_app):
    app = make_app(FIGURES_CACHE_SECONDS=0)
    client = app.test_client()
    assert client.get("/api/v1/stats").status_code == 200
    assert len(_cache(app)._local) == 0


@pytest.mark.redis
def test_with_redis_the_workers_share_the_figures_and_a_change_reaches_them_all(make_app):
    """Production keeps the figures in Redis: what one worker computed another one serves, and a
    commit in either makes both compute afresh. Redis down: the figures are computed, not lost."""
    connection = Redis.from_url(REDIS_URL or "")
    connection.flushdb()
    try:
        first, second = make_app(REDIS_URL=REDIS_URL), make_app(REDIS_URL=REDIS_URL)
        with first.app_context():
            factories.proposal_in(State.SUBMITTED)
            commit(db.session)
        assert first.test_client().get("/api/v1/stats").get_json()["received"]["total"] == 1
        stored = {key: connection.get(key) for key in connection.scan_iter("regrepeal:figures:*")}
        assert len(stored) == 1 and not _cache(first)._local
        assert second.test_client().get("/api/v1/stats").get_json()["received"]["total"] == 1
        assert {k: connection.get(k) for k in connection.scan_iter("regrepeal:figures:*")} == stored
        with second.app_context():
            factories.proposal_in(State.SUBMITTED)
            commit(db.session)
        assert first.test_client().get("/api/v1/stats").get_json()["received"]["total"] == 2
        assert len(list(connection.scan_iter("regrepeal:figures:*"))) == 2
    finally:
        connection.flushdb()
    unreachable = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    assert unreachable.test_client().get("/api/v1/stats").get_json()["received"]["total"] == 2
