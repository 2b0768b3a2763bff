"""Assisted intake: office staff enter a proposal received at a debate forum, a desk or by
phone on behalf of a citizen, who confirmed consent orally or in writing. The citizen is the
proposer (an account without a password unless they already have one), the staff member is
recorded as ``entered_by``, and the channel is the one it came through."""

from __future__ import annotations

import re
import secrets
from dataclasses import replace
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Channel, Proposal, Role, SourceKind, State, User

from .accounts import INVALID_EMAIL
from .engine import record_event
from .errors import Bilingual, PermissionDenied
from .intake import (
    ASSISTING_ROLES,
    FieldErrors,
    ProposalFields,
    create_draft,
    submit_proposal,
    validate_fields,
)

CONSENT_METHODS = {"oral": "구두 동의", "written": "서면 동의"}
# The online window is where citizens submit themselves; staff enter what came another way.
SELF_SERVICE_CHANNELS = frozenset({"online_window"})
# A placeholder address for a citizen who gave no e-mail (a reserved domain: never delivered).
NO_EMAIL_DOMAIN = "no-email.invalid"


def channels(session: Session) -> list[Channel]:
    """Channels through which a citizen's proposal reaches the office other than online."""
    return [
        channel
        for channel in session.scalars(
            select(Channel).where(Channel.active.is_(True)).order_by(Channel.position)
        )
        if channel.source_kind in (None, SourceKind.CITIZEN)
        and channel.code not in SELF_SERVICE_CHANNELS
    ]


def check_assisting(actor: User | None) -> User:
    if actor is None or not actor.active or actor.role not in ASSISTING_ROLES:
        raise PermissionDenied(
            "assisted_intake",
            "다른 사람을 대신한 접수는 검토 담당 직원이나 공무원만 할 수 있습니다",
            "Only office reviewers and officials may enter a proposal on someone's behalf",
        )
    return actor


def already_entered(session: Session, actor: User, key: str | None) -> Proposal | None:
    """The proposal this staff member already entered with this form (a double click)."""
    if not key:
        return None
    return session.scalar(
        select(Proposal).where(Proposal.entered_by_id == actor.id, Proposal.idempotency_key == key)
    )


def _citizen(
    session: Session, errors: dict[str, str], name: str, phone: str | None, email: str | None
) -> tuple[str, str | None, str | None, User | None]:
    clean_name = re.sub(r"\s+", " ", name or "").strip()
    if not clean_name:
        errors["citizen_name"] = Bilingual(
            "제안자 이름을 입력해 주십시오", "Enter the proposer's name"
        )
    elif len(clean_name) > 100:
        errors["citizen_name"] = Bilingual(
            "100자 이내로 입력해 주십시오", "Enter at most 100 characters"
        )
    clean_phone = (phone or "").strip() or None
    if clean_phone and (
        len(clean_phone) > 30 or not re.fullmatch(r"[0-9+\-() ]{7,30}", clean_phone)
    ):
        errors["citizen_phone"] = Bilingual(
            "전화번호 형식이 올바르지 않습니다", "The telephone number is not valid"
        )
    clean_email = None
    if (email or "").strip():
        try:
            clean_email = validate_email(
                (email or "").strip(), check_deliverability=False
            ).normalized.lower()
        except EmailNotValidError:
            errors["citizen_email"] = INVALID_EMAIL
    if not clean_phone and not clean_email and "citizen_email" not in errors:
        errors["citizen_phone"] = Bilingual(
            "결과를 알릴 수 있도록 전화번호나 이메일 중 하나는 입력해 주십시오",
            "Enter a telephone number or an e-mail address, to tell the proposer the outcome",
        )
    existing = None
    if clean_email:
        existing = session.scalar(select(User).where(User.email == clean_email))
        if existing is not None and existing.role is not Role.CITIZEN:
            errors["citizen_email"] = Bilingual(
                "직원 계정의 이메일입니다. 시민의 이메일을 입력해 주십시오",
                "This is a staff account's e-mail address. Enter the citizen's",
            )
    return clean_name, clean_phone, clean_email, existing


def enter_proposal(
    session: Session,
    actor: User,
    fields: ProposalFields,
    *,
    citizen_name: str,
    citizen_phone: str | None,
    citizen_email: str | None,
    channel_code: str,
    consent_method: str,
    key: str | None = None,
    at: datetime | None = None,
) -> tuple[Proposal, bool]:
    """Enter and submit a citizen's proposal received off-line; returns (proposal, created).
    The same form sent twice returns the proposal already entered."""
    check_assisting(actor)
    existing = already_entered(session, actor, key)
    if existing is not None:
        return existing, False
    errors: dict[str, str] = {}
    name, phone, email, account = _citizen(
        session, errors, citizen_name, citizen_phone, citizen_email
    )
    if consent_method not in CONSENT_METHODS:
        errors["consent_method"] = Bilingual(
            "제안자가 개인정보 수집·이용에 동의했는지, 어떻게 동의했는지 골라 주십시오",
            "Choose whether and how the proposer agreed to the collection and use of personal data",
        )
    if channel_code not in {c.code for c in channels(session)}:
        errors["channel_code"] = Bilingual(
            "접수 경로를 골라 주십시오 (대토론회, 신문고, 전화 등)",
            "Choose the intake channel (forum, e-petition, telephone, ...)",
        )
    try:
        validate_fields(session, fields)
    except FieldErrors as exc:
        errors.update(exc.errors)
    if errors:
        raise FieldErrors(errors)
    if account is None:
        account = User(
            email=email or f"walk-in-{secrets.token_hex(8)}@{NO_EMAIL_DOMAIN}",
            name=name,
            phone=phone,
            role=Role.CITIZEN,
            password_hash=None,
        )
        session.add(account)
        session.flush()
    typed = replace(fields, contact_name=name, contact_phone=phone, contact_email=email)
    proposal = create_draft(
        session, actor, typed, channel_code=channel_code, proposer=account, at=at
    )
    proposal.idempotency_key = key
    submit_proposal(session, actor, proposal, consent=True, at=at)
    record_event(
        session,
        proposal,
        "assisted_intake",
        actor,
        from_state=State.SUBMITTED,
        from_stage=proposal.stage,
        at=at,
        note=f"{actor.name} 님이 대신 접수했습니다 ({CONSENT_METHODS[consent_method]})",
        visible_to_proposer=False,
        data={"consent_method": consent_method, "channel": channel_code},
    )
    return proposal, True
