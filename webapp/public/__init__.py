"""Public pages: the campaign figures."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlalchemy import select

from models import Campaign, Channel, RegulationType, Sector, SourceKind, db
from workflows.stats import StatsFilter, campaign_stats, repeals_by_sector_and_type

from ..filters import FilterError, parse_stats_filter

bp = Blueprint("public", __name__)


@bp.route("/")
def home():  # type: ignore[no-untyped-def]
    error = None
    try:
        filters = parse_stats_filter(request.args.to_dict(), default_campaign=True)
    except FilterError as exc:
        error, filters = exc, StatsFilter()
    stats = campaign_stats(db.session, filters)
    labels = {
        "source": {k.value: k for k in SourceKind},
        "sector": {s.code: s for s in db.session.scalars(select(Sector))},
        "type": {t.code: t for t in db.session.scalars(select(RegulationType))},
        "channel": {c.code: c for c in db.session.scalars(select(Channel))},
    }
    campaigns = list(db.session.scalars(select(Campaign).order_by(Campaign.starts_on.desc())))
    return render_template(
        "public/home.html",
        stats=stats,
        labels=labels,
        filters=filters,
        campaigns=campaigns,
        error=error,
        cells=repeals_by_sector_and_type(db.session, filters),
    ), (400 if error else 200)


@bp.route("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    db.session.execute(select(1))
    return {"status": "ok"}
