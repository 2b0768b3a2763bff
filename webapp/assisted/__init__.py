"""Assisted intake: office reviewers and officials enter a proposal received at a debate forum,
a desk or by phone on behalf of a citizen, with the channel and the consent recorded."""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from models import Channel, Proposal, Role, User, db
from workflows import assisted
from workflows.dispatch import commit
from workflows.errors import WorkflowError
from workflows.intake import CONSENT_VERSION, FieldErrors, ProposalFields

from ..citizen import _choices
from ..guards import require_roles
from ..helpers import label
from ..i18n import localised_errors, refusal_text
from ..privacy import log_personal_data_access
from .forms import CONSENT_CHOICES, AssistedProposalForm

bp = Blueprint("assisted", __name__)
require_roles(bp, [Role.REVIEWER, Role.OFFICIAL])

TEXT_FIELDS = (
    "title",
    "current_regulation",
    "legal_basis",
    "problem",
    "proposed_change",
    "expected_effect",
    "sector_code",
    "regulation_type_code",
)


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _form() -> AssistedProposalForm:
    form = AssistedProposalForm()
    _choices(form)
    form.consent_method.choices = list(CONSENT_CHOICES)
    form.channel_code.choices = [("", _("선택해 주십시오"))] + [
        (c.code, label(c)) for c in assisted.channels(db.session)
    ]
    return form


def _render(form: AssistedProposalForm, status: int = 200):  # type: ignore[no-untyped-def]
    return render_template(
        "assisted/proposal_form.html", form=form, consent_version=CONSENT_VERSION
    ), status


@bp.route("/")
def entries():  # type: ignore[no-untyped-def]
    items = list(
        db.session.scalars(
            select(Proposal)
            .where(Proposal.entered_by_id == _me().id)
            .order_by(Proposal.id.desc())
            .limit(200)
        )
    )
    channels = {c.code: c for c in db.session.scalars(select(Channel))}
    if items:
        log_personal_data_access("list_assisted", "user", str(_me().id), count=len(items))
    return render_template("assisted/entries.html", items=items, channels=channels)


@bp.route("/new", methods=["GET", "POST"])
def new():  # type: ignore[no-untyped-def]
    form = _form()
    if not form.is_submitted():
        form.entry_key.data = secrets.token_urlsafe(24)
        return _render(form)
    form.entry_key.data = form.entry_key.data or secrets.token_urlsafe(24)
    if not form.validate():
        return _render(form, 422)
    try:
        proposal, _created = assisted.enter_proposal(
            db.session,
            _me(),
            ProposalFields(**{name: getattr(form, name).data or None for name in TEXT_FIELDS}),
            citizen_name=form.citizen_name.data or "",
            citizen_phone=form.citizen_phone.data,
            citizen_email=form.citizen_email.data,
            channel_code=form.channel_code.data or "",
            consent_method=form.consent_method.data or "",
            key=form.entry_key.data,
        )
        commit(db.session)
    except FieldErrors as exc:
        db.session.rollback()
        for name, message in localised_errors(exc.errors).items():
            target = getattr(form, name, None)
            (target.errors if target is not None else form.form_errors).append(message)
        return _render(form, 422)
    except WorkflowError as exc:
        db.session.rollback()
        form.form_errors.append(refusal_text(exc))
        return _render(form, exc.status)
    flash(_("대신 접수했습니다. 접수번호를 제안자에게 알려 주십시오."), "success")
    return redirect(url_for(".receipt", proposal_id=proposal.id), 303)


@bp.route("/<int:proposal_id>")
def receipt(proposal_id: int):  # type: ignore[no-untyped-def]
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.entered_by_id != _me().id:
        abort(404)
    channel = db.session.get(Channel, proposal.channel_code)
    log_personal_data_access("view_contact", "proposal", proposal.receipt_no or str(proposal.id))
    return render_template("assisted/receipt.html", proposal=proposal, channel=channel)
