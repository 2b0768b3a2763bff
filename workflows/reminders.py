"""The daily reminder: each assigned reviewer gets one e-mail a day listing what is due soon or
overdue. Queued through the outbox by ``flask --app wsgi reminders send`` (run daily by cron or
the RQ scheduler); the job is idempotent per assignee and day (a unique row in ``reminder_log``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from flask import current_app, render_template
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import OPEN_STATES, Proposal, ReminderLog, User, db

from . import outbox
from .deadlines import Deadline, Targets, deadlines
from .jobs import job, mailer
from .mail import build_message
from .numbering import SEOUL

# A deadline this many business days away (or fewer) is in the reminder.
LEAD_DAYS = 3


@dataclass(frozen=True)
class DueItem:
    proposal: Proposal
    deadline: Deadline


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(9), tzinfo=SEOUL)


def due_items(session: Session, user: User, targets: Targets, day: date) -> list[DueItem]:
    """The assignee's open proposals with a deadline overdue or at most LEAD_DAYS away."""
    now = _moment(day)
    items = []
    for proposal in session.scalars(
        select(Proposal)
        .where(Proposal.assigned_reviewer_id == user.id, Proposal.state.in_(OPEN_STATES))
        .order_by(Proposal.submitted_at, Proposal.id)
    ):
        for deadline in deadlines(proposal, targets, now):
            if not deadline.paused and deadline.business_days_left <= LEAD_DAYS:
                items.append(DueItem(proposal, deadline))
                break
    items.sort(key=lambda i: (i.deadline.due_on, i.proposal.id))
    return items


def queue_reminders(session: Session, day: date, targets: Targets) -> int:
    """Record one reminder job per assignee with something due; sent after the commit."""
    assignees = session.scalars(
        select(User)
        .where(User.active.is_(True))
        .where(
            User.id.in_(
                select(Proposal.assigned_reviewer_id).where(Proposal.state.in_(OPEN_STATES))
            )
        )
        .order_by(User.id)
    )
    queued = 0
    for user in assignees:
        if not due_items(session, user, targets, day):
            continue
        outbox.enqueue(
            session,
            "send_reminder",
            queue="mail",
            user_id=user.id,
            day=day.isoformat(),
            review_days=targets.review,
            result_days=targets.result,
        )
        queued += 1
    return queued


@job
def send_reminder(user_id: int, day: str, review_days: int, result_days: int) -> None:
    """E-mail one assignee the day's due list, at most once per day."""
    user = db.session.get(User, user_id)
    on = date.fromisoformat(day)
    if user is None or not user.active:
        return
    already = db.session.scalar(
        select(ReminderLog.id).where(ReminderLog.user_id == user_id, ReminderLog.sent_on == on)
    )
    if already:
        return
    items = due_items(db.session(), user, Targets(review=review_days, result=result_days), on)
    if not items:
        return
    db.session.add(ReminderLog(user_id=user_id, sent_on=on, items=len(items)))
    db.session.flush()  # the unique key refuses a second reminder before anything is sent
    overdue = sum(1 for i in items if i.deadline.overdue)
    subject = (
        f"[규제철폐 제안센터] {on.isoformat()} 처리 기한 안내: "
        f"{len(items)}건 (기한 초과 {overdue}건)"
    )
    context = {
        "user": user,
        "items": items,
        "day": on,
        "overdue": overdue,
        "base_url": current_app.config["PUBLIC_BASE_URL"],
    }
    mailer().send(
        build_message(
            sender=current_app.config["MAIL_SENDER"],
            to=user.email,
            subject=subject,
            text=render_template("email/reminder.txt", subject=subject, **context),
            html=render_template("email/reminder.html", subject=subject, **context),
        )
    )
