"""Proposers (citizens, officials, agency staff): write, save, preview and submit proposals;
follow them; answer information requests; withdraw."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import select

from models import (
    OPEN_STATES,
    Attachment,
    Proposal,
    ProposalEvent,
    RegulationType,
    Role,
    Sector,
    State,
    User,
    db,
)
from models.base import writing_apart
from models.masking import find_personal_data
from workflows import attachments, intake, public, reexamination, stash, triage
from workflows.attachments import Limits
from workflows.dispatch import commit
from workflows.errors import WorkflowError
from workflows.intake import CONSENT_VERSION, FieldErrors, ProposalFields, default_channel
from workflows.rules import PROPOSER_ROLES

from ..errors import _respond
from ..filters import (
    DEFAULT_PER_PAGE,
    FilterError,
    decode_time_key,
    encode_time_key,
    pager_links,
    parse_keyset,
)
from ..guards import require_roles
from ..i18n import localised_errors, refusal_text
from .forms import AnswerForm, ProposalForm, ReexaminationForm, WithdrawForm

bp = Blueprint("citizen", __name__)

# The proposal form's pages: what is posted there after the session expired is kept.
FORM_ENDPOINTS = frozenset({"citizen.new", "citizen.edit"})
STASH_SESSION_KEY = "form_stash"
STASHED_FIELDS = (
    "title",
    "current_regulation",
    "legal_basis",
    "problem",
    "proposed_change",
    "expected_effect",
    "sector_code",
    "regulation_type_code",
    "contact_name",
    "contact_phone",
    "contact_email",
    "submission_key",
)


def _stash_posted() -> None:
    data = {name: request.form.get(name, "")[:10_000] for name in STASHED_FIELDS}
    key = stash.stash_form(db.session, form="proposal", target=request.path, data=data)
    commit(db.session)
    session[STASH_SESSION_KEY] = key


@bp.before_request
def _keep_text_of_expired_session():  # type: ignore[no-untyped-def]
    """Registered before the role guard: a proposal posted after the login expired is stashed,
    and the form comes back filled once the proposer has logged in again."""
    if (
        request.method == "POST"
        and request.endpoint in FORM_ENDPOINTS
        and not current_user.is_authenticated
    ):
        _stash_posted()
        flash(
            _(
                "로그인이 만료되어 제출되지 않았습니다. 작성하신 내용은 보관해 두었으니"
                " 다시 로그인하면 이어서 쓸 수 있습니다."
            ),
            "error",
        )
        return redirect(url_for("auth.login", next=request.path), 303)
    return None


require_roles(bp, [Role.CITIZEN, Role.OFFICIAL, Role.AGENCY_STAFF])


@bp.app_errorhandler(CSRFError)
def _csrf_failed(exc: CSRFError):  # type: ignore[no-untyped-def]
    """A CSRF failure on the proposal form is usually an expired session: show the form again
    with what was typed (and stash it when the visitor is no longer logged in)."""
    staff = current_user.is_authenticated and current_user.role not in PROPOSER_ROLES
    if request.method != "POST" or request.endpoint not in FORM_ENDPOINTS or staff:
        return _respond(
            400,
            _("보안 확인 시간이 지났습니다. 페이지를 새로 고친 뒤 다시 시도해 주십시오."),
        )
    form = ProposalForm(formdata=request.form)
    _choices(form)
    logged_in = current_user.is_authenticated and current_user.role in PROPOSER_ROLES
    if logged_in:
        form.form_errors.append(
            _(
                "보안 확인 시간이 지나 제출되지 않았습니다. 입력하신 내용은 그대로 있으니"
                " 확인한 뒤 다시 눌러 주십시오. 첨부파일은 다시 골라 주십시오."
            )
        )
    else:
        _stash_posted()
        form.form_errors.append(
            _(
                "로그인이 만료되어 제출되지 않았습니다. 입력하신 내용은 보관해 두었습니다."
                " 다시 로그인하면 이 내용이 그대로 돌아옵니다. 첨부파일은 다시 골라 주십시오."
            )
        )
    return render_template(
        "citizen/proposal_form.html",
        form=form,
        proposal=None,
        preview=False,
        pii={},
        held=[],
        restored=False,
        login_url=None if logged_in else url_for("auth.login", next=request.path),
        consent_version=CONSENT_VERSION,
        limits=_limits(),
    ), 400


def _restore(form: ProposalForm) -> bool:
    """Fill the form with the text stashed when the session expired on this page, once."""
    key = session.get(STASH_SESSION_KEY)
    if not key:
        return False
    # Claimed in a short transaction of its own: this is a GET, whose read transaction could
    # not take SQLite's write lock once another request had committed (it fails at once).
    with writing_apart(db.session):
        data = stash.claim_stash(db.session, key, form="proposal", target=request.path)
        if data is None:
            db.session.rollback()
            return False
        commit(db.session)
    session.pop(STASH_SESSION_KEY, None)
    for name, value in data.items():
        field = getattr(form, name, None)
        if field is not None and name in STASHED_FIELDS:
            field.data = value or None
    return True


def _limits() -> Limits:
    config = current_app.config
    return Limits(
        max_bytes=config["ATTACHMENT_MAX_BYTES"],
        max_count=config["ATTACHMENT_MAX_COUNT"],
        max_uncompressed=config["ATTACHMENT_MAX_UNCOMPRESSED"],
    )


def _attachment_dir() -> Path:
    return Path(current_app.config["ATTACHMENT_DIR"])


def _take_files(form: ProposalForm, proposal: Proposal | None, key: str) -> list[str]:
    """Remove the attachments ticked for removal and keep every uploaded file that is accepted
    (committed at once, so a form refused for another reason keeps them); the reasons of the
    refused ones are returned."""
    me = _me()
    problems: list[str] = []
    changed = False
    for raw in request.form.getlist("remove_attachment"):
        held = db.session.get(Attachment, int(raw)) if raw.isdecimal() and len(raw) < 10 else None
        if held is None or held.owner_id != me.id:
            continue
        try:
            attachments.remove_attachment(db.session, me, held, _attachment_dir())
            changed = True
        except WorkflowError as exc:
            problems.append(refusal_text(exc))
    for upload in request.files.getlist(form.attachments.name):
        if upload is None or not upload.filename:
            continue
        try:
            attachments.add_attachment(
                db.session,
                me,
                data=upload.read(),
                filename=upload.filename,
                form_key=key,
                proposal=proposal,
                directory=_attachment_dir(),
                limits=_limits(),
            )
            changed = True
        except WorkflowError as exc:
            problems.append(refusal_text(exc))
    if changed:
        commit(db.session)
    return problems


PII_LABELS = {
    "resident_number": _l("주민등록번호"),
    "phone": _l("전화번호"),
    "email": _l("이메일 주소"),
}
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
            found[name] = [str(PII_LABELS[k]) for k in kinds]
    return found


def _render(
    form: ProposalForm,
    proposal: Proposal | None = None,
    *,
    preview: bool = False,
    status: int = 200,
    pii: dict[str, list[str]] | None = None,
    restored: bool = False,
):  # type: ignore[no-untyped-def]
    held = attachments.held_by_form(db.session, _me(), form.submission_key.data, proposal)
    return render_template(
        "citizen/proposal_form.html",
        form=form,
        proposal=proposal,
        preview=preview,
        pii=pii or {},
        held=held,
        restored=restored,
        login_url=None,
        consent_version=CONSENT_VERSION,
        limits=_limits(),
    ), status


def _handle(form: ProposalForm, proposal: Proposal | None):  # type: ignore[no-untyped-def]
    """One form, three buttons: save a draft, preview, submit."""
    action = request.form.get("action", "save")
    me = _me()
    key = form.submission_key.data or secrets.token_urlsafe(24)
    form.submission_key.data = key
    file_problems = _take_files(form, proposal, key)
    valid = form.validate()
    if file_problems:
        form.attachments.errors = [*form.attachments.errors, *file_problems]
    if not valid or file_problems:
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
            attachments.attach_pending(db.session, me, submitted, key)
            commit(db.session)
            return redirect(url_for(".receipt", proposal_id=submitted.id), 303)
        draft = intake.save_draft(
            db.session, me, _fields(form), channel_code=default_channel(me), key=key
        )
        if draft.state is State.DRAFT:
            attachments.attach_pending(db.session, me, draft, key)
        commit(db.session)
    except FieldErrors as exc:
        db.session.rollback()
        for name, message in localised_errors(exc.errors).items():
            target = getattr(form, name, None)
            (target.errors if target is not None else form.form_errors).append(message)
        return _render(form, proposal, status=422)
    except WorkflowError as exc:
        db.session.rollback()
        form.form_errors.append(refusal_text(exc))
        return _render(form, proposal, status=exc.status)
    if draft.state is not State.DRAFT:
        return redirect(url_for(".receipt", proposal_id=draft.id), 303)
    flash(_("임시 저장했습니다."), "success")
    return redirect(url_for(".edit", proposal_id=draft.id), 303)


@bp.route("/proposals")
def proposals():  # type: ignore[no-untyped-def]
    """My proposals (and those I entered for others), the latest first, a page at a time: the
    keyset ``after``/``before`` of the public registers (or an old ``page``), ``per_page``. A bad
    position is named in the answer (400) and the first page is shown."""
    me = _me()
    error = None
    try:
        keyset, per_page = parse_keyset(request.args.to_dict(), decode_time_key)
    except FilterError as exc:
        error, keyset, per_page = exc, public.Keyset(), DEFAULT_PER_PAGE
    result = public.own_proposals_page(db.session, me.id, keyset, per_page=per_page)
    links = pager_links(".proposals", {}, result, encode_time_key)
    return render_template(
        "citizen/proposals.html", items=result.items, result=result, links=links, error=error
    ), (400 if error else 200)


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
    return _render(form, restored=_restore(form))


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
    return _render(form, proposal, restored=_restore(form))


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
def show(  # type: ignore[no-untyped-def]
    proposal_id: int,
    answer_form: AnswerForm | None = None,
    status: int = 200,
    reexamination_form: ReexaminationForm | None = None,
):
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
        "attachments": attachments.of_proposal(db.session, proposal),
        "reexamination_form": reexamination_form or ReexaminationForm(),
        "reexaminations": reexamination.requests_of(db.session, proposal),
    }
    if proposal.state is State.DECIDED:
        refused = reexamination.refusal(db.session, _me(), proposal)
        context["can_request_reexamination"] = refused is None
        context["reexamination_refused"] = refusal_text(refused) if refused else None
        context["reexamination_deadline"] = (
            reexamination.deadline(decision) if decision is not None else None
        )
    return render_template("citizen/proposal.html", **context), status


def _one_field_operation(  # type: ignore[no-untyped-def]
    proposal, form, field: str, run, done: str, form_name: str
):
    """A proposer's operation from a one-field form: done → back to the proposal; refused →
    the rule next to the field, with what was typed kept."""
    if form.validate_on_submit():
        text = form[field]
        try:
            run(text.data or "")
            commit(db.session)
        except WorkflowError as exc:
            db.session.rollback()
            text.errors = [refusal_text(exc)]
        else:
            flash(done, "success")
            return redirect(url_for(".show", proposal_id=proposal.id), 303)
    return show(proposal.id, status=422, **{form_name: form})


@bp.route("/proposals/<int:proposal_id>/answer", methods=["POST"])
def answer(proposal_id: int):  # type: ignore[no-untyped-def]
    proposal = _own(proposal_id)
    return _one_field_operation(
        proposal,
        AnswerForm(),
        "answer",
        lambda text: triage.answer_information_request(db.session, _me(), proposal, answer=text),
        _("보완 답변을 보냈습니다. 다시 검토합니다."),
        "answer_form",
    )


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
        flash(refusal_text(exc), "error")
        return redirect(url_for(".show", proposal_id=proposal.id), 303)
    flash(_("제안을 철회했습니다."), "success")
    return redirect(url_for(".show", proposal_id=proposal.id), 303)


@bp.route("/proposals/<int:proposal_id>/reexamination", methods=["POST"])
def request_reexamination(proposal_id: int):  # type: ignore[no-untyped-def]
    proposal = _own(proposal_id)
    return _one_field_operation(
        proposal,
        ReexaminationForm(),
        "reasons",
        lambda text: reexamination.request_reexamination(db.session, _me(), proposal, reasons=text),
        _("재심사 요청을 접수했습니다. 다른 검토자가 다시 검토합니다."),
        "reexamination_form",
    )
