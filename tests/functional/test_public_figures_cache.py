"""The public figures are cached; after a change a job recomputes them, and meanwhile visitors
get the previous figures with their time, never a wait or an error."""

from __future__ import annotations

import contextlib
import pickle
import sqlite3
import threading
from datetime import date, datetime, time

import pytest
from redis import Redis
from sqlalchemy import create_engine, event, select
from sqlalchemy.exc import OperationalError

from models import Campaign, OutboxMessage, OutboxState, ProposalTally, Role, State, db
from tests import factories
from tests.conftest import REDIS_URL
from tests.functional.test_get_writes import AnotherWriter
from webapp import figures_cache
from webapp import public as public_pages
from workflows import intake, triage
from workflows.dispatch import commit
from workflows.jobs import run_outbox_message
from workflows.numbering import SEOUL
from workflows.stats import StatsFilter, campaign_stats


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


def _refuse_to_compute(monkeypatch):  # type: ignore[no-untyped-def]
    """The request path may not compute the figures (it must serve what is stored)."""

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the figures were computed in the request")

    for module in ("webapp.api", "webapp.public"):
        monkeypatch.setattr(f"{module}.campaign_stats", refuse)
    monkeypatch.setattr("webapp.public.build_dashboard", refuse)
    monkeypatch.setattr("webapp.public.repeals_by_sector_and_type", refuse)


def _new_proposal(app):  # type: ignore[no-untyped-def]
    with app.app_context():
        factories.proposal_in(State.SUBMITTED)
        commit(db.session)


def test_a_change_is_recomputed_by_the_job_not_by_the_next_request(app, client, monkeypatch):
    """Embedded mode: the job runs in-process after the change's commit; the next visitor gets
    the current figures without computing them."""
    _new_proposal(app)
    assert client.get("/api/v1/stats").get_json()["received"]["total"] == 1
    _new_proposal(app)
    with app.app_context():
        jobs = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.job == figures_cache.REFRESH_JOB)
        ).all()
        assert [m.state for m in jobs] == [OutboxState.DONE]
    _refuse_to_compute(monkeypatch)
    body = client.get("/api/v1/stats").get_json()
    assert body["received"]["total"] == 2 and body["updating"] is False
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'id="received-total">2<' in page and "집계 중" not in page
    assert 'id="received-total">2<' in client.get("/?campaign=all").get_data(as_text=True)


def _tally_rows(app):  # type: ignore[no-untyped-def]
    with app.app_context():
        return [(row.state, row.n) for row in db.session.scalars(select(ProposalTally))]


def test_the_refresh_job_sums_the_registers_tally(app, client):
    _new_proposal(app)
    assert client.get("/api/v1/stats").status_code == 200  # figures in use: refreshes follow
    _new_proposal(app)  # its refresh job runs in-process after the commit
    assert _tally_rows(app) == [(State.SUBMITTED, 2)]


def test_no_figures_ever_asked_for_means_no_refresh_job(app):
    _new_proposal(app)
    with app.app_context():
        assert not db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.job == figures_cache.REFRESH_JOB)
        ).all()


def test_during_the_recompute_visitors_get_the_previous_figures_with_their_time(
    app, client, monkeypatch
):
    _new_proposal(app)
    first = client.get("/api/v1/stats").get_json()
    client.get("/dashboard")
    cache = _cache(app)
    cache._refreshing.acquire()  # a refresh is running (another thread's job)
    try:
        _new_proposal(app)  # its job finds the refresh running and leaves it to that one
        with monkeypatch.context() as patched:
            _refuse_to_compute(patched)
            during = client.get("/api/v1/stats")
            page = client.get("/dashboard")
        assert during.status_code == 200 and page.status_code == 200
        body = during.get_json()
        assert body["received"]["total"] == 1
        assert body["updating"] is True and body["as_of"] == first["as_of"]
        text = page.get_data(as_text=True)
        assert 'id="received-total">1<' in text and "집계 중" in text
    finally:
        cache._refreshing.release()
    with app.app_context():
        assert cache.refresh(db.session) >= 1  # the running refresh's next pass
    after = client.get("/api/v1/stats").get_json()
    assert after["received"]["total"] == 2 and after["updating"] is False
    assert after["as_of"] > first["as_of"]


def test_a_visitor_while_the_refresh_runs_gets_the_previous_figures(app, client, make_app):
    """A real refresh running in another thread (a worker) while a visitor asks."""
    _new_proposal(app)
    first = client.get("/api/v1/stats").get_json()
    _new_proposal(make_app())  # committed elsewhere: no refresh asked for here
    started, finish = threading.Event(), threading.Event()
    real = figures_cache.compute_day_figures

    def slow(session):  # type: ignore[no-untyped-def]
        started.set()
        assert finish.wait(60)
        return real(session)

    def worker() -> None:
        with app.app_context():
            _cache(app).refresh(db.session)
            db.session.remove()

    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(figures_cache, "compute_day_figures", slow)
        thread = threading.Thread(target=worker)
        thread.start()
        try:
            assert started.wait(60)
            during = client.get("/api/v1/stats")
        finally:
            finish.set()
            thread.join(60)
    assert not thread.is_alive()
    assert during.status_code == 200
    body = during.get_json()
    assert body["received"]["total"] == 1 and body["updating"] is True
    assert body["as_of"] == first["as_of"]
    after = client.get("/api/v1/stats").get_json()
    assert after["received"]["total"] == 2 and after["updating"] is False


def test_a_burst_of_changes_costs_one_recompute(app, client, monkeypatch):
    with app.app_context():
        db.session.add(
            Campaign(code="c1", name="c1", starts_on=date(2025, 1, 1), ends_on=date(2025, 12, 31))
        )
        commit(db.session)
    _new_proposal(app)
    client.get("/api/v1/stats")
    computed: list[object] = []
    real = figures_cache.dashboard_from

    def counting(parts, filters):  # type: ignore[no-untyped-def]
        computed.append(filters)
        return real(parts, filters)

    monkeypatch.setattr(figures_cache, "dashboard_from", counting)
    cache = _cache(app)
    cache._refreshing.acquire()
    try:
        for _ in range(3):
            _new_proposal(app)
    finally:
        cache._refreshing.release()
    assert computed == []  # three jobs ran, none computed while the refresh was running
    with app.app_context():
        cache.refresh(db.session)
    assert len(computed) == 2  # unfiltered and the campaign, once each
    assert client.get("/api/v1/stats").get_json()["received"]["total"] == 4
    with app.app_context():
        assert cache.refresh(db.session) == 0  # nothing changed since: nothing computed
    assert len(computed) == 2


def test_a_filter_with_dates_is_computed_when_asked_and_then_kept_current(app, client, monkeypatch):
    _new_proposal(app)
    path = "/api/v1/stats?from=2000-01-01&to=2100-12-31"
    assert client.get(path).get_json()["received"]["total"] == 1
    _new_proposal(app)
    _refuse_to_compute(monkeypatch)
    assert client.get(path).get_json()["received"]["total"] == 2


def test_stale_figures_nobody_refreshes_are_computed_in_the_request(app, client, make_app):
    """A change committed where no figures were ever asked for (another process, a CLI
    command) asks for no refresh here: the request computes rather than show stale figures."""
    _new_proposal(app)
    client.get("/api/v1/stats")
    _new_proposal(make_app())
    body = client.get("/api/v1/stats").get_json()
    assert body["received"]["total"] == 2 and body["updating"] is False


def _run_refresh_jobs(app) -> None:  # type: ignore[no-untyped-def]
    """What an RQ worker does with the pending refresh messages."""
    with app.app_context():
        pending = db.session.scalars(
            select(OutboxMessage.id).where(
                OutboxMessage.job == figures_cache.REFRESH_JOB,
                OutboxMessage.state == OutboxState.PENDING,
            )
        ).all()
        db.session.rollback()
        assert pending
        for message_id in pending:
            run_outbox_message(message_id)
        db.session.remove()


@pytest.mark.redis
def test_with_redis_the_workers_share_the_figures_and_a_change_reaches_them_all(make_app):
    """Production keeps the figures in Redis: what one worker computed another one serves; after
    a commit in either, both serve the previous figures with their time until a worker's job
    has computed the new ones, then both serve those. Redis down: the figures are computed."""
    connection = Redis.from_url(REDIS_URL or "")
    connection.flushdb()
    try:
        first, second = make_app(REDIS_URL=REDIS_URL), make_app(REDIS_URL=REDIS_URL)
        _new_proposal(first)
        before = first.test_client().get("/api/v1/stats").get_json()
        assert before["received"]["total"] == 1
        stored = list(connection.scan_iter("regrepeal:figures:*"))
        assert len(stored) == 1 and not _cache(first)._local
        assert second.test_client().get("/api/v1/stats").get_json() == before
        assert list(connection.scan_iter("regrepeal:figures:*")) == stored
        assert 'id="received-total">1<' in second.test_client().get("/dashboard").get_data(
            as_text=True
        )
        _new_proposal(second)  # its refresh job waits for a worker
        for app in (first, second):
            during = app.test_client().get("/api/v1/stats").get_json()
            assert during["received"]["total"] == 1 and during["updating"] is True
            assert during["as_of"] == before["as_of"]
            page = app.test_client().get("/dashboard").get_data(as_text=True)
            assert 'id="received-total">1<' in page and "집계 중" in page
        _run_refresh_jobs(first)
        for app in (first, second):
            after = app.test_client().get("/api/v1/stats").get_json()
            assert after["received"]["total"] == 2 and after["updating"] is False
    finally:
        connection.flushdb()
    unreachable = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    assert unreachable.test_client().get("/api/v1/stats").get_json()["received"]["total"] == 2


def test_the_dashboard_figures_are_rendered_once_per_figures_and_language(app, client, monkeypatch):
    _new_proposal(app)
    drawn: list[str] = []
    real = public_pages.bar_chart

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        drawn.append(kwargs["chart_id"])
        return real(*args, **kwargs)

    monkeypatch.setattr(public_pages, "bar_chart", counting)
    korean = client.get("/dashboard").get_data(as_text=True)
    english = client.get("/dashboard?lang=en").get_data(as_text=True)
    assert "단계별 처리 기간 중앙값" in korean and "기준" in korean
    assert "단계별 처리 기간 중앙값" not in english and "As of" in english
    once = len(drawn)
    assert once > 0
    assert client.get("/dashboard?lang=en").get_data(as_text=True) == english
    assert 'id="received-total">1<' in client.get("/dashboard?lang=ko").get_data(as_text=True)
    assert len(drawn) == once
    _new_proposal(app)
    assert 'id="received-total">2<' in client.get("/dashboard?lang=ko").get_data(as_text=True)
    assert len(drawn) > once  # new figures, drawn anew


@pytest.mark.redis
def test_figures_fill_computes_them_before_any_visitor(make_app, monkeypatch):
    connection = Redis.from_url(REDIS_URL or "")
    connection.flushdb()
    try:
        app = make_app(REDIS_URL=REDIS_URL)
        _new_proposal(app)
        result = app.test_cli_runner().invoke(args=["figures", "fill"])
        assert result.exit_code == 0 and "1 filter(s) computed" in result.output
        _refuse_to_compute(monkeypatch)
        body = make_app(REDIS_URL=REDIS_URL).test_client().get("/api/v1/stats").get_json()
        assert body["received"]["total"] == 1 and body["updating"] is False
    finally:
        connection.flushdb()


def test_figures_fill_without_redis_says_there_is_nothing_to_fill(app):
    _new_proposal(app)
    _new_proposal(app)
    assert len(_tally_rows(app)) > 1  # each submission's deltas
    result = app.test_cli_runner().invoke(args=["figures", "fill"])
    assert result.exit_code == 0 and "nothing to fill" in result.output
    assert "delta(s) of the registers' tally summed" in result.output
    assert _tally_rows(app) == [(State.SUBMITTED, 2)]


def _another_writer_could_write(app):  # type: ignore[no-untyped-def]
    """A probe run while the refresh computes: could another connection write at once? On
    SQLite: take the write lock without waiting; on PostgreSQL: lock the refresh's outbox row
    without waiting (the job used to hold both for the whole computation)."""
    with app.app_context():
        url = db.engine.url

    def probe() -> bool:
        if url.get_backend_name() == "sqlite":
            other = sqlite3.connect(str(url.database), timeout=0, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
                return True
            except sqlite3.OperationalError:
                return False
            finally:
                other.close()
        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                connection.execute(
                    select(OutboxMessage.id)
                    .where(OutboxMessage.job == figures_cache.REFRESH_JOB)
                    .with_for_update(nowait=True)
                ).all()
                connection.rollback()
            return True
        except OperationalError:
            return False
        finally:
            engine.dispose()

    return probe


def test_the_refresh_run_by_a_changing_request_computes_without_holding_the_write_lock(
    app, client, monkeypatch
):
    """Embedded mode runs the refresh in the request that made the change, after its commit:
    the computation reads in plain transactions (another request may write meanwhile), and its
    outbox message is marked done afterwards in a short writing one."""
    _new_proposal(app)
    assert client.get("/api/v1/stats").get_json()["received"]["total"] == 1  # figures in use
    probe = _another_writer_could_write(app)
    could_write: list[bool] = []
    real = figures_cache.compute_day_figures

    def probing(session):  # type: ignore[no-untyped-def]
        could_write.append(probe())
        return real(session)

    monkeypatch.setattr(figures_cache, "compute_day_figures", probing)
    AnotherWriter(app).submit()  # a citizen's real POST: the refresh runs inline after its commit
    assert could_write == [True]
    with app.app_context():
        [job] = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.job == figures_cache.REFRESH_JOB)
        ).all()
        assert (job.state, job.attempts, job.queue) == (OutboxState.DONE, 1, "figures")
        assert job.done_at is not None
        assert run_outbox_message(job.id) == "skipped"  # a duplicate delivery does nothing
    body = client.get("/api/v1/stats").get_json()
    assert body["received"]["total"] == 2 and body["updating"] is False


def test_a_failing_refresh_is_recorded_for_retry_and_runs_again(app, client, monkeypatch):
    _new_proposal(app)
    client.get("/api/v1/stats")
    real = figures_cache.compute_day_figures

    def broken(session):  # type: ignore[no-untyped-def]
        raise RuntimeError("figures broke")

    monkeypatch.setattr(figures_cache, "compute_day_figures", broken)
    _new_proposal(app)  # the inline refresh fails; the change stands
    with app.app_context():
        [job] = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.job == figures_cache.REFRESH_JOB)
        ).all()
        assert (job.state, job.attempts) == (OutboxState.PENDING, 1)
        assert "figures broke" in (job.last_error or "")
        monkeypatch.setattr(figures_cache, "compute_day_figures", real)
        assert run_outbox_message(job.id) == "done"
        db.session.refresh(job)
        assert (job.state, job.attempts) == (OutboxState.DONE, 2)
    body = client.get("/api/v1/stats").get_json()
    assert body["received"]["total"] == 2 and body["updating"] is False


@contextlib.contextmanager
def _statements(app):  # type: ignore[no-untyped-def]
    """The SQL statements ``app`` runs meanwhile."""
    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(statement.lower())

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _on_days(app, *days: date) -> None:  # type: ignore[no-untyped-def]
    """A proposal submitted at noon in Seoul on each of ``days``."""
    with app.app_context():
        for day in days:
            intake.submit_new_proposal(
                db.session,
                factories.user(Role.CITIZEN),
                factories.fields(),
                channel_code="online_window",
                consent=True,
                at=datetime.combine(day, time(12), tzinfo=SEOUL),
            )
        commit(db.session)


def _fill(app) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        assert _cache(app).fill(db.session) >= 1


FIGURES_TABLES = ("proposal", "decision")  # what computing figures reads (and nothing else does)


def test_a_filter_never_asked_for_is_summed_from_the_stored_day_figures(app, client, monkeypatch):
    """Once a refresh stored the per-day parts, a date range nobody asked for before costs no
    query over proposals or decisions: its figures are the sum of its days'."""
    _on_days(app, date(2025, 3, 1), date(2025, 3, 2), date(2025, 3, 2), date(2025, 3, 9))
    _fill(app)
    _refuse_to_compute(monkeypatch)
    ranges = {"from=2025-03-02&to=2025-03-08": 2, "to=2025-03-01": 1, "from=2025-03-03": 1}
    for query, total in ranges.items():
        with _statements(app) as seen:
            body = client.get(f"/api/v1/stats?{query}").get_json()
            page = client.get(f"/dashboard?{query}").get_data(as_text=True)
            home = client.get(f"/?campaign=all&{query}").get_data(as_text=True)
        assert body["received"]["total"] == total and body["updating"] is False, query
        assert f'id="received-total">{total}<' in page and "집계 중" not in page
        assert f'id="received-total">{total}<' in home
        assert seen and not [s for s in seen if any(t in s for t in FIGURES_TABLES)], seen
        with app.app_context():
            args = dict(pair.split("=") for pair in query.split("&"))
            filters = StatsFilter(
                date_from=date.fromisoformat(args["from"]) if "from" in args else None,
                date_to=date.fromisoformat(args["to"]) if "to" in args else None,
            )
            direct = campaign_stats(db.session, filters)
        assert {k: v for k, v in body.items() if k not in ("as_of", "updating")} == direct


def test_without_day_figures_a_new_filter_is_still_computed_in_the_request(app, client):
    _on_days(app, date(2025, 3, 1))
    client.get("/api/v1/stats")  # figures in use, but no refresh ran: no day figures yet
    with _statements(app) as seen:
        body = client.get("/api/v1/stats?from=2025-03-01").get_json()
    assert body["received"]["total"] == 1
    assert [s for s in seen if "proposal" in s]


def test_while_a_refresh_is_pending_a_new_filter_is_summed_from_the_previous_day_figures(
    app, client, monkeypatch
):
    """After a change, until the refresh has run, a filter nobody asked for gets the previous
    day figures' sums, flagged as the other stale figures are."""
    _on_days(app, date(2025, 3, 1))
    _fill(app)
    first = client.get("/api/v1/stats").get_json()
    cache = _cache(app)
    cache._refreshing.acquire()  # a refresh is running (another thread's job)
    try:
        _on_days(app, date(2025, 3, 1))  # its job finds the refresh running
        with monkeypatch.context() as patched:
            _refuse_to_compute(patched)
            during = client.get("/api/v1/stats?from=2025-03-01&to=2025-03-01").get_json()
            page = client.get("/dashboard?from=2025-03-01").get_data(as_text=True)
        assert during["received"]["total"] == 1
        assert during["updating"] is True and during["as_of"] == first["as_of"]
        assert 'id="received-total">1<' in page and "집계 중" in page
    finally:
        cache._refreshing.release()
    with app.app_context():
        assert cache.refresh(db.session) >= 1
    _refuse_to_compute(monkeypatch)
    after = client.get("/api/v1/stats?from=2025-03-01&to=2025-03-01").get_json()
    assert after["received"]["total"] == 2 and after["updating"] is False
    assert after["as_of"] > first["as_of"]


@pytest.mark.redis
def test_with_redis_every_worker_sums_new_filters_from_the_shared_day_figures(
    make_app, monkeypatch
):
    connection = Redis.from_url(REDIS_URL or "")
    connection.flushdb()
    try:
        filler = make_app(REDIS_URL=REDIS_URL)
        _on_days(filler, date(2025, 3, 1), date(2025, 3, 5))
        result = filler.test_cli_runner().invoke(args=["figures", "fill"])
        assert result.exit_code == 0
        assert connection.exists("regrepeal:figures:day-figures")
        _refuse_to_compute(monkeypatch)
        worker = make_app(REDIS_URL=REDIS_URL)
        client = worker.test_client()
        loads: list[object] = []
        real = pickle.loads
        monkeypatch.setattr(figures_cache.pickle, "loads", lambda raw: loads.append(1) or real(raw))
        for query, total in (("from=2025-03-02", 1), ("to=2025-03-04", 1), ("to=2025-03-05", 2)):
            body = client.get(f"/api/v1/stats?{query}").get_json()
            assert body["received"]["total"] == total and body["updating"] is False
        # The parts unpickled once in this process (about 1 MB at 200,000 proposals), then
        # kept by their stamp; no filter had an entry to unpickle.
        assert loads == [1]
    finally:
        connection.flushdb()
