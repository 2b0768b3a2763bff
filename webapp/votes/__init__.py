"""Citizen votes (시민투표): verify identity, cast one ballot, see results after the close."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from models import Role, VoteRound, db
from workflows import voting
from workflows.dispatch import commit
from workflows.errors import WorkflowError

from ..i18n import refusal_text
from ..identity import IdentityError, provider, vote_secret
from .forms import BallotForm, IdentityForm

bp = Blueprint("votes", __name__)


def _round(round_id: int) -> VoteRound:
    # With its candidates in the same query: every page and ballot of a round reads them.
    vote_round = db.session.get(VoteRound, round_id, options=[joinedload(VoteRound.candidates)])
    if vote_round is None:
        abort(404)
    return vote_round


def _session_key(round_id: int) -> str:
    return f"vote_key:{round_id}"


def _viewer():  # type: ignore[no-untyped-def]
    return current_user._get_current_object() if current_user.is_authenticated else None


@bp.route("/")
def index():  # type: ignore[no-untyped-def]
    rounds = list(db.session.scalars(select(VoteRound).order_by(VoteRound.opens_at.desc())))
    return render_template("votes/index.html", rounds=rounds, voting=voting)


def _render_round(
    vote_round: VoteRound, form: BallotForm, status: int = 200, error: str | None = None
):  # type: ignore[no-untyped-def]
    viewer = _viewer()
    form.picks.choices = [(c.id, c.proposal.title) for c in vote_round.candidates]
    key = session.get(_session_key(vote_round.id))
    voted = viewer is not None and voting.has_voted(db.session, vote_round, user=viewer, key=key)
    return render_template(
        "votes/round.html",
        vote_round=vote_round,
        form=form,
        error=error,
        voted=voted,
        verified=bool(key),
        is_open=voting.is_open(vote_round),
        is_citizen=viewer is not None and viewer.role is Role.CITIZEN,
        results_visible=voting.can_see_results(vote_round, viewer),
        provider_ready=provider() is not None,
    ), status


@bp.route("/<int:round_id>")
def show(round_id: int):  # type: ignore[no-untyped-def]
    return _render_round(_round(round_id), BallotForm())


@bp.route("/<int:round_id>/verify", methods=["GET", "POST"])
@login_required
def verify(round_id: int):  # type: ignore[no-untyped-def]
    vote_round = _round(round_id)
    identity = provider()
    if identity is None:
        abort(503)
    form = IdentityForm()
    if form.validate_on_submit():
        try:
            verified = identity.verify(
                {
                    "name": form.name.data or "",
                    "birth_date": form.birth_date.data.isoformat(),
                    "mobile": form.mobile.data or "",
                }
            )
        except IdentityError as exc:
            getattr(form, exc.field).errors.append(exc.message)
        else:
            session[_session_key(round_id)] = voting.voter_key(vote_secret(), verified.key_material)
            flash(_("본인확인을 마쳤습니다. 공감하는 과제를 골라 주십시오."), "success")
            return redirect(url_for(".show", round_id=round_id), 303)
    return render_template(
        "votes/verify.html", vote_round=vote_round, form=form, provider_label=identity.label
    ), (422 if form.errors else 200)


@bp.route("/<int:round_id>/ballot", methods=["POST"])
@login_required
def cast(round_id: int):  # type: ignore[no-untyped-def]
    vote_round = _round(round_id)
    # No choices with titles here: validate_choice is off (cast_ballot checks the picks), and
    # loading each candidate's proposal for its title cost a query per candidate on every ballot;
    # a refused ballot's page sets them in _render_round.
    form = BallotForm()
    key = session.get(_session_key(round_id))
    if not form.validate_on_submit():
        return _render_round(
            vote_round, form, 400, _("요청이 만료되었습니다. 다시 제출해 주십시오.")
        )
    if not key:
        return _render_round(vote_round, form, 409, _("먼저 본인확인을 해 주십시오."))
    try:
        voting.cast_ballot(
            db.session,
            current_user._get_current_object(),
            vote_round,
            key=key,
            candidate_ids=list(form.picks.data or []),
        )
        commit(db.session)
    except WorkflowError as exc:
        db.session.rollback()
        return _render_round(vote_round, form, exc.status, refusal_text(exc))
    flash(_("투표했습니다. 참여해 주셔서 감사합니다."), "success")
    return redirect(url_for(".show", round_id=round_id), 303)


@bp.route("/<int:round_id>/results")
def results(round_id: int):  # type: ignore[no-untyped-def]
    vote_round = _round(round_id)
    if not voting.can_see_results(vote_round, _viewer()):
        return render_template(
            "errors/error.html",
            status=403,
            message=_("결과는 투표가 끝난 뒤 공개됩니다."),
            request_id="",
        ), 403
    result = voting.results(db.session, vote_round)
    return render_template(
        "votes/results.html",
        vote_round=vote_round,
        results=result,
        top=result.top(vote_round.max_picks),
        closed=voting.is_closed(vote_round),
    )
