"""The public figures are cached, and a committed change to a proposal shows at once."""

from __future__ import annotations

from models import State, db
from tests import factories
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
