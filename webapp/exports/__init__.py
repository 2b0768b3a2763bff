"""Exports: the open data sets (anyone) and the staff list of proposals (office staff), as CSV
or XLSX. Small sets stream at once; large ones are built by a background job with progress."""

from __future__ import annotations

import io
import secrets
from datetime import datetime

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from models import Export, Role, db
from workflows import datasets, outbox
from workflows.dispatch import commit
from workflows.exports import Sheet, write_csv, write_xlsx
from workflows.jobs import export_path
from workflows.numbering import SEOUL
from workflows.public import PublicFilter

from ..filters import FilterError, parse_public_filter

bp = Blueprint("exports", __name__)

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
STAFF = frozenset({Role.REVIEWER, Role.CHAIR, Role.ADMIN})


def _allowed(dataset: datasets.Dataset) -> bool:
    return dataset.public or (current_user.is_authenticated and current_user.role in STAFF)


def _dataset_or_404(name: str) -> datasets.Dataset:
    if name not in datasets.DATASETS:
        abort(404)
    try:
        filters = parse_public_filter(request.values.to_dict())
    except FilterError as exc:
        abort(400, exc.message)
    dataset = datasets.build(name, filters)
    if not _allowed(dataset):
        abort(404)  # staff data sets do not exist for others
    return dataset


def _filters_dict() -> dict[str, object]:
    parsed = parse_public_filter(request.values.to_dict())
    return {k: v for k, v in vars(parsed).items() if v is not None}


def _download_name(dataset: datasets.Dataset, fmt: str) -> str:
    return f"{dataset.title} {datetime.now(SEOUL):%Y%m%d}.{fmt}"


def _send(data: io.BytesIO | str, fmt: str, name: str):  # type: ignore[no-untyped-def]
    response = send_file(data, mimetype=FORMATS[fmt], as_attachment=True, download_name=name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/open-data")
def open_data():  # type: ignore[no-untyped-def]
    sets = [datasets.build(name, PublicFilter()) for name in datasets.DATASETS]
    visible = [d for d in sets if _allowed(d)]
    return render_template(
        "exports/open_data.html",
        sets=visible,
        counts={d.name: d.count(db.session()) for d in visible},
    )


@bp.route("/open-data/<name>.<fmt>")
def download_now(name: str, fmt: str):  # type: ignore[no-untyped-def]
    """Small data sets stream at once; a large one gets a page offering a background build."""
    if fmt not in FORMATS:
        abort(404)
    dataset = _dataset_or_404(name)
    count = dataset.count(db.session())
    if count > current_app.config["EXPORT_INLINE_LIMIT"]:
        return render_template(
            "exports/too_large.html", dataset=dataset, fmt=fmt, count=count, filters=_filters_dict()
        ), 200
    buffer = io.BytesIO()
    sheet = Sheet(dataset.title, dataset.header, dataset.rows(db.session()))
    if fmt == "csv":
        write_csv(sheet, buffer)
    else:
        write_xlsx([sheet], buffer)
    buffer.seek(0)
    return _send(buffer, fmt, _download_name(dataset, fmt))


@bp.route("/exports", methods=["POST"])
def request_export():  # type: ignore[no-untyped-def]
    name, fmt = request.form.get("dataset", ""), request.form.get("format", "")
    if fmt not in FORMATS:
        abort(400, _("형식은 csv 또는 xlsx 입니다"))
    _dataset_or_404(name)
    export = Export(
        token=secrets.token_urlsafe(24),
        dataset=name,
        format=fmt,
        filters=_filters_dict(),
        requested_by_id=current_user.id if current_user.is_authenticated else None,
    )
    db.session.add(export)
    db.session.flush()
    outbox.enqueue(db.session, "build_export", queue="default", export_id=export.id)
    commit(db.session)
    return redirect(url_for(".status", token=export.token), 303)


def _export_or_404(token: str) -> Export:
    export = db.session.scalar(select(Export).where(Export.token == token))
    if export is None:
        abort(404)
    if export.dataset not in ("proposals", "repeals") and (
        not current_user.is_authenticated or current_user.id != export.requested_by_id
    ):
        abort(404)
    return export


@bp.route("/exports/<token>")
def status(token: str):  # type: ignore[no-untyped-def]
    export = _export_or_404(token)
    percent = int(export.rows_done * 100 / export.rows_total) if export.rows_total else 0
    return render_template(
        "exports/status.html",
        export=export,
        percent=percent,
        title=datasets.build(export.dataset, PublicFilter()).title,
    )


@bp.route("/exports/<token>/download")
def download(token: str):  # type: ignore[no-untyped-def]
    export = _export_or_404(token)
    if export.state != "done" or not export.file_name:
        abort(404)
    path = export_path(export.file_name)
    if not path.exists():
        abort(404)
    dataset = datasets.build(export.dataset, PublicFilter())
    return _send(str(path), export.format, _download_name(dataset, export.format))
