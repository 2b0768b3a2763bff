"""The admin area's records: users and roles (staff accounts), organisations, reference data,
campaigns, and the audit trail of every change made here."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import or_, select

from models import (
    TWO_FACTOR_ROLES,
    Campaign,
    Organisation,
    OrganisationKind,
    Role,
    SourceKind,
    User,
    db,
)
from workflows import admin
from workflows.dispatch import commit
from workflows.errors import WorkflowError
from workflows.intake import FieldErrors

from ..helpers import label
from ..i18n import localised_errors, refusal_text
from ..privacy import log_personal_data_access
from . import bp
from .forms import CampaignForm, OrganisationForm, ReferenceForm, ToggleForm, UserForm

PAGE = 200
REFERENCE_TITLES = {
    "sector": _l("분야"),
    "regulation_type": _l("규제 유형"),
    "channel": _l("접수 경로"),
    "decline_reason": _l("불수용 사유 코드"),
}


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _refused(form: Any, exc: WorkflowError) -> None:
    db.session.rollback()
    if isinstance(exc, FieldErrors):
        for name, message in localised_errors(exc.errors).items():
            target = getattr(form, name, None)
            (target.errors if target is not None else form.form_errors).append(message)
    else:
        form.form_errors.append(refusal_text(exc))


def _form_page(  # type: ignore[no-untyped-def]
    form: Any,
    *,
    title: str,
    fields: list[str],
    back: str,
    toggle: dict[str, Any] | None = None,
    status: int | None = None,
    facts: list[tuple[str, str]] | None = None,
    second_factor: dict[str, Any] | None = None,
):
    failed = bool(form.errors or form.form_errors)
    return render_template(
        "admin/record_form.html",
        form=form,
        title=title,
        fields=fields,
        back=back,
        toggle=toggle,
        toggle_form=ToggleForm(),
        facts=facts or [],
        second_factor=second_factor,
    ), status or (422 if failed else 200)


def _toggle_value() -> bool:
    if not ToggleForm().validate_on_submit():
        abort(400)
    return request.form.get("active") == "1"


def _state(active: bool) -> str:
    return _("사용") if active else _("사용 중지")


@bp.route("/")
def index():  # type: ignore[no-untyped-def]
    sections = [
        (_("사용자와 역할"), url_for(".users")),
        (_("기관"), url_for(".organisations")),
        *[
            (str(REFERENCE_TITLES[kind]), url_for(".reference", kind=kind))
            for kind in admin.REFERENCE_MODELS
        ],
        (_("캠페인"), url_for(".campaigns")),
        (_("관리 기록"), url_for(".audit")),
        (_("개인정보 접근 기록"), url_for(".personal_data_access")),
        (_("작업 대기열"), url_for(".jobs")),
        (_("시민투표 관리"), url_for(".votes")),
    ]
    recent = admin.audit_trail(db.session, limit=10)
    return render_template("admin/index.html", sections=sections, recent=recent)


# Users -------------------------------------------------------------------------------------


def _user_choices(form: UserForm, user: User | None = None) -> None:
    form.role.choices = [(role.value, label(role)) for role in Role]
    organisations = db.session.scalars(
        select(Organisation)
        .where(
            or_(
                Organisation.active.is_(True),
                Organisation.id == (user.organisation_id if user else None),
            )
        )
        .order_by(Organisation.name)
    )
    form.organisation_id.choices = [("", _("없음 (시민)"))] + [
        (str(o.id), f"{o.name} ({label(o.kind)})") for o in organisations
    ]


def _role(value: str | None) -> Role:
    try:
        return Role(value or "")
    except ValueError:
        return Role.CITIZEN


def _organisation_id(value: str | None) -> int | None:
    return int(value) if value and value.isdecimal() and len(value) < 10 else None


@bp.route("/users")
def users():  # type: ignore[no-untyped-def]
    role = request.args.get("role", "")
    text = request.args.get("q", "").strip()
    query = select(User).order_by(User.role, User.email).limit(PAGE)
    if role in Role.values():
        query = query.where(User.role == Role(role))
    else:
        query = query.where(User.role != Role.CITIZEN)
    if text:
        pattern = f"%{text.lower()}%"
        query = query.where(or_(User.email.like(pattern), User.name.like(f"%{text}%")))
    rows = [
        {
            "cells": [
                u.email,
                u.name,
                label(u.role),
                u.organisation.name if u.organisation else "",
                _state(u.active),
            ],
            "url": url_for(".edit_user", user_id=u.id),
            "active": u.active,
        }
        for u in db.session.scalars(query)
    ]
    log_personal_data_access(
        "list_accounts", "user", role or "staff", query=text[:100], count=len(rows)
    )
    return render_template(
        "admin/records.html",
        title=_("사용자와 역할"),
        headers=[_("이메일"), _("이름"), _("역할"), _("소속 기관"), _("상태")],
        rows=rows,
        new_url=url_for(".new_user"),
        new_label=_("직원 계정 만들기"),
        user_filter={"roles": [(r.value, label(r)) for r in Role], "role": role, "q": text},
        limit=PAGE,
    )


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():  # type: ignore[no-untyped-def]
    form = UserForm()
    _user_choices(form)
    if form.validate_on_submit():
        try:
            user = admin.create_user(
                db.session,
                _me(),
                email=form.email.data or "",
                name=form.name.data or "",
                role=_role(form.role.data),
                organisation_id=_organisation_id(form.organisation_id.data),
                phone=form.phone.data,
                password=form.password.data or None,
            )
            commit(db.session)
        except WorkflowError as exc:
            _refused(form, exc)
        else:
            flash(_("계정을 만들었습니다: %(email)s", email=user.email), "success")
            return redirect(url_for(".users"), 303)
    elif not form.is_submitted():
        form.role.data = Role.REVIEWER.value
    return _form_page(
        form,
        title=_("직원 계정 만들기"),
        fields=["email", "name", "phone", "role", "organisation_id", "password"],
        back=url_for(".users"),
    )


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):  # type: ignore[no-untyped-def]
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=None if request.method == "POST" else user)
    _user_choices(form, user)
    if request.method == "GET":
        log_personal_data_access("view_account", "user", str(user.id))
        form.role.data = user.role.value
        form.organisation_id.data = str(user.organisation_id or "")
    elif form.validate_on_submit():
        try:
            admin.update_user(
                db.session,
                _me(),
                user,
                name=form.name.data or "",
                role=_role(form.role.data),
                organisation_id=_organisation_id(form.organisation_id.data),
                phone=form.phone.data,
            )
            commit(db.session)
        except WorkflowError as exc:
            _refused(form, exc)
        else:
            flash(_("계정을 고쳤습니다: %(email)s", email=user.email), "success")
            return redirect(url_for(".users"), 303)
    return _form_page(
        form,
        title=user.email,
        fields=["name", "phone", "role", "organisation_id"],
        back=url_for(".users"),
        toggle={"url": url_for(".user_active", user_id=user.id), "active": user.active},
        facts=[(_("이메일"), user.email), (_("상태"), _state(user.active))],
        second_factor={
            "url": url_for(".reset_second_factor", user_id=user.id),
            "enrolled": user.totp_secret is not None,
        }
        if user.role in TWO_FACTOR_ROLES
        else None,
    )


@bp.route("/users/<int:user_id>/active", methods=["POST"])
def user_active(user_id: int):  # type: ignore[no-untyped-def]
    user = db.get_or_404(User, user_id)
    active = _toggle_value()
    try:
        admin.set_user_active(db.session, _me(), user, active=active)
        commit(db.session)
    except WorkflowError as exc:
        db.session.rollback()
        flash(refusal_text(exc), "error")
        return redirect(url_for(".edit_user", user_id=user.id), 303)
    flash(_("%(name)s: %(state)s", name=user.email, state=_state(active)), "success")
    return redirect(url_for(".users"), 303)


# Organisations -----------------------------------------------------------------------------


def _kind_choices(form: OrganisationForm) -> None:
    form.kind.choices = [(k.value, label(k)) for k in OrganisationKind]


def _kind(value: str | None) -> OrganisationKind:
    try:
        return OrganisationKind(value or "")
    except ValueError:
        return OrganisationKind.DEPARTMENT


@bp.route("/organisations")
def organisations():  # type: ignore[no-untyped-def]
    rows = [
        {
            "cells": [o.code, o.name, label(o.kind), _state(o.active)],
            "url": url_for(".edit_organisation", organisation_id=o.id),
            "active": o.active,
        }
        for o in db.session.scalars(
            select(Organisation).order_by(Organisation.kind, Organisation.name)
        )
    ]
    return render_template(
        "admin/records.html",
        title=_("기관"),
        headers=[_("코드"), _("이름"), _("종류"), _("상태")],
        rows=rows,
        new_url=url_for(".new_organisation"),
        new_label=_("기관 추가"),
    )


@bp.route("/organisations/new", methods=["GET", "POST"])
def new_organisation():  # type: ignore[no-untyped-def]
    form = OrganisationForm()
    _kind_choices(form)
    if form.validate_on_submit():
        try:
            admin.create_organisation(
                db.session,
                _me(),
                code=form.code.data or "",
                name=form.name.data or "",
                kind=_kind(form.kind.data),
            )
            commit(db.session)
        except WorkflowError as exc:
            _refused(form, exc)
        else:
            flash(_("기관을 추가했습니다."), "success")
            return redirect(url_for(".organisations"), 303)
    return _form_page(
        form, title=_("기관 추가"), fields=["code", "name", "kind"], back=url_for(".organisations")
    )


@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
def edit_organisation(organisation_id: int):  # type: ignore[no-untyped-def]
    organisation = db.get_or_404(Organisation, organisation_id)
    form = OrganisationForm(obj=None if request.method == "POST" else organisation)
    _kind_choices(form)
    if request.method == "GET":
        form.kind.data = organisation.kind.value
    elif form.validate_on_submit():
        try:
            admin.update_organisation(
                db.session,
                _me(),
                organisation,
                name=form.name.data or "",
                kind=_kind(form.kind.data),
            )
            commit(db.session)
        except WorkflowError as exc:
            _refused(form, exc)
        else:
            flash(_("기관을 고쳤습니다."), "success")
            return redirect(url_for(".organisations"), 303)
    return _form_page(
        form,
        title=organisation.name,
        fields=["name", "kind"],
        back=url_for(".organisations"),
        toggle={
            "url": url_for(".organisation_active", organisation_id=organisation.id),
            "active": organisation.active,
        },
        facts=[(_("코드"), organisation.code), (_("상태"), _state(organisation.active))],
    )


@bp.route("/organisations/<int:organisation_id>/active", methods=["POST"])
def organisation_active(organisation_id: int):  # type: ignore[no-untyped-def]
    organisation = db.get_or_404(Organisation, organisation_id)
    active = _toggle_value()
    admin.set_organisation_active(db.session, _me(), organisation, active=active)
    commit(db.session)
    flash(_("%(name)s: %(state)s", name=organisation.name, state=_state(active)), "success")
    return redirect(url_for(".organisations"), 303)


# Reference data ----------------------------------------------------------------------------


def _kind_or_404(kind: str) -> str:
    if kind not in admin.REFERENCE_MODELS:
        abort(404)
    return kind


def _reference_form(kind: str) -> ReferenceForm:
    form = ReferenceForm()
    form.source_kind.choices = [("", _("모든 유형"))] + [(s.value, label(s)) for s in SourceKind]
    return form


def _source_kind(value: str | None) -> SourceKind | None:
    try:
        return SourceKind(value) if value else None
    except ValueError:
        return None


def _reference_fields(kind: str, creating: bool) -> list[str]:
    fields = ["code"] if creating else []
    fields += ["label_ko", "label_en", "position"]
    return [*fields, "source_kind"] if kind == "channel" else fields


@bp.route("/reference/<kind>")
def reference(kind: str):  # type: ignore[no-untyped-def]
    _kind_or_404(kind)
    rows = [
        {
            "cells": [r.code, r.label_ko, r.label_en, str(r.position), _state(r.active)]
            + ([label(r.source_kind) or _("모든 유형")] if kind == "channel" else []),
            "url": url_for(".edit_reference", kind=kind, code=r.code),
            "active": r.active,
        }
        for r in admin.reference_rows(db.session, kind)
    ]
    headers = [_("코드"), _("한국어 이름"), _("영어 이름"), _("순서"), _("상태")]
    return render_template(
        "admin/records.html",
        title=str(REFERENCE_TITLES[kind]),
        headers=headers + ([_("제안자 유형")] if kind == "channel" else []),
        rows=rows,
        new_url=url_for(".new_reference", kind=kind),
        new_label=_("추가"),
        note=_("코드는 바뀌지 않으며, 쓰이고 있는 코드는 지우지 않고 사용 중지합니다."),
    )


@bp.route("/reference/<kind>/new", methods=["GET", "POST"])
def new_reference(kind: str):  # type: ignore[no-untyped-def]
    _kind_or_404(kind)
    form = _reference_form(kind)
    if form.validate_on_submit():
        try:
            admin.create_reference(
                db.session,
                _me(),
                kind,
                code=form.code.data or "",
                label_ko=form.label_ko.data or "",
                label_en=form.label_en.data or "",
                position=form.position.data if form.position.data is not None else 0,
                source_kind=_source_kind(form.source_kind.data),
            )
            commit(db.session)
        except WorkflowError as exc:
            _refused(form, exc)
        else:
            flash(_("추가했습니다."), "success")
            return redirect(url_for(".reference", kind=kind), 303)
    return _form_page(
        form,
        title=str(REFERENCE_TITLES[kind]),
        fields=_reference_fields(kind, True),
        back=url_for(".reference", kind=kind),
    )


@bp.route("/reference/<kind>/<code>", methods=["GET", "POST"])
def edit_reference(kind: str, code: str):  # type: ignore[no-untyped-def]
    _kind_or_404(kind)
    row = db.get_or_404(admin.REFERENCE_MODELS[kind], code)
    form = _reference_form(kind)
    if request.method == "GET":
        form.label_ko.data, form.label_en.data, form.position.data = (
            row.label_ko,
            row.label_en,
            row.position,
        )
        form.source_kind.data = getattr(row, "source_kind", None) and row.source_kind.value
    elif form.validate_on_submit():
        try:
            admin.update_reference(
                db.session,
                _me(),
                kind,
                row,
                label_ko=form.label_ko.data or "",
                label_en=form.label_en.data or "",
                position=form.position.data if form.position.data is not None else 0,
                source_kind=_source_kind(form.source_kind.data),
            )
            commit(db.session)
        except WorkflowError as exc:
            _refused(form, exc)
        else:
            flash(_("고쳤습니다."), "success")
            return redirect(url_for(".reference", kind=kind), 303)
    return _form_page(
        form,
        title=f"{REFERENCE_TITLES[kind]!s}: {row.code}",
        fields=_reference_fields(kind, False),
        back=url_for(".reference", kind=kind),
        toggle={
            "url": url_for(".reference_active", kind=kind, code=row.code),
            "active": row.active,
        },
        facts=[(_("코드"), row.code), (_("상태"), _state(row.active))],
    )


@bp.route("/reference/<kind>/<code>/active", methods=["POST"])
def reference_active(kind: str, code: str):  # type: ignore[no-untyped-def]
    _kind_or_404(kind)
    row = db.get_or_404(admin.REFERENCE_MODELS[kind], code)
    active = _toggle_value()
    admin.set_reference_active(db.session, _me(), kind, row, active=active)
    commit(db.session)
    flash(_("%(name)s: %(state)s", name=row.code, state=_state(active)), "success")
    return redirect(url_for(".reference", kind=kind), 303)


# Campaigns ---------------------------------------------------------------------------------


@bp.route("/campaigns")
def campaigns():  # type: ignore[no-untyped-def]
    rows = [
        {
            "cells": [
                c.code,
                c.name,
                c.starts_on.isoformat(),
                c.ends_on.isoformat(),
                _state(c.active),
            ],
            "url": url_for(".edit_campaign", campaign_id=c.id),
            "active": c.active,
        }
        for c in db.session.scalars(select(Campaign).order_by(Campaign.starts_on.desc()))
    ]
    return render_template(
        "admin/records.html",
        title=_("캠페인"),
        headers=[_("코드"), _("이름"), _("시작일"), _("종료일"), _("상태")],
        rows=rows,
        new_url=url_for(".new_campaign"),
        new_label=_("캠페인 추가"),
    )


@bp.route("/campaigns/new", methods=["GET", "POST"])
def new_campaign():  # type: ignore[no-untyped-def]
    form = CampaignForm()
    if form.validate_on_submit():
        try:
            admin.create_campaign(
                db.session,
                _me(),
                code=form.code.data or "",
                name=form.name.data or "",
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
            )
            commit(db.session)
        except WorkflowError as exc:
            _refused(form, exc)
        else:
            flash(_("캠페인을 추가했습니다."), "success")
            return redirect(url_for(".campaigns"), 303)
    return _form_page(
        form,
        title=_("캠페인 추가"),
        fields=["code", "name", "starts_on", "ends_on"],
        back=url_for(".campaigns"),
    )


@bp.route("/campaigns/<int:campaign_id>", methods=["GET", "POST"])
def edit_campaign(campaign_id: int):  # type: ignore[no-untyped-def]
    campaign = db.get_or_404(Campaign, campaign_id)
    form = CampaignForm(obj=None if request.method == "POST" else campaign)
    if form.validate_on_submit():
        try:
            admin.update_campaign(
                db.session,
                _me(),
                campaign,
                name=form.name.data or "",
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
            )
            commit(db.session)
        except WorkflowError as exc:
            _refused(form, exc)
        else:
            flash(_("캠페인을 고쳤습니다."), "success")
            return redirect(url_for(".campaigns"), 303)
    return _form_page(
        form,
        title=campaign.name,
        fields=["name", "starts_on", "ends_on"],
        back=url_for(".campaigns"),
        toggle={
            "url": url_for(".campaign_active", campaign_id=campaign.id),
            "active": campaign.active,
        },
        facts=[(_("코드"), campaign.code), (_("상태"), _state(campaign.active))],
    )


@bp.route("/campaigns/<int:campaign_id>/active", methods=["POST"])
def campaign_active(campaign_id: int):  # type: ignore[no-untyped-def]
    campaign = db.get_or_404(Campaign, campaign_id)
    active = _toggle_value()
    admin.set_campaign_active(db.session, _me(), campaign, active=active)
    commit(db.session)
    flash(_("%(name)s: %(state)s", name=campaign.name, state=_state(active)), "success")
    return redirect(url_for(".campaigns"), 303)


# Audit trail -------------------------------------------------------------------------------

AUDIT_TYPES = ("user", "organisation", *admin.REFERENCE_MODELS, "campaign")


@bp.route("/audit")
def audit():  # type: ignore[no-untyped-def]
    object_type = request.args.get("type", "")
    entries = admin.audit_trail(
        db.session, object_type=object_type if object_type in AUDIT_TYPES else None, limit=PAGE
    )
    actors = {
        u.id: u
        for u in db.session.scalars(
            select(User).where(User.id.in_({e.actor_id for e in entries if e.actor_id}))
        )
    }
    return render_template(
        "admin/audit.html",
        entries=entries,
        actors=actors,
        types=AUDIT_TYPES,
        chosen=object_type,
        limit=PAGE,
    )
