"""Announcements: decided repeals and relaxations are published in dated batches, and each gets
the next 규제철폐 N호 inside the publishing transaction."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    ANNOUNCEABLE_OUTCOMES,
    Announcement,
    AnnouncementState,
    Decision,
    ImplementationStage,
    Proposal,
    Role,
    User,
    utcnow,
)

from .engine import authorise, transition
from .errors import InvalidInput, PermissionDenied, TransitionNotAllowed
from .numbering import next_repeal_no


def _require_chair(actor: User | None, action: str) -> None:
    if actor is None or actor.role is not Role.CHAIR or not actor.active:
        raise PermissionDenied(
            f"role.{action}",
            "발표는 위원장(규제총괄관)만 할 수 있습니다",
            "Only the chair may manage announcements",
        )


def create_announcement(
    session: Session,
    actor: User,
    *,
    title: str,
    announced_on: date,
    summary: str = "",
) -> Announcement:
    """Start a draft announcement (a weekly briefing, a task-force report)."""
    _require_chair(actor, "create_announcement")
    if not title.strip():
        raise InvalidInput(
            "title_required", "발표 제목을 입력해 주십시오", "Give the announcement a title"
        )
    announcement = Announcement(
        title=title.strip(),
        announced_on=announced_on,
        summary=summary.strip(),
        created_by_id=actor.id,
    )
    session.add(announcement)
    session.flush()
    return announcement


def _require_draft(announcement: Announcement) -> None:
    if announcement.state is not AnnouncementState.DRAFT:
        raise TransitionNotAllowed(
            "announcement_published",
            "이미 발표된 발표문은 바꿀 수 없습니다",
            "A published announcement cannot be changed",
        )


def add_to_announcement(
    session: Session,
    actor: User,
    announcement: Announcement,
    proposal: Proposal,
    *,
    at: datetime | None = None,
) -> Proposal:
    """Put a decided repeal or relaxation into a draft announcement."""
    authorise(session, "add_to_announcement", actor, proposal)
    _require_draft(announcement)
    if proposal.outcome not in ANNOUNCEABLE_OUTCOMES:
        raise InvalidInput(
            "only_repeals_announced",
            "철폐·완화 결정만 발표에 포함할 수 있습니다",
            "Only repeal and relax decisions are announced",
        )
    if proposal.announcement_id not in (None, announcement.id):
        raise TransitionNotAllowed(
            "already_in_announcement",
            "이미 다른 발표에 포함된 제안입니다",
            "The proposal is already in another announcement",
        )
    transition(
        session,
        "add_to_announcement",
        actor,
        proposal,
        at=at,
        visible_to_proposer=False,
        note=announcement.title,
        data={"announcement_id": announcement.id},
        announcement_id=announcement.id,
    )
    return proposal


def publish_announcement(
    session: Session,
    actor: User,
    announcement: Announcement,
    *,
    at: datetime | None = None,
) -> list[Proposal]:
    """Publish: every included decision is announced and numbered, in decision order, at once."""
    _require_chair(actor, "publish_announcement")
    _require_draft(announcement)
    proposals = list(
        session.scalars(
            select(Proposal)
            .join(Decision, Decision.proposal_id == Proposal.id)
            .where(Proposal.announcement_id == announcement.id)
            .order_by(Decision.decided_at, Proposal.id)
        ).unique()
    )
    if not proposals:
        raise InvalidInput(
            "announcement_empty",
            "발표할 결정이 없습니다",
            "The announcement has no decisions in it",
        )
    # Every item is checked before any number is drawn, so a refusal leaves the counter alone.
    for proposal in proposals:
        authorise(session, "publish_announcement", actor, proposal)
    at = at or utcnow()
    for proposal in proposals:
        repeal_no = next_repeal_no(session)
        transition(
            session,
            "publish_announcement",
            actor,
            proposal,
            at=at,
            notify=True,
            note=f"규제철폐 {repeal_no}호 발표: {announcement.title}",
            data={"announcement_id": announcement.id, "repeal_no": repeal_no},
            repeal_no=repeal_no,
            implementation_stage=ImplementationStage.PREPARING,
        )
    announcement.state = AnnouncementState.PUBLISHED
    announcement.published_at = at
    announcement.published_by_id = actor.id
    session.flush()
    return proposals


def update_implementation(
    session: Session,
    actor: User,
    proposal: Proposal,
    *,
    stage: str,
    ordinance_change_needed: bool | None,
    effective_on: date | None = None,
    note: str = "",
    at: datetime | None = None,
    expected_version: int | None = None,
) -> Proposal:
    """Record how an announced repeal is being put into force (ordinance change, effective date)."""
    authorise(session, "update_implementation", actor, proposal, expected_version)
    try:
        chosen = ImplementationStage(stage)
    except ValueError:
        raise InvalidInput(
            "implementation_stage",
            f"알 수 없는 이행 단계입니다: {stage}",
            f"Unknown implementation stage: {stage}",
        ) from None
    if chosen is ImplementationStage.IN_FORCE and effective_on is None:
        raise InvalidInput(
            "effective_on_required",
            "시행 단계에는 시행일을 입력해야 합니다",
            "An implementation in force needs its effective date",
        )
    if chosen is ImplementationStage.ORDINANCE_AMENDMENT and ordinance_change_needed is False:
        raise InvalidInput(
            "ordinance_contradiction",
            "조례 개정이 필요 없는 과제는 조례 개정 단계가 될 수 없습니다",
            "A repeal needing no ordinance change cannot be in ordinance amendment",
        )
    transition(
        session,
        "update_implementation",
        actor,
        proposal,
        at=at,
        expected_version=expected_version,
        notify=chosen is ImplementationStage.IN_FORCE,
        note=note.strip() or chosen.label,
        data={
            "stage": chosen.value,
            "effective_on": effective_on.isoformat() if effective_on else None,
        },
        implementation_stage=chosen,
        ordinance_change_needed=ordinance_change_needed,
        effective_on=effective_on,
    )
    return proposal
