"""Who runs committed outbox messages: in-process right after the commit (embedded mode), or RQ
workers on Redis (production). Both go through ``dispatch_ready`` after each commit."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from models import db, utcnow

from . import outbox
from .jobs import run_outbox_message

log = logging.getLogger(__name__)

JOB_ENTRY = "workflows.jobs.run_outbox_message"
QUEUES = ("default", "mail", "search", "figures")
RETRY_INTERVALS = [10, 60, 300, 900, 3600]
PIPELINE_BATCH = 500  # messages enqueued per Redis transaction (the sweeper hands over many)


class InlineDispatcher:
    """Runs each message in this process, after the commit, with the same runner RQ uses.

    A failing job does not fail the request that caused it (that request has committed): the
    failure is recorded on the message and retried with back-off by ``deliver_due``.
    """

    def dispatch(self, messages: list[outbox.Ready]) -> None:
        for message_id, _queue, job in messages:
            try:
                run_outbox_message(message_id, job)
            except Exception:
                # Any failure of a job (its own or recording it) is left to deliver_due's retry;
                # the request that committed goes on, with its session usable again.
                db.session.rollback()
                log.exception(
                    "inline job for outbox message %s failed; it will be retried", message_id
                )


class RQDispatcher:
    """Enqueues each message on its RQ queue; the job id is derived from the message id."""

    def __init__(self, redis_url: str) -> None:
        from redis import Redis

        self.connection = Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=5)

    def queue(self, name: str) -> Any:
        from rq import Queue

        return Queue(name, connection=self.connection)

    def dispatch(self, messages: list[outbox.Ready]) -> None:
        from redis.exceptions import RedisError

        for start in range(0, len(messages), PIPELINE_BATCH):
            batch = messages[start : start + PIPELINE_BATCH]
            try:
                self._enqueue(batch)
            except RedisError as exc:
                # The messages stay pending in the database; deliver_due hands them over later.
                log.warning(
                    "could not enqueue outbox messages %s…: %s", [m.id for m in batch][:5], exc
                )
                return

    def _enqueue(self, messages: list[outbox.Ready]) -> None:
        from rq import Queue, Retry

        # One round trip (MULTI … EXEC) for every message of a commit, on whichever queues: RQ's
        # own enqueue is a transaction of its own per job.
        with self.connection.pipeline() as pipeline:
            for message_id, queue_name, job in messages:
                self.queue(queue_name).enqueue_many(
                    [
                        Queue.prepare_data(
                            JOB_ENTRY,
                            # The job name rides along, so the runner need not read the row to
                            # learn it (an entry queued by an older release has the id alone and
                            # is looked up).
                            args=(message_id, job),
                            job_id=f"outbox-{message_id}",
                            retry=Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS),
                            failure_ttl=int(timedelta(days=30).total_seconds()),
                            result_ttl=3600,
                        )
                    ],
                    pipeline=pipeline,
                )
            pipeline.execute()

    def requeue_abandoned(self, names: tuple[str, ...] | list[str] = QUEUES) -> int:
        """Jobs whose worker stopped reporting (killed mid-job) go back to their queue at once;
        returns how many. RQ's own clean-up counts the attempt against the job's retries (a job
        that keeps killing its worker ends up failed) but would only schedule it, and a killed
        worker's scheduler holds its lock for a minute. The outbox row is still pending, so the
        job runs again from the start and its effect happens once.

        Every clean-up of the started registries must come through here (``AppWorker`` routes
        RQ's maintenance here too): a job RQ cleaned up alone would wait for the dead scheduler.
        """
        from rq.exceptions import NoSuchJobError
        from rq.job import Job, JobStatus
        from rq.registry import StartedJobRegistry
        from rq.utils import current_timestamp

        found = 0
        for name in names:
            queue = self.queue(name)
            registry = StartedJobRegistry(name, connection=self.connection)
            # One instant for both: the clean-up must not take a job this list did not see.
            instant = current_timestamp()
            abandoned = registry.get_expired_job_ids(instant)
            if not abandoned:
                continue
            registry.cleanup(instant)
            for job_id in abandoned:
                try:
                    job = Job.fetch(job_id, connection=self.connection)
                except NoSuchJobError:  # expired meanwhile; the outbox sweep re-delivers it
                    continue
                if job.get_status() is JobStatus.SCHEDULED:
                    queue.scheduled_job_registry.remove(job)
                    queue.enqueue_job(job)
                    found += 1
        return found

    def in_flight(self, message_id: int) -> bool:
        from rq.exceptions import NoSuchJobError
        from rq.job import Job, JobStatus

        try:
            status = Job.fetch(f"outbox-{message_id}", connection=self.connection).get_status()
        except NoSuchJobError:
            return False
        return status in (
            JobStatus.QUEUED,
            JobStatus.STARTED,
            JobStatus.SCHEDULED,
            JobStatus.DEFERRED,
        )


def dispatcher() -> InlineDispatcher | RQDispatcher:
    return current_app.extensions["regrepeal.dispatcher"]


def dispatch_ready(session: Session) -> None:
    """Hand over the messages of the transactions this session has committed."""
    ready = outbox.take_ready(session)
    if ready:
        dispatcher().dispatch(ready)


def commit(session: Session) -> None:
    """End a unit of work: commit, then hand its side effects to the job runner."""
    session.commit()
    dispatch_ready(session)


def deliver_due(session: Session, *, grace: timedelta = timedelta(0), limit: int = 200) -> int:
    """Hand over pending messages that nobody is running (after an outage, a crash, a back-off)."""
    active = dispatcher()
    due = outbox.due_messages(session, now=utcnow() - grace, limit=limit)
    handed: list[outbox.Ready] = []
    for message in due:
        if isinstance(active, RQDispatcher):
            from redis.exceptions import RedisError

            try:
                if active.in_flight(message.id):
                    continue
            except RedisError as exc:
                log.warning("queue unreachable, %s messages stay pending: %s", len(due), exc)
                session.rollback()
                return 0
        message.dispatched_at = utcnow()
        handed.append(outbox.Ready(message.id, message.queue, message.job))
    session.commit()
    if handed:
        active.dispatch(handed)
    return len(handed)
