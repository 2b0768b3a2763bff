"""Attachment downloads: the uploader, the proposer and office staff only; anyone else gets 404.
Always sent as a download, never rendered by the browser."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, send_file
from flask_login import current_user

from models import Attachment, db
from workflows import attachments

from ..extensions import login_manager
from ..privacy import log_personal_data_access

bp = Blueprint("attachments", __name__)


@bp.before_request
def _logged_in() -> object | None:
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


@bp.route("/<int:attachment_id>")
def download(attachment_id: int):  # type: ignore[no-untyped-def]
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or not attachments.can_download(
        current_user._get_current_object(), attachment
    ):
        abort(404)
    path = attachments.stored_path(Path(current_app.config["ATTACHMENT_DIR"]), attachment)
    if not path.is_file():
        abort(404)
    if attachment.owner_id != current_user.id:  # someone else's file: staff, logged
        log_personal_data_access(
            "download_attachment", "attachment", str(attachment.id), proposal=attachment.proposal_id
        )
    response = send_file(
        path,
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.original_name,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
