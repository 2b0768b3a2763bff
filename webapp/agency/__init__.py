"""Bulk intake for agencies and departments: templates, upload, progress and the row report."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import select
from wtforms import BooleanField

from models import BulkImport, Role, db
from workflows import bulk, outbox
from workflows.dispatch import commit

from ..guards import require_roles

bp = Blueprint("agency", __name__)
require_roles(bp, [Role.AGENCY_STAFF, Role.OFFICIAL])


class UploadForm(FlaskForm):
    file = FileField(_l("파일 (CSV 또는 XLSX)"))
    consent = BooleanField(_l("기관을 대표하여 제출하며, 담당자 개인정보 수집·이용에 동의합니다."))


@bp.route("/imports/template.<fmt>")
def template(fmt: str):  # type: ignore[no-untyped-def]
    if fmt == "csv":
        body, mimetype = bulk.template_csv(), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        body = bulk.template_xlsx()
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        abort(404)
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename=proposals-template.{fmt}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/imports")
def imports():  # type: ignore[no-untyped-def]
    items = list(
        db.session.scalars(
            select(BulkImport)
            .where(BulkImport.uploaded_by_id == current_user.id)
            .order_by(BulkImport.created_at.desc())
        )
    )
    return render_template("agency/imports.html", items=items)


@bp.route("/imports/new", methods=["GET", "POST"])
def new_import():  # type: ignore[no-untyped-def]
    form = UploadForm()
    if form.validate_on_submit():
        upload = request.files.get("file")
        data = upload.read() if upload else b""
        if upload:
            upload.close()
        if not data:
            form.file.errors.append(_("올릴 파일을 골라 주십시오."))
        elif not form.consent.data:
            form.consent.errors.append(_("동의해야 제출할 수 있습니다."))
        else:
            try:
                fmt = bulk.sniff_format(data)
            except bulk.UploadError as exc:
                form.file.errors.append(str(exc))
            else:
                folder = Path(current_app.config["IMPORT_DIR"])
                folder.mkdir(parents=True, exist_ok=True)
                stored = folder / f"{secrets.token_urlsafe(18)}.{fmt}"
                stored.write_bytes(data)
                item = BulkImport(
                    token=secrets.token_urlsafe(24),
                    uploaded_by_id=current_user.id,
                    organisation_id=current_user.organisation_id,
                    original_name=(upload.filename or "upload")[:255],
                    stored_name=str(stored),
                    format=fmt,
                )
                db.session.add(item)
                db.session.flush()
                outbox.enqueue(db.session, "run_import", queue="default", import_id=item.id)
                commit(db.session)
                return redirect(url_for(".show", token=item.token), 303)
    status = 422 if (form.errors or request.method == "POST") else 200
    return render_template("agency/import_form.html", form=form), status


@bp.route("/imports/<token>")
def show(token: str):  # type: ignore[no-untyped-def]
    item = db.session.scalar(select(BulkImport).where(BulkImport.token == token))
    if item is None or item.uploaded_by_id != current_user.id:
        abort(404)
    return render_template("agency/import.html", item=item)
