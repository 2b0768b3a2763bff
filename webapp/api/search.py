"""``GET /api/v1/search``: the search as JSON. A staff token searches what that role may see;
no token searches the public view (masked, public proposals only)."""

from __future__ import annotations

from flask import jsonify, request

from search import Scope

from ..search_pages import QueryError, parse_search_args
from ..search_pages.service import run_search, scope_for
from . import _bearer, _unauthorised, api_user, bp


@bp.route("/search")
def search_proposals():  # type: ignore[no-untyped-def]
    """Ranked results with snippets and facet counts; ``q`` may be a receipt or repeal number."""
    scope = Scope.PUBLIC
    if _bearer():
        user = api_user()
        if user is None:
            return _unauthorised()
        scope = scope_for(user)
    try:
        query = parse_search_args(request.args.to_dict(), scope)
    except QueryError as exc:
        return jsonify(error="invalid_filter", field=exc.field, message=exc.message), 400
    found = run_search(query)
    result = found.result
    body = {
        "total": result.total,
        "total_exact": result.total_exact,
        "page": result.page,
        "per_page": result.per_page,
        "lookup": result.lookup,
        "message": result.message,
        "degraded": found.degraded,
        "results": [
            {
                "receipt_no": item.proposal.receipt_no,
                "repeal_no": item.proposal.repeal_no,
                "title": item.title,
                "snippet": item.hit.snippet,
                "sector": item.proposal.sector_code,
                "regulation_type": item.proposal.regulation_type_code,
                "stage": item.proposal.stage.value,
                "state": item.proposal.state.value,
                "outcome": item.proposal.outcome.value if item.proposal.outcome else None,
            }
            for item in found.items
        ],
        "facets": result.facets,
    }
    return jsonify(body)
