"""The JSON API (``/api/v1``)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from models import VoteRound, as_utc, db
from models.masking import mask_text
from workflows import public, voting
from workflows.stats import campaign_stats

from ..extensions import csrf
from ..filters import FilterError, parse_public_filter, parse_stats_filter

bp = Blueprint("api", __name__)
csrf.exempt(bp)  # token-authenticated JSON; no session-authenticated state changes live here


@bp.route("/stats")
def stats():  # type: ignore[no-untyped-def]
    """Campaign figures keyed by DOMAIN.md's codes; filters ``campaign``, ``from``, ``to``."""
    try:
        filters = parse_stats_filter(request.args.to_dict(), default_campaign=False)
    except FilterError as exc:
        return jsonify(error="invalid_filter", field=exc.field, message=exc.message), 400
    return jsonify(campaign_stats(db.session, filters))


@bp.route("/repeals")
def repeals():  # type: ignore[no-untyped-def]
    """The repeal register in number order; filters ``sector``, ``regulation_type``,
    ``announcement``."""
    try:
        filters = parse_public_filter(request.args.to_dict())
    except FilterError as exc:
        return jsonify(error="invalid_filter", field=exc.field, message=exc.message), 400
    return jsonify(
        [
            {
                "number": p.repeal_no,
                "title": mask_text(p.title),
                "sector": p.sector_code,
                "regulation_type": p.regulation_type_code,
                "announcement": p.announcement.title if p.announcement else None,
                "announced_on": p.announcement.announced_on.isoformat() if p.announcement else None,
                "receipt_no": p.receipt_no,
                "outcome": p.outcome.value if p.outcome else None,
                "implementation": p.implementation_stage.value if p.implementation_stage else None,
                "effective_on": p.effective_on.isoformat() if p.effective_on else None,
            }
            for p in public.repeal_register(db.session, filters)
        ]
    )


@bp.route("/votes/<int:round_id>/results")
def vote_results(round_id: int):  # type: ignore[no-untyped-def]
    """Results of a citizen vote once it has closed: counts, ranks and how many voted."""
    vote_round = db.session.get(VoteRound, round_id)
    if vote_round is None:
        return jsonify(error="not_found", message="없는 투표입니다"), 404
    if not voting.is_closed(vote_round):
        return jsonify(
            error="not_closed",
            message="결과는 투표가 끝난 뒤 공개됩니다",
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
                    "title": mask_text(r.candidate.proposal.title),
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
