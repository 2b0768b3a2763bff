"""Public pages: the campaign figures, the repeal register, announcements and proposals."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Blueprint, abort, g, render_template, request, send_file
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select

from models import (
    Campaign,
    Channel,
    DeclineReason,
    Outcome,
    RegulationType,
    Sector,
    SourceKind,
    Stage,
    db,
)
from workflows import public
from workflows.dashboard import Dashboard, build_dashboard
from workflows.exports import write_xlsx
from workflows.report import campaign_report, report_sheets
from workflows.stats import StatsFilter, campaign_stats, repeals_by_sector_and_type

from ..charts import Bar, bar_chart, funnel, stacked_bar
from ..figures_cache import cached, figures_for, rendered
from ..filters import (
    DEFAULT_PER_PAGE,
    FilterError,
    decode_number_key,
    decode_time_key,
    encode_number_key,
    encode_time_key,
    pager_links,
    parse_keyset,
    parse_public_filter,
    parse_stats_filter,
    public_filter_args,
)
from ..helpers import label

bp = Blueprint("public", __name__)


@bp.route("/")
def home():  # type: ignore[no-untyped-def]
    error = None
    try:
        filters = parse_stats_filter(request.args.to_dict(), default_campaign=True)
    except FilterError as exc:
        error, filters = exc, StatsFilter()
    stats = figures_for("stats", filters, lambda: campaign_stats(db.session, filters))
    cells = figures_for(
        "home.cells", filters, lambda: repeals_by_sector_and_type(db.session, filters)
    )
    labels = {
        "source": {k.value: k for k in SourceKind},
        "sector": {s.code: s for s in db.session.scalars(select(Sector))},
        "type": {t.code: t for t in db.session.scalars(select(RegulationType))},
        "channel": {c.code: c for c in db.session.scalars(select(Channel))},
    }
    campaigns = list(db.session.scalars(select(Campaign).order_by(Campaign.starts_on.desc())))
    return render_template(
        "public/home.html",
        stats=stats.value,
        labels=labels,
        filters=filters,
        campaigns=campaigns,
        error=error,
        cells=cells.value,
        as_of=min(stats.as_of, cells.as_of),
        updating=stats.updating or cells.updating,
    ), (400 if error else 200)


@bp.route("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    db.session.execute(select(1))
    return {"status": "ok"}


@dataclass(frozen=True)
class ReferenceRow:
    """A sector or regulation type as the registers show it: plain, so it can be cached."""

    code: str
    label_ko: str
    label_en: str


@dataclass(frozen=True)
class AnnouncementRow:
    id: int
    title: str
    announced_on: date


def _lists() -> dict[str, Any]:
    """The sectors, types and published announcements the public pages name, from the figures
    cache: a register page then asks the database for its rows only (each of the four small
    queries cost 1–7 ms on the loaded machine, as much as the page's own rows). The generation
    changes with any sector, type or announcement."""

    def compute() -> dict[str, list[Any]]:
        return {
            "sectors": [
                ReferenceRow(s.code, s.label_ko, s.label_en)
                for s in db.session.scalars(select(Sector).order_by(Sector.position))
            ],
            "types": [
                ReferenceRow(t.code, t.label_ko, t.label_en)
                for t in db.session.scalars(
                    select(RegulationType).order_by(RegulationType.position)
                )
            ],
            "announcements": [
                AnnouncementRow(a.id, a.title, a.announced_on)
                for a in public.published_announcements(db.session)
            ],
        }

    rows = cached("public.lists", public.PublicFilter(), compute)
    return {
        **rows,
        "sector_of": {s.code: s for s in rows["sectors"]},
        "type_of": {t.code: t for t in rows["types"]},
        "stages": list(Stage),
        "sources": list(SourceKind),
    }


def _filters_or_error(
    known: dict[str, Any] | None = None,
) -> tuple[public.PublicFilter, FilterError | None]:
    try:
        return parse_public_filter(request.args.to_dict(), known), None
    except FilterError as exc:
        return public.PublicFilter(), exc


def _register(
    decode: Callable[[str], tuple[Any, ...] | None], lists: dict[str, Any]
) -> tuple[public.PublicFilter, public.Keyset, int, FilterError | None]:
    """The filters and the page position of a register request; a bad value is named in the
    answer (400) and the first page is shown instead of failing."""
    filters, error = _filters_or_error(
        {"sector": lists["sector_of"], "regulation_type": lists["type_of"]}
    )
    try:
        keyset, per_page = parse_keyset(request.args.to_dict(), decode)
    except FilterError as exc:
        error, keyset, per_page = error or exc, public.Keyset(), DEFAULT_PER_PAGE
    return filters, keyset, per_page, error


def _pager(
    endpoint: str,
    filters: public.PublicFilter,
    result: public.Page,
    encode: Callable[[Any], str],
) -> dict[str, str | None]:
    return pager_links(endpoint, public_filter_args(filters), result, encode)


@bp.route("/repeals")
def repeals():  # type: ignore[no-untyped-def]
    """규제철폐 1호 … N호, filterable by sector, type and announcement."""
    lists = _lists()
    filters, keyset, per_page, error = _register(decode_number_key, lists)
    total = cached("repeals.total", filters, lambda: public.count_repeals(db.session, filters))
    result = public.repeal_register_page(
        db.session, filters, keyset, per_page=per_page, total=total
    )
    return render_template(
        "public/repeals.html",
        result=result,
        links=_pager("public.repeals", filters, result, encode_number_key),
        filters=filters,
        error=error,
        **lists,
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
        "public/announcements.html",
        announcements=public.published_announcements(db.session),
        counts=public.announced_counts(db.session),
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
    lists = _lists()
    filters, keyset, per_page, error = _register(decode_time_key, lists)
    total = cached(
        "proposals.total", filters, lambda: public.count_public_proposals(db.session, filters)
    )
    result = public.public_proposals(db.session, filters, keyset, per_page=per_page, total=total)
    return render_template(
        "public/proposals.html",
        result=result,
        links=_pager("public.proposals", filters, result, encode_time_key),
        filters=filters,
        error=error,
        **lists,
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


FUNNEL_LABELS = {
    "received": _l("접수"),
    "review": _l("검토"),
    "deliberation": _l("심의"),
    "decision": _l("결정"),
    "announced": _l("발표"),
    "in_force": _l("시행"),
}


@bp.route("/dashboard")
def dashboard():  # type: ignore[no-untyped-def]
    """Breakdowns, funnel, outcomes, business days per stage; filter by campaign and dates."""
    error = None
    try:
        filters = parse_stats_filter(request.args.to_dict(), default_campaign=False)
    except FilterError as exc:
        error, filters = exc, StatsFilter()
    found = figures_for("dashboard", filters, lambda: build_dashboard(db.session, filters))
    language = (str(get_locale()), getattr(g, "lang", "ko"))
    figures_html = rendered(
        found, ("public/_dashboard_figures.html", language), lambda: _dashboard_figures(found.value)
    )
    campaigns = list(db.session.scalars(select(Campaign).order_by(Campaign.starts_on.desc())))
    return render_template(
        "public/dashboard.html",
        figures_html=figures_html,
        filters=filters,
        error=error,
        campaigns=campaigns,
        as_of=found.as_of,
        updating=found.updating,
    ), (400 if error else 200)


def _dashboard_figures(board: Dashboard) -> Markup:
    """The dashboard's charts and tables (no visitor or request in them: rendered once)."""
    lists = _lists()
    channel_of = {c.code: c for c in db.session.scalars(select(Channel).order_by(Channel.position))}
    reason_of = {r.code: r for r in db.session.scalars(select(DeclineReason))}
    stats = board.stats

    def bars(counts: dict[str, int], names: dict[str, object]) -> list[Bar]:
        return [Bar(label(names.get(code)) or code, value, code) for code, value in counts.items()]

    source_of = {k.value: k for k in SourceKind}
    outcome_of = {k.value: k for k in Outcome}
    charts = {
        "source": bar_chart(
            bars(stats["received"]["by_source"], source_of),
            title=_("제안자 유형별 접수"),
            chart_id="chart-source",
            width=480,
            unit=_("건"),
        ),
        "channel": bar_chart(
            bars(stats["received"]["by_channel"], channel_of),
            title=_("접수 경로별 접수"),
            chart_id="chart-channel",
            width=480,
            unit=_("건"),
        ),
        "funnel": funnel(
            [Bar(str(FUNNEL_LABELS[code]), count, code) for code, count in board.funnel],
            title=_("처리 단계별 진행"),
            chart_id="chart-funnel",
            width=480,
            unit=_("건"),
        ),
        "outcomes": stacked_bar(
            bars(stats["by_outcome"], outcome_of),
            title=_("처리 결과"),
            chart_id="chart-outcomes",
            width=480,
            unit=_("건"),
        ),
        "reasons": bar_chart(
            bars(board.decline_reasons, reason_of),
            title=_("불수용 사유"),
            chart_id="chart-reasons",
            width=480,
            unit=_("건"),
        ),
        "sector": bar_chart(
            bars(stats["repeals"]["by_sector"], lists["sector_of"]),  # type: ignore[arg-type]
            title=_("분야별 규제철폐"),
            chart_id="chart-repeal-sector",
            width=480,
            unit=_("건"),
        ),
        "type": bar_chart(
            bars(stats["repeals"]["by_type"], lists["type_of"]),  # type: ignore[arg-type]
            title=_("규제 유형별 규제철폐"),
            chart_id="chart-repeal-type",
            width=480,
            unit=_("건"),
        ),
        "days": bar_chart(
            [Bar(label(d.stage), d.median or 0, d.stage.value) for d in board.stage_days],
            title=_("단계별 처리 기간 중앙값"),
            chart_id="chart-days",
            width=480,
            unit=_("일"),
        ),
    }
    # An autoescaped template's output, kept as HTML to be placed in the page as it is.
    return Markup(  # noqa: S704
        render_template(
            "public/_dashboard_figures.html",
            board=board,
            stats=stats,
            charts=charts,
            channel_of=channel_of,
            reason_of=reason_of,
            source_of=source_of,
            outcome_of=outcome_of,
            funnel_labels=FUNNEL_LABELS,
            **lists,
        )
    )


def _campaign_or_404(code: str) -> Campaign:
    campaign = db.session.scalar(select(Campaign).where(Campaign.code == code))
    if campaign is None:
        abort(404)
    return campaign


@bp.route("/report/<code>")
def report(code: str):  # type: ignore[no-untyped-def]
    """The campaign's results in the shape of the office's work report; printable."""
    result = campaign_report(db.session, _campaign_or_404(code))
    return render_template("public/report.html", report=result)


@bp.route("/report/<code>.xlsx")
def report_xlsx(code: str):  # type: ignore[no-untyped-def]
    result = campaign_report(db.session, _campaign_or_404(code))
    buffer = io.BytesIO()
    write_xlsx(report_sheets(result), buffer)
    buffer.seek(0)
    response = send_file(
        buffer,
        as_attachment=True,
        download_name=f"{result.campaign.name} 성과.xlsx",
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
