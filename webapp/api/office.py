"""The issue-4 API: every operation on a proposal by name, the office's queue, announcements and
panel sessions. Bearer tokens only; 403 for a role that may not, 409 naming the rule when the
state forbids it, 422 with one message per field for invalid input; a refusal changes nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select

from models import Announcement, Proposal, Role, User, as_utc, db
from workflows import announcement as announcements
from workflows import deliberation
from workflows import queue as work_queue
from workflows.deadlines import deadlines, department_status
from workflows.dispatch import commit
from workflows.engine import check_permission
from workflows.errors import InvalidInput, PermissionDenied, WorkflowError

from ..filters import FilterError
from ..i18n import refusal_text
from ..office import WORKSPACE_ROLES
from ..office.actions import ACTIONS, field_errors, perform, targets
from ..office.counts import queue_counts
from ..office.queue_filters import encode_cursor, parse_queue_filter
from . import _unauthorised, api_user, bp


def _error(exc: WorkflowError):  # type: ignore[no-untyped-def]
    body: dict[str, Any] = {"error": exc.rule, "rule": exc.rule, "message": refusal_text(exc)}
    if isinstance(exc, InvalidInput):
        body["errors"] = field_errors(exc)
    return jsonify(body), exc.status


def _invalid(errors: dict[str, str]):  # type: ignore[no-untyped-def]
    return jsonify(error="invalid", message=_("입력 내용을 확인해 주십시오"), errors=errors), 422


def _not_found():  # type: ignore[no-untyped-def]
    return jsonify(error="not_found", message=_("없는 제안입니다")), 404


def proposal_state(proposal: Proposal) -> dict[str, Any]:
    """What an action answers with: where the proposal now stands."""
    return {
        "receipt_no": proposal.receipt_no,
        "state": proposal.state.value,
        "stage": proposal.stage.value,
        "outcome": proposal.outcome.value if proposal.outcome else None,
        "version": proposal.version,
        "assigned_reviewer": proposal.assigned_reviewer_id,
        "owning_department": proposal.owning_department.code
        if proposal.owning_department
        else None,
        "sector": proposal.sector_code,
        "regulation_type": proposal.regulation_type_code,
        "merged_into": proposal.merged_into.receipt_no if proposal.merged_into else None,
        "announcement": proposal.announcement_id,
        "repeal_no": proposal.repeal_no,
    }


def _visible(user: User, proposal: Proposal | None) -> bool:
    return proposal is not None and (
        user.is_staff or user.id in (proposal.proposer_id, proposal.entered_by_id)
    )


def _body() -> dict[str, Any] | None:
    body = request.get_json(silent=True)
    if body is None and not request.get_data():
        return {}
    return body if isinstance(body, dict) else None


@bp.route("/proposals/<receipt_no>/actions/<action>", methods=["POST"])
def proposal_action(receipt_no: str, action: str):  # type: ignore[no-untyped-def]
    """Run operation ``action`` on a proposal; answers with its new state."""
    user = api_user()
    if user is None:
        return _unauthorised()
    if action not in ACTIONS:
        return jsonify(
            error="unknown_action", message=_("알 수 없는 작업입니다: %(action)s", action=action)
        ), 404
    proposal = db.session.scalar(select(Proposal).where(Proposal.receipt_no == receipt_no))
    if proposal is None or not _visible(user, proposal):
        return _not_found()
    body = _body()
    if body is None:
        return jsonify(error="invalid", message=_("JSON 객체를 보내 주십시오"), errors={}), 422
    try:
        perform(db.session, user, proposal, action, body)
        commit(db.session)
    except WorkflowError as exc:
        db.session.rollback()
        return _error(exc)
    return jsonify(proposal_state(proposal))


def _deadline_json(proposal: Proposal) -> list[dict[str, Any]]:
    return [
        {
            "kind": d.kind,
            "due_on": d.due_on.isoformat(),
            "business_days_left": d.business_days_left,
            "overdue": d.overdue,
            "paused": d.paused,
        }
        for d in deadlines(proposal, targets())
    ]


def _department_json(proposal: Proposal) -> dict[str, Any]:
    status = department_status(proposal)
    return {
        "status": status.kind,
        "due_on": status.due_on.isoformat() if status.due_on else None,
        "keeps": status.keeps,
    }


@bp.route("/queue")
def office_queue():  # type: ignore[no-untyped-def]
    """The office's queue with the workspace's filters, keyset-paged (``after``)."""
    user = api_user()
    if user is None:
        return _unauthorised()
    if user.role not in WORKSPACE_ROLES:
        return jsonify(error="role.queue", message=_("검토 업무 권한이 없습니다")), 403
    try:
        filters = parse_queue_filter(request.args.to_dict())
    except FilterError as exc:
        return jsonify(error="invalid_filter", field=exc.field, message=exc.message), 400
    goals = targets()
    result = work_queue.page(db.session, user, filters, goals)
    body = {
        "counts": queue_counts(user, goals, filters),
        "count_cap": work_queue.COUNT_CAP,
        "items": [
            {
                "receipt_no": p.receipt_no,
                "title": p.title,
                "state": p.state.value,
                "stage": p.stage.value,
                "sector": p.sector_code,
                "regulation_type": p.regulation_type_code,
                "source": p.source_kind.value,
                "channel": p.channel_code,
                "assigned_reviewer": p.assigned_reviewer_id,
                "owning_department": p.owning_department.code if p.owning_department else None,
                "submitted_at": as_utc(p.submitted_at).isoformat() if p.submitted_at else None,
                "version": p.version,
                "deadlines": _deadline_json(p),
                "department_opinion": _department_json(p),
            }
            for p in result.items
        ],
        "next": encode_cursor(result.next_after),
    }
    return jsonify(body)


def announcement_json(notice: Announcement) -> dict[str, Any]:
    return {
        "id": notice.id,
        "title": notice.title,
        "announced_on": notice.announced_on.isoformat(),
        "state": notice.state.value,
        "proposals": [
            {"receipt_no": p.receipt_no, "repeal_no": p.repeal_no} for p in notice.proposals
        ],
    }


def _date(value: Any, name: str, errors: dict[str, str]) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors[name] = _("날짜는 YYYY-MM-DD 형식이어야 합니다")
        return None


@bp.route("/announcements", methods=["POST"])
def create_announcement():  # type: ignore[no-untyped-def]
    """Start a draft announcement (the chair)."""
    user = api_user()
    if user is None:
        return _unauthorised()
    body = _body() or {}
    errors: dict[str, str] = {}
    if not isinstance(body.get("title"), str) or not body["title"].strip():
        errors["title"] = _("발표 제목을 입력해 주십시오")
    announced_on = _date(body.get("announced_on"), "announced_on", errors)
    summary = body.get("summary", "")
    if not isinstance(summary, str):
        errors["summary"] = _("문자열이어야 합니다")
    try:
        if errors:
            # The role is judged first: a caller who may not announce gets 403, not field hints.
            check_permission("publish_announcement", user)
            return jsonify(
                error="invalid", message=_("입력 내용을 확인해 주십시오"), errors=errors
            ), 422
        assert announced_on is not None
        notice = announcements.create_announcement(
            db.session, user, title=body["title"], announced_on=announced_on, summary=summary
        )
        commit(db.session)
    except WorkflowError as exc:
        db.session.rollback()
        return _error(exc)
    return jsonify(announcement_json(notice)), 201


@bp.route("/announcements/<int:announcement_id>/actions/<action>", methods=["POST"])
def announcement_action(announcement_id: int, action: str):  # type: ignore[no-untyped-def]
    """``add`` a decided repeal (``receipt_no``) to a draft, or ``publish`` it (numbers drawn)."""
    user = api_user()
    if user is None:
        return _unauthorised()
    notice = db.session.get(Announcement, announcement_id)
    if notice is None or action not in ("add", "publish"):
        return jsonify(error="not_found", message=_("없는 발표 또는 작업입니다")), 404
    body = _body() or {}
    try:
        if action == "publish":
            announcements.publish_announcement(db.session, user, notice)
        else:
            receipt_no = body.get("receipt_no")
            proposal = (
                db.session.scalar(select(Proposal).where(Proposal.receipt_no == receipt_no))
                if isinstance(receipt_no, str)
                else None
            )
            if proposal is None:
                check_permission("add_to_announcement", user)
                return jsonify(
                    error="invalid",
                    message=_("입력 내용을 확인해 주십시오"),
                    errors={"receipt_no": _("없는 접수번호입니다")},
                ), 422
            announcements.add_to_announcement(db.session, user, notice, proposal)
        commit(db.session)
    except WorkflowError as exc:
        db.session.rollback()
        return _error(exc)
    db.session.refresh(notice)
    return jsonify(announcement_json(notice))


@bp.route("/panel-sessions", methods=["POST"])
def create_panel_session():  # type: ignore[no-untyped-def]
    """Convene a panel session: title, date, member e-mails, quorum, agenda receipt numbers."""
    user = api_user()
    if user is None:
        return _unauthorised()
    body = _body() or {}
    errors: dict[str, str] = {}
    title = body.get("title")
    if not isinstance(title, str) or not title.strip():
        errors["title"] = _("회의 제목을 입력해 주십시오")
    held_on = _date(body.get("held_on"), "held_on", errors)
    emails = body.get("members")
    members: list[User] = []
    if not isinstance(emails, list) or not all(isinstance(e, str) for e in emails):
        errors["members"] = _("위원 이메일 목록이어야 합니다")
    else:
        members = list(db.session.scalars(select(User).where(User.email.in_(emails))))
        if len(members) != len(set(emails)):
            errors["members"] = _("없는 위원이 있습니다")
    receipts = body.get("agenda", [])
    agenda: list[Proposal] = []
    if not isinstance(receipts, list) or not all(isinstance(r, str) for r in receipts):
        errors["agenda"] = _("접수번호 목록이어야 합니다")
    else:
        found = {
            p.receipt_no: p
            for p in db.session.scalars(select(Proposal).where(Proposal.receipt_no.in_(receipts)))
        }
        if len(found) != len(set(receipts)):
            errors["agenda"] = _("없는 접수번호가 있습니다")
        agenda = [found[r] for r in receipts if r in found]
    quorum = body.get("quorum", 2)
    if not isinstance(quorum, int) or isinstance(quorum, bool):
        errors["quorum"] = _("정수여야 합니다")
    try:
        if errors:
            _require_office(user)
            return jsonify(
                error="invalid", message=_("입력 내용을 확인해 주십시오"), errors=errors
            ), 422
        assert held_on is not None and isinstance(title, str)
        panel = deliberation.create_panel_session(
            db.session,
            user,
            title=title,
            held_on=held_on,
            members=members,
            quorum=quorum,
            agenda=agenda,
        )
        commit(db.session)
    except WorkflowError as exc:
        db.session.rollback()
        return _error(exc)
    return jsonify(
        {
            "id": panel.id,
            "title": panel.title,
            "held_on": panel.held_on.isoformat(),
            "quorum": panel.quorum,
            "members": [m.user_id for m in panel.members],
            "agenda": [item.proposal.receipt_no for item in panel.agenda],
        }
    ), 201


def _require_office(user: User) -> None:
    if user.role not in (Role.CHAIR, Role.REVIEWER):
        raise PermissionDenied(
            "role.create_panel_session",
            "심사위원회 회의는 검토 담당 직원 또는 위원장만 구성할 수 있습니다",
            "Only office staff or the chair may convene a panel session",
        )
