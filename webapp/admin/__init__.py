"""The administrator's area: background jobs (the outbox and the RQ queues), citizen votes, and
(in ``manage``) users, organisations, reference data and campaigns with their audit trail."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from models import OutboxMessage, OutboxState, Proposal, Role, Sector, VoteRound, db, utcnow
from workflows import voting
from workflows.dispatch import RQDispatcher, commit, deliver_due
from workflows.errors import InvalidInput, WorkflowError
from workflows.numbering import SEOUL

from .. import picker
from ..guards import require_roles
from ..i18n import refusal_text
from ..votes.forms import VoteRoundForm

bp = Blueprint("admin", __name__)
require_roles(bp, [Role.ADMIN])


def _queue_overview() -> list[dict[str, object]]:
    dispatcher = current_app.extensions["regrepeal.dispatcher"]
    if not isinstance(dispatcher, RQDispatcher):
        return []
    from redis.exceptions import RedisError

    rows = []
    for name in current_app.config["WORKER_QUEUES"]:
        try:
            queue = dispatcher.queue(name)
            rows.append(
                {
                    "name": name,
                    "queued": queue.count,
                    "failed": queue.failed_job_registry.count,
                    "scheduled": queue.scheduled_job_registry.count,
                    "started": queue.started_job_registry.count,
                }
            )
        except RedisError as exc:
            rows.append({"name": name, "error": str(exc)})
    return rows


@bp.route("/jobs")
def jobs():  # type: ignore[no-untyped-def]
    counts = dict(
        db.session.execute(
            select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
        ).all()
    )
    attention = list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.state != OutboxState.DONE)
            .order_by(OutboxMessage.id.desc())
            .limit(100)
        )
    )
    return render_template(
        "admin/jobs.html",
        counts=counts,
        attention=attention,
        queues=_queue_overview(),
        states=list(OutboxState),
    )


@bp.route("/jobs/<int:message_id>/retry", methods=["POST"])
def retry_job(message_id: int):  # type: ignore[no-untyped-def]
    message = db.get_or_404(OutboxMessage, message_id)
    if message.state is OutboxState.DONE:
        flash(_("이미 완료된 작업입니다."), "error")
        return redirect(url_for(".jobs"), 303)
    message.state = OutboxState.PENDING
    message.available_at = utcnow()
    message.dispatched_at = None
    commit(db.session)
    deliver_due(db.session)
    flash(_("작업 %(n)s번을 다시 실행하도록 넘겼습니다.", n=message_id), "success")
    return redirect(url_for(".jobs"), 303)


@bp.route("/votes")
def votes():  # type: ignore[no-untyped-def]
    rounds = list(db.session.scalars(select(VoteRound).order_by(VoteRound.opens_at.desc())))
    return render_template("admin/votes.html", rounds=rounds)


# How many repeals the new-round form lists at once (the register runs to tens of thousands).
CANDIDATES_SHOWN = 100


def _candidate_filter() -> voting.CandidateFilter:
    """The register filter of the new-round form: posted with the form (a move through the
    list or a save), or from the address (a link)."""

    def number(name: str) -> int | None:
        try:
            value = int(picker.param(name))
        except ValueError:
            return None
        return value if value > 0 else None

    return voting.CandidateFilter(
        sector=picker.param("sector") or None,
        first=number("from"),
        last=number("to"),
        word=picker.param("q").strip()[:100],
        after=picker.page_key(),
    )


@bp.route("/votes/new", methods=["GET", "POST"])
def new_vote():  # type: ignore[no-untyped-def]
    """Open a round: the candidates are ticked among a filtered page of the register (the ticks
    kept while the admin searches and pages, see ``webapp.picker``) or typed as numbers and
    ranges; only the chosen proposals are loaded, never the whole register."""
    form = VoteRoundForm()
    move = picker.move()
    picker.keep_ticks(
        form.candidates,
        voting.MAX_CANDIDATES,
        lambda ids: voting.proposals_by_id(db.session, ids),
    )
    filters = _candidate_filter()
    shown, more = voting.find_candidates(db.session, filters, limit=CANDIDATES_SHOWN)
    ticked = voting.ticked_repeals(db.session, form.candidates.data or [])
    picker.drop_gone(
        form.candidates,
        voting.MAX_CANDIDATES,
        (p.id for p in ticked),
        lambda n: _(
            "고른 후보 중 %(n)s건은 그사이 후보가 될 수 없게 되어 선택에서 빠졌습니다.", n=n
        ),
    )
    listed = {p.id: p for p in [*ticked, *shown]}
    form.candidates.choices = [
        (p.id, f"{p.repeal_no}호 {p.title}")
        for p in sorted(listed.values(), key=lambda p: p.repeal_no or 0)
    ]
    error = None
    if move is None and form.validate_on_submit():
        candidates: list[Proposal] = []
        try:
            candidates = voting.proposals_by_id(db.session, form.candidates.data or [])
        except InvalidInput as exc:
            form.candidates.errors = [refusal_text(exc)]
        try:
            numbers = voting.parse_repeal_numbers(form.numbers.data or "")
            candidates += voting.repeals_by_number(db.session, numbers)
        except InvalidInput as exc:
            form.numbers.errors = [refusal_text(exc)]
        if not (form.candidates.errors or form.numbers.errors):
            unique = {p.id: p for p in candidates}
            try:
                vote_round = voting.open_round(
                    db.session,
                    current_user._get_current_object(),
                    title=form.title.data or "",
                    description=form.description.data or "",
                    opens_at=form.opens_at.data.replace(tzinfo=SEOUL),
                    closes_at=form.closes_at.data.replace(tzinfo=SEOUL),
                    max_picks=form.max_picks.data or 0,
                    candidates=sorted(unique.values(), key=lambda p: p.repeal_no or 0),
                )
                commit(db.session)
            except WorkflowError as exc:
                db.session.rollback()
                error = refusal_text(exc)
            else:
                flash(_("시민투표를 열었습니다: %(title)s", title=vote_round.title), "success")
                return redirect(url_for("votes.show", round_id=vote_round.id), 303)
    # A move through the list answers 200 (a refusal of too many ticks is on the field).
    status = 422 if move is None and (form.errors or error) else 200
    return render_template(
        "admin/vote_form.html",
        form=form,
        error=error,
        filters=filters,
        sectors=list(db.session.scalars(select(Sector).order_by(Sector.position, Sector.code))),
        on_page={p.id for p in shown},
        chosen=len(ticked),
        next_after=(shown[-1].repeal_no if more and shown else None),
        limit=CANDIDATES_SHOWN,
        max_candidates=voting.MAX_CANDIDATES,
    ), status


# The records of the admin area (users, organisations, reference data, campaigns, audit trail).
from . import manage, security  # noqa: E402, F401
