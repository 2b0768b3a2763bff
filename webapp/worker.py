"""RQ workers inside the application context, plus the outbox sweeper that re-delivers pending
messages (after a Redis outage, a crashed worker, a back-off)."""

from __future__ import annotations

import contextlib
import logging
import threading
from datetime import timedelta
from typing import Any

from flask import Flask
from redis.exceptions import RedisError
from rq import SimpleWorker, Worker
from rq.worker import WorkerStatus

from models import db
from workflows.dispatch import RQDispatcher, deliver_due, dispatcher

log = logging.getLogger(__name__)


class _AppWorkerRules:
    """What both kinds of worker share.

    ``heartbeat_grace`` replaces RQ's fixed 60 s: how long after the worker's last report its
    job is taken for abandoned (the worker was killed) and handed out again by the sweeper.
    """

    heartbeat_grace = 60
    job_monitoring_interval: int
    current_job_working_time: float
    queues: list[Any]

    def get_heartbeat_ttl(self, job: Any) -> int:
        interval = self.job_monitoring_interval
        if job.timeout and job.timeout > 0:
            interval = min(job.timeout - self.current_job_working_time, interval)
        return int(interval) + self.heartbeat_grace

    def clean_registries(self) -> None:
        # RQ's maintenance (at start-up, then every 10 minutes) would clean up a dead worker's
        # job alone and leave it scheduled behind the dead scheduler's lock (a minute and more);
        # it goes back to its queue first, then RQ cleans the rest.
        active = dispatcher()
        if isinstance(active, RQDispatcher):
            requeued = active.requeue_abandoned([queue.name for queue in self.queues])
            if requeued:
                log.warning("%s job(s) of a dead worker will run again", requeued)
        super().clean_registries()  # type: ignore[misc]


class AppWorker(_AppWorkerRules, SimpleWorker):
    """Runs each job in this process, one after another (the default of ``flask worker``).

    RQ's default worker forks a work-horse per job. Each horse starts cold: a new database
    connection, templates and SQL statements compiled again, its pages copied on write. That
    cost about 270 ms of CPU per submission's three jobs, 20 times the request's own cost, and
    the worker fell minutes behind a burst of submissions (docs/faults-and-load.md). Our jobs are
    short, ours, and each runs in its own application context. A job that crashes the
    interpreter takes the worker with it: its job is then abandoned and run again by the next
    worker, as with a killed worker. ``flask worker --fork`` keeps RQ's work-horses.

    RQ's in-process worker reports nothing while a job runs; a thread here reports every
    ``job_monitoring_interval`` seconds as the forking worker's parent does, so a long job is not
    taken for abandoned, and a dead worker's job is after the grace.
    """

    app: Flask | None = None

    def execute_job(self, job: Any, queue: Any) -> None:
        self.prepare_execution(job)
        finished = threading.Event()
        reporter = threading.Thread(
            target=self._report_while_running, args=(job, finished), name="job-heartbeat"
        )
        reporter.daemon = True
        reporter.start()
        # An application context per job: a session of its own, removed after the job.
        context = self.app.app_context() if self.app is not None else contextlib.nullcontext()
        try:
            with context:
                self.perform_job(job, queue)
        finally:
            finished.set()
            reporter.join()
        self.set_state(WorkerStatus.IDLE)

    def _report_while_running(self, job: Any, finished: threading.Event) -> None:
        while not finished.wait(self.job_monitoring_interval):
            try:
                self.maintain_heartbeats(job)
            except RedisError as exc:
                log.warning("could not report the running job %s: %s", job.id, exc)


class ForkingAppWorker(_AppWorkerRules, Worker):
    """RQ's worker: a work-horse forked per job (``flask worker --fork``); the horse must not
    reuse the parent's database connections."""

    def main_work_horse(self, job: Any, queue: Any) -> None:
        db.engine.dispose(close=False)
        db.session.remove()
        super().main_work_horse(job, queue)


def sweep_once(app: Flask, grace: timedelta = timedelta(seconds=60)) -> int:
    """Run the jobs of dead workers again, then hand over the outbox messages nobody runs."""
    with app.app_context():
        try:
            active = dispatcher()
            if isinstance(active, RQDispatcher):
                try:
                    requeued = active.requeue_abandoned()
                except RedisError as exc:
                    log.warning("queue unreachable, abandoned jobs stay where they are: %s", exc)
                else:
                    if requeued:
                        log.warning("%s job(s) of a dead worker will run again", requeued)
            return deliver_due(db.session, grace=grace)
        finally:
            db.session.remove()


def start_sweeper(app: Flask, interval: float = 15.0) -> threading.Event:
    """Hand over due outbox messages every ``interval`` seconds until the returned event is set."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(interval):
            try:
                handed = sweep_once(app)
                if handed:
                    log.info("outbox sweeper re-delivered %s messages", handed)
            except Exception:
                log.exception("outbox sweep failed; will try again")

    threading.Thread(target=loop, name="outbox-sweeper", daemon=True).start()
    return stop
