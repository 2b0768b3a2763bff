"""Review: the reviewer's and the owning department's opinions, then on to deliberation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from models import DECIDED_OUTCOMES, Proposal, Review, ReviewKind, User, utcnow

from .engine import authorise, transition
from .errors import InvalidInput, InvalidInputs, PermissionDenied
from .korean import particle


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
    """Record the office's review opinion and recommendation (the first one meets the first-review
    target); the owning department answers through ``record_department_opinion``."""
    authorise(session, "record_review", actor, proposal, expected_version)
    if not opinion.strip():
        raise InvalidInput("opinion_required", "검토 의견을 입력해 주십시오", "Write the opinion")
    if recommendation is not None and recommendation not in {o.value for o in DECIDED_OUTCOMES}:
        raise InvalidInput(
            "recommendation",
            f"알 수 없는 권고입니다: {recommendation}",
            f"Unknown recommendation: {recommendation}",
        )
    kind = ReviewKind.REVIEWER
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
    first_review: dict[str, Any] = {"reviewed_at": at} if proposal.reviewed_at is None else {}
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
        **first_review,
    )
    return review


# The department's stance and the outcome it amounts to (stored as the review's recommendation).
DEPARTMENT_STANCES = {"keep": "not_accepted", "relax": "relax", "repeal": "repeal"}
KEEP_FIELDS = {
    "keep_purpose": ("규제의 목적", "the regulation's purpose"),
    "keep_evidence": ("존치 근거·자료", "the evidence"),
    "keep_harm_if_repealed": ("폐지 시 피해", "the harm if repealed"),
    "keep_alternatives": ("덜 제한적인 대안 검토", "less restrictive alternatives"),
    "keep_responsible_official": ("책임 공무원 성명", "the responsible official by name"),
}


def record_department_opinion(
    session: Session,
    actor: User,
    proposal: Proposal,
    *,
    stance: str,
    opinion: str,
    justification: dict[str, str] | None = None,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> Review:
    """The owning department's opinion; to keep the regulation it must justify it in full (the
    burden of proof lies with the department)."""
    authorise(session, "record_department_opinion", actor, proposal, expected_version)
    if (
        proposal.owning_department_id is None
        or actor.organisation_id != proposal.owning_department_id
    ):
        raise PermissionDenied(
            "owning_department_only",
            "이 제안의 소관부서 공무원만 부서 의견을 낼 수 있습니다",
            "Only an official of the owning department may give its opinion",
        )
    errors: list[InvalidInput] = []
    if stance not in DEPARTMENT_STANCES:
        errors.append(
            InvalidInput("stance", "부서 입장을 선택해 주십시오", "Choose the department's stance")
        )
    if not opinion.strip():
        errors.append(
            InvalidInput("opinion_required", "부서 의견을 입력해 주십시오", "Write the opinion")
        )
    given = {k: (v or "").strip() for k, v in (justification or {}).items() if k in KEEP_FIELDS}
    if stance == "keep":
        for name, (label_ko, label_en) in KEEP_FIELDS.items():
            if not given.get(name):
                errors.append(
                    InvalidInput(
                        name,
                        f"규제를 존치하려면 {particle(label_ko, '을', '를')} 입력해야 합니다",
                        f"To keep the regulation, give {label_en}",
                    )
                )
    if errors:
        raise InvalidInputs(errors)
    at = at or utcnow()
    keeps = stance == "keep"
    review = Review(
        proposal_id=proposal.id,
        author_id=actor.id,
        kind=ReviewKind.DEPARTMENT,
        opinion=opinion.strip(),
        recommendation=DEPARTMENT_STANCES[stance],
        created_at=at,
        **{name: given[name] if keeps else None for name in KEEP_FIELDS},
    )
    session.add(review)
    transition(
        session,
        "record_department_opinion",
        actor,
        proposal,
        at=at,
        expected_version=expected_version,
        visible_to_proposer=False,
        note=ReviewKind.DEPARTMENT.label,
        data={"stance": stance, "department_id": actor.organisation_id},
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
