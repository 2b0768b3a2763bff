"""The log of staff access to personal data, for the administrator (read-only)."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from models import User, db
from workflows import privacy

from . import bp

PAGE = 200
ACTION_LABELS = {
    "view_contact": _l("연락처 열람"),
    "view_account": _l("계정 정보 열람"),
    "list_accounts": _l("계정 목록 열람"),
    "list_assisted": _l("대리 접수 목록 열람"),
    "download_attachment": _l("첨부파일 내려받기"),
    "destroy": _l("보유기간 경과 파기"),
}
assert set(ACTION_LABELS) == privacy.ACTIONS  # a new action needs its label here


@bp.route("/personal-data-access")
def personal_data_access():  # type: ignore[no-untyped-def]
    actor = request.args.get("actor", "").strip()[:254]
    key = request.args.get("object", "").strip()[:100]
    action = request.args.get("action", "")
    entries = privacy.access_log(
        db.session,
        actor_email=actor or None,
        object_key=key or None,
        action=action if action in privacy.ACTIONS else None,
        limit=PAGE,
    )
    actors = {
        u.id: u
        for u in db.session.scalars(
            select(User).where(User.id.in_({e.actor_id for e in entries if e.actor_id}))
        )
    }
    return render_template(
        "admin/access_log.html",
        entries=entries,
        actors=actors,
        actions=ACTION_LABELS,
        chosen={"actor": actor, "object": key, "action": action},
        limit=PAGE,
    )
