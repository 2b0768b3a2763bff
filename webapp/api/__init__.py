"""The JSON API (``/api/v1``)."""

from __future__ import annotations

import secrets

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select

from models import Proposal, State, User, VoteRound, as_utc, db
from models.base import writing_apart
from models.masking import mask_text
from workflows import intake, public, tokens, voting
from workflows.dispatch import commit
from workflows.errors import WorkflowError
from workflows.stats import campaign_stats

from ..extensions import csrf
from ..figures_cache import figures_for
from ..filters import (
    FilterError,
    decode_number_key,
    decode_time_key,
    encode_number_key,
    encode_time_key,
    link_next,
    parse_api_slice,
    parse_public_filter,
    parse_stats_filter,
    public_filter_args,
)
from ..i18n import localised_errors, refusal_text

bp = Blueprint("api", __name__)
csrf.exempt(bp)  # token-authenticated JSON; no session-authenticated state changes live here


@bp.route("/stats")
def stats():  # type: ignore[no-untyped-def]
    """Campaign figures keyed by DOMAIN.md's codes; filters ``campaign``, ``from``, ``to``."""
    try:
        filters = parse_stats_filter(request.args.to_dict(), default_campaign=False)
    except FilterError as exc:
        return jsonify(error="invalid_filter", field=exc.field, message=exc.message), 400
    found = figures_for("stats", filters, lambda: campaign_stats(db.session, filters))
    return jsonify({**found.value, "as_of": found.as_of.isoformat(), "updating": found.updating})


@bp.route("/repeals")
def repeals():  # type: ignore[no-untyped-def]
    """The repeal register in number order, ``limit`` repeals at a time (100 by default, at most
    500) after the cursor ``after``; filters ``sector``, ``regulation_type``, ``announcement``.
    The body stays the array it always was; the next slice's address is in the ``Link``
    header (RFC 8288, ``rel="next"``), absent on the last slice."""
    args = request.args.to_dict()
    try:
        filters = parse_public_filter(args)
        after, limit = parse_api_slice(args, decode_number_key)
    except FilterError as exc:
        return jsonify(error="invalid_filter", field=exc.field, message=exc.message), 400
    rows, next_key = public.repeals_after(db.session, filters, after, limit=limit)
    response = jsonify(
        [
            {
                "number": p.repeal_no,
                "title": mask_text(p.title, (p.contact_name,)),
                "sector": p.sector_code,
                "regulation_type": p.regulation_type_code,
                "announcement": p.announcement.title if p.announcement else None,
                "announced_on": p.announcement.announced_on.isoformat() if p.announcement else None,
                "receipt_no": p.receipt_no,
                "outcome": p.outcome.value if p.outcome else None,
                "implementation": p.implementation_stage.value if p.implementation_stage else None,
                "effective_on": p.effective_on.isoformat() if p.effective_on else None,
            }
            for p in rows
        ]
    )
    return link_next(
        response,
        "api.repeals",
        next_key,
        encode_number_key,
        **public_filter_args(filters),
        limit=limit,
    )


@bp.route("/votes/<int:round_id>/results")
def vote_results(round_id: int):  # type: ignore[no-untyped-def]
    """Results of a citizen vote once it has closed: counts, ranks and how many voted."""
    vote_round = db.session.get(VoteRound, round_id)
    if vote_round is None:
        return jsonify(error="not_found", message=_("없는 투표입니다")), 404
    if not voting.is_closed(vote_round):
        return jsonify(
            error="not_closed",
            message=_("결과는 투표가 끝난 뒤 공개됩니다"),
            closes_at=vote_round.closes_at.isoformat(),
        ), 409
    result = voting.results(db.session, vote_round)
    return jsonify(
        {
            "round": vote_round.id,
            "title": vote_round.title,
            "opens_at": as_utc(vote_round.opens_at).isoformat(),
            "closes_at": as_utc(vote_round.closes_at).isoformat(),
            "voters": result.voters,
            "top": [r.candidate.proposal.repeal_no for r in result.top(vote_round.max_picks)],
            "results": [
                {
                    "rank": r.rank,
                    "number": r.candidate.proposal.repeal_no,
                    "title": mask_text(
                        r.candidate.proposal.title, (r.candidate.proposal.contact_name,)
                    ),
                    "votes": r.votes,
                }
                for r in result.rows
            ],
        }
    )


@bp.route("/openapi.json")
def openapi():  # type: ignore[no-untyped-def]
    from .openapi import document

    return jsonify(document())


def _bearer() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def api_user() -> User | None:
    """API calls authenticate by Bearer token only (never by the session cookie, so a page
    cannot make a browser call the API on its user's behalf)."""
    token = _bearer()
    row = tokens.token_for(db.session, token) if token else None
    if row is None:
        return None
    if tokens.use_due(row):
        # Noted at once in a short transaction of its own: on SQLite a GET's read transaction
        # could not take the write lock later once another request had committed (it fails at
        # once instead of waiting for it).
        with writing_apart(db.session):
            tokens.note_use(db.session, row)
            db.session.commit()
    return row.user


def _unauthorised():  # type: ignore[no-untyped-def]
    response = jsonify(
        error="unauthorised", message=_("유효한 토큰이 필요합니다 (Authorization: Bearer)")
    )
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@bp.route("/tokens", methods=["POST"])
def create_token():  # type: ignore[no-untyped-def]
    body = request.get_json(silent=True)
    if (
        not isinstance(body, dict)
        or not isinstance(body.get("email"), str)
        or not isinstance(body.get("password"), str)
    ):
        return jsonify(
            error="invalid",
            message=_("email 과 password 를 JSON 으로 보내 주십시오"),
            errors={"email": _("필수"), "password": _("필수")},
        ), 422
    try:
        token = tokens.issue_token(
            db.session,
            email=body["email"],
            password=body["password"],
            name=str(body.get("name", "")),
            otp=str(body["otp"]) if body.get("otp") is not None else None,
        )
    except WorkflowError as exc:
        db.session.rollback()
        if exc.rule == "second_factor":  # a wrong code counts, even though nothing is issued
            tokens.count_second_factor_failure(db.session, email=body["email"])
            commit(db.session)
        return jsonify(error="invalid_credentials", message=refusal_text(exc)), 401
    commit(db.session)
    return jsonify(token=token), 201


@bp.route("/tokens/current", methods=["DELETE"])
def revoke_current_token():  # type: ignore[no-untyped-def]
    token = _bearer()
    if not token or not tokens.revoke_token(db.session, token):
        return _unauthorised()
    commit(db.session)
    return "", 204


def _proposal_json(proposal: Proposal) -> dict[str, object]:
    return {
        "id": proposal.id,
        "receipt_no": proposal.receipt_no,
        "stage": proposal.stage.value,
        "state": proposal.state.value,
    }


def _proposal_detail(proposal: Proposal) -> dict[str, object]:
    decision = (
        proposal.current_decision if proposal.state in (State.DECIDED, State.ANNOUNCED) else None
    )
    return {
        **_proposal_json(proposal),
        "title": proposal.title,
        "current_regulation": proposal.current_regulation,
        "legal_basis": proposal.legal_basis,
        "problem": proposal.problem,
        "proposed_change": proposal.proposed_change,
        "expected_effect": proposal.expected_effect,
        "sector": proposal.sector_code,
        "regulation_type": proposal.regulation_type_code,
        "source": proposal.source_kind.value,
        "channel": proposal.channel_code,
        "outcome": proposal.outcome.value if proposal.outcome else None,
        "repeal_no": proposal.repeal_no,
        "submitted_at": as_utc(proposal.submitted_at).isoformat()
        if proposal.submitted_at
        else None,
        "decision": {
            "outcome": decision.outcome.value,
            "reasons": decision.reasons,
            "responsible_official": decision.responsible_official,
        }
        if decision
        else None,
    }


PROPOSAL_FIELDS = (
    "title",
    "current_regulation",
    "problem",
    "proposed_change",
    "expected_effect",
    "legal_basis",
    "sector",
    "regulation_type",
)


@bp.route("/proposals", methods=["POST"])
def create_proposal():  # type: ignore[no-untyped-def]
    """Submit a proposal; ``Idempotency-Key`` makes a repeated call return the same one."""
    user = api_user()
    if user is None:
        return _unauthorised()
    if user.role not in intake.SOURCE_OF_ROLE:
        message = _("제안자는 시민, 공무원 또는 기관 담당자여야 합니다")
        return jsonify(error="proposer_role", message=message), 403
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify(error="invalid", message=_("JSON 객체를 보내 주십시오"), errors={}), 422
    errors = {
        name: _("문자열이어야 합니다")
        for name in PROPOSAL_FIELDS
        if body.get(name) is not None and not isinstance(body.get(name), str)
    }
    if body.get("consent") is not True:
        errors["consent"] = _("개인정보 수집·이용에 동의(consent: true)해야 제출할 수 있습니다")
    if errors:
        return jsonify(
            error="invalid", message=_("입력 내용을 확인해 주십시오"), errors=errors
        ), 422
    key = request.headers.get("Idempotency-Key", "").strip()[:64] or secrets.token_urlsafe(24)
    fields = intake.ProposalFields(
        title=body.get("title") or "",
        current_regulation=body.get("current_regulation") or "",
        problem=body.get("problem") or "",
        proposed_change=body.get("proposed_change") or "",
        expected_effect=body.get("expected_effect") or "",
        legal_basis=body.get("legal_basis"),
        sector_code=body.get("sector"),
        regulation_type_code=body.get("regulation_type"),
    )
    try:
        proposal, created = intake.submit_once(
            db.session,
            user,
            fields,
            channel_code=intake.default_channel(user),
            key=key,
            consent=True,
        )
        # The answer is read before the commit, which expires the proposal: reading it after
        # would load the whole row again for four values that the commit does not change.
        answer = _proposal_json(proposal)
        commit(db.session)
    except intake.FieldErrors as exc:
        db.session.rollback()
        renamed = {
            {"sector_code": "sector", "regulation_type_code": "regulation_type"}.get(k, k): v
            for k, v in localised_errors(exc.errors).items()
        }
        return jsonify(
            error="invalid", message=_("입력 내용을 확인해 주십시오"), errors=renamed
        ), 422
    except WorkflowError as exc:
        db.session.rollback()
        extra = {"errors": {}} if exc.status == 422 else {}  # the 422 shape: FieldErrors
        return jsonify(error=exc.rule, message=refusal_text(exc), **extra), exc.status
    return jsonify(answer), (201 if created else 200)


@bp.route("/proposals/<receipt_no>")
def get_proposal(receipt_no: str):  # type: ignore[no-untyped-def]
    """The proposer's or staff's view; anyone else gets 404, never a hint that it exists."""
    user = api_user()
    if user is None:
        return _unauthorised()
    proposal = db.session.scalar(select(Proposal).where(Proposal.receipt_no == receipt_no))
    if proposal is None or not (
        user.is_staff or user.id in (proposal.proposer_id, proposal.entered_by_id)
    ):
        return jsonify(error="not_found", message=_("없는 제안입니다")), 404
    return jsonify(_proposal_detail(proposal))


@bp.route("/me/proposals")
def my_proposals():  # type: ignore[no-untyped-def]
    """The caller's submitted proposals, the latest first, ``limit`` at a time (100 by default,
    at most 500) after the cursor ``after``. The body stays the array it always was; the next
    slice's address is in the ``Link`` header (``rel="next"``), absent on the last slice."""
    user = api_user()
    if user is None:
        return _unauthorised()
    try:
        after, limit = parse_api_slice(request.args.to_dict(), decode_time_key)
    except FilterError as exc:
        return jsonify(error="invalid_filter", field=exc.field, message=exc.message), 400
    items, next_key = public.submitted_by_after(db.session, user.id, after, limit=limit)
    response = jsonify([_proposal_detail(p) for p in items])
    return link_next(response, "api.my_proposals", next_key, encode_time_key, limit=limit)


from . import office as _office  # noqa: E402,F401 - the issue-4 routes on this blueprint
from . import search as _search_routes  # noqa: E402, F401 - registers GET /search on bp
