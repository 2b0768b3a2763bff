"""Recording staff access to personal data from a request: who (the logged-in user), when, what
(the action and the object), from where (the client address and browser)."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_login import current_user

from models import db
from models.base import writing_apart
from workflows import privacy
from workflows.dispatch import commit


def log_personal_data_access(action: str, object_type: str, object_key: str, **detail: Any) -> None:
    """Append to the access log and commit it at once, before the personal data is shown: if
    the record cannot be written, the request fails and shows nothing. Called where the request
    has no other uncommitted work (a page being shown, or a form re-shown after its rollback),
    so the record stands even when the rest of the request fails. In its own short transaction
    (``writing_apart``): on SQLite a GET that had read first could not take the write lock once
    another request had committed, and failed at once instead of waiting for it."""
    with writing_apart(db.session):
        privacy.record_access(
            db.session,
            current_user._get_current_object() if current_user.is_authenticated else None,
            action=action,
            object_type=object_type,
            object_key=object_key,
            remote_addr=request.remote_addr or "",
            user_agent=request.user_agent.string or "",
            detail=detail,
        )
        commit(db.session)
