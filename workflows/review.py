"""Review: the reviewer's and the owning department's opinions, then on to deliberation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from models import DECIDED_OUTCOMES, Proposal, Review, ReviewKind, Role, User, utcnow

from .engine import authorise, transition
from .errors import InvalidInput


def record_review(
    session: Session,
    actor: User,
    proposal: Proposal,
    *,
    opinion: str,
    recommendation: str | None = None,
    keep_purpose: str | None = None,
    keep_evidence: str | None = None,
    keep_harm_if_repealed: str | None = None,
    keep_alternatives: str | None = None,
    keep_responsible_official: str | None = None,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> Review:
    """Record a review opinion: officials write the owning department's, the office its own."""
    authorise(session, "record_review", actor, proposal, expected_version)
    if not opinion.strip():
        raise InvalidInput("opinion_required", "검토 의견을 입력해 주십시오", "Write the opinion")
    if recommendation is not None and recommendation not in {o.value for o in DECIDED_OUTCOMES}:
        raise InvalidInput(
            "recommendation",
            f"알 수 없는 권고입니다: {recommendation}",
            f"Unknown recommendation: {recommendation}",
        )
    kind = ReviewKind.DEPARTMENT if actor.role is Role.OFFICIAL else ReviewKind.REVIEWER
    at = at or utcnow()
    review = Review(
        proposal_id=proposal.id,
        author_id=actor.id,
        kind=kind,
        opinion=opinion.strip(),
        recommendation=recommendation,
        keep_purpose=keep_purpose,
        keep_evidence=keep_evidence,
        keep_harm_if_repealed=keep_harm_if_repealed,
        keep_alternatives=keep_alternatives,
        keep_responsible_official=keep_responsible_official,
        created_at=at,
    )
    session.add(review)
    transition(
        session,
        "record_review",
        actor,
        proposal,
        at=at,
        expected_version=expected_version,
        visible_to_proposer=False,
        note=kind.label,
        data={"kind": kind.value, "recommendation": recommendation},
    )
    return review


def send_to_deliberation(
    session: Session,
    actor: User,
    proposal: Proposal,
    *,
    note: str = "",
    at: datetime | None = None,
    expected_version: int | None = None,
) -> Proposal:
    """Forward a reviewed proposal to the expert panel."""
    transition(
        session,
        "send_to_deliberation",
        actor,
        proposal,
        at=at,
        expected_version=expected_version,
        note=note.strip() or "심의에 회부했습니다",
        notify=True,
    )
    return proposal
