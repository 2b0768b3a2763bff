"""The issue-4 operations on one proposal, by name, with the shape of the values each takes:
one table read by the staff pages, the bulk actions and the API. Shape is checked here (one
message per field); the rules are the workflows' (their refusals are passed on as they are)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    AgendaItem,
    Announcement,
    Organisation,
    PanelMember,
    PanelSession,
    Proposal,
    User,
)
from workflows import announcement, deliberation, review, triage
from workflows.deadlines import Targets
from workflows.engine import authorise, check_version
from workflows.errors import InvalidInput, InvalidInputs, TransitionNotAllowed, WorkflowError

from ..i18n import localised_errors, refusal_text


def targets() -> Targets:
    """The deadline targets configured for this installation (business days)."""
    config = current_app.config
    return Targets(
        review=int(config["REVIEW_TARGET_BUSINESS_DAYS"]),
        result=int(config["RESULT_TARGET_BUSINESS_DAYS"]),
        department=int(config["DEPARTMENT_OPINION_BUSINESS_DAYS"]),
    )


@dataclass(frozen=True)
class Field:
    kind: str  # "text", "int", "bool", "date"
    required: bool = False


@dataclass(frozen=True)
class Action:
    fields: dict[str, Field]
    run: Callable[[Session, User, Proposal, dict[str, Any]], object]


class FieldErrors(InvalidInput):
    """Input of the wrong shape: ``errors`` maps each field to its Korean message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("invalid_input", "입력 내용을 확인해 주십시오", "Check the input")
        self.errors = errors


REQUIRED_MESSAGES = {
    "question": _l("보완 요청 내용을 입력해 주십시오"),
    "answer": _l("보완 답변을 입력해 주십시오"),
    "reasons": _l("사유를 입력해 주십시오"),
    "reason_code": _l("불수용 사유 코드를 선택해 주십시오"),
    "opinion": _l("의견을 입력해 주십시오"),
    "sector": _l("분야를 선택해 주십시오"),
    "regulation_type": _l("규제 유형을 선택해 주십시오"),
    "reviewer": _l("검토자를 선택해 주십시오"),
    "department": _l("소관부서를 선택해 주십시오"),
    "into": _l("병합할(먼저 접수된) 제안의 접수번호를 입력해 주십시오"),
    "stance": _l("부서 입장을 선택해 주십시오"),
    "vote": _l("의견(철폐·완화·중장기 검토·불수용)을 선택해 주십시오"),
    "outcome": _l("결정 결과를 선택해 주십시오"),
    "responsible_official": _l("담당 공무원 이름을 입력해 주십시오"),
    "announcement": _l("발표를 선택해 주십시오"),
    "stage": _l("이행 단계를 선택해 주십시오"),
}


def _required_missing(name: str) -> str:
    return str(REQUIRED_MESSAGES.get(name) or _("필수 항목입니다"))


def parse_values(action: Action, raw: dict[str, Any]) -> dict[str, Any]:
    """Check and convert ``raw`` (JSON or form values) to the action's fields."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, spec in action.fields.items():
        value = raw.get(name)
        if isinstance(value, str) and spec.kind != "text":
            value = value.strip() or None
        if value is None or value == "":
            if spec.required:
                errors[name] = _required_missing(name)
            values[name] = None if spec.kind != "text" else ""
            continue
        if spec.kind == "text":
            if not isinstance(value, str):
                errors[name] = _("문자열이어야 합니다")
            elif spec.required and not value.strip():
                errors[name] = _required_missing(name)
            else:
                values[name] = value
        elif spec.kind == "int":
            try:
                if isinstance(value, bool):
                    raise ValueError
                values[name] = int(value)
            except (TypeError, ValueError):
                errors[name] = _("정수여야 합니다")
        elif spec.kind == "bool":
            if isinstance(value, bool):
                values[name] = value
            elif str(value).lower() in ("true", "1", "yes", "y"):
                values[name] = True
            elif str(value).lower() in ("false", "0", "no", "n"):
                values[name] = False
            else:
                errors[name] = _("true 또는 false 여야 합니다")
        elif spec.kind == "date":
            try:
                values[name] = date.fromisoformat(str(value))
            except ValueError:
                errors[name] = _("날짜는 YYYY-MM-DD 형식이어야 합니다")
    version = raw.get("version")
    if version not in (None, ""):
        try:
            if isinstance(version, bool):
                raise ValueError
            values["version"] = int(version)
        except (TypeError, ValueError):
            errors["version"] = _("정수여야 합니다")
    if errors:
        raise FieldErrors(errors)
    return values


# Which field a workflow refusal of invalid input is about.
RULE_FIELDS = {
    "question_required": "question",
    "answer_required": "answer",
    "merge_self": "into",
    "merge_target_closed": "into",
    "merge_into_earlier": "into",
    "reasons_required": "reasons",
    "reason_code_required": "reason_code",
    "opinion_required": "opinion",
    "recommendation": "recommendation",
    "sector": "sector",
    "regulation_type": "regulation_type",
    "reviewer_role": "reviewer",
    "department": "department",
    "stance": "stance",
    "vote": "vote",
    "score": "score",
    "outcome": "outcome",
    "responsible_official_required": "responsible_official",
    "implementation_stage": "stage",
    "effective_on_required": "effective_on",
    "ordinance_contradiction": "ordinance_change_needed",
    "only_repeals_announced": "announcement",
    "announcement": "announcement",
    "title_required": "title",
    "members_role": "members",
    "quorum": "quorum",
    "keep_purpose": "keep_purpose",
    "keep_evidence": "keep_evidence",
    "keep_harm_if_repealed": "keep_harm_if_repealed",
    "keep_alternatives": "keep_alternatives",
    "keep_responsible_official": "keep_responsible_official",
}


def field_errors(exc: InvalidInput) -> dict[str, str]:
    """One Korean message per field of a workflow's refusal of invalid input."""
    if isinstance(exc, FieldErrors):
        return localised_errors(exc.errors)
    found = exc.errors if isinstance(exc, InvalidInputs) else [exc]
    errors: dict[str, str] = {}
    for error in found:
        errors.setdefault(RULE_FIELDS.get(error.rule, "_"), refusal_text(error))
    return errors


def _user(session: Session, user_id: int) -> User:
    found = session.get(User, user_id)
    if found is None:
        raise InvalidInput("reviewer_role", "없는 직원입니다", "No such staff member")
    return found


def _department(session: Session, value: Any) -> Organisation:
    found = (
        session.get(Organisation, int(value))
        if str(value).isdecimal() and len(str(value)) < 10
        else session.scalar(select(Organisation).where(Organisation.code == str(value)))
    )
    if found is None:
        raise InvalidInput("department", "없는 부서입니다", "No such department")
    return found


def _earlier(session: Session, receipt_no: str) -> Proposal:
    found = session.scalar(select(Proposal).where(Proposal.receipt_no == receipt_no.strip()))
    if found is None:
        raise InvalidInput(
            "merge_target_closed",
            f"없는 접수번호입니다: {receipt_no[:20]}",
            f"No proposal with receipt number {receipt_no[:20]}",
        )
    return found


def _announcement(session: Session, announcement_id: int) -> Announcement:
    found = session.get(Announcement, announcement_id)
    if found is None:
        raise InvalidInput("announcement", "없는 발표입니다", "No such announcement")
    return found


def agenda_item(
    session: Session, actor: User, proposal: Proposal, panel_id: int | None
) -> AgendaItem:
    """The agenda item of ``proposal`` in the named session, or in the latest session the actor
    sits on; a proposal on no agenda cannot take opinions yet."""
    query = (
        select(AgendaItem)
        .join(PanelSession, PanelSession.id == AgendaItem.session_id)
        .where(AgendaItem.proposal_id == proposal.id)
    )
    if panel_id is not None:
        query = query.where(AgendaItem.session_id == panel_id)
    else:
        query = query.join(
            PanelMember,
            (PanelMember.session_id == PanelSession.id) & (PanelMember.user_id == actor.id),
        )
    item = session.scalars(
        query.order_by(PanelSession.held_on.desc(), AgendaItem.id.desc())
    ).first()
    if item is None:
        raise TransitionNotAllowed(
            "not_on_agenda",
            "이 제안은 회원님이 참여하는 심사위원회 안건이 아닙니다",
            "The proposal is not on the agenda of a session you sit on",
        )
    return item


def _v(values: dict[str, Any]) -> int | None:
    value = values.get("version")
    return int(value) if value is not None else None


ACTIONS: dict[str, Action] = {
    "start_review": Action(
        {},
        lambda s, a, p, v: triage.start_review(s, a, p, expected_version=_v(v)),
    ),
    "classify_proposal": Action(
        {"sector": Field("text", True), "regulation_type": Field("text", True)},
        lambda s, a, p, v: triage.classify_proposal(
            s,
            a,
            p,
            sector_code=v["sector"],
            regulation_type_code=v["regulation_type"],
            expected_version=_v(v),
        ),
    ),
    "assign_reviewer": Action(
        {"reviewer": Field("int", True)},
        lambda s, a, p, v: triage.assign_reviewer(
            s, a, p, reviewer=_user(s, v["reviewer"]), expected_version=_v(v)
        ),
    ),
    "transfer_to_department": Action(
        {"department": Field("text", True), "note": Field("text")},
        lambda s, a, p, v: triage.transfer_to_department(
            s,
            a,
            p,
            department=_department(s, v["department"]),
            note=v["note"],
            targets=targets(),
            expected_version=_v(v),
        ),
    ),
    "request_information": Action(
        {"question": Field("text", True)},
        lambda s, a, p, v: triage.request_information(
            s, a, p, question=v["question"], expected_version=_v(v)
        ),
    ),
    "answer_information_request": Action(
        {"answer": Field("text", True)},
        lambda s, a, p, v: triage.answer_information_request(
            s, a, p, answer=v["answer"], expected_version=_v(v)
        ),
    ),
    "merge_proposal": Action(
        {"into": Field("text", True), "note": Field("text")},
        lambda s, a, p, v: triage.merge_proposal(
            s, a, p, into=_earlier(s, v["into"]), note=v["note"], expected_version=_v(v)
        ),
    ),
    "withdraw_proposal": Action(
        {"reason": Field("text")},
        lambda s, a, p, v: triage.withdraw_proposal(
            s, a, p, reason=v["reason"], expected_version=_v(v)
        ),
    ),
    "forward_to_central": Action(
        {"reasons": Field("text", True), "external_ref": Field("text")},
        lambda s, a, p, v: triage.forward_to_central(
            s, a, p, reasons=v["reasons"], external_ref=v["external_ref"], expected_version=_v(v)
        ),
    ),
    "decline_proposal": Action(
        {"reason_code": Field("text", True), "reasons": Field("text", True)},
        lambda s, a, p, v: triage.decline_proposal(
            s, a, p, reason_code=v["reason_code"], reasons=v["reasons"], expected_version=_v(v)
        ),
    ),
    "record_review": Action(
        {"opinion": Field("text", True), "recommendation": Field("text")},
        lambda s, a, p, v: review.record_review(
            s,
            a,
            p,
            opinion=v["opinion"],
            recommendation=v["recommendation"] or None,
            expected_version=_v(v),
        ),
    ),
    "record_department_opinion": Action(
        {
            "stance": Field("text", True),
            "opinion": Field("text", True),
            **{name: Field("text") for name in review.KEEP_FIELDS},
        },
        lambda s, a, p, v: review.record_department_opinion(
            s,
            a,
            p,
            stance=v["stance"],
            opinion=v["opinion"],
            justification={name: v[name] for name in review.KEEP_FIELDS},
            expected_version=_v(v),
        ),
    ),
    "send_to_deliberation": Action(
        {"note": Field("text")},
        lambda s, a, p, v: review.send_to_deliberation(
            s, a, p, note=v["note"], expected_version=_v(v)
        ),
    ),
    "record_opinion": Action(
        {
            "vote": Field("text", True),
            "score": Field("int"),
            "comment": Field("text"),
            "session": Field("int"),
        },
        lambda s, a, p, v: deliberation.record_opinion(
            s,
            a,
            agenda_item(s, a, p, v["session"]),
            vote=v["vote"],
            score=v["score"],
            comment=v["comment"],
        ),
    ),
    "declare_conflict": Action(
        {"reason": Field("text"), "session": Field("int")},
        lambda s, a, p, v: deliberation.declare_conflict(
            s, a, agenda_item(s, a, p, v["session"]), reason=v["reason"]
        ),
    ),
    "decide_proposal": Action(
        {
            "outcome": Field("text", True),
            "reasons": Field("text", True),
            "responsible_official": Field("text", True),
            "reason_code": Field("text"),
            "external_ref": Field("text"),
        },
        lambda s, a, p, v: deliberation.decide_proposal(
            s,
            a,
            p,
            outcome=v["outcome"],
            reasons=v["reasons"],
            responsible_official=v["responsible_official"],
            reason_code=v["reason_code"] or None,
            external_ref=v["external_ref"] or None,
            expected_version=_v(v),
        ),
    ),
    "add_to_announcement": Action(
        {"announcement": Field("int", True)},
        lambda s, a, p, v: announcement.add_to_announcement(
            s, a, _announcement(s, v["announcement"]), p
        ),
    ),
    "update_implementation": Action(
        {
            "stage": Field("text", True),
            "ordinance_change_needed": Field("bool"),
            "effective_on": Field("date"),
            "note": Field("text"),
        },
        lambda s, a, p, v: announcement.update_implementation(
            s,
            a,
            p,
            stage=v["stage"],
            ordinance_change_needed=v["ordinance_change_needed"],
            effective_on=v["effective_on"],
            note=v["note"],
            expected_version=_v(v),
        ),
    ),
}


def perform(
    session: Session, actor: User, proposal: Proposal, name: str, raw: dict[str, Any]
) -> None:
    """Run action ``name``: permission and state first (403/409 before any input is judged),
    then the input's shape, then the version the user saw, then the operation itself."""
    action = ACTIONS[name]
    authorise(session, name, actor, proposal)
    values = parse_values(action, raw)
    check_version(proposal, _v(values))
    action.run(session, actor, proposal, values)


__all__ = ["ACTIONS", "FieldErrors", "WorkflowError", "field_errors", "perform", "targets"]
