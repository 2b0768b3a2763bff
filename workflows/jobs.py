"""Background jobs. Each is a module-level function that takes ids, reloads, re-checks and does
nothing when its work is already done, so a retry or a duplicate delivery is harmless.

``run_outbox_message`` is the only entry point the queue sees: it runs one outbox message and
marks it done in the same transaction as the job's own writes.
"""

from __future__ import annotations

import logging
import secrets
import traceback
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, render_template
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import (
    BulkImport,
    Export,
    MailLog,
    OutboxMessage,
    OutboxState,
    ProposalEvent,
    User,
    db,
    utcnow,
)
from models.base import reading, writing
from models.masking import mask_text

from . import datasets
from .exports import Sheet, write_csv, write_xlsx
from .intake import default_channel
from .mail import Mailer, build_message, stable_message_id
from .outbox import retry_delay
from .public import PublicFilter

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
JOBS: dict[str, Callable[..., None]] = {}
# Jobs that only read the database (what they make goes elsewhere: Redis, this process): run
# outside the transaction that marks their message done, so they do not hold SQLite's write lock
# while they compute (the figures refresh: ~0.3 s on the demo data, in the request that asked for
# it in embedded mode).
READING_JOBS: set[str] = set()


def job(func: Callable[..., None]) -> Callable[..., None]:
    JOBS[func.__name__] = func
    return func


def reading_job(func: Callable[..., None]) -> Callable[..., None]:
    """A job that writes nothing to the database (see READING_JOBS)."""
    READING_JOBS.add(func.__name__)
    return job(func)


def run_outbox_message(message_id: int, job: str | None = None) -> str:
    """Run outbox message ``message_id`` once; failures are recorded and re-raised for retry.

    ``job`` is the message's job name, handed over with the id by the dispatcher: a message of
    any job but a reading one goes straight to the locked row, without a read to learn its job
    first. Without it (a queue entry from a release that passed the id alone) the row is read
    to tell."""
    if job is None or job in READING_JOBS:
        reading = _reading_job_payload(message_id)
        if reading is not None:
            return _run_reading_job(message_id, *reading)
    with writing():
        return _run_outbox_message(message_id)


def _reading_job_payload(message_id: int) -> tuple[Callable[..., None], dict[str, Any]] | None:
    """The function and payload of a pending message of a reading job; None for any other
    message (run as before, the row locked). A plain read, ended before the job runs."""
    session = db.session
    with reading():
        row = session.execute(
            select(OutboxMessage.job, OutboxMessage.payload, OutboxMessage.state).where(
                OutboxMessage.id == message_id
            )
        ).one_or_none()
        session.rollback()
    if row is None or row.job not in READING_JOBS or row.state is not OutboxState.PENDING:
        return None
    return JOBS[row.job], dict(row.payload)


def _run_reading_job(message_id: int, func: Callable[..., None], payload: dict[str, Any]) -> str:
    """Run a reading job in plain read transactions, then mark its message done in a short
    writing one. A duplicate delivery may run it twice meanwhile: harmless (jobs are idempotent)
    and only one of them marks the message."""
    session = db.session
    try:
        with reading():
            func(**payload)
            session.rollback()  # it wrote nothing; ends its read transaction
        with writing():
            marked = session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id, OutboxMessage.state == OutboxState.PENDING)
                .values(
                    state=OutboxState.DONE,
                    attempts=OutboxMessage.attempts + 1,
                    done_at=utcnow(),
                )
            )
            session.commit()
    except Exception as exc:
        session.rollback()
        with writing():
            _record_failure(message_id, exc)
        raise
    return "done" if marked.rowcount else "skipped"  # type: ignore[attr-defined]


def _run_outbox_message(message_id: int) -> str:
    session = db.session
    message = session.scalars(
        select(OutboxMessage).where(OutboxMessage.id == message_id).with_for_update()
    ).one_or_none()
    if message is None or message.state is not OutboxState.PENDING:
        session.rollback()
        return "skipped"
    func = JOBS.get(message.job)
    try:
        if func is None:
            raise LookupError(f"unknown job {message.job!r}")
        func(**message.payload)
        message.attempts += 1
        message.state = OutboxState.DONE
        message.done_at = utcnow()
        session.commit()
    except Exception as exc:
        session.rollback()
        _record_failure(message_id, exc)
        raise
    return "done"


def _record_failure(message_id: int, exc: BaseException) -> None:
    session = db.session
    message = session.get(OutboxMessage, message_id)
    if message is None:  # pragma: no cover - the row is never deleted
        return
    message.attempts += 1
    # Shown on the admin's jobs page: a refused recipient's address is masked like in the logs.
    message.last_error = mask_text("".join(traceback.format_exception(exc)))[-4000:]
    now = utcnow()
    message.available_at = now + retry_delay(message.attempts)
    message.dispatched_at = now
    if message.attempts >= MAX_ATTEMPTS:
        message.state = OutboxState.FAILED
    session.commit()
    log.warning(
        "job %s (outbox %s) failed, attempt %s: %s", message.job, message_id, message.attempts, exc
    )


def mailer() -> Mailer:
    return current_app.extensions["regrepeal.mailer"]


@job
def notify_proposer(event_id: int) -> None:
    """E-mail the proposer about an event that matters to them (logged, sent at most once)."""
    event = db.session.get(ProposalEvent, event_id)
    if event is None or not event.visible_to_proposer:
        return
    proposal = event.proposal
    recipient = proposal.contact_email or proposal.proposer.email
    if not recipient:
        return
    already = db.session.scalar(
        select(MailLog.id).where(MailLog.event_id == event.id, MailLog.recipient == recipient)
    )
    if already:
        return
    context: dict[str, Any] = {
        "proposal": proposal,
        "event": event,
        "base_url": current_app.config["PUBLIC_BASE_URL"],
    }
    subject = f"[규제철폐 제안 {proposal.receipt_no}] {event_subject(event)}"
    message = build_message(
        sender=current_app.config["MAIL_SENDER"],
        to=recipient,
        subject=subject,
        text=render_template("email/proposal_event.txt", subject=subject, **context),
        html=render_template("email/proposal_event.html", subject=subject, **context),
        message_id=stable_message_id(
            current_app.config["MAIL_SENDER"], "proposal-event", event.id, recipient
        ),
    )
    db.session.add(
        MailLog(
            proposal_id=proposal.id,
            event_id=event.id,
            recipient=recipient,
            subject=subject,
            template="proposal_event",
        )
    )
    db.session.flush()
    mailer().send(message)


EVENT_SUBJECTS = {
    "submit_proposal": "제안이 접수되었습니다",
    "request_information": "제안 보완을 요청드립니다",
    "merge_proposal": "제안이 먼저 접수된 같은 내용의 제안과 병합되었습니다",
    "absorb_duplicate": "같은 내용의 다른 제안이 회원님의 제안에 병합되었습니다",
    "withdraw_proposal": "제안이 철회되었습니다",
    "forward_to_central": "제안이 중앙정부에 건의되었습니다",
    "decline_proposal": "제안 검토 결과를 알려드립니다",
    "send_to_deliberation": "제안이 전문가 심의에 회부되었습니다",
    "decide_proposal": "제안 심의 결과를 알려드립니다",
    "publish_announcement": "제안이 규제철폐 과제로 발표되었습니다",
    "request_reexamination": "재심사 요청이 접수되었습니다",
}


def event_subject(event: ProposalEvent) -> str:
    return EVENT_SUBJECTS.get(event.kind, "제안 처리 상황이 바뀌었습니다")


def report_progress(model: type[Export] | type[BulkImport], row_id: int, **values: Any) -> None:
    """Write a long job's progress in its own short transaction, so readers see it while the job
    runs. The job must not have touched that row in its own transaction (it would hold the row
    lock this writer waits for). Skipped on SQLite: the embedded mode runs jobs inside the
    request that asked for them, and a second writer would invalidate the job's snapshot."""
    if db.engine.dialect.name == "sqlite":
        return
    with Session(db.engine) as side:
        side.execute(update(model).where(model.id == row_id).values(**values))
        side.commit()


def export_path(file_name: str) -> Path:
    return Path(current_app.config["EXPORT_DIR"]) / file_name


@job
def build_export(export_id: int) -> None:
    """Write an export file, reporting progress as it goes; done once, retried from scratch."""
    export = db.session.get(Export, export_id)
    if export is None or export.state == "done":
        return
    dataset = datasets.build(export.dataset, PublicFilter(**export.filters))
    # Rows stream through their own session (it is emptied batch by batch).
    reader = Session(db.engine)
    total = dataset.count(reader)
    file_name = f"{secrets.token_urlsafe(18)}.{export.format}"
    path = export_path(file_name)
    path.parent.mkdir(parents=True, exist_ok=True)

    def progress(done: int) -> None:
        report_progress(Export, export_id, state="running", rows_done=done, rows_total=total)

    progress(0)
    try:
        with path.open("wb") as out:
            sheet = Sheet(dataset.title, dataset.header, dataset.rows(reader))
            if export.format == "csv":
                written = write_csv(sheet, out, progress=progress)
            else:
                written = write_xlsx([sheet], out, progress=progress)
    except Exception as exc:
        reader.close()
        path.unlink(missing_ok=True)
        db.session.rollback()  # the job fails anyway; its lock would keep the writer below out
        with Session(db.engine) as side:
            side.execute(
                update(Export)
                .where(Export.id == export_id)
                .values(state="failed", error=str(exc)[:500], finished_at=utcnow())
            )
            side.commit()
        raise
    reader.close()
    export = db.session.get(Export, export_id)
    assert export is not None
    export.state = "done"
    export.rows_total = total
    export.rows_done = written
    export.file_name = file_name
    export.finished_at = utcnow()


@job
def send_password_reset(user_id: int) -> None:
    """E-mail a one-time password-reset link."""
    from .accounts import RESET_MAX_AGE, reset_token

    user = db.session.get(User, user_id)
    if user is None or not user.active:
        return
    token = reset_token(current_app.config["SECRET_KEY"], user)
    link = f"{current_app.config['PUBLIC_BASE_URL']}/password/reset/{token}"
    subject = "[규제철폐 제안센터] 비밀번호 재설정 안내"
    context = {"user": user, "link": link, "minutes": RESET_MAX_AGE // 60}
    mailer().send(
        build_message(
            sender=current_app.config["MAIL_SENDER"],
            to=user.email,
            subject=subject,
            text=render_template("email/password_reset.txt", **context),
            html=render_template("email/password_reset.html", **context),
        )
    )


SEOUL = ZoneInfo("Asia/Seoul")
SECURITY_NOTICE_SUBJECTS = {
    "password_changed": "비밀번호가 바뀌었습니다",
    "password_reset": "비밀번호가 재설정되었습니다",
    "second_factor_enrolled": "2단계 인증 앱이 등록되었습니다",
    "second_factor_reset": "2단계 인증이 초기화되었습니다",
    "recovery_code_used": "복구 코드로 로그인했습니다",
}


@job
def send_security_notice(user_id: int, kind: str, at: str) -> None:
    """E-mail the owner of an account that how it logs in changed (a run again after a crash
    sends the same Message-ID, so the mailbox keeps one copy)."""
    user = db.session.get(User, user_id)
    if user is None or kind not in SECURITY_NOTICE_SUBJECTS:
        return
    when = datetime.fromisoformat(at).astimezone(SEOUL)
    subject = f"[규제철폐 제안센터] {SECURITY_NOTICE_SUBJECTS[kind]}"
    context = {
        "user": user,
        "what": SECURITY_NOTICE_SUBJECTS[kind],
        "kind": kind,
        "when": when.strftime("%Y-%m-%d %H:%M"),
        "base_url": current_app.config["PUBLIC_BASE_URL"],
    }
    sender = current_app.config["MAIL_SENDER"]
    mailer().send(
        build_message(
            sender=sender,
            to=user.email,
            subject=subject,
            text=render_template("email/security_notice.txt", **context),
            html=render_template("email/security_notice.html", **context),
            message_id=stable_message_id(sender, "security-notice", user.id, kind, at),
        )
    )


@job
def run_import(import_id: int) -> None:
    """Import an uploaded file of proposals (idempotent per external id; safe to re-run)."""
    from .bulk import UploadError, import_rows

    upload = db.session.get(BulkImport, import_id)
    if upload is None or upload.state == "done":
        return
    uploader = db.session.get(User, upload.uploaded_by_id)
    assert uploader is not None

    def progress(done: int, total: int) -> None:
        report_progress(BulkImport, import_id, state="running", rows_done=done, rows_total=total)

    try:
        import_rows(db.session(), upload, uploader, default_channel(uploader), progress)
    except UploadError as exc:
        upload.state = "failed"
        upload.error = str(exc)
        upload.finished_at = utcnow()
        return
    upload.state = "done"
    upload.finished_at = utcnow()


# Jobs defined beside the work they do register themselves here on import.
from . import reminders as _reminders  # noqa: E402,F401
