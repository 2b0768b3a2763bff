"""``/chair``: the chair records decisions and assembles and publishes announcements; office staff
and officials keep the implementation of announced repeals up to date."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from models import (
    Announcement,
    AnnouncementState,
    DeclineReason,
    ImplementationStage,
    Proposal,
    Role,
    State,
    db,
)
from workflows import agenda, announcement, deliberation
from workflows.dispatch import commit
from workflows.errors import ConcurrentChange, InvalidInput, WorkflowError

from .. import picker
from ..extensions import login_manager
from ..helpers import label
from ..i18n import refusal_text
from .common import as_version, me, place_refusal, reference_lists
from .forms import (
    AddToAnnouncementForm,
    AnnouncementForm,
    DecisionForm,
    ImplementationForm,
    PublishForm,
)

bp = Blueprint("chair", __name__)
bp.context_processor(reference_lists)

CHAIR = frozenset({Role.CHAIR})
# Implementation may be kept up to date by the roles rules.py gives update_implementation.
IMPLEMENTATION = frozenset({Role.CHAIR, Role.REVIEWER, Role.OFFICIAL})
ENDPOINT_ROLES = {
    "chair.implementation": IMPLEMENTATION,
    "chair.edit_implementation": IMPLEMENTATION,
}


@bp.before_request
def _guard() -> object | None:
    """Every route needs a login; decisions and announcements are the chair's alone."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role not in ENDPOINT_ROLES.get(request.endpoint or "", CHAIR):
        abort(403)
    return None


# How many waiting decisions the desk lists (it counts them all).
DESK_SHOWN = 20


@bp.route("/")
def desk():  # type: ignore[no-untyped-def]
    return render_template(
        "chair/desk.html",
        awaiting=agenda.awaiting_decision(db.session, me()),
        announceable=agenda.find_announceable(
            db.session, agenda.AnnounceableFilter(), limit=DESK_SHOWN
        )[0],
        announceable_count=agenda.count_announceable(db.session),
        drafts=agenda.draft_announcements(db.session),
        published=agenda.recent_announcements(db.session),
    )


def _deliberating_or_404(proposal_id: int) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.state is State.DRAFT:
        abort(404)
    return proposal


def _decision_choices(form: DecisionForm) -> None:
    form.outcome.choices = [("", _("선택하십시오"))] + [
        (o.value, label(o))
        for o in sorted(deliberation.PANEL_OUTCOMES, key=lambda o: list(type(o)).index(o))
    ]
    form.reason_code.choices = [("", _("해당 없음"))] + [
        (r.code, label(r))
        for r in db.session.scalars(
            select(DeclineReason)
            .where(DeclineReason.active.is_(True))
            .order_by(DeclineReason.position)
        )
    ]


def _render_decision(
    proposal: Proposal, form: DecisionForm, *, refusal: str | None = None, status: int = 200
):  # type: ignore[no-untyped-def]
    item = deliberation.latest_agenda_item(db.session, proposal)
    view = agenda.item_view(db.session, me(), item) if item is not None else None
    context: dict[str, Any] = {
        "proposal": proposal,
        "form": form,
        "view": view,
        "refusal": refusal,
        "can_decide": proposal.state is State.IN_DELIBERATION,
    }
    return render_template("chair/decide.html", **context), status


@bp.route("/proposals/<int:proposal_id>/decide", methods=["GET", "POST"])
def decide(proposal_id: int):  # type: ignore[no-untyped-def]
    proposal = _deliberating_or_404(proposal_id)
    form = DecisionForm()
    _decision_choices(form)
    if request.method == "GET":
        form.version.data = str(proposal.version)
        return _render_decision(proposal, form)
    if not form.validate_on_submit():
        return _render_decision(proposal, form, status=422)
    try:
        deliberation.decide_proposal(
            db.session,
            me(),
            proposal,
            outcome=form.outcome.data or "",
            reasons=form.reasons.data or "",
            responsible_official=form.responsible_official.data or "",
            reason_code=form.reason_code.data or None,
            external_ref=form.external_ref.data or None,
            expected_version=as_version(form.version.data),
        )
        commit(db.session)
    except WorkflowError as exc:
        db.session.rollback()
        refusal = place_refusal(form, exc)
        if isinstance(exc, ConcurrentChange):
            # What they typed stays; the next attempt is against the version they now see.
            db.session.refresh(proposal)
            form.version.data = str(proposal.version)
        return _render_decision(proposal, form, refusal=refusal, status=exc.status)
    flash(_("결정을 기록했습니다. 발표 전까지는 공개되지 않습니다."), "success")
    return redirect(url_for(".desk"), 303)


def _draft_or_404(announcement_id: int) -> Announcement:
    notice = db.session.get(Announcement, announcement_id)
    if notice is None:
        abort(404)
    return notice


# How many decisions the announcement forms list at once (the backlog may run to thousands).
CANDIDATES_SHOWN = 100


def _announceable_filter() -> agenda.AnnounceableFilter:
    """The backlog filter of the announcement forms: posted with the form (a move through the
    list or a save), or from the address (a link)."""
    return agenda.AnnounceableFilter(
        sector=picker.param("sector") or None,
        word=picker.param("q").strip()[:100],
        after=picker.page_key(),
    )


def _announceable_choices(form: AnnouncementForm | AddToAnnouncementForm) -> dict[str, Any]:
    """A filtered, capped page of the backlog as the form's choices, with the boxes ticked on
    earlier pages listed too (still ticked; "clear" unticks them all); only those rows are
    loaded."""
    picker.keep_ticks(
        form.proposals,
        agenda.MAX_PER_ANNOUNCEMENT,
        lambda ids: agenda.announceable_by_id(db.session, ids),
    )
    filters = _announceable_filter()
    shown, more = agenda.find_announceable(db.session, filters, limit=CANDIDATES_SHOWN)
    ticked = agenda.ticked_announceable(db.session, form.proposals.data or [])
    picker.drop_gone(
        form.proposals,
        agenda.MAX_PER_ANNOUNCEMENT,
        (p.id for p in ticked),
        lambda n: _("고른 과제 중 %(n)s건은 그사이 발표할 수 없게 되어 선택에서 빠졌습니다.", n=n),
    )
    listed = {p.id: p for p in sorted([*ticked, *shown], key=lambda p: p.id)}
    form.proposals.choices = [(p.id, f"{p.receipt_no} {p.title}") for p in listed.values()]
    return {
        "candidates": listed,
        "on_page": {p.id for p in shown},
        "chosen": len(ticked),
        "filters": filters,
        "next_after": shown[-1].id if more and shown else None,
        "limit": CANDIDATES_SHOWN,
        "max_per_announcement": agenda.MAX_PER_ANNOUNCEMENT,
    }


def _chosen(form: AnnouncementForm | AddToAnnouncementForm) -> list[Proposal] | None:
    """The ticked decisions, or None with the refusal placed on the field."""
    try:
        return agenda.announceable_by_id(db.session, form.proposals.data or [])
    except InvalidInput as exc:
        form.proposals.errors = [refusal_text(exc)]
        return None


@bp.route("/announcements/new", methods=["GET", "POST"])
def new_announcement():  # type: ignore[no-untyped-def]
    form = AnnouncementForm()
    page = _announceable_choices(form)
    refusal = None
    if picker.move() is not None:  # a move through the list: the form again, nothing saved
        return render_template("chair/announcement_form.html", form=form, refusal=None, **page)
    if form.validate_on_submit() and (chosen := _chosen(form)) is not None:
        try:
            notice = announcement.create_announcement(
                db.session,
                me(),
                title=form.title.data or "",
                announced_on=form.announced_on.data,  # type: ignore[arg-type]
                summary=form.summary.data or "",
            )
            for proposal in chosen:
                announcement.add_to_announcement(db.session, me(), notice, proposal)
            commit(db.session)
        except WorkflowError as exc:
            db.session.rollback()
            refusal = place_refusal(form, exc)
        else:
            flash(_("발표문을 만들었습니다. 내용을 확인한 뒤 발표하십시오."), "success")
            return redirect(url_for(".announcement_draft", announcement_id=notice.id), 303)
    status = 422 if form.is_submitted() else 200
    return render_template(
        "chair/announcement_form.html", form=form, refusal=refusal, **page
    ), status


def _render_draft(
    notice: Announcement,
    *,
    add_form: AddToAnnouncementForm | None = None,
    refusal: str | None = None,
    status: int = 200,
):  # type: ignore[no-untyped-def]
    add_form = add_form or AddToAnnouncementForm()
    page = _announceable_choices(add_form)
    return render_template(
        "chair/announcement.html",
        announcement=notice,
        add_form=add_form,
        **page,
        publish_form=PublishForm(),
        is_draft=notice.state is AnnouncementState.DRAFT,
        next_number=agenda.next_repeal_number(db.session),
        refusal=refusal,
    ), status


@bp.route("/announcements/<int:announcement_id>")
def announcement_draft(announcement_id: int):  # type: ignore[no-untyped-def]
    return _render_draft(_draft_or_404(announcement_id))


@bp.route("/announcements/<int:announcement_id>/items", methods=["POST"])
def add_items(announcement_id: int):  # type: ignore[no-untyped-def]
    notice = _draft_or_404(announcement_id)
    form = AddToAnnouncementForm()
    if picker.move() is not None:  # a move through the list: the page again, nothing added
        return _render_draft(notice, add_form=form)
    if not form.validate_on_submit():
        return _render_draft(notice, add_form=form, status=422)
    chosen = _chosen(form)
    if chosen is None:
        return _render_draft(notice, add_form=form, status=422)
    if not chosen:
        form.proposals.errors = [_("추가할 결정을 하나 이상 고르십시오.")]
        return _render_draft(notice, add_form=form, status=422)
    try:
        for proposal in chosen:
            announcement.add_to_announcement(db.session, me(), notice, proposal)
        commit(db.session)
    except WorkflowError as exc:
        db.session.rollback()
        return _render_draft(notice, add_form=form, refusal=refusal_text(exc), status=exc.status)
    flash(_("%(count)s건을 발표문에 넣었습니다.", count=len(chosen)), "success")
    return redirect(url_for(".announcement_draft", announcement_id=notice.id), 303)


@bp.route("/announcements/<int:announcement_id>/publish", methods=["POST"])
def publish(announcement_id: int):  # type: ignore[no-untyped-def]
    notice = _draft_or_404(announcement_id)
    if not PublishForm().validate_on_submit():
        abort(400)
    try:
        published = announcement.publish_announcement(db.session, me(), notice)
        commit(db.session)
    except WorkflowError as exc:
        db.session.rollback()
        return _render_draft(notice, refusal=refusal_text(exc), status=exc.status)
    numbers = [p.repeal_no for p in published]
    flash(
        _(
            "발표했습니다: 규제철폐 %(first)s호~%(last)s호",
            first=min(numbers),  # type: ignore[type-var]
            last=max(numbers),  # type: ignore[type-var]
        ),
        "success",
    )
    return redirect(url_for("public.announcement", announcement_id=notice.id), 303)


@bp.route("/implementation")
def implementation():  # type: ignore[no-untyped-def]
    number = request.args.get("number", type=int)
    return render_template(
        "chair/implementation.html",
        repeals=agenda.announced_repeals(db.session, number=number),
        number=number,
    )


def _announced_or_404(number: int) -> Proposal:
    proposal = db.session.scalar(select(Proposal).where(Proposal.repeal_no == number))
    if proposal is None:
        abort(404)
    return proposal


def _stage_choices(form: ImplementationForm) -> None:
    form.stage.choices = [(s.value, label(s)) for s in ImplementationStage]
    form.ordinance_change_needed.choices = [
        ("", _("미정")),
        ("yes", _("필요")),
        ("no", _("불필요")),
    ]


@bp.route("/implementation/<int:number>", methods=["GET", "POST"])
def edit_implementation(number: int):  # type: ignore[no-untyped-def]
    proposal = _announced_or_404(number)
    form = ImplementationForm()
    _stage_choices(form)
    refusal, status = None, 422
    if request.method == "GET":
        form.version.data = str(proposal.version)
        form.stage.data = (
            proposal.implementation_stage.value if proposal.implementation_stage else ""
        )
        form.ordinance_change_needed.data = {True: "yes", False: "no", None: ""}[
            proposal.ordinance_change_needed
        ]
        form.effective_on.data = proposal.effective_on
        return render_template(
            "chair/implementation_form.html", form=form, proposal=proposal, refusal=None
        )
    if form.validate_on_submit():
        try:
            announcement.update_implementation(
                db.session,
                me(),
                proposal,
                stage=form.stage.data or "",
                ordinance_change_needed={"yes": True, "no": False}.get(
                    form.ordinance_change_needed.data or ""
                ),
                effective_on=form.effective_on.data,
                note=form.note.data or "",
                expected_version=as_version(form.version.data),
            )
            commit(db.session)
        except WorkflowError as exc:
            db.session.rollback()
            refusal, status = place_refusal(form, exc), exc.status
            if isinstance(exc, ConcurrentChange):
                db.session.refresh(proposal)
                form.version.data = str(proposal.version)
        else:
            flash(_("이행 상황을 저장했습니다."), "success")
            return redirect(url_for("public.repeal", number=number), 303)
    return render_template(
        "chair/implementation_form.html", form=form, proposal=proposal, refusal=refusal
    ), status
