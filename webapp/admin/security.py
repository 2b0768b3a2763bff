"""For the administrator: the log of staff access to personal data (read-only), and resetting
a staff member's second factor when the phone is lost."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from models import User, db
from workflows import privacy, twofactor
from workflows.dispatch import commit
from workflows.errors import WorkflowError

from ..i18n import refusal_text
from . import bp
from .forms import ToggleForm

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


@bp.route("/users/<int:user_id>/second-factor/reset", methods=["POST"])
def reset_second_factor(user_id: int):  # type: ignore[no-untyped-def]
    user = db.get_or_404(User, user_id)
    if not ToggleForm().validate_on_submit():
        flash(_("요청이 만료되었습니다. 다시 시도해 주십시오."), "error")
        return redirect(url_for(".edit_user", user_id=user.id), 303)
    try:
        twofactor.reset_second_factor(db.session, current_user._get_current_object(), user)
        commit(db.session)
    except WorkflowError as exc:
        db.session.rollback()
        flash(refusal_text(exc), "error")
        return redirect(url_for(".edit_user", user_id=user.id), 303)
    flash(
        _(
            "%(email)s: 2단계 인증을 초기화했습니다. 다음 로그인 때 다시 등록합니다.",
            email=user.email,
        ),
        "success",
    )
    return redirect(url_for(".edit_user", user_id=user.id), 303)
