"""RQ workers inside the application context, plus the outbox sweeper that re-delivers pending
messages (after a Redis outage, a crashed work-horse, a back-off)."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Any

from flask import Flask
from redis.exceptions import RedisError
from rq import Worker

from models import db
from workflows.dispatch import RQDispatcher, deliver_due, dispatcher

log = logging.getLogger(__name__)


class AppWorker(Worker):
    """Forks a work-horse per job; the horse must not reuse the parent's database connections.

    ``heartbeat_grace`` replaces RQ's fixed 60 s: how long after the worker's last report its
    job is taken for abandoned (the worker was killed) and handed out again by the sweeper.
    """

    heartbeat_grace = 60

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
        super().clean_registries()

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
