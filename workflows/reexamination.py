"""Re-examination: a proposer may ask once per decision, within 30 days of it, for a decision
that is not yet announced to be examined again. The request reopens review: the outcome is
cleared, earlier decisions stay as history, and the reviewer who handled it before is not
assigned again."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    Decision,
    Proposal,
    ReexaminationRequest,
    Role,
    State,
    User,
    as_utc,
    utcnow,
)

from .engine import authorise, transition
from .errors import InvalidInput, TransitionNotAllowed, WorkflowError
from .numbering import SEOUL

REEXAMINATION_DAYS = 30
MAX_REASONS = 10_000


def request_for(session: Session, decision: Decision) -> ReexaminationRequest | None:
    return session.scalar(
        select(ReexaminationRequest).where(ReexaminationRequest.decision_id == decision.id)
    )


def latest_decision(session: Session, proposal: Proposal) -> Decision | None:
    # Queried, not read from the relationship: a decision added in this transaction counts.
    return session.scalar(
        select(Decision)
        .where(Decision.proposal_id == proposal.id)
        .order_by(Decision.sequence.desc())
        .limit(1)
    )


def deadline(decision: Decision) -> datetime:
    return as_utc(decision.decided_at) + timedelta(days=REEXAMINATION_DAYS)


def _check_window(session: Session, proposal: Proposal, at: datetime) -> Decision:
    """The decision that may be re-examined at ``at``; refuses with the rule otherwise."""
    decision = latest_decision(session, proposal)
    if decision is None:
        raise TransitionNotAllowed(
            "reexamination.no_decision",
            "재심사할 결정이 없습니다",
            "There is no decision to re-examine",
        )
    if request_for(session, decision) is not None:
        raise TransitionNotAllowed(
            "reexamination.once",
            "이 결정에 대해서는 이미 재심사를 요청했습니다."
            " 재심사는 결정마다 한 번만 요청할 수 있습니다",
            "A re-examination of this decision was already requested; one request per decision",
        )
    last_day = deadline(decision)
    if at > last_day:
        day = last_day.astimezone(SEOUL).strftime("%Y-%m-%d")
        raise TransitionNotAllowed(
            "reexamination.deadline",
            f"재심사는 결정일로부터 {REEXAMINATION_DAYS}일 이내에만 요청할 수 있습니다"
            f" (기한: {day})",
            f"A re-examination can be requested only within {REEXAMINATION_DAYS} days of the"
            f" decision (until {day})",
        )
    return decision


def refusal(
    session: Session, actor: User | None, proposal: Proposal, at: datetime | None = None
) -> WorkflowError | None:
    """Why ``actor`` may not ask for a re-examination now, or None when they may."""
    try:
        authorise(session, "request_reexamination", actor, proposal)
        _check_window(session, proposal, at or utcnow())
    except WorkflowError as exc:
        return exc
    return None


def request_reexamination(
    session: Session,
    actor: User,
    proposal: Proposal,
    *,
    reasons: str,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> ReexaminationRequest:
    """Record the proposer's request and reopen review (decided → in review, outcome cleared,
    out of any draft announcement); the proposer is told by e-mail."""
    authorise(session, "request_reexamination", actor, proposal, expected_version)
    at = at or utcnow()
    decision = _check_window(session, proposal, at)
    text = reasons.strip()
    if not text:
        raise InvalidInput(
            "reasons_required",
            "재심사를 요청하는 이유를 입력해 주십시오",
            "Give the reasons for the re-examination",
        )
    if len(text) > MAX_REASONS:
        raise InvalidInput(
            "reasons_too_long",
            f"{MAX_REASONS:,}자 이내로 입력해 주십시오",
            f"Keep the reasons within {MAX_REASONS:,} characters",
        )
    previous = proposal.assigned_reviewer_id
    if previous is None and decision.decided_by.role is Role.REVIEWER:
        previous = decision.decided_by_id
    transition(
        session,
        "request_reexamination",
        actor,
        proposal,
        at=at,
        expected_version=expected_version,
        note=text,
        notify=True,
        data={"decision_id": decision.id, "previous_outcome": decision.outcome.value},
        outcome=None,
        assigned_reviewer_id=None,
        announcement_id=None,
    )
    request = ReexaminationRequest(
        proposal_id=proposal.id,
        decision_id=decision.id,
        requested_by_id=actor.id,
        reasons=text,
        requested_at=at,
        previous_reviewer_id=previous,
    )
    session.add(request)
    session.flush()
    # The next decision is numbered from the decisions so far: reload them when next read.
    session.expire(proposal, ["decisions"])
    return request


def excluded_reviewers(session: Session, proposal: Proposal) -> set[int]:
    """Reviewers who handled a decision now being re-examined: not assigned to it again."""
    if proposal.id is None:
        return set()
    return {
        reviewer_id
        for reviewer_id in session.scalars(
            select(ReexaminationRequest.previous_reviewer_id).where(
                ReexaminationRequest.proposal_id == proposal.id
            )
        )
        if reviewer_id is not None
    }


def check_reviewer_allowed(session: Session, proposal: Proposal, reviewer: User) -> None:
    if proposal.state in (State.DECIDED, State.ANNOUNCED):
        return
    if reviewer.id in excluded_reviewers(session, proposal):
        raise InvalidInput(
            "reexamination.previous_reviewer",
            "재심사는 이전 결정을 검토한 검토자에게 맡길 수 없습니다",
            "The reviewer of the earlier decision cannot take the re-examination",
        )


def requests_of(session: Session, proposal: Proposal) -> list[ReexaminationRequest]:
    return list(
        session.scalars(
            select(ReexaminationRequest)
            .where(ReexaminationRequest.proposal_id == proposal.id)
            .order_by(ReexaminationRequest.id)
        )
    )
