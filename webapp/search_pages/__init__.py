"""Search pages: the public search (``/search``, public proposals, masked) and the staff search
inside the workspace (``/office/search``, with facets and the workspace's filters)."""

from __future__ import annotations

import html
import re

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import select

from models import RegulationType, Sector, SourceKind, Stage, db
from search import Scope, SearchQuery
from workflows.rules import OFFICE_ROLES

from ..guards import require_roles
from .service import (
    STAFF_SEARCH_ROLES,
    Results,
    run_search,
    scope_for,
    similar_proposals,
)

bp = Blueprint("search_pages", __name__)
office_bp = Blueprint("office_search", __name__)
require_roles(office_bp, STAFF_SEARCH_ROLES)

FILTER_ARGS = ("sector", "regulation_type", "source", "stage", "outcome", "year")
PER_PAGE = 20

__all__ = ["bp", "office_bp", "similar_proposals"]


class QueryError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _codes() -> dict[str, set[str]]:
    from models import Outcome

    return {
        "sector": set(db.session.scalars(select(Sector.code))),
        "regulation_type": set(db.session.scalars(select(RegulationType.code))),
        "source": set(SourceKind.values()),
        "stage": set(Stage.values()),
        "outcome": {*Outcome.values(), "none"},
    }


def parse_search_args(args: dict[str, str], scope: Scope) -> SearchQuery:
    """The query, its filters and the page from the URL; unknown codes are a ``QueryError``."""
    codes = _codes()
    filters: dict[str, str] = {}
    staff = scope is not Scope.PUBLIC
    allowed = FILTER_ARGS if staff else ("sector", "regulation_type", "source", "stage")
    for name in allowed:
        value = (args.get(name) or "").strip()
        if not value:
            continue
        if name == "year":
            if not (value.isdigit() and len(value) == 4):
                raise QueryError(name, _("연도는 네 자리 숫자여야 합니다"))
        elif value not in codes[name]:
            raise QueryError(name, _("알 수 없는 코드입니다: %(code)s", code=value[:40]))
        filters[name] = value
    raw_page = (args.get("page") or "1").strip()
    if not raw_page.isdigit() or not 1 <= int(raw_page) <= 500:
        raise QueryError("page", _("쪽 번호는 1부터 500 사이의 숫자여야 합니다"))
    return SearchQuery(
        text=args.get("q", ""),
        scope=scope,
        filters=filters,
        page=int(raw_page),
        per_page=PER_PAGE,
    )


def _lists() -> dict[str, object]:
    sectors = list(db.session.scalars(select(Sector).order_by(Sector.position)))
    types = list(db.session.scalars(select(RegulationType).order_by(RegulationType.position)))
    return {
        "sector_of": {s.code: s for s in sectors},
        "type_of": {t.code: t for t in types},
        "sectors": sectors,
        "types": types,
        "stages": list(Stage),
        "sources": list(SourceKind),
    }


def _search_page(template: str, *, staff: bool):  # type: ignore[no-untyped-def]
    args = request.args.to_dict()
    error: QueryError | None = None
    results: Results | None = None
    try:
        query = parse_search_args(args, scope_for(current_user) if staff else Scope.PUBLIC)
    except QueryError as exc:
        error = exc
        query = SearchQuery(text=args.get("q", ""))
    if error is None and (query.text.strip() or query.filters):
        results = run_search(query)
        if (
            not staff
            and results.result.lookup == "repeal"
            and len(results.items) == 1
            and results.items[0].proposal.repeal_no is not None
        ):
            # "33호" opens repeal No. 33.
            number = results.items[0].proposal.repeal_no
            return redirect(url_for("public.repeal", number=number), code=303)
    status = 400 if error else 200
    return render_template(
        template,
        q=args.get("q", ""),
        query=query,
        results=results,
        error=error,
        args=args,
        # Reviewers and the chair open a hit on its staff page in the workspace.
        office_links=staff and current_user.role in OFFICE_ROLES,
        **_lists(),
    ), status


@bp.route("/search")
def public_search():  # type: ignore[no-untyped-def]
    """Search what the public may see; "33호" goes straight to repeal No. 33."""
    return _search_page("search_pages/search_public.html", staff=False)


@office_bp.route("/office/search")
def office_search():  # type: ignore[no-untyped-def]
    """Search every proposal the staff member's role may see, with facets."""
    return _search_page("search_pages/search_office.html", staff=True)


def facet_label(name: str, value: str, sector_of: dict[str, object], type_of: dict[str, object]):  # type: ignore[no-untyped-def]
    """The label of a facet value in the current language."""
    from models import Outcome

    from ..helpers import label

    if name == "sector":
        return label(sector_of.get(value, value))
    if name == "regulation_type":
        return label(type_of.get(value, value))
    if name == "source" and value in SourceKind.values():
        return label(SourceKind(value))
    if name == "stage" and value in Stage.values():
        return label(Stage(value))
    if name == "outcome":
        return _("결정 전") if value == "none" else label(Outcome(value))
    return value


@bp.app_context_processor
def _search_helpers() -> dict[str, object]:
    from workflows.public import is_public

    return {
        "facet_label": facet_label,
        "is_public_proposal": is_public,
        "highlighted": highlighted,
    }


def highlighted(snippet: str) -> Markup:
    """A snippet with ``<mark>`` around the matches: every other character is escaped here,
    whatever the index returned, so the template never turns escaping off."""
    tags = {"<mark>": Markup("<mark>"), "</mark>": Markup("</mark>")}
    parts = re.split(r"(</?mark>)", snippet)
    return Markup("").join(tags.get(part) or escape(html.unescape(part)) for part in parts)
