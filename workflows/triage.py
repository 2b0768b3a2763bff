"""Triage and the proposer's own moves: review start, classification, assignment, information
requests, merges, withdrawal, forwarding to the central government and declining."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from models import (
    Decision,
    DeclineReason,
    Organisation,
    OrganisationKind,
    Outcome,
    Proposal,
    RegulationType,
    Role,
    Sector,
    Stage,
    State,
    User,
    utcnow,
)

from .deadlines import Targets, department_due_on, resumed_clock
from .engine import authorise, record_event, transition
from .errors import InvalidInput
from .korean import particle
from .reexamination import check_reviewer_allowed


def start_review(
    session: Session,
    actor: User,
    proposal: Proposal,
    *,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> Proposal:
    """Take a submitted proposal into review; the actor becomes its reviewer if none is set."""
    authorise(session, "start_review", actor, proposal, expected_version)
    if not proposal.assigned_reviewer_id:
        check_reviewer_allowed(session, proposal, actor)
    changes: dict[str, Any] = (
        {} if proposal.assigned_reviewer_id else {"assigned_reviewer_id": actor.id}
    )
    transition(
        session,
        "start_review",
        actor,
        proposal,
        at=at,
        expected_version=expected_version,
        note="검토를 시작했습니다",
        **changes,
    )
    return proposal


def classify_proposal(
    session: Session,
    actor: User,
    proposal: Proposal,
    *,
    sector_code: str,
    regulation_type_code: str,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> Proposal:
    """Confirm or change the sector and regulation type the proposer suggested."""
    authorise(session, "classify_proposal", actor, proposal, expected_version)
    if session.get(Sector, sector_code) is None:
        raise InvalidInput(
            "sector",
            f"알 수 없는 분야 코드입니다: {sector_code}",
            f"Unknown sector code: {sector_code}",
        )
    if session.get(RegulationType, regulation_type_code) is None:
        raise InvalidInput(
            "regulation_type",
            f"알 수 없는 규제 유형 코드입니다: {regulation_type_code}",
            f"Unknown regulation type code: {regulation_type_code}",
        )
    transition(
        session,
        "classify_proposal",
        actor,
        proposal,
        at=at,
        expected_version=expected_version,
        note="분류를 확정했습니다",
        visible_to_proposer=False,
        data={
            "from": [proposal.sector_code, proposal.regulation_type_code],
            "to": [sector_code, regulation_type_code],
        },
        sector_code=sector_code,
        regulation_type_code=regulation_type_code,
        classification_confirmed=True,
    )
    return proposal


def assign_reviewer(
    session: Session,
    actor: User,
    proposal: Proposal,
    *,
    reviewer: User,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> Proposal:
    """Make ``reviewer`` responsible for the proposal."""
    authorise(session, "assign_reviewer", actor, proposal, expected_version)
    if reviewer.role not in (Role.REVIEWER, Role.CHAIR) or not reviewer.active:
        raise InvalidInput(
            "reviewer_role",
            "검토 담당 직원에게만 배정할 수 있습니다",
            "Only office reviewers can be assigned",
        )
    check_reviewer_allowed(session, proposal, reviewer)
    transition(
        session,
        "assign_reviewer",
        actor,
        proposal,
        at=at,
        expected_version=expected_version,
        visible_to_proposer=False,
        note=f"검토자 배정: {reviewer.name}",
        data={"reviewer_id": reviewer.id},
        assigned_reviewer_id=reviewer.id,
    )
    return proposal


def transfer_to_department(
    session: Session,
    actor: User,
    proposal: Proposal,
    *,
    department: Organisation,
    note: str = "",
    targets: Targets | None = None,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> Proposal:
    """Hand the proposal to the department that owns the regulation, which then owes its opinion
    (and, to keep the rule, a justification) by a deadline in business days."""
    authorise(session, "transfer_to_department", actor, proposal, expected_version)
    if department.kind is not OrganisationKind.DEPARTMENT or not department.active:
        raise InvalidInput(
            "department",
            "소관부서(부서)만 지정할 수 있습니다",
            "Only an active department can own a regulation",
        )
    at = at or utcnow()
    due = department_due_on(at, targets or Targets())
    transition(
        session,
        "transfer_to_department",
        actor,
        proposal,
        at=at,
        expected_version=expected_version,
        note=note.strip() or f"소관부서 이관: {department.name}",
        data={"department_id": department.id, "due_on": due.isoformat()},
        owning_department_id=department.id,
        department_due_on=due,
    )
    return proposal


def request_information(
    session: Session,
    actor: User,
    proposal: Proposal,
    *,
    question: str,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> Proposal:
    """Send the proposal back to the proposer with a question; the deadline clock pauses."""
    authorise(session, "request_information", actor, proposal, expected_version)
    if not question.strip():
        raise InvalidInput(
            "question_required",
            "보완 요청 내용을 입력해 주십시오",
            "Say what information is needed",
        )
    at = at or utcnow()
    # The stage stays where the request was made; answering moves the proposal into review.
    transition(
        session,
        "request_information",
        actor,
        proposal,
        at=at,
        expected_version=expected_version,
        stage=proposal.stage,
        note=question.strip(),
        notify=True,
        info_requested_at=at,
    )
    return proposal


def answer_information_request(
    session: Session,
    actor: User,
    proposal: Proposal,
    *,
    answer: str,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> Proposal:
    """The proposer answers; the proposal returns to review and the clock runs again."""
    authorise(session, "answer_information_request", actor, proposal, expected_version)
    if not answer.strip():
        raise InvalidInput("answer_required", "보완 답변을 입력해 주십시오", "Write an answer")
    at = at or utcnow()
    # The deadlines move later by the business days the office waited for this answer.
    paused_from = proposal.info_requested_at or at
    transition(
        session,
        "answer_information_request",
        actor,
        proposal,
        at=at,
        expected_version=expected_version,
        note=answer.strip(),
        info_requested_at=None,
        clock_started_at=resumed_clock(proposal, paused_from, at),
    )
    return proposal


def merge_proposal(
    session: Session,
    actor: User,
    proposal: Proposal,
    *,
    into: Proposal,
    note: str = "",
    at: datetime | None = None,
    expected_version: int | None = None,
) -> Proposal:
    """Merge a duplicate into an earlier proposal; the duplicate stays, pointing at the survivor."""
    authorise(session, "merge_proposal", actor, proposal, expected_version)
    if into.id == proposal.id:
        raise InvalidInput(
            "merge_self",
            "제안을 자기 자신에 병합할 수 없습니다",
            "A proposal cannot be merged into itself",
        )
    if into.state in (State.DRAFT, State.WITHDRAWN, State.MERGED):
        raise InvalidInput(
            "merge_target_closed",
            "작성 중이거나 철회·병합된 제안에는 병합할 수 없습니다",
            "The surviving proposal must be submitted and neither withdrawn nor merged",
        )
    if (into.submitted_at, into.id) > (proposal.submitted_at, proposal.id):
        raise InvalidInput(
            "merge_into_earlier",
            "중복 제안은 먼저 접수된 제안에 병합해야 합니다",
            "A duplicate is merged into the earlier proposal",
        )
    text = note.strip() or f"{into.receipt_no} 제안에 병합되었습니다"
    transition(
        session,
        "merge_proposal",
        actor,
        proposal,
        at=at,
        expected_version=expected_version,
        note=text,
        notify=True,
        data={"into": into.id, "into_receipt_no": into.receipt_no},
        outcome=Outcome.MERGED,
        merged_into_id=into.id,
        info_requested_at=None,
    )
    # The survivor credits the duplicate's proposer, and its own proposer is told.
    merged_no = proposal.receipt_no or ""
    record_event(
        session,
        into,
        "absorb_duplicate",
        actor,
        from_state=into.state,
        from_stage=into.stage,
        at=at,
        note=f"같은 내용의 제안 {particle(merged_no, '이', '가')} 이 제안에 병합되었습니다",
        data={"duplicate": proposal.id, "duplicate_receipt_no": proposal.receipt_no},
        notify=True,
    )
    return proposal


def withdraw_proposal(
    session: Session,
    actor: User,
    proposal: Proposal,
    *,
    reason: str = "",
    at: datetime | None = None,
    expected_version: int | None = None,
) -> Proposal:
    """The proposer takes the proposal back before a decision."""
    transition(
        session,
        "withdraw_proposal",
        actor,
        proposal,
        at=at,
        expected_version=expected_version,
        note=reason.strip() or "제안자가 철회했습니다",
        notify=True,
        outcome=Outcome.WITHDRAWN,
        info_requested_at=None,
    )
    return proposal


def _decide_now(
    session: Session,
    name: str,
    actor: User,
    proposal: Proposal,
    *,
    outcome: Outcome,
    reasons: str,
    reason_code: str | None = None,
    external_ref: str | None = None,
    responsible_official: str = "",
    at: datetime | None = None,
    expected_version: int | None = None,
) -> Proposal:
    at = at or utcnow()
    transition(
        session,
        name,
        actor,
        proposal,
        at=at,
        expected_version=expected_version,
        stage=Stage.DECISION,
        note=reasons,
        notify=True,
        data={"outcome": outcome.value, "reason_code": reason_code},
        outcome=outcome,
        external_ref=external_ref or proposal.external_ref,
    )
    session.add(
        Decision(
            proposal_id=proposal.id,
            sequence=len(proposal.decisions) + 1,
            outcome=outcome,
            reasons=reasons,
            reason_code=reason_code,
            external_ref=external_ref,
            responsible_official=responsible_official or actor.name,
            decided_by_id=actor.id,
            decided_at=at,
        )
    )
    return proposal


def forward_to_central(
    session: Session,
    actor: User,
    proposal: Proposal,
    *,
    reasons: str,
    external_ref: str = "",
    at: datetime | None = None,
    expected_version: int | None = None,
) -> Proposal:
    """The rule is national law: recommend it to the central government, keeping its reference."""
    authorise(session, "forward_to_central", actor, proposal, expected_version)
    if not reasons.strip():
        raise InvalidInput("reasons_required", "건의 사유를 입력해 주십시오", "Give the reasons")
    return _decide_now(
        session,
        "forward_to_central",
        actor,
        proposal,
        outcome=Outcome.FORWARD_CENTRAL,
        reasons=reasons.strip(),
        external_ref=external_ref.strip() or None,
        at=at,
        expected_version=expected_version,
    )


def decline_proposal(
    session: Session,
    actor: User,
    proposal: Proposal,
    *,
    reason_code: str,
    reasons: str,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> Proposal:
    """Decline at triage or review, with a reason code and text the proposer can read."""
    authorise(session, "decline_proposal", actor, proposal, expected_version)
    reason = session.get(DeclineReason, reason_code) if reason_code else None
    if reason is None or not reason.active:
        raise InvalidInput(
            "reason_code_required",
            "불수용 사유 코드를 선택해 주십시오",
            "Choose a decline reason code",
        )
    if not reasons.strip():
        raise InvalidInput(
            "reasons_required",
            "불수용 사유를 입력해 주십시오",
            "Write the reasons the proposer will read",
        )
    return _decide_now(
        session,
        "decline_proposal",
        actor,
        proposal,
        outcome=Outcome.NOT_ACCEPTED,
        reasons=reasons.strip(),
        reason_code=reason.code,
        at=at,
        expected_version=expected_version,
    )
