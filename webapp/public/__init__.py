"""Public pages: the campaign figures, the repeal register, announcements and proposals."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from sqlalchemy import select

from models import Campaign, Channel, RegulationType, Sector, SourceKind, Stage, db
from workflows import public
from workflows.stats import StatsFilter, campaign_stats, repeals_by_sector_and_type

from ..filters import FilterError, parse_page, parse_public_filter, parse_stats_filter

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


def _lists() -> dict[str, object]:
    sectors = list(db.session.scalars(select(Sector).order_by(Sector.position)))
    types = list(db.session.scalars(select(RegulationType).order_by(RegulationType.position)))
    return {
        "sectors": sectors,
        "types": types,
        "sector_of": {s.code: s for s in sectors},
        "type_of": {t.code: t for t in types},
        "announcements": public.published_announcements(db.session),
        "stages": list(Stage),
        "sources": list(SourceKind),
    }


def _filters_or_error() -> tuple[public.PublicFilter, FilterError | None]:
    try:
        return parse_public_filter(request.args.to_dict()), None
    except FilterError as exc:
        return public.PublicFilter(), exc


@bp.route("/repeals")
def repeals():  # type: ignore[no-untyped-def]
    """규제철폐 1호 … N호, filterable by sector, type and announcement."""
    filters, error = _filters_or_error()
    items = public.repeal_register(db.session, filters)
    return render_template(
        "public/repeals.html", items=items, filters=filters, error=error, **_lists()
    ), (400 if error else 200)


@bp.route("/repeals/<int:number>")
def repeal(number: int):  # type: ignore[no-untyped-def]
    proposal = public.repeal_by_number(db.session, number)
    if proposal is None:
        abort(404)
    return render_template(
        "public/repeal.html",
        proposal=proposal,
        text=public.public_text(proposal),
        decision=public.public_decision(proposal),
        events=public.public_timeline(db.session, proposal),
        **_lists(),
    )


@bp.route("/announcements")
def announcements():  # type: ignore[no-untyped-def]
    return render_template(
        "public/announcements.html", announcements=public.published_announcements(db.session)
    )


@bp.route("/announcements/<int:announcement_id>")
def announcement(announcement_id: int):  # type: ignore[no-untyped-def]
    item = public.published_announcement(db.session, announcement_id)
    if item is None:
        abort(404)
    return render_template("public/announcement.html", announcement=item)


@bp.route("/proposals")
def proposals():  # type: ignore[no-untyped-def]
    """Public proposals (screened by the office), with the register's filters and the stage."""
    filters, error = _filters_or_error()
    try:
        page, per_page = parse_page(request.args.to_dict())
    except FilterError as exc:
        error, page, per_page = exc, 1, 50
    result = public.public_proposals(db.session, filters, page=page, per_page=per_page)
    return render_template(
        "public/proposals.html", result=result, filters=filters, error=error, **_lists()
    ), (400 if error else 200)


@bp.route("/proposals/<receipt_no>")
def proposal(receipt_no: str):  # type: ignore[no-untyped-def]
    item = public.public_proposal(db.session, receipt_no)
    if item is None:
        abort(404)
    return render_template(
        "public/proposal.html",
        proposal=item,
        text=public.public_text(item),
        decision=public.public_decision(item),
        events=public.public_timeline(db.session, item),
    )
