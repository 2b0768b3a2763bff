"""Faults, with nothing lost: servers of the test's own (a throwaway Redis, a throwaway PostgreSQL
cluster) are stopped and started under the application, and real RQ worker processes are killed
in the middle of a job."""

from __future__ import annotations

import contextlib
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest
from redis import Redis
from sqlalchemy import func, select

from models import MailLog, OutboxMessage, OutboxState, Proposal, Role, State, db
from tests import factories
from tests.conftest import REDIS_URL, _migrate
from tests.functional.helpers import account, csrf_token, login
from tests.servers import ThrowawayPostgres, ThrowawayRedis
from tests.workers import kill_worker, run_worker, start_worker, wait_for
from webapp import create_app
from workflows.dispatch import commit
from workflows.mail import FileMailer

FORM = {
    "title": "주차장 공유 허용",
    "current_regulation": "부설주차장은 외부인이 쓸 수 없습니다.",
    "legal_basis": "",
    "problem": "밤에 비어 있는 주차장을 이웃이 쓸 수 없습니다.",
    "proposed_change": "야간에 이웃 주민에게 개방할 수 있게 해 주십시오.",
    "expected_effect": "주차난이 줄어듭니다.",
    "sector_code": "transport_env_safety",
    "regulation_type_code": "",
    "contact_name": "홍길동",
    "contact_phone": "010-1111-2222",
    "contact_email": "hong@citizen.example",
    "consent": "y",
    "action": "submit",
}


def _submit(client, title: str) -> str:  # type: ignore[no-untyped-def]
    """Submit the proposal form like a browser; returns the receipt number shown."""
    path = "/my/proposals/new"
    page = client.get(path).get_data(as_text=True)
    key = re.search(r'name="submission_key" type="hidden" value="([^"]*)"', page).group(1)
    data = {**FORM, "title": title, "submission_key": key, "csrf_token": csrf_token(client, path)}
    response = client.post(path, data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    return re.search(r'id="receipt-no">([0-9]{4}-[0-9]{6})<', receipt).group(1)


def _burst_worker(config: dict[str, object], redis_url: str) -> None:
    result = run_worker(config, redis_url)
    assert result.returncode == 0, result.stderr[-2000:]


# --- Redis down during submissions ---------------------------------------------------------------


@pytest.fixture
def own_redis() -> Iterator[ThrowawayRedis]:
    server = ThrowawayRedis()
    server.start()
    yield server
    server.stop()


@pytest.mark.postgres
@pytest.mark.redis
def test_redis_down_during_submissions_loses_nothing_and_the_outbox_drains(
    app, app_config, make_app, own_redis
):
    queued = make_app(REDIS_URL=own_redis.url)
    client = queued.test_client()
    with queued.app_context():
        user = account(Role.CITIZEN, email="hong@citizen.example")
    login(client, user)
    receipts = [_submit(client, "Redis가 살아 있을 때")]
    own_redis.stop()
    started = time.monotonic()
    receipts += [_submit(client, f"Redis가 멈췄을 때 {n}") for n in range(3)]
    # An unreachable queue costs a submission no more than the connect timeout.
    assert time.monotonic() - started < 3 * 3
    own_redis.start()  # it comes back empty: the first job it had is lost with it
    with queued.app_context():
        stored = set(db.session.scalars(select(Proposal.receipt_no)))
        assert set(receipts) == stored  # every acknowledged proposal is stored
        assert {m.state for m in db.session.scalars(select(OutboxMessage))} == {OutboxState.PENDING}
    # A worker starting up sweeps the outbox: everything pending is handed over and run once.
    _burst_worker(app_config, own_redis.url)
    _burst_worker(app_config, own_redis.url)  # a second sweep finds nothing left to send
    with queued.app_context():
        assert {m.state for m in db.session.scalars(select(OutboxMessage))} == {OutboxState.DONE}
    mails = FileMailer(Path(str(app_config["MAIL_FILE"]))).messages()
    subjects = sorted(m["Subject"] for m in mails)
    assert len(subjects) == len(receipts)
    assert sorted(s.split("]")[0][-11:] for s in subjects) == sorted(receipts)


# --- A worker killed in the middle of a job -------------------------------------------------------


@pytest.fixture
def shared_redis() -> Iterator[Redis]:
    connection = Redis.from_url(REDIS_URL or "redis://127.0.0.1:6379/15")
    connection.flushdb()
    yield connection
    connection.flushdb()


def _start_worker(
    config: dict[str, object], redis_url: str, log: IO[str], forking: bool = False
) -> subprocess.Popen[str]:
    # Short heartbeats so that a dead worker's job is found abandoned within seconds.
    return start_worker(
        config,
        redis_url,
        log,
        WORKER_HEARTBEAT_SECONDS="1",
        WORKER_HEARTBEAT_GRACE="2",
        WORKER_FORK="1" if forking else "0",
    )


def _mail_job() -> tuple[int, str]:
    """The id of the one e-mail job's outbox message, and its RQ job id."""
    message_id = db.session.scalars(
        select(OutboxMessage.id).where(OutboxMessage.job == "notify_proposer")
    ).one()
    return message_id, f"outbox-{message_id}"


def _wait_for_job(redis: Redis, job_id: str, status: object, what: str) -> None:
    from rq.job import Job

    wait_for(lambda: Job.fetch(job_id, connection=redis).get_status() == status, 60, what)


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.parametrize("forking", [False, True], ids=["jobs-in-the-worker", "work-horses"])
def test_a_worker_killed_in_the_middle_of_a_job_runs_it_again_with_one_effect(
    app, app_config, make_app, shared_redis, forking
):
    with contextlib.ExitStack() as stack:
        _killed_mid_job(app_config, make_app, shared_redis, stack, forking)


def _killed_mid_job(app_config, make_app, shared_redis, stack, forking) -> None:  # type: ignore[no-untyped-def]
    import mailbox

    from rq.job import JobStatus

    redis_url = REDIS_URL or ""
    queued = make_app(REDIS_URL=redis_url)
    mail_file = Path(str(app_config["MAIL_FILE"]))
    mail_file.parent.mkdir(parents=True, exist_ok=True)
    log = stack.enter_context((mail_file.parent / "worker.log").open("a"))
    with queued.app_context():
        proposal = factories.submitted()
        receipt = proposal.receipt_no
        # The mailbox is locked by someone else: the job will be stuck inside its send.
        box = mailbox.mbox(mail_file)
        box.lock()
        try:
            commit(db.session)
            message_id, job_id = _mail_job()
            worker = _start_worker(app_config, redis_url, log, forking)
            try:
                _wait_for_job(
                    shared_redis, job_id, JobStatus.STARTED, "the worker to start the job"
                )
                time.sleep(0.5)  # inside notify_proposer, waiting for the mailbox
            finally:
                # The worker dies mid-job (with its work-horse, when it forks one per job).
                killed_children = kill_worker(worker)
        finally:
            box.unlock()
            box.close()
        if forking:
            assert killed_children >= 1  # the work-horse (and the scheduler, when it runs)
        db.session.expire_all()
        message = db.session.get(OutboxMessage, message_id)
        assert message.state is OutboxState.PENDING  # its half-done work was rolled back
        assert db.session.scalar(select(func.count(MailLog.id))) == 0
    assert FileMailer(mail_file).messages() == []

    # A new worker notices the job of the dead worker and runs it again.
    again = _start_worker(app_config, redis_url, log)
    try:
        with queued.app_context():

            def done() -> bool:
                db.session.expire_all()
                return db.session.get(OutboxMessage, message_id).state is OutboxState.DONE

            wait_for(done, 60, "the job to run again")
            assert db.session.scalar(select(func.count(MailLog.id))) == 1
    finally:
        kill_worker(again)
    mails = FileMailer(mail_file).messages()
    assert len(mails) == 1 and receipt in mails[0]["Subject"]


@pytest.mark.postgres
@pytest.mark.redis
def test_a_job_running_longer_than_the_grace_is_not_taken_for_abandoned(
    app, app_config, make_app, shared_redis
):
    """The worker that runs jobs in its own process reports while a job runs (as RQ's forking
    worker does for its horse): a job held up for longer than heartbeat + grace (1 + 1 s here)
    is not handed out again by the sweeper (every second), and runs once. (Held up for under
    5 s: the e-mail job gives up waiting for the mailbox after that.)"""
    import mailbox

    from rq.job import JobStatus

    redis_url = REDIS_URL or ""
    queued = make_app(REDIS_URL=redis_url)
    mail_file = Path(str(app_config["MAIL_FILE"]))
    mail_file.parent.mkdir(parents=True, exist_ok=True)
    log_path = mail_file.parent / "worker.log"
    with queued.app_context(), log_path.open("a") as log:
        factories.submitted()
        box = mailbox.mbox(mail_file)
        box.lock()  # the e-mail job waits for the mailbox
        try:
            commit(db.session)
            message_id, job_id = _mail_job()
            worker = start_worker(
                app_config,
                redis_url,
                log,
                WORKER_HEARTBEAT_SECONDS="1",
                WORKER_HEARTBEAT_GRACE="1",
                WORKER_FORK="0",
            )
            try:
                _wait_for_job(
                    shared_redis, job_id, JobStatus.STARTED, "the worker to start the job"
                )
                time.sleep(3.5)  # sweeps past heartbeat + grace, the job still held up
            finally:
                box.unlock()
                box.close()
            try:
                _wait_for_job(shared_redis, job_id, JobStatus.FINISHED, "the job to finish")
            finally:
                kill_worker(worker)
        finally:
            with contextlib.suppress(mailbox.Error):
                box.unlock()
        db.session.expire_all()
        message = db.session.get(OutboxMessage, message_id)
        assert message.state is OutboxState.DONE and message.attempts == 1
    assert "will run again" not in log_path.read_text()
    assert len(FileMailer(mail_file).messages()) == 1


# --- PostgreSQL restarted under traffic ----------------------------------------------------------


@pytest.fixture
def own_postgres() -> Iterator[ThrowawayPostgres]:
    server = ThrowawayPostgres()
    try:
        server.start()
        yield server
    finally:
        server.destroy()


@pytest.mark.postgres
def test_postgres_restarted_under_traffic_gives_a_clear_503_and_recovers_without_restart(
    own_postgres, tmp_path
):
    _migrate(own_postgres.url, tmp_path)
    app = create_app(
        {
            "APP_ENV": "testing",
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": own_postgres.url,
            "MAIL_FILE": str(tmp_path / "mail.mbox"),
            "SEARCH_INDEX_DIR": str(tmp_path / "index"),
            "EXPORT_DIR": str(tmp_path / "exports"),
            "IMPORT_DIR": str(tmp_path / "imports"),
            "ATTACHMENT_DIR": str(tmp_path / "attachments"),
        }
    )
    try:
        with app.app_context():
            user = account(Role.CITIZEN, email="hong@citizen.example")
            factories.proposal_in(State.IN_REVIEW)
            commit(db.session)
        citizen = app.test_client()
        login(citizen, user)
        anonymous = app.test_client()
        pages = [(anonymous, "/"), (anonymous, "/proposals"), (citizen, "/my/proposals")]
        for client, path in pages:
            assert client.get(path).status_code == 200, path
        assert anonymous.get("/api/v1/stats").status_code == 200

        # Traffic keeps coming while the server goes away and comes back.
        statuses: list[int] = []
        stop = threading.Event()

        def traffic() -> None:
            client = app.test_client()
            while not stop.is_set():
                statuses.append(client.get("/proposals").status_code)

        thread = threading.Thread(target=traffic)
        thread.start()
        try:
            time.sleep(0.3)
            own_postgres.stop()
            for client, path in pages:
                response = client.get(path)
                page = response.get_data(as_text=True)
                assert response.status_code == 503, (path, page[:300])
                assert "서비스를 잠시 사용할 수 없습니다" in page
                assert response.headers["X-Request-Id"] in page  # quotable, no internals
                assert "Traceback" not in page and "psycopg" not in page
                assert response.headers.get("Retry-After")
            api = anonymous.get("/api/v1/stats")
            assert api.status_code == 503 and api.get_json()["error"] == "503"
            time.sleep(0.3)
            own_postgres.start()
            time.sleep(0.3)
        finally:
            stop.set()
            thread.join(timeout=30)
        assert set(statuses) <= {200, 503} and 503 in statuses, sorted(set(statuses))

        # The same application serves again, the citizen still logged in; nothing restarted.
        for client, path in pages:
            assert client.get(path).status_code == 200, path
        assert _submit(citizen, "복구 뒤 제출")
        with app.app_context():
            assert db.session.scalar(select(func.count(Proposal.id))) == 2
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_connection_lost_after_the_answer_still_gives_the_answer(app, client, caplog):
    """The database goes away between a request's last query and its end (the restart test's
    race, made certain): the rollback at teardown fails; the answer stands and the next request
    gets a fresh connection."""
    from sqlalchemy import event
    from sqlalchemy.exc import OperationalError

    broken: list[object] = []

    def refuse_rollback(connection, *_args):  # type: ignore[no-untyped-def]
        if broken:
            broken.clear()
            raise OperationalError("ROLLBACK", {}, RuntimeError("server closed the connection"))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "rollback", refuse_rollback)
    try:
        broken.append(True)
        response = client.get("/proposals")
        assert response.status_code == 200
        assert not broken  # the failing rollback was reached
        assert "database connection lost at the end of a request" in caplog.text
        assert client.get("/proposals").status_code == 200
    finally:
        event.remove(engine, "rollback", refuse_rollback)
