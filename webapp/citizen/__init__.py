"""Proposers (citizens, officials, agency staff): write, save, preview and submit proposals;
follow them; answer information requests; withdraw."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from models import (
    OPEN_STATES,
    Proposal,
    ProposalEvent,
    RegulationType,
    Role,
    Sector,
    State,
    User,
    db,
)
from models.masking import find_personal_data
from workflows import intake, triage
from workflows.dispatch import commit
from workflows.errors import WorkflowError
from workflows.intake import CONSENT_VERSION, FieldErrors, ProposalFields, default_channel

from ..guards import require_roles
from .forms import AnswerForm, ProposalForm, WithdrawForm

bp = Blueprint("citizen", __name__)
require_roles(bp, [Role.CITIZEN, Role.OFFICIAL, Role.AGENCY_STAFF])

PII_LABELS = {"resident_number": "주민등록번호", "phone": "전화번호", "email": "이메일 주소"}
TEXT_FIELDS = (
    "title",
    "current_regulation",
    "legal_basis",
    "problem",
    "proposed_change",
    "expected_effect",
)


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _own(proposal_id: int) -> Proposal:
    """The proposer's own proposal; anyone else's answers 404, never a hint that it exists."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or _me().id not in (proposal.proposer_id, proposal.entered_by_id):
        abort(404)
    return proposal


def _choices(form: ProposalForm) -> None:
    form.sector_code.choices = [("", _("선택 안 함"))] + [
        (s.code, s.label_ko)
        for s in db.session.scalars(
            select(Sector).where(Sector.active.is_(True)).order_by(Sector.position)
        )
    ]
    form.regulation_type_code.choices = [("", _("선택 안 함"))] + [
        (t.code, t.label_ko)
        for t in db.session.scalars(
            select(RegulationType)
            .where(RegulationType.active.is_(True))
            .order_by(RegulationType.position)
        )
    ]


def _fields(form: ProposalForm) -> ProposalFields:
    return ProposalFields(
        **{name: getattr(form, name).data or None for name in ProposalFields.__dataclass_fields__}
    )


def _personal_data(form: ProposalForm) -> dict[str, list[str]]:
    found = {}
    for name in TEXT_FIELDS:
        kinds = find_personal_data(getattr(form, name).data)
        if kinds:
            found[name] = [PII_LABELS[k] for k in kinds]
    return found


def _render(
    form: ProposalForm,
    proposal: Proposal | None = None,
    *,
    preview: bool = False,
    status: int = 200,
    pii: dict[str, list[str]] | None = None,
):  # type: ignore[no-untyped-def]
    return render_template(
        "citizen/proposal_form.html",
        form=form,
        proposal=proposal,
        preview=preview,
        pii=pii or {},
        consent_version=CONSENT_VERSION,
        channel=default_channel(_me()),
    ), status


def _handle(form: ProposalForm, proposal: Proposal | None):  # type: ignore[no-untyped-def]
    """One form, three buttons: save a draft, preview, submit."""
    action = request.form.get("action", "save")
    me = _me()
    key = form.submission_key.data or secrets.token_urlsafe(24)
    form.submission_key.data = key
    if not form.validate():
        return _render(form, proposal, status=422)
    pii = _personal_data(form)
    try:
        if action == "preview":
            return _render(form, proposal, preview=True, pii=pii)
        if action == "submit":
            if pii and form.pii_acknowledged.data != "yes":
                form.pii_acknowledged.data = "yes"
                return _render(form, proposal, preview=True, pii=pii, status=422)
            submitted, _created = intake.submit_once(
                db.session,
                me,
                _fields(form),
                channel_code=default_channel(me),
                key=key,
                consent=bool(form.consent.data),
            )
            commit(db.session)
            return redirect(url_for(".receipt", proposal_id=submitted.id), 303)
        draft = intake.save_draft(
            db.session, me, _fields(form), channel_code=default_channel(me), key=key
        )
        commit(db.session)
    except FieldErrors as exc:
        db.session.rollback()
        for name, message in exc.errors.items():
            target = getattr(form, name, None)
            (target.errors if target is not None else form.form_errors).append(message)
        return _render(form, proposal, status=422)
    except WorkflowError as exc:
        db.session.rollback()
        form.form_errors.append(exc.message_ko)
        return _render(form, proposal, status=exc.status)
    if draft.state is not State.DRAFT:
        return redirect(url_for(".receipt", proposal_id=draft.id), 303)
    flash(_("임시 저장했습니다."), "success")
    return redirect(url_for(".edit", proposal_id=draft.id), 303)


@bp.route("/proposals")
def proposals():  # type: ignore[no-untyped-def]
    me = _me()
    items = list(
        db.session.scalars(
            select(Proposal)
            .where((Proposal.proposer_id == me.id) | (Proposal.entered_by_id == me.id))
            .order_by(Proposal.created_at.desc())
        )
    )
    return render_template("citizen/proposals.html", items=items)


@bp.route("/proposals/new", methods=["GET", "POST"])
def new():  # type: ignore[no-untyped-def]
    form = ProposalForm()
    _choices(form)
    if request.method == "POST":
        return _handle(form, None)
    me = _me()
    form.submission_key.data = secrets.token_urlsafe(24)
    form.contact_name.data, form.contact_email.data = me.name, me.email
    form.contact_phone.data = me.phone
    return _render(form)


@bp.route("/proposals/<int:proposal_id>/edit", methods=["GET", "POST"])
def edit(proposal_id: int):  # type: ignore[no-untyped-def]
    proposal = _own(proposal_id)
    if proposal.state is not State.DRAFT:
        return redirect(url_for(".show", proposal_id=proposal.id), 303)
    form = ProposalForm(obj=proposal if request.method == "GET" else None)
    _choices(form)
    if request.method == "POST":
        return _handle(form, proposal)
    form.submission_key.data = proposal.idempotency_key or secrets.token_urlsafe(24)
    form.consent.data = False
    return _render(form, proposal)


@bp.route("/proposals/<int:proposal_id>/receipt")
def receipt(proposal_id: int):  # type: ignore[no-untyped-def]
    proposal = _own(proposal_id)
    if proposal.state is State.DRAFT:
        return redirect(url_for(".edit", proposal_id=proposal.id), 303)
    return render_template("citizen/receipt.html", proposal=proposal)


def _timeline(proposal: Proposal) -> list[ProposalEvent]:
    return list(
        db.session.scalars(
            select(ProposalEvent)
            .where(
                ProposalEvent.proposal_id == proposal.id,
                ProposalEvent.visible_to_proposer.is_(True),
            )
            .order_by(ProposalEvent.occurred_at, ProposalEvent.id)
        )
    )


@bp.route("/proposals/<int:proposal_id>")
def show(proposal_id: int, answer_form: AnswerForm | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    proposal = _own(proposal_id)
    if proposal.state is State.DRAFT:
        return redirect(url_for(".edit", proposal_id=proposal.id), 303)
    decision = (
        proposal.current_decision if proposal.state in (State.DECIDED, State.ANNOUNCED) else None
    )
    context: dict[str, Any] = {
        "proposal": proposal,
        "events": _timeline(proposal),
        "decision": decision,
        "answer_form": answer_form or AnswerForm(),
        "withdraw_form": WithdrawForm(),
        "can_answer": proposal.state is State.INFO_REQUESTED,
        "can_withdraw": proposal.state in OPEN_STATES,
    }
    return render_template("citizen/proposal.html", **context), status


@bp.route("/proposals/<int:proposal_id>/answer", methods=["POST"])
def answer(proposal_id: int):  # type: ignore[no-untyped-def]
    proposal = _own(proposal_id)
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            triage.answer_information_request(
                db.session, _me(), proposal, answer=form.answer.data or ""
            )
            commit(db.session)
        except WorkflowError as exc:
            db.session.rollback()
            form.answer.errors = [exc.message_ko]
        else:
            flash(_("보완 답변을 보냈습니다. 다시 검토합니다."), "success")
            return redirect(url_for(".show", proposal_id=proposal.id), 303)
    return show(proposal.id, answer_form=form, status=422)


@bp.route("/proposals/<int:proposal_id>/withdraw", methods=["POST"])
def withdraw(proposal_id: int):  # type: ignore[no-untyped-def]
    proposal = _own(proposal_id)
    form = WithdrawForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        triage.withdraw_proposal(db.session, _me(), proposal, reason=form.reason.data or "")
        commit(db.session)
    except WorkflowError as exc:
        db.session.rollback()
        flash(exc.message_ko, "error")
        return redirect(url_for(".show", proposal_id=proposal.id), 303)
    flash(_("제안을 철회했습니다."), "success")
    return redirect(url_for(".show", proposal_id=proposal.id), 303)
