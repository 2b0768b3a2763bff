"""The office's workspace (검토 업무): queues with live counts and filters in the URL, bulk
actions, and the staff proposal page with its full event trail and every triage/review form."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from models import (
    Channel,
    DeclineReason,
    Organisation,
    OrganisationKind,
    Proposal,
    ProposalEvent,
    RegulationType,
    Role,
    Sector,
    SourceKind,
    Stage,
    State,
    User,
    db,
)
from workflows import queue as work_queue
from workflows.deadlines import deadlines, department_status
from workflows.dispatch import commit
from workflows.engine import check_permission, check_transition
from workflows.errors import ConcurrentChange, InvalidInput, WorkflowError
from workflows.review import DEPARTMENT_STANCES
from workflows.rules import OFFICE_ROLES

from ..filters import FilterError
from ..guards import require_roles
from ..i18n import refusal_text
from ..privacy import log_personal_data_access
from .actions import field_errors, perform, targets
from .counts import queue_counts
from .forms import ACTION_TITLES, BULK_CHOICES, PAGE_FORMS, ActionForm, BulkForm
from .queue_filters import encode_cursor, filter_args, parse_queue_filter
from .similar import similar_proposals

bp = Blueprint("office", __name__)
# Reviewers and the chair work every proposal; officials see their department's share.
WORKSPACE_ROLES = frozenset(OFFICE_ROLES | {Role.OFFICIAL})
require_roles(bp, WORKSPACE_ROLES)

QUEUE_TITLES = {
    "all": _l("전체"),
    "new": _l("새 접수"),
    "mine": _l("내 담당"),
    "waiting": _l("제안자 보완 대기"),
    "in_review": _l("검토 중"),
    "ready": _l("심의 회부 가능"),
    "overdue": _l("기한 초과"),
}
BULK_ACTIONS = ("assign_reviewer", "classify_proposal", "send_to_deliberation")
RECOMMENDATIONS = ("repeal", "relax", "long_term", "forward_central", "not_accepted")
STANCE_LABELS = {
    "keep": _l("존치 (규제 유지)"),
    "relax": _l("완화 수용"),
    "repeal": _l("폐지 수용"),
}


EVENT_TITLES = {
    "submit_proposal": _l("접수"),
    "start_review": _l("검토 시작"),
    "classify_proposal": _l("분류 확정·변경"),
    "assign_reviewer": _l("검토자 배정"),
    "transfer_to_department": _l("소관부서 이관"),
    "request_information": _l("보완 요청"),
    "answer_information_request": _l("보완 답변"),
    "merge_proposal": _l("중복 병합"),
    "absorb_duplicate": _l("중복 제안 병합됨"),
    "withdraw_proposal": _l("철회"),
    "forward_to_central": _l("중앙정부 건의"),
    "decline_proposal": _l("불수용"),
    "record_review": _l("검토 의견"),
    "record_department_opinion": _l("소관부서 의견"),
    "send_to_deliberation": _l("심의 회부"),
    "record_opinion": _l("심사 의견"),
    "declare_conflict": _l("이해충돌 회피"),
    "decide_proposal": _l("결정"),
    "add_to_announcement": _l("발표에 포함"),
    "publish_announcement": _l("발표"),
    "update_implementation": _l("이행 상황"),
}


def reference_rows() -> dict[str, dict[str, Any]]:
    """Sector, type, channel and decline-reason rows by code, for labels in the templates."""
    return {
        name: {row.code: row for row in db.session.scalars(select(model))}
        for name, model in (
            ("sector", Sector),
            ("regulation_type", RegulationType),
            ("channel", Channel),
        )
    }


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def visible_to(actor: User, proposal: Proposal | None) -> bool:
    """Office staff see every submitted proposal; an official only those of their department."""
    if proposal is None or proposal.state is State.DRAFT:
        return False
    if actor.role in OFFICE_ROLES:
        return True
    return actor.role is Role.OFFICIAL and (
        proposal.owning_department_id is not None
        and proposal.owning_department_id == actor.organisation_id
    )


def _proposal(receipt_no: str) -> Proposal:
    proposal = db.session.scalar(select(Proposal).where(Proposal.receipt_no == receipt_no))
    if proposal is None or not visible_to(_me(), proposal):
        abort(404)
    return proposal


def _reference(model: Any) -> list[tuple[str, str]]:
    return [
        (row.code, row.label_ko)
        for row in db.session.scalars(
            select(model).where(model.active.is_(True)).order_by(model.position)
        )
    ]


def _reviewers() -> list[tuple[str, str]]:
    # Three columns, not whole accounts (each account row decrypts its authenticator secret),
    # once per request: the queue page lists the reviewers twice (filter, bulk assignment).
    if "office_reviewers" not in g:
        g.office_reviewers = [
            (str(uid), f"{name} ({role.label})")
            for uid, name, role in db.session.execute(
                select(User.id, User.name, User.role)
                .where(User.role.in_([Role.REVIEWER, Role.CHAIR]), User.active.is_(True))
                .order_by(User.name)
            )
        ]
    return list(g.office_reviewers)


def _departments() -> list[tuple[str, str]]:
    return [
        (o.code, o.name)
        for o in db.session.scalars(
            select(Organisation)
            .where(Organisation.kind == OrganisationKind.DEPARTMENT, Organisation.active.is_(True))
            .order_by(Organisation.name)
        )
    ]


def _fill_choices(form: Any) -> None:
    blank = [("", _("선택해 주십시오"))]
    if hasattr(form, "action"):
        form.action.choices = list(BULK_CHOICES)
    if hasattr(form, "sector"):
        form.sector.choices = blank + _reference(Sector)
    if hasattr(form, "regulation_type"):
        form.regulation_type.choices = blank + _reference(RegulationType)
    if hasattr(form, "reviewer"):
        form.reviewer.choices = blank + _reviewers()
    if hasattr(form, "department"):
        form.department.choices = blank + _departments()
    if hasattr(form, "reason_code"):
        form.reason_code.choices = blank + _reference(DeclineReason)
    if hasattr(form, "recommendation"):
        from models import Outcome

        form.recommendation.choices = [("", _("권고 없음"))] + [
            (code, Outcome(code).label) for code in RECOMMENDATIONS
        ]
    if hasattr(form, "stance"):
        form.stance.choices = blank + [(k, STANCE_LABELS[k]) for k in DEPARTMENT_STANCES]


# --- queues ---------------------------------------------------------------------------------


@bp.route("/")
def queue():  # type: ignore[no-untyped-def]
    me = _me()
    try:
        filters = parse_queue_filter(request.args.to_dict())
        error: FilterError | None = None
    except FilterError as exc:
        filters, error = work_queue.QueueFilter(), exc
    goals = targets()
    result = work_queue.page(db.session, me, filters, goals)
    counts = queue_counts(me, goals, filters)
    bulk = BulkForm()
    _fill_choices(bulk)
    bulk.back.data = request.full_path
    due = {p.id: deadlines(p, goals) for p in result.items}
    overdue_ids = {pid for pid, found in due.items() if any(d.overdue for d in found)}
    return render_template(
        "office/queue.html",
        filters=filters,
        error=error,
        items=result.items,
        overdue_ids=overdue_ids,
        deadlines=due,
        next_args=filter_args(filters, after=encode_cursor(result.next_after))
        if result.next_after
        else None,
        first_args=filter_args(filters) if filters.after else None,
        counts=counts,
        count_cap=work_queue.COUNT_CAP,
        queue_labels=QUEUE_TITLES,
        queue_args={name: filter_args(filters, queue=name) for name in work_queue.QUEUES},
        bulk=bulk,
        can_bulk=me.role in OFFICE_ROLES,
        refs=reference_rows(),
        choices={
            "stage": [(s.value, s.label) for s in Stage],
            "state": [(s.value, s.label) for s in State if s is not State.DRAFT],
            "sector": _reference(Sector),
            "regulation_type": _reference(RegulationType),
            "source": [(s.value, s.label) for s in SourceKind],
            "channel": _reference(Channel),
            "reviewer": _reviewers(),
            "department": [
                (str(o.id), o.name)
                for o in db.session.scalars(
                    select(Organisation)
                    .where(Organisation.kind == OrganisationKind.DEPARTMENT)
                    .order_by(Organisation.name)
                )
            ],
            "sort": [
                ("newest", _("최근 접수순")),
                ("oldest", _("오래된 접수순")),
                ("updated", _("최근 변경순")),
            ],
        },
    ), (400 if error else 200)


def _safe_back(raw: str | None) -> str:
    if raw and raw.startswith("/office") and "//" not in raw and "\\" not in raw:
        return raw
    return url_for(".queue")


@bp.route("/bulk", methods=["POST"])
def bulk():  # type: ignore[no-untyped-def]
    """Apply one operation to each selected proposal, one by one; report done and skipped."""
    me = _me()
    if me.role not in OFFICE_ROLES:
        abort(403)
    form = BulkForm()
    _fill_choices(form)
    back = _safe_back(form.back.data)
    if not form.validate_on_submit() or form.action.data not in BULK_ACTIONS:
        flash(_("일괄 작업을 선택해 주십시오."), "error")
        return redirect(back, 303)
    ids = [int(i) for i in request.form.getlist("ids") if i.isdecimal() and len(i) < 10]
    if not ids:
        flash(_("처리할 제안을 하나 이상 선택해 주십시오."), "error")
        return redirect(back, 303)
    raw = {
        "reviewer": form.reviewer.data,
        "sector": form.sector.data,
        "regulation_type": form.regulation_type.data,
    }
    done: list[str] = []
    skipped: list[tuple[str, str]] = []
    proposals = db.session.scalars(
        select(Proposal).where(Proposal.id.in_(ids)).order_by(Proposal.submitted_at, Proposal.id)
    )
    for proposal in proposals:
        if not visible_to(me, proposal):
            continue
        savepoint = db.session.begin_nested()
        try:
            perform(db.session, me, proposal, form.action.data, raw)
            savepoint.commit()
            done.append(proposal.receipt_no or "")
        except WorkflowError as exc:
            savepoint.rollback()
            message = refusal_text(exc)
            if isinstance(exc, InvalidInput):
                message = "; ".join(field_errors(exc).values()) or message
            skipped.append((proposal.receipt_no or "", message))
    commit(db.session)
    flash(
        _("%(done)s건 처리, %(skipped)s건 제외", done=len(done), skipped=len(skipped)),
        "success" if done else "error",
    )
    for receipt_no, message in skipped[:20]:
        flash(f"{receipt_no}: {message}", "error")
    if len(skipped) > 20:
        flash(_("제외된 제안 %(count)s건이 더 있습니다.", count=len(skipped) - 20), "error")
    return redirect(back, 303)


# --- the staff proposal page ------------------------------------------------------------------


def _allowed(name: str, actor: User, proposal: Proposal) -> bool:
    try:
        check_transition(check_permission(name, actor, proposal), proposal)
    except WorkflowError:
        return False
    if name == "record_department_opinion":
        return actor.organisation_id == proposal.owning_department_id
    return True


def _forms(proposal: Proposal, submitted: tuple[str, ActionForm] | None) -> dict[str, ActionForm]:
    me = _me()
    forms: dict[str, ActionForm] = {}
    for name, form_class in PAGE_FORMS.items():
        keep_typed = submitted is not None and submitted[0] == name
        if not keep_typed and not _allowed(name, me, proposal):
            continue
        if submitted is not None and submitted[0] == name:
            form = submitted[1]
        else:
            form = form_class(formdata=None, prefix=name)
            if name == "merge_proposal":
                form.into.data = request.args.get("merge_into", "")[:20]  # type: ignore[attr-defined]
            if name == "classify_proposal":
                form.sector.data = proposal.sector_code  # type: ignore[attr-defined]
                form.regulation_type.data = proposal.regulation_type_code  # type: ignore[attr-defined]
        _fill_choices(form)
        form.version.data = str(proposal.version)
        forms[name] = form
    return forms


def _events(proposal: Proposal) -> list[ProposalEvent]:
    return list(
        db.session.scalars(
            select(ProposalEvent)
            .where(ProposalEvent.proposal_id == proposal.id)
            .order_by(ProposalEvent.occurred_at, ProposalEvent.id)
        )
    )


def _render_proposal(
    proposal: Proposal,
    submitted: tuple[str, ActionForm] | None = None,
    *,
    notice: str | None = None,
    status: int = 200,
):  # type: ignore[no-untyped-def]
    me = _me()
    show_contact = me.role in OFFICE_ROLES
    if show_contact:
        log_personal_data_access(
            "view_contact", "proposal", proposal.receipt_no or str(proposal.id)
        )
    goals = targets()
    duplicates = list(
        db.session.scalars(
            select(Proposal)
            .where(Proposal.merged_into_id == proposal.id)
            .order_by(Proposal.submitted_at)
        )
    )
    return render_template(
        "office/proposal.html",
        proposal=proposal,
        events=_events(proposal),
        forms=_forms(proposal, submitted),
        titles=ACTION_TITLES,
        submitted=submitted[0]
        if submitted
        else ("merge_proposal" if request.args.get("merge_into") else None),
        notice=notice,
        show_contact=show_contact,
        deadlines=deadlines(proposal, goals),
        department=department_status(proposal),
        duplicates=duplicates,
        similar=[
            s for s in similar_proposals(db.session, proposal, 5) if visible_to(me, s.proposal)
        ]
        if proposal.state in (State.SUBMITTED, State.IN_REVIEW, State.INFO_REQUESTED)
        else [],
        stance_labels=STANCE_LABELS,
        refs=reference_rows(),
        event_titles=EVENT_TITLES,
        outcome_of=_outcome_label,
    ), status


def _outcome_label(code: str | None) -> str:
    from models import Outcome

    try:
        return Outcome(code).label if code else ""
    except ValueError:
        return code or ""


@bp.route("/proposals/<receipt_no>")
def proposal(receipt_no: str):  # type: ignore[no-untyped-def]
    return _render_proposal(_proposal(receipt_no))


@bp.route("/proposals/<receipt_no>/actions/<name>", methods=["POST"])
def act(receipt_no: str, name: str):  # type: ignore[no-untyped-def]
    """Run one operation from its form; a refusal keeps what was typed and names the rule."""
    if name not in PAGE_FORMS:
        abort(404)
    proposal = _proposal(receipt_no)
    form = PAGE_FORMS[name](prefix=name)
    _fill_choices(form)
    if not form.validate_on_submit():
        return _render_proposal(proposal, (name, form), status=422)
    raw = {
        field.name[len(name) + 1 :]: field.data
        for field in form
        if field.name not in (f"{name}-csrf_token",)
    }
    try:
        perform(db.session, _me(), proposal, name, raw)
        commit(db.session)
    except WorkflowError as exc:
        db.session.rollback()
        proposal = _proposal(receipt_no)
        if isinstance(exc, InvalidInput):
            for field_name, message in field_errors(exc).items():
                target = getattr(form, field_name, None)
                if target is not None and field_name != "version":
                    target.errors = [message]
                else:
                    form.form_errors.append(message)
            return _render_proposal(proposal, (name, form), status=422)
        notice = (
            _("다른 사용자가 먼저 변경했습니다. 최신 내용을 확인한 뒤 다시 제출해 주십시오.")
            if isinstance(exc, ConcurrentChange)
            else refusal_text(exc)
        )
        form.form_errors.append(refusal_text(exc))
        return _render_proposal(proposal, (name, form), notice=notice, status=exc.status)
    flash(_("%(action)s: 처리했습니다.", action=ACTION_TITLES[name]), "success")
    return redirect(url_for(".proposal", receipt_no=receipt_no), 303)
