"""Jobs through the real Redis and real RQ worker processes (`flask --app wsgi worker`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import select

from models import OutboxMessage, OutboxState, Proposal, db
from tests import factories
from tests.conftest import REDIS_URL
from tests.workers import run_worker
from workflows import outbox
from workflows.dispatch import commit, deliver_due
from workflows.mail import FileMailer

pytestmark = pytest.mark.redis


@pytest.fixture
def redis_db() -> Redis:
    connection = Redis.from_url(REDIS_URL or "redis://127.0.0.1:6379/15")
    connection.flushdb()
    yield connection
    connection.flushdb()


def test_a_submission_e_mail_goes_through_redis_and_a_worker(app, app_config, make_app, redis_db):
    queued = make_app(REDIS_URL=REDIS_URL)
    with queued.app_context():
        proposal = factories.submitted()
        receipt = proposal.receipt_no
        commit(db.session)
        message = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.queue == "mail")
        ).one()
        assert message.state is OutboxState.PENDING  # handed to Redis, not run here
        assert redis_db.exists(f"rq:job:outbox-{message.id}")
    result = run_worker(app_config, REDIS_URL or "")
    assert result.returncode == 0, result.stderr[-2000:]
    with app.app_context():
        states = {m.queue: m.state for m in db.session.scalars(select(OutboxMessage))}
        assert states == {"mail": OutboxState.DONE, "search": OutboxState.DONE}
    mails = FileMailer(Path(str(app_config["MAIL_FILE"]))).messages()
    assert len(mails) == 1 and receipt in mails[0]["Subject"]


def test_redis_down_loses_nothing_and_the_outbox_drains_when_it_returns(
    app, app_config, make_app, redis_db
):
    broken = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    with broken.app_context():
        receipts = [factories.submitted().receipt_no for _ in range(3)]
        commit(db.session)  # acknowledged: stored, even though the queue is unreachable
    with app.app_context():
        stored = set(db.session.scalars(select(Proposal.receipt_no)))
        assert set(receipts) <= stored
        assert {m.state for m in db.session.scalars(select(OutboxMessage))} == {OutboxState.PENDING}
    healthy = make_app(REDIS_URL=REDIS_URL)
    with healthy.app_context():
        assert deliver_due(db.session) == 6  # an e-mail and an index update each
        assert deliver_due(db.session) == 0  # already handed over, not sent twice
    result = run_worker(app_config, REDIS_URL or "")
    assert result.returncode == 0, result.stderr[-2000:]
    mails = FileMailer(Path(str(app_config["MAIL_FILE"]))).messages()
    assert sorted(m["Subject"].split("]")[0][-11:] for m in mails) == sorted(receipts)


def test_a_failing_job_is_retried_with_back_off_and_stays_visible(
    app, app_config, make_app, redis_db
):
    queued = make_app(REDIS_URL=REDIS_URL)
    with queued.app_context():
        outbox.enqueue(db.session, "no_such_job")
        commit(db.session)
        message_id = db.session.scalars(select(OutboxMessage.id)).one()
    result = run_worker(app_config, REDIS_URL or "")
    assert result.returncode == 0, result.stderr[-2000:]
    with queued.app_context():
        message = db.session.get(OutboxMessage, message_id)
        assert message.attempts == 1 and "unknown job" in message.last_error
        assert message.state is OutboxState.PENDING
        from rq import Queue

        queue = Queue("default", connection=redis_db)
        assert f"outbox-{message_id}" in queue.scheduled_job_registry.get_job_ids()


def test_a_job_queued_by_an_older_release_with_its_id_alone_still_runs(
    app, app_config, make_app, redis_db
):
    """Entries carry the job name now; one already in Redis from before has the id alone."""
    from rq import Queue
    from rq.job import Job

    from workflows.dispatch import JOB_ENTRY

    queued = make_app(REDIS_URL=REDIS_URL)
    with queued.app_context():
        factories.submitted()
        commit(db.session)
        mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.queue == "mail")).one()
        assert Job.fetch(f"outbox-{mail.id}", connection=redis_db).args == (
            mail.id,
            "notify_proposer",
        )
        outbox.enqueue(db.session, "send_password_reset", queue="mail", user_id=10**6)
        db.session.flush()
        old = db.session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.job == "send_password_reset")
        ).one()
        db.session.commit()
        outbox.take_ready(db.session)  # queued below as an older release did
    Queue("mail", connection=redis_db).enqueue(JOB_ENTRY, old, job_id=f"outbox-{old}")
    result = run_worker(app_config, REDIS_URL or "")
    assert result.returncode == 0, result.stderr[-2000:]
    with app.app_context():
        states = {m.id: m.state for m in db.session.scalars(select(OutboxMessage))}
        assert set(states.values()) == {OutboxState.DONE} and old in states


def test_a_dead_workers_job_found_by_rqs_own_maintenance_goes_back_to_its_queue_at_once(
    app, make_app, redis_db
):
    """RQ's start-up maintenance of a new worker can reach a dead worker's job before the
    sweeper does; the job must not be left scheduled behind the dead scheduler's lock."""
    from rq.job import Job, JobStatus
    from rq.registry import StartedJobRegistry

    from webapp.worker import AppWorker
    from workflows.dispatch import RQDispatcher

    queued = make_app(REDIS_URL=REDIS_URL)
    with queued.app_context():
        active = queued.extensions["regrepeal.dispatcher"]
        assert isinstance(active, RQDispatcher)
        active.dispatch([outbox.Ready(4242, "mail", "send_password_reset")])
        queue = active.queue("mail")
        job = Job.fetch("outbox-4242", connection=redis_db)
        # A worker took it and was killed: it is started, and its last report is long past.
        queue.remove(job)
        job.set_status(JobStatus.STARTED)
        registry = StartedJobRegistry("mail", connection=redis_db)
        redis_db.zadd(registry.key, {f"{job.id}:dead-execution": 1})

        AppWorker(["mail"], connection=active.connection).clean_registries()

        assert job.get_status(refresh=True) is JobStatus.QUEUED
        assert queue.job_ids == ["outbox-4242"]
        assert queue.scheduled_job_registry.get_job_ids() == []
        assert registry.get_job_ids(cleanup=False) == []


def _figures_in_use(make_app, **settings):  # type: ignore[no-untyped-def]
    """An app on Redis with one proposal whose public figures were asked for (so that every
    change from now on queues a refresh), and its test client."""
    queued = make_app(REDIS_URL=REDIS_URL, **settings)
    stats = queued.test_client()
    with queued.app_context():
        factories.submitted()
        commit(db.session)
    assert stats.get("/api/v1/stats").get_json()["received"]["total"] == 1
    return queued, stats


def test_the_figures_refresh_has_its_own_queue_and_worker(app, app_config, make_app, redis_db):
    """A refresh takes ~20 s at a million proposals: it waits on queue "figures" for its own
    worker, so the workers of "default" (exports, imports) never run it or wait behind it."""
    from webapp.figures_cache import REFRESH_JOB

    assert "figures" in app.config["WORKER_QUEUES"]  # a worker without --queues serves it too
    queued, stats = _figures_in_use(make_app)
    with queued.app_context():
        factories.submitted()
        commit(db.session)
        refresh = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.job == REFRESH_JOB)
        ).one()
        assert refresh.queue == "figures" and refresh.state is OutboxState.PENDING
        assert redis_db.lrange("rq:queue:figures", 0, -1) == [f"outbox-{refresh.id}".encode()]
        refresh_id = refresh.id
    during = stats.get("/api/v1/stats").get_json()
    assert during["received"]["total"] == 1 and during["updating"] is True
    result = run_worker(app_config, REDIS_URL or "", "--queues", "default,mail")
    assert result.returncode == 0, result.stderr[-2000:]
    with queued.app_context():
        assert db.session.get(OutboxMessage, refresh_id).state is OutboxState.PENDING
    result = run_worker(app_config, REDIS_URL or "", "--queues", "figures")
    assert result.returncode == 0, result.stderr[-2000:]
    with queued.app_context():
        assert db.session.get(OutboxMessage, refresh_id).state is OutboxState.DONE
    after = stats.get("/api/v1/stats").get_json()
    assert after["received"]["total"] == 2 and after["updating"] is False


@pytest.mark.parametrize("refresh_every", [5.0, 0.0], ids=["coalesced", "every-job"])
def test_a_burst_of_figures_refreshes_computes_once_and_ends_current(
    app, make_app, redis_db, monkeypatch, refresh_every
):
    """Each change queues a refresh job. A job that finds another refresh waiting behind it
    while the figures are younger than FIGURES_REFRESH_SECONDS leaves the work to that one
    (which starts later, so it sees this job's change too): three queued jobs are one
    computation, and the figures end current with nothing pending. With 0 every job refreshes."""
    from webapp.figures_cache import REFRESH_JOB, FiguresCache
    from webapp.worker import AppWorker

    queued, stats = _figures_in_use(make_app, FIGURES_REFRESH_SECONDS=refresh_every)
    with queued.app_context():
        queued.extensions["regrepeal.figures_cache"].fill(db.session)  # fresh figures
        for _ in range(3):
            factories.submitted()
            commit(db.session)
        assert redis_db.llen("rq:queue:figures") == 3
    assert stats.get("/api/v1/stats").get_json()["updating"] is True

    refreshes = []
    real_refresh = FiguresCache.refresh

    def counted(self, session):  # type: ignore[no-untyped-def]
        refreshes.append(1)
        return real_refresh(self, session)

    monkeypatch.setattr(FiguresCache, "refresh", counted)
    worker = AppWorker(["figures"], connection=redis_db)
    worker.app = queued
    with queued.app_context():
        worker.work(burst=True)
        states = db.session.scalars(
            select(OutboxMessage.state).where(OutboxMessage.job == REFRESH_JOB)
        ).all()
    assert len(refreshes) == (1 if refresh_every else 3)
    assert set(states) == {OutboxState.DONE}
    after = stats.get("/api/v1/stats").get_json()
    assert after["received"]["total"] == 4 and after["updating"] is False


def test_a_commits_messages_are_enqueued_in_one_redis_transaction(app, make_app, redis_db):
    """A submission hands three jobs to three queues: one MULTI … EXEC, not one per job; each
    job keeps its id, retries and the job name riding along."""
    from rq.job import Job

    from workflows.dispatch import RETRY_INTERVALS, RQDispatcher

    queued = make_app(REDIS_URL=REDIS_URL)
    with queued.app_context():
        active = queued.extensions["regrepeal.dispatcher"]
        assert isinstance(active, RQDispatcher)
        executed = []
        real_pipeline = active.connection.pipeline

        def pipeline(*args, **kwargs):  # type: ignore[no-untyped-def]
            made = real_pipeline(*args, **kwargs)
            real_execute = made.execute

            def execute(*a, **k):  # type: ignore[no-untyped-def]
                executed.append(len(made.command_stack))
                return real_execute(*a, **k)

            made.execute = execute
            return made

        active.connection.pipeline = pipeline  # type: ignore[method-assign]
        active.dispatch(
            [
                outbox.Ready(7001, "search", "index_proposal"),
                outbox.Ready(7002, "mail", "notify_proposer"),
                outbox.Ready(7003, "figures", "refresh_figures"),
            ]
        )
        del active.connection.pipeline
    assert len(executed) == 1
    for message_id, queue_name, job_name in [
        (7001, "search", "index_proposal"),
        (7002, "mail", "notify_proposer"),
        (7003, "figures", "refresh_figures"),
    ]:
        assert redis_db.lrange(f"rq:queue:{queue_name}", 0, -1) == [f"outbox-{message_id}".encode()]
        job = Job.fetch(f"outbox-{message_id}", connection=redis_db)
        assert job.func_name == "workflows.jobs.run_outbox_message"
        assert job.args == (message_id, job_name)
        assert job.retries_left == len(RETRY_INTERVALS)
        assert job.get_status() == "queued"
