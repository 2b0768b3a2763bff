"""Intake: a proposal is written, submitted and gets its receipt number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import (
    OrganisationKind,
    Proposal,
    Role,
    SourceKind,
    State,
    User,
    utcnow,
)

from . import reference
from .engine import authorise, check_permission, flush, transition
from .errors import Bilingual, InvalidInput, PermissionDenied, WorkflowError
from .korean import particle
from .numbering import SEOUL, draws_apart, next_receipt_no, next_receipt_no_apart

CONSENT_VERSION = "2025-01"

# Where each kind of proposer's submissions come in (assisted intake names its channel itself).
AGENCY_CHANNEL = {
    OrganisationKind.TASK_FORCE: "task_force",
    OrganisationKind.DISTRICT: "district",
    OrganisationKind.FUNDED_AGENCY: "funded_agency",
}


def default_channel(user: User) -> str:
    """Citizens use the online window, officials the creative-proposal contest, agency staff
    the channel of their organisation."""
    if user.role is Role.OFFICIAL:
        return "creative_contest"
    if user.role is Role.AGENCY_STAFF:
        kind = user.organisation.kind if user.organisation else None
        return AGENCY_CHANNEL.get(kind, "other") if kind else "other"
    return "online_window"


# Staff who may enter a proposal on someone's behalf (assisted intake at a forum, desk or phone).
ASSISTING_ROLES = frozenset({Role.REVIEWER, Role.OFFICIAL})

SOURCE_OF_ROLE = {
    Role.CITIZEN: SourceKind.CITIZEN,
    Role.OFFICIAL: SourceKind.OFFICIAL,
    Role.AGENCY_STAFF: SourceKind.AGENCY,
}

# Fields of the office's form, with their Korean and English names for messages.
REQUIRED_TEXT = {
    "title": ("제목", "the title"),
    "current_regulation": ("현행 규제", "the current regulation"),
    "problem": ("문제점", "the problem"),
    "proposed_change": ("개선안", "the proposed change"),
    "expected_effect": ("기대효과", "the expected effect"),
}
MAX_LENGTH = {"title": 200, "contact_name": 100, "contact_phone": 30, "contact_email": 254}
MAX_TEXT = 10_000
OPTIONAL = {
    "legal_basis",
    "sector_code",
    "regulation_type_code",
    "contact_name",
    "contact_phone",
    "contact_email",
}


@dataclass(frozen=True)
class ProposalFields:
    title: str
    current_regulation: str
    problem: str
    proposed_change: str
    expected_effect: str
    legal_basis: str | None = None
    sector_code: str | None = None
    regulation_type_code: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def validate_fields(
    session: Session, fields: ProposalFields, *, draft: bool = False
) -> dict[str, str | None]:
    """Check the form's rules; refuse with one message naming every field that breaks one.
    A draft only needs a title; a submission needs every required field."""
    values = {name: _clean(getattr(fields, name)) for name in ProposalFields.__dataclass_fields__}
    errors: dict[str, str] = {}
    for name, (label, label_en) in REQUIRED_TEXT.items():
        if not values[name] and (not draft or name == "title"):
            errors[name] = required(label, label_en)
    for name, value in values.items():
        limit = MAX_LENGTH.get(name, MAX_TEXT)
        if value and len(value) > limit:
            errors[name] = Bilingual(
                f"{limit:,}자 이내로 입력해 주십시오 (현재 {len(value):,}자)",
                f"Enter at most {limit:,} characters (now {len(value):,})",
            )
    # Codes from the per-process copy of the reference data (workflows/reference.py).
    if values["sector_code"] and not reference.has_sector(session, values["sector_code"]):
        errors["sector_code"] = Bilingual(
            f"알 수 없는 분야 코드입니다: {values['sector_code']}",
            f"Unknown sector code: {values['sector_code']}",
        )
    if values["regulation_type_code"] and not reference.has_regulation_type(
        session, values["regulation_type_code"]
    ):
        errors["regulation_type_code"] = Bilingual(
            f"알 수 없는 규제 유형 코드입니다: {values['regulation_type_code']}",
            f"Unknown regulation type code: {values['regulation_type_code']}",
        )
    if errors:
        raise FieldErrors(errors)
    return values


def required(label: str, label_en: str) -> Bilingual:
    """ "제목을 입력해 주십시오" (the particle agrees with the Korean name), "Enter the title"."""
    return Bilingual(f"{particle(label, '을', '를')} 입력해 주십시오", f"Enter {label_en}")


CONSENT_REQUIRED = Bilingual(
    "개인정보 수집·이용에 동의해야 제안을 제출할 수 있습니다",
    "Agree to the collection and use of personal data to submit a proposal",
)


class FieldErrors(InvalidInput):
    """Invalid form input: one message per field, a ``Bilingual`` when it has its English (its
    Korean otherwise)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(
            "fields",
            "입력 내용을 확인해 주십시오: " + ", ".join(sorted(errors)),
            "Check the input: " + ", ".join(sorted(errors)),
        )
        self.errors = errors


def campaign_on(session: Session, when: datetime) -> int | None:
    """The id of the active campaign running on that (Seoul) day, if any."""
    return reference.campaign_id_on(session, when.astimezone(SEOUL).date())


def create_draft(
    session: Session,
    actor: User,
    fields: ProposalFields,
    *,
    channel_code: str,
    proposer: User | None = None,
    at: datetime | None = None,
    idempotency_key: str | None = None,
    draft: bool = False,
) -> Proposal:
    """Save a proposal as a draft; staff entering one for a citizen name the citizen as proposer."""
    check_permission("submit_proposal", actor)
    proposer = proposer or actor
    if proposer.id != actor.id and actor.role not in ASSISTING_ROLES:
        raise PermissionDenied(
            "assisted_intake",
            "다른 사람을 대신한 접수는 검토 담당 직원만 할 수 있습니다",
            "Only office staff may enter a proposal on someone else's behalf",
        )
    if proposer.role not in SOURCE_OF_ROLE:
        raise InvalidInput(
            "proposer_role",
            "제안자는 시민, 공무원 또는 기관 담당자여야 합니다",
            "The proposer must be a citizen, an official or agency staff",
        )
    source = SOURCE_OF_ROLE[proposer.role]
    channel = reference.channel(session, channel_code)
    if channel is None or not channel.active:
        raise FieldErrors(
            {
                "channel_code": Bilingual(
                    f"알 수 없는 접수 경로입니다: {channel_code}",
                    f"Unknown intake channel: {channel_code}",
                )
            }
        )
    if channel.source_kind is not None and channel.source_kind != source:
        raise FieldErrors(
            {
                "channel_code": Bilingual(
                    f"{channel.label_ko} 경로는 {source.label} 제안에 쓸 수 없습니다",
                    f"The {channel.label_en} channel does not take "
                    f"{source.label_en.lower()} proposals",
                )
            }
        )
    values = validate_fields(session, fields, draft=draft)
    proposal = Proposal(
        idempotency_key=idempotency_key,
        title=values["title"],
        current_regulation=values["current_regulation"] or "",
        legal_basis=values["legal_basis"],
        problem=values["problem"] or "",
        proposed_change=values["proposed_change"] or "",
        expected_effect=values["expected_effect"] or "",
        sector_code=values["sector_code"],
        regulation_type_code=values["regulation_type_code"],
        contact_name=values["contact_name"] or proposer.name,
        contact_phone=values["contact_phone"] or proposer.phone,
        contact_email=values["contact_email"] or proposer.email,
        source_kind=source,
        channel_code=channel.code,
        proposer_id=proposer.id,
        entered_by_id=actor.id if actor.id != proposer.id else None,
        organisation_id=proposer.organisation_id if source is not SourceKind.CITIZEN else None,
        created_at=at or utcnow(),
    )
    session.add(proposal)
    flush(session)
    return proposal


def submit_proposal(
    session: Session,
    actor: User,
    proposal: Proposal,
    *,
    consent: bool,
    at: datetime | None = None,
) -> Proposal:
    """Submit a draft: record consent, give it a receipt number and put it in the intake queue."""
    authorise(session, "submit_proposal", actor, proposal)
    # A draft may be incomplete; what is submitted must satisfy the whole form.
    validate_fields(
        session,
        ProposalFields(
            **{name: getattr(proposal, name) for name in ProposalFields.__dataclass_fields__}
        ),
    )
    if not consent:
        raise FieldErrors({"consent": CONSENT_REQUIRED})
    at = at or utcnow()
    campaign_id = campaign_on(session, at)
    apart = draws_apart(session)
    # PostgreSQL: the number is drawn in a transaction of its own, so no submission waits for
    # another's commit (workflows/numbering.py; a submission failing after this leaves a gap,
    # which receipt numbers may have). SQLite: the number comes from the counter inside this
    # transaction, whose lock queues every other submission until the commit: it is drawn last,
    # after the event and outbox rows, so that the queue waits for one UPDATE and the commit,
    # not for the whole operation. Until then the row holds a placeholder of its own (the CHECK
    # wants a number on a submitted proposal); it is replaced in this transaction and never
    # committed.
    transition(
        session,
        "submit_proposal",
        actor,
        proposal,
        at=at,
        note="제안이 접수되었습니다",
        receipt_no=next_receipt_no_apart(session, at) if apart else f"pending-{proposal.id}",
        submitted_at=at,
        consent_at=at,
        consent_version=CONSENT_VERSION,
        campaign_id=campaign_id,
        notify=True,
    )
    if not apart:
        proposal.receipt_no = next_receipt_no(session, at)
        flush(session)
    return proposal


def submit_new_proposal(
    session: Session,
    actor: User,
    fields: ProposalFields,
    *,
    channel_code: str,
    consent: bool,
    proposer: User | None = None,
    at: datetime | None = None,
) -> Proposal:
    """Create and submit in one step (API, bulk intake, assisted intake)."""
    if not consent:
        raise FieldErrors({"consent": CONSENT_REQUIRED})
    proposal = create_draft(
        session, actor, fields, channel_code=channel_code, proposer=proposer, at=at
    )
    return submit_proposal(session, actor, proposal, consent=consent, at=at)


def edit_draft(
    session: Session,
    actor: User,
    proposal: Proposal,
    fields: ProposalFields,
    *,
    at: datetime | None = None,
) -> Proposal:
    """Replace a draft's text (the proposer keeps writing)."""
    authorise(session, "edit_draft", actor, proposal)
    values = validate_fields(session, fields, draft=True)
    for name, value in values.items():
        if name.startswith("contact_"):
            value = value or getattr(proposal, name)
        setattr(proposal, name, value if value is not None or name in OPTIONAL else "")
    transition(
        session, "edit_draft", actor, proposal, at=at, note="초안 저장", visible_to_proposer=False
    )
    return proposal


def find_by_key(session: Session, proposer: User, key: str | None) -> Proposal | None:
    if not key:
        return None
    return session.scalar(
        select(Proposal).where(Proposal.proposer_id == proposer.id, Proposal.idempotency_key == key)
    )


def save_draft(
    session: Session,
    actor: User,
    fields: ProposalFields,
    *,
    channel_code: str,
    key: str,
    at: datetime | None = None,
) -> Proposal:
    """Save the form as a draft under its key: the first save creates it, later ones update it.
    A key that was already submitted returns that proposal unchanged."""
    existing = find_by_key(session, actor, key)
    if existing is None:
        return create_draft(
            session,
            actor,
            fields,
            channel_code=channel_code,
            at=at,
            idempotency_key=key,
            draft=True,
        )
    if existing.state is State.DRAFT:
        return edit_draft(session, actor, existing, fields, at=at)
    return existing


def submit_once(
    session: Session,
    actor: User,
    fields: ProposalFields,
    *,
    channel_code: str,
    key: str,
    consent: bool,
    at: datetime | None = None,
) -> tuple[Proposal, bool]:
    """Submit the form under its key, once: a double click, a resubmitted form or a repeated
    API call with the same key returns the proposal (and receipt number) already made.
    Returns (proposal, created)."""
    existing = find_by_key(session, actor, key)
    if existing is not None and existing.state is not State.DRAFT:
        return existing, False
    savepoint = session.begin_nested()
    try:
        if existing is None:
            proposal = create_draft(
                session, actor, fields, channel_code=channel_code, at=at, idempotency_key=key
            )
        else:
            proposal = edit_draft(session, actor, existing, fields, at=at)
            validate_fields(session, fields)  # a submission needs every required field
        submit_proposal(session, actor, proposal, consent=consent, at=at)
    except IntegrityError:
        # A parallel request with the same key won the race: return what it made.
        savepoint.rollback()
        winner = find_by_key(session, actor, key)
        if winner is None:
            raise
        return winner, False
    except WorkflowError:
        savepoint.rollback()
        raise
    savepoint.commit()
    return proposal, True
