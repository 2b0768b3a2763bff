"""The one shape every operation has: check permission → check transition → change → flush →
record the event → queue side effects for after the commit. Nothing here commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from models import Proposal, ProposalEvent, Stage, State, User, utcnow

from . import outbox
from .errors import ConcurrentChange, PermissionDenied, TransitionNotAllowed
from .rules import OPERATIONS, STAGE_OF, Operation, refusal_message


def is_proposer(actor: User | None, proposal: Proposal) -> bool:
    return actor is not None and actor.id in (proposal.proposer_id, proposal.entered_by_id)


def check_permission(name: str, actor: User | None, proposal: Proposal | None = None) -> Operation:
    """Refuse unless ``actor``'s role (and, for proposer-only operations, ownership) allows it."""
    operation = OPERATIONS[name]
    if actor is None or not actor.active:
        raise PermissionDenied("login", "로그인이 필요합니다", "You need to log in")
    if actor.role not in operation.roles:
        raise PermissionDenied(
            f"role.{name}",
            f"{actor.role.label} 권한으로는 이 작업({name})을 할 수 없습니다",
            f"The {actor.role.label_en.lower()} role may not do this ({name})",
        )
    if operation.proposer_only and proposal is not None and not is_proposer(actor, proposal):
        raise PermissionDenied(
            "proposer_only",
            "제안자 본인만 할 수 있는 작업입니다",
            "Only the proposer may do this",
        )
    return operation


def check_transition(operation: Operation, proposal: Proposal) -> None:
    if proposal.state not in operation.from_states:
        ko, en = refusal_message(operation, proposal.state)
        raise TransitionNotAllowed(f"{operation.name}.{proposal.state.value}", ko, en)


def check_version(proposal: Proposal, expected_version: int | None) -> None:
    if expected_version is not None and proposal.version != expected_version:
        raise ConcurrentChange(
            "version",
            "다른 사용자가 이 제안을 먼저 변경했습니다. 최신 내용을 확인한 뒤 다시 시도해 주십시오",
            "Someone else changed this proposal first; review the latest version and try again",
        )


def authorise(
    session: Session,
    name: str,
    actor: User | None,
    proposal: Proposal,
    expected_version: int | None = None,
) -> Operation:
    """Permission, then transition, then version: the order in which refusals are reported."""
    operation = check_permission(name, actor, proposal)
    check_transition(operation, proposal)
    check_version(proposal, expected_version)
    return operation


def flush(session: Session) -> None:
    try:
        session.flush()
    except StaleDataError as exc:
        raise ConcurrentChange(
            "version",
            "다른 사용자가 이 제안을 먼저 변경했습니다. 최신 내용을 확인한 뒤 다시 시도해 주십시오",
            "Someone else changed this proposal first; review the latest version and try again",
        ) from exc


def move(proposal: Proposal, to_state: State, stage: Stage | None = None) -> None:
    """Set state and the stage that goes with it (the only place that assigns ``state``)."""
    proposal.state = to_state
    target_stage = stage or STAGE_OF[to_state]
    if target_stage is not None:
        proposal.stage = target_stage


def record_event(
    session: Session,
    proposal: Proposal,
    kind: str,
    actor: User | None,
    *,
    from_state: State | None,
    from_stage: Stage | None,
    at: datetime | None = None,
    note: str = "",
    visible_to_proposer: bool = True,
    data: dict[str, Any] | None = None,
    notify: bool = False,
) -> ProposalEvent:
    """Append an event; with ``notify`` the proposer is e-mailed about it after the commit."""
    event = ProposalEvent(
        proposal=proposal,
        kind=kind,
        actor_id=actor.id if actor is not None else None,
        occurred_at=at or utcnow(),
        from_state=from_state,
        to_state=proposal.state,
        from_stage=from_stage,
        to_stage=proposal.stage,
        note=note,
        visible_to_proposer=visible_to_proposer,
        data=data or {},
    )
    session.add(event)
    if outbox.recording(session):
        # Every change to a proposal passes here: the search index follows it after the commit.
        if proposal.id is None:
            flush(session)
        outbox.enqueue_once(session, "index_proposal", queue="search", proposal_id=proposal.id)
    if notify and outbox.recording(session):
        flush(session)  # the job is keyed by the event's id
        outbox.enqueue(session, "notify_proposer", queue="mail", event_id=event.id)
    return event


def transition(
    session: Session,
    name: str,
    actor: User | None,
    proposal: Proposal,
    *,
    at: datetime | None = None,
    note: str = "",
    expected_version: int | None = None,
    stage: Stage | None = None,
    data: dict[str, Any] | None = None,
    notify: bool = False,
    visible_to_proposer: bool = True,
    **changes: Any,
) -> ProposalEvent:
    """Run operation ``name`` on ``proposal``: authorise, apply ``changes``, move, flush, record."""
    operation = authorise(session, name, actor, proposal, expected_version)
    from_state, from_stage = proposal.state, proposal.stage
    for attribute, value in changes.items():
        setattr(proposal, attribute, value)
    if operation.to_state is not None:
        move(proposal, operation.to_state, stage)
    flush(session)
    return record_event(
        session,
        proposal,
        name,
        actor,
        from_state=from_state,
        from_stage=from_stage,
        at=at,
        note=note,
        data=data,
        notify=notify,
        visible_to_proposer=visible_to_proposer,
    )
