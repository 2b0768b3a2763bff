"""``/panel``: panel sessions, their agenda, each member's opinion and conflict declarations,
the consensus per item and the printable minutes."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from models import AgendaItem, PanelSession, PanelVote, Proposal, Role, User, db, utcnow
from workflows import agenda, deliberation
from workflows.dispatch import commit
from workflows.errors import WorkflowError

from ..guards import require_roles
from ..helpers import label
from ..i18n import refusal_text
from .common import me, place_refusal, reference_lists
from .forms import AgendaForm, ConflictForm, OpinionForm, PanelSessionForm

bp = Blueprint("panel", __name__)
require_roles(bp, [Role.PANEL_MEMBER, Role.REVIEWER, Role.CHAIR])
bp.context_processor(reference_lists)

SCORES = range(1, 6)


def _panel_or_404(panel_id: int) -> PanelSession:
    panel = agenda.panel_session_for(db.session, me(), panel_id)
    if panel is None:
        abort(404)
    return panel


def _item_or_404(panel_id: int, item_id: int) -> AgendaItem:
    item = agenda.agenda_item_for(db.session, me(), panel_id, item_id)
    if item is None:
        abort(404)
    return item


def _office_only() -> None:
    if not agenda.is_office(me()):
        abort(403)


@bp.route("/")
def sessions():  # type: ignore[no-untyped-def]
    panels = agenda.panel_sessions_for(db.session, me())
    return render_template(
        "panel/sessions.html",
        panels=panels,
        agenda_counts=agenda.agenda_counts(db.session, panels),
        can_create=agenda.is_office(me()),
    )


def _session_choices(form: PanelSessionForm) -> tuple[list[User], list[Proposal]]:
    members = agenda.panel_members(db.session)
    ready = agenda.ready_for_agenda(db.session)
    form.members.choices = [(m.id, m.name) for m in members]
    form.agenda.choices = [(p.id, f"{p.receipt_no} {p.title}") for p in ready]
    return members, ready


@bp.route("/sessions/new", methods=["GET", "POST"])
def new_session():  # type: ignore[no-untyped-def]
    _office_only()
    form = PanelSessionForm()
    members, ready = _session_choices(form)
    refusal = None
    if form.validate_on_submit():
        by_id = {m.id: m for m in members}
        proposals = {p.id: p for p in ready}
        chosen = [by_id[i] for i in form.members.data or [] if i in by_id]
        items = [proposals[i] for i in form.agenda.data or [] if i in proposals]
        try:
            panel = deliberation.create_panel_session(
                db.session,
                me(),
                title=form.title.data or "",
                held_on=form.held_on.data,  # type: ignore[arg-type]
                members=chosen,
                quorum=form.quorum.data or 0,
                agenda=items,
            )
            commit(db.session)
        except WorkflowError as exc:
            db.session.rollback()
            refusal = place_refusal(form, exc)
        else:
            flash(_("심사위원회 회의를 만들었습니다."), "success")
            return redirect(url_for(".session", panel_id=panel.id), 303)
    status = 422 if form.is_submitted() else 200
    return render_template(
        "panel/session_form.html", form=form, ready=ready, refusal=refusal
    ), status


def _agenda_choices(form: AgendaForm, panel: PanelSession) -> dict[int, Proposal]:
    on_agenda = {i.proposal_id for i in panel.agenda}
    ready = {p.id: p for p in agenda.ready_for_agenda(db.session) if p.id not in on_agenda}
    form.agenda.choices = [(p.id, f"{p.receipt_no} {p.title}") for p in ready.values()]
    return ready


@bp.route("/sessions/<int:panel_id>")
def session(
    panel_id: int,
    agenda_form: AgendaForm | None = None,
    refusal: str | None = None,
    status: int = 200,
):  # type: ignore[no-untyped-def]
    panel = _panel_or_404(panel_id)
    views = agenda.agenda_views(db.session, me(), panel)
    is_office = agenda.is_office(me())
    agenda_form = agenda_form or AgendaForm()
    _agenda_choices(agenda_form, panel)
    return render_template(
        "panel/session.html",
        panel=panel,
        views=views,
        is_office=is_office,
        agenda_form=agenda_form if is_office else None,
        refusal=refusal,
    ), status


@bp.route("/sessions/<int:panel_id>/agenda", methods=["POST"])
def add_to_agenda(panel_id: int):  # type: ignore[no-untyped-def]
    panel = _panel_or_404(panel_id)
    _office_only()
    form = AgendaForm()
    ready = _agenda_choices(form, panel)
    if not form.validate_on_submit():
        return session(panel.id, agenda_form=form, status=422)
    chosen = [ready[i] for i in form.agenda.data or [] if i in ready]
    if not chosen:
        form.agenda.errors = [_("안건에 올릴 제안을 하나 이상 고르십시오.")]
        return session(panel.id, agenda_form=form, status=422)
    try:
        for proposal in chosen:
            deliberation.add_to_agenda(db.session, me(), panel, proposal)
        commit(db.session)
    except WorkflowError as exc:
        db.session.rollback()
        return session(panel.id, agenda_form=form, refusal=refusal_text(exc), status=exc.status)
    flash(_("%(count)s건을 안건에 올렸습니다.", count=len(chosen)), "success")
    return redirect(url_for(".session", panel_id=panel.id), 303)


def _render_item(
    item: AgendaItem,
    *,
    opinion_form: OpinionForm | None = None,
    conflict_form: ConflictForm | None = None,
    refusal: str | None = None,
    status: int = 200,
):  # type: ignore[no-untyped-def]
    view = agenda.item_view(db.session, me(), item)
    opinion_form = opinion_form or OpinionForm()
    opinion_form.vote.choices = [(v.value, label(v)) for v in PanelVote]
    context: dict[str, Any] = {
        "panel": item.session,
        "item": item,
        "proposal": item.proposal,
        "view": view,
        "opinion_form": opinion_form,
        "conflict_form": conflict_form or ConflictForm(),
        "refusal": refusal,
        "scores": SCORES,
    }
    return render_template("panel/item.html", **context), status


@bp.route("/sessions/<int:panel_id>/items/<int:item_id>")
def item(panel_id: int, item_id: int):  # type: ignore[no-untyped-def]
    return _render_item(_item_or_404(panel_id, item_id))


@bp.route("/sessions/<int:panel_id>/items/<int:item_id>/opinion", methods=["POST"])
def record_opinion(panel_id: int, item_id: int):  # type: ignore[no-untyped-def]
    item = _item_or_404(panel_id, item_id)
    form = OpinionForm()
    form.vote.choices = [(v.value, label(v)) for v in PanelVote]
    if not form.validate_on_submit():
        return _render_item(item, opinion_form=form, status=422)
    try:
        deliberation.record_opinion(
            db.session,
            me(),
            item,
            vote=form.vote.data or "",
            score=form.score.data,
            comment=form.comment.data or "",
        )
        commit(db.session)
    except WorkflowError as exc:
        db.session.rollback()
        refusal = place_refusal(form, exc)
        return _render_item(item, opinion_form=form, refusal=refusal, status=exc.status)
    flash(_("의견을 기록했습니다. 이제 다른 위원의 의견을 볼 수 있습니다."), "success")
    return redirect(url_for(".item", panel_id=panel_id, item_id=item.id), 303)


@bp.route("/sessions/<int:panel_id>/items/<int:item_id>/conflict", methods=["POST"])
def declare_conflict(panel_id: int, item_id: int):  # type: ignore[no-untyped-def]
    item = _item_or_404(panel_id, item_id)
    form = ConflictForm()
    if not form.validate_on_submit():
        return _render_item(item, conflict_form=form, status=422)
    try:
        deliberation.declare_conflict(db.session, me(), item, reason=form.reason.data or "")
        commit(db.session)
    except WorkflowError as exc:
        db.session.rollback()
        return _render_item(item, conflict_form=form, refusal=refusal_text(exc), status=exc.status)
    flash(_("이해충돌을 신고했습니다. 이 안건에서 회피합니다."), "success")
    return redirect(url_for(".item", panel_id=panel_id, item_id=item.id), 303)


@bp.route("/sessions/<int:panel_id>/minutes")
def minutes(panel_id: int):  # type: ignore[no-untyped-def]
    panel = _panel_or_404(panel_id)
    _office_only()
    return render_template(
        "panel/minutes.html",
        minutes=agenda.minutes(db.session, me(), panel),
        panel=panel,
        now=utcnow(),
    )
