"""The JSON API (``/api/v1``)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from models import db
from models.masking import mask_text
from workflows import public
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
