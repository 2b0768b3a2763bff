"""The JSON API (``/api/v1``)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from models import db
from workflows.stats import campaign_stats

from ..extensions import csrf
from ..filters import FilterError, parse_stats_filter

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
