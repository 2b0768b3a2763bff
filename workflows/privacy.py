"""Personal data: the append-only log of staff access to it, and its destruction once a closed
proposal has been kept for the configured period (개인정보 보유기간 경과 후 파기)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Attachment, PersonalDataAccess, Proposal, ProposalEvent, State, User, utcnow
from workflows.dispatch import commit

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
    flush: bool = True,
) -> PersonalDataAccess:
    """Append one line to the access log (who, when, what, from where); never changed after.
    ``flush=False`` leaves the write to the caller's next flush (a batch flushes once)."""
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
    if flush:
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


# How many proposals one transaction destroys: a first run over a large register works through
# it batch by batch, each committed on its own (a crash leaves the finished batches done and the
# rest for the next run).
BATCH_SIZE = 500


def expired_proposals(
    session: Session,
    *,
    now: datetime,
    retention_days: int,
    after_id: int = 0,
    limit: int | None = None,
) -> list[Proposal]:
    """Closed proposals whose last recorded event is older than the retention period and whose
    personal data is still there, in id order; ``after_id``/``limit`` give one batch of them."""
    cutoff = now - timedelta(days=retention_days)
    recent = select(ProposalEvent.id).where(
        ProposalEvent.proposal_id == Proposal.id, ProposalEvent.occurred_at >= cutoff
    )
    any_event = select(ProposalEvent.id).where(ProposalEvent.proposal_id == Proposal.id)
    query = (
        select(Proposal)
        .where(
            Proposal.id > after_id,
            Proposal.state.in_(CLOSED_STATES),
            Proposal.personal_data_destroyed_at.is_(None),
            any_event.exists(),
            ~recent.exists(),
        )
        .order_by(Proposal.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def _destroy_one(
    session: Session,
    proposal: Proposal,
    files: list[Attachment],
    *,
    moment: datetime,
    retention_days: int,
) -> list[str]:
    """Erase one proposal's personal data and ``files`` (its attachments), log it; the stored
    files to remove are returned. The caller flushes (once a batch)."""
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
        flush=False,
    )
    return [attachment.stored_name for attachment in files]


def destroy_expired_personal_data(
    session: Session,
    *,
    now: datetime | None = None,
    retention_days: int,
    batch_size: int = BATCH_SIZE,
    after_batch: Callable[[Destruction], None] | None = None,
) -> Destruction:
    """Erase the proposer's name, phone, e-mail and attachments of every closed proposal kept
    longer than ``retention_days`` since its last event, and log each destruction. The proposal
    itself (its text, decision and trail) stays: it is the public record.

    The work goes in batches of ``batch_size`` proposals, each committed as its own transaction;
    ``after_batch`` is then called with what that batch destroyed (to remove its stored files,
    which must go only once the batch is committed). A failure rolls back the batch under way
    only: the batches before it stay done and the rest is left for the next run. The stored
    files of the whole run are returned as well."""
    if retention_days < 1:
        raise ValueError("the retention period must be at least one day")
    if batch_size < 1:
        raise ValueError("a batch holds at least one proposal")
    moment = now or utcnow()
    done = Destruction()
    after_id = 0
    while True:
        batch = expired_proposals(
            session, now=moment, retention_days=retention_days, after_id=after_id, limit=batch_size
        )
        if not batch:
            break
        step = Destruction()
        try:
            files: dict[int | None, list[Attachment]] = {}
            for attachment in session.scalars(
                select(Attachment).where(Attachment.proposal_id.in_([p.id for p in batch]))
            ):
                files.setdefault(attachment.proposal_id, []).append(attachment)
            for proposal in batch:
                step.files.extend(
                    _destroy_one(
                        session,
                        proposal,
                        files.get(proposal.id, []),
                        moment=moment,
                        retention_days=retention_days,
                    )
                )
                step.receipt_nos.append(proposal.receipt_no or str(proposal.id))
            session.flush()
            after_id = batch[-1].id
            commit(session)
        except Exception:
            # Any failure of the batch under way (re-raised below): its transaction is rolled
            # back whole, the batches committed before stay done, and the log says how far it got.
            session.rollback()
            log.exception(
                "personal data destruction stopped; %d closed proposals were done before",
                len(done.receipt_nos),
            )
            raise
        done.receipt_nos.extend(step.receipt_nos)
        done.files.extend(step.files)
        if after_batch is not None:
            after_batch(step)
        if len(batch) < batch_size:
            break
    # The log names receipt numbers only: never the data that was destroyed.
    log.info("personal data destroyed for %d closed proposals", len(done.receipt_nos))
    return done
