"""Personal data: the append-only log of staff access to it, and its destruction once a closed
proposal has been kept for the configured period (개인정보 보유기간 경과 후 파기)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Attachment, PersonalDataAccess, Proposal, ProposalEvent, State, User, utcnow

log = logging.getLogger(__name__)

CLOSED_STATES = (State.DECIDED, State.ANNOUNCED, State.WITHDRAWN, State.MERGED)
# What a proposal keeps of its proposer's contact once destroyed.
DESTROYED_NAME = ""  # masked, it shows as nothing

# What staff did with personal data (the admin page gives them their Korean labels).
ACTIONS = frozenset(
    {
        "view_contact",
        "view_account",
        "list_accounts",
        "list_assisted",
        "download_attachment",
        "destroy",
    }
)


def record_access(
    session: Session,
    actor: User | None,
    *,
    action: str,
    object_type: str,
    object_key: str,
    remote_addr: str = "",
    user_agent: str = "",
    detail: dict[str, Any] | None = None,
) -> PersonalDataAccess:
    """Append one line to the access log (who, when, what, from where); never changed after."""
    if action not in ACTIONS:
        raise ValueError(f"unknown personal data action {action!r}")
    entry = PersonalDataAccess(
        actor_id=actor.id if actor else None,
        action=action,
        object_type=object_type[:40],
        object_key=object_key[:100],
        remote_addr=remote_addr[:64],
        user_agent=user_agent[:200],
        detail=detail or {},
    )
    session.add(entry)
    session.flush()
    return entry


def access_log(
    session: Session,
    *,
    actor_email: str | None = None,
    object_key: str | None = None,
    action: str | None = None,
    limit: int = 200,
) -> list[PersonalDataAccess]:
    """The latest entries first, optionally for one member of staff, object or action."""
    query = select(PersonalDataAccess).order_by(PersonalDataAccess.id.desc()).limit(limit)
    if actor_email:
        query = query.join(User, User.id == PersonalDataAccess.actor_id).where(
            User.email == actor_email.strip().lower()
        )
    if object_key:
        query = query.where(PersonalDataAccess.object_key == object_key.strip())
    if action:
        query = query.where(PersonalDataAccess.action == action)
    return list(session.scalars(query))


@dataclass
class Destruction:
    """What one run destroyed: the proposals, and the stored files to remove after the commit."""

    receipt_nos: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def expired_proposals(session: Session, *, now: datetime, retention_days: int) -> list[Proposal]:
    """Closed proposals whose last recorded event is older than the retention period and whose
    personal data is still there."""
    cutoff = now - timedelta(days=retention_days)
    last_event = (
        select(ProposalEvent.proposal_id, func.max(ProposalEvent.occurred_at).label("last"))
        .group_by(ProposalEvent.proposal_id)
        .subquery()
    )
    return list(
        session.scalars(
            select(Proposal)
            .join(last_event, last_event.c.proposal_id == Proposal.id)
            .where(
                Proposal.state.in_(CLOSED_STATES),
                Proposal.personal_data_destroyed_at.is_(None),
                last_event.c.last < cutoff,
            )
            .order_by(Proposal.id)
        )
    )


def destroy_expired_personal_data(
    session: Session, *, now: datetime | None = None, retention_days: int
) -> Destruction:
    """Erase the proposer's name, phone, e-mail and attachments of every closed proposal kept
    longer than ``retention_days`` since its last event, and log each destruction. The proposal
    itself (its text, decision and trail) stays: it is the public record. The stored files are
    returned, to be removed once the transaction is committed."""
    if retention_days < 1:
        raise ValueError("the retention period must be at least one day")
    moment = now or utcnow()
    done = Destruction()
    for proposal in expired_proposals(session, now=moment, retention_days=retention_days):
        files = list(
            session.scalars(select(Attachment).where(Attachment.proposal_id == proposal.id))
        )
        erased = [
            name
            for name, value in (
                ("contact_name", proposal.contact_name),
                ("contact_phone", proposal.contact_phone),
                ("contact_email", proposal.contact_email),
            )
            if value and value != DESTROYED_NAME
        ]
        proposal.contact_name = DESTROYED_NAME
        proposal.contact_phone = None
        proposal.contact_email = None
        proposal.personal_data_destroyed_at = moment
        for attachment in files:
            done.files.append(attachment.stored_name)
            session.delete(attachment)
        record_access(
            session,
            None,
            action="destroy",
            object_type="proposal",
            object_key=proposal.receipt_no or str(proposal.id),
            detail={
                "fields": erased,
                "attachments": len(files),
                "retention_days": retention_days,
            },
        )
        done.receipt_nos.append(proposal.receipt_no or str(proposal.id))
    session.flush()
    # The log names receipt numbers only: never the data that was destroyed.
    log.info("personal data destroyed for %d closed proposals", len(done.receipt_nos))
    return done
