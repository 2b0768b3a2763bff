"""The administrator's operations: accounts and roles, organisations, reference data (sectors,
regulation types, channels, decline reasons) and campaigns. Codes are stable and nothing that
rows refer to is deleted: it is deactivated. Every change is written to the append-only audit
trail with who, when, what, and the values before and after.

``actor`` None means the command line (someone with shell access to the server)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    TWO_FACTOR_ROLES,
    AdminAuditEntry,
    Campaign,
    Channel,
    DeclineReason,
    Organisation,
    OrganisationKind,
    RegulationType,
    Role,
    Sector,
    SourceKind,
    User,
)

from . import logins, outbox
from .accounts import INVALID_EMAIL, _password_problem, hash_password
from .errors import Bilingual, InvalidInput, PermissionDenied
from .intake import FieldErrors, required

CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
CODE_MESSAGE = Bilingual(
    "코드는 영문 소문자로 시작하고 영문 소문자·숫자·밑줄로 2~40자여야 합니다",
    "A code starts with a lower-case letter and has 2 to 40 lower-case letters, digits and "
    "underscores",
)

ReferenceModel = type[Sector] | type[RegulationType] | type[Channel] | type[DeclineReason]
REFERENCE_MODELS: dict[str, ReferenceModel] = {
    "sector": Sector,
    "regulation_type": RegulationType,
    "channel": Channel,
    "decline_reason": DeclineReason,
}


def _check_admin(actor: User | None) -> None:
    if actor is not None and (actor.role is not Role.ADMIN or not actor.active):
        raise PermissionDenied(
            "admin_only", "관리자만 할 수 있는 작업입니다", "Only an administrator may do this"
        )


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    return value


def snapshot(row: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: _plain(getattr(row, name)) for name in names}


def record_audit(
    session: Session,
    actor: User | None,
    action: str,
    object_type: str,
    object_key: str,
    before: dict[str, Any],
    after: dict[str, Any],
) -> AdminAuditEntry | None:
    """Append an audit entry; a change that changes nothing is not recorded."""
    if before == after:
        return None
    entry = AdminAuditEntry(
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=object_type,
        object_key=object_key,
        before=before,
        after=after,
    )
    session.add(entry)
    session.flush()
    return entry


def audit_trail(
    session: Session, *, object_type: str | None = None, limit: int = 200
) -> list[AdminAuditEntry]:
    query = select(AdminAuditEntry).order_by(AdminAuditEntry.id.desc()).limit(limit)
    if object_type:
        query = query.where(AdminAuditEntry.object_type == object_type)
    return list(session.scalars(query))


# The names of the text fields in messages, in Korean and English.
LABELS = {
    "이름": "the name",
    "한국어 이름": "the Korean name",
    "영어 이름": "the English name",
}


def _text(errors: dict[str, str], name: str, value: str | None, label: str, limit: int) -> str:
    clean = re.sub(r"\s+", " ", value or "").strip()
    if not clean:
        errors[name] = required(label, LABELS[label])
    elif len(clean) > limit:
        errors[name] = Bilingual(
            f"{limit:,}자 이내로 입력해 주십시오", f"Enter at most {limit:,} characters"
        )
    return clean


def _code_taken(code: str) -> Bilingual:
    return Bilingual(f"이미 있는 코드입니다: {code}", f"The code exists already: {code}")


def _code(errors: dict[str, str], value: str | None) -> str:
    code = (value or "").strip()
    if not CODE.match(code):
        errors["code"] = CODE_MESSAGE
    return code


# Accounts ---------------------------------------------------------------------------------

USER_FIELDS = ("email", "name", "phone", "role", "organisation_id", "active")


def _organisation(
    session: Session, errors: dict[str, str], role: Role, organisation_id: int | None
) -> Organisation | None:
    organisation = session.get(Organisation, organisation_id) if organisation_id else None
    if role is Role.CITIZEN:
        return None
    if organisation is None:
        errors["organisation_id"] = Bilingual(
            "직원 계정은 소속 기관을 정해야 합니다", "A staff account needs an organisation"
        )
    elif not organisation.active:
        errors["organisation_id"] = Bilingual(
            f"사용하지 않는 기관입니다: {organisation.name}",
            f"The organisation is no longer in use: {organisation.name}",
        )
    return organisation


def organisation_by_code(session: Session, code: str) -> Organisation | None:
    return session.scalar(select(Organisation).where(Organisation.code == code))


SET_BY_OWNER = Bilingual(
    "2단계 인증을 쓰는 역할은 본인이 이메일 링크로 비밀번호를 정합니다. 비워 두십시오",
    "In a role with two-factor login the person sets the password by the e-mailed link. "
    "Leave it empty",
)


def create_user(
    session: Session,
    actor: User | None,
    *,
    email: str,
    name: str,
    role: Role,
    organisation_id: int | None = None,
    phone: str | None = None,
    password: str | None = None,
) -> User:
    """Create an account (staff accounts are tied to an organisation). Without a password the
    person is e-mailed a link to set one; an administrator cannot choose the password of a role
    that logs in with a second factor (the command line, bootstrapping the first
    administrator, can)."""
    _check_admin(actor)
    errors: dict[str, str] = {}
    normalised = ""
    try:
        normalised = validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        errors["email"] = INVALID_EMAIL
    if normalised and session.scalar(select(User.id).where(User.email == normalised)):
        errors["email"] = Bilingual(
            f"이미 있는 계정입니다: {normalised}", f"The account exists already: {normalised}"
        )
    clean_name = _text(errors, "name", name, "이름", 100)
    organisation = _organisation(session, errors, role, organisation_id)
    if password and actor is not None and role in TWO_FACTOR_ROLES:
        # Whoever knows the password enrols the authenticator at the first login: a password
        # the administrator typed would let the administrator enrol in the person's place.
        errors["password"] = SET_BY_OWNER
    elif password:
        problem = _password_problem(password, email=normalised)
        if problem:
            errors["password"] = problem
    if errors:
        raise FieldErrors(errors)
    user = User(
        email=normalised,
        name=clean_name,
        phone=(phone or "").strip() or None,
        role=role,
        organisation_id=organisation.id if organisation is not None else None,
        password_hash=hash_password(password) if password else None,
    )
    session.add(user)
    session.flush()
    record_audit(
        session, actor, "create_user", "user", str(user.id), {}, snapshot(user, USER_FIELDS)
    )
    if not password:
        outbox.enqueue(session, "send_password_reset", queue="mail", user_id=user.id)
    return user


def update_user(
    session: Session,
    actor: User | None,
    user: User,
    *,
    name: str,
    role: Role,
    organisation_id: int | None,
    phone: str | None = None,
) -> User:
    """Change a person's name, role or organisation. A role change ends their sessions; made a
    role that logs in with a second factor before enrolling one, the person is e-mailed a link
    to set a new password (nobody who knew the old one can enrol in their place)."""
    _check_admin(actor)
    if actor is not None and user.id == actor.id and role is not user.role:
        raise InvalidInput(
            "admin_own_role",
            "자기 자신의 역할은 바꿀 수 없습니다. 다른 관리자에게 요청해 주십시오",
            "You cannot change your own role; ask another administrator",
        )
    errors: dict[str, str] = {}
    clean_name = _text(errors, "name", name, "이름", 100)
    organisation = _organisation(session, errors, role, organisation_id)
    if errors:
        raise FieldErrors(errors)
    before = snapshot(user, USER_FIELDS)
    role_changed = role is not user.role
    user.name = clean_name
    user.phone = (phone or "").strip() or None
    user.role = role
    user.organisation_id = organisation.id if organisation is not None else user.organisation_id
    if role is Role.CITIZEN and organisation is None:
        user.organisation_id = None
    if role_changed:
        logins.end_sessions(session, user)
    # Promoted to a role that logs in with a second factor and not enrolled yet: whoever knows
    # the password would enrol, and an administrator may have chosen it. The person sets a
    # new password by the e-mailed link instead.
    password_renewed = (
        role_changed
        and role in TWO_FACTOR_ROLES
        and user.totp_secret is None
        and user.password_hash is not None
    )
    if password_renewed:
        user.password_hash = None
        outbox.enqueue(session, "send_password_reset", queue="mail", user_id=user.id)
    session.flush()
    action = "change_role" if role_changed else "update_user"
    after = snapshot(user, USER_FIELDS)
    if password_renewed:
        after["password_reset_link_sent"] = True
    record_audit(session, actor, action, "user", str(user.id), before, after)
    return user


def set_user_active(session: Session, actor: User | None, user: User, *, active: bool) -> User:
    """Deactivate (or reactivate) an account; a deactivated account is logged out everywhere
    and can no longer log in or use its API tokens. Nothing it did is deleted."""
    _check_admin(actor)
    if actor is not None and user.id == actor.id and not active:
        raise InvalidInput(
            "admin_own_account",
            "자기 자신의 계정은 사용 중지할 수 없습니다",
            "You cannot deactivate your own account",
        )
    before = snapshot(user, USER_FIELDS)
    user.active = active
    if not active:
        logins.end_sessions(session, user)
    session.flush()
    record_audit(
        session,
        actor,
        "activate_user" if active else "deactivate_user",
        "user",
        str(user.id),
        before,
        snapshot(user, USER_FIELDS),
    )
    return user


# Organisations ----------------------------------------------------------------------------

ORGANISATION_FIELDS = ("code", "name", "kind", "active")


def create_organisation(
    session: Session, actor: User | None, *, code: str, name: str, kind: OrganisationKind
) -> Organisation:
    """Add an organisation staff can belong to; its code never changes."""
    _check_admin(actor)
    errors: dict[str, str] = {}
    clean_code = _code(errors, code)
    clean_name = _text(errors, "name", name, "이름", 200)
    if "code" not in errors and organisation_by_code(session, clean_code) is not None:
        errors["code"] = _code_taken(clean_code)
    if errors:
        raise FieldErrors(errors)
    organisation = Organisation(code=clean_code, name=clean_name, kind=kind)
    session.add(organisation)
    session.flush()
    record_audit(
        session,
        actor,
        "create_organisation",
        "organisation",
        clean_code,
        {},
        snapshot(organisation, ORGANISATION_FIELDS),
    )
    return organisation


def update_organisation(
    session: Session,
    actor: User | None,
    organisation: Organisation,
    *,
    name: str,
    kind: OrganisationKind,
) -> Organisation:
    _check_admin(actor)
    errors: dict[str, str] = {}
    clean_name = _text(errors, "name", name, "이름", 200)
    if errors:
        raise FieldErrors(errors)
    before = snapshot(organisation, ORGANISATION_FIELDS)
    organisation.name, organisation.kind = clean_name, kind
    session.flush()
    record_audit(
        session,
        actor,
        "update_organisation",
        "organisation",
        organisation.code,
        before,
        snapshot(organisation, ORGANISATION_FIELDS),
    )
    return organisation


def set_organisation_active(
    session: Session, actor: User | None, organisation: Organisation, *, active: bool
) -> Organisation:
    """Deactivate an organisation: no new staff join it; its people and proposals stay."""
    _check_admin(actor)
    before = snapshot(organisation, ORGANISATION_FIELDS)
    organisation.active = active
    session.flush()
    record_audit(
        session,
        actor,
        "activate" if active else "deactivate",
        "organisation",
        organisation.code,
        before,
        snapshot(organisation, ORGANISATION_FIELDS),
    )
    return organisation


# Reference data ---------------------------------------------------------------------------


def reference_fields(kind: str) -> tuple[str, ...]:
    base = ("code", "label_ko", "label_en", "position", "active")
    return (*base, "source_kind") if kind == "channel" else base


def reference_rows(session: Session, kind: str) -> list[Any]:
    model = REFERENCE_MODELS[kind]
    return list(session.scalars(select(model).order_by(model.position, model.code)))


def _reference_values(
    errors: dict[str, str], label_ko: str, label_en: str, position: int | None
) -> tuple[str, str, int]:
    ko = _text(errors, "label_ko", label_ko, "한국어 이름", 100)
    en = _text(errors, "label_en", label_en, "영어 이름", 100)
    if position is None or not 0 <= position <= 10_000:
        errors["position"] = Bilingual(
            "순서는 0에서 10,000 사이의 숫자로 입력해 주십시오",
            "Enter the position as a number from 0 to 10,000",
        )
    return ko, en, position or 0


def create_reference(
    session: Session,
    actor: User | None,
    kind: str,
    *,
    code: str,
    label_ko: str,
    label_en: str,
    position: int | None = 0,
    source_kind: SourceKind | None = None,
) -> Any:
    """Add a sector, regulation type, channel or decline reason under a new, stable code."""
    _check_admin(actor)
    model = REFERENCE_MODELS[kind]
    errors: dict[str, str] = {}
    clean_code = _code(errors, code)
    ko, en, order = _reference_values(errors, label_ko, label_en, position)
    if "code" not in errors and session.get(model, clean_code) is not None:
        errors["code"] = _code_taken(clean_code)
    if errors:
        raise FieldErrors(errors)
    row = model(code=clean_code, label_ko=ko, label_en=en, position=order, active=True)
    if isinstance(row, Channel):
        row.source_kind = source_kind
    session.add(row)
    session.flush()
    record_audit(
        session, actor, "create", kind, clean_code, {}, snapshot(row, reference_fields(kind))
    )
    return row


def update_reference(
    session: Session,
    actor: User | None,
    kind: str,
    row: Any,
    *,
    label_ko: str,
    label_en: str,
    position: int | None,
    source_kind: SourceKind | None = None,
) -> Any:
    """Change the labels or order (the code stays: rows refer to it)."""
    _check_admin(actor)
    errors: dict[str, str] = {}
    ko, en, order = _reference_values(errors, label_ko, label_en, position)
    if errors:
        raise FieldErrors(errors)
    fields = reference_fields(kind)
    before = snapshot(row, fields)
    row.label_ko, row.label_en, row.position = ko, en, order
    if isinstance(row, Channel):
        row.source_kind = source_kind
    session.flush()
    record_audit(session, actor, "update", kind, row.code, before, snapshot(row, fields))
    return row


def set_reference_active(
    session: Session, actor: User | None, kind: str, row: Any, *, active: bool
) -> Any:
    """Deactivate a code: it is no longer offered, and what already uses it keeps it."""
    _check_admin(actor)
    fields = reference_fields(kind)
    before = snapshot(row, fields)
    row.active = active
    session.flush()
    record_audit(
        session,
        actor,
        "activate" if active else "deactivate",
        kind,
        row.code,
        before,
        snapshot(row, fields),
    )
    return row


# Campaigns --------------------------------------------------------------------------------

CAMPAIGN_FIELDS = ("code", "name", "starts_on", "ends_on", "active")


def _campaign_values(
    errors: dict[str, str], name: str, starts_on: date | None, ends_on: date | None
) -> str:
    clean = _text(errors, "name", name, "이름", 200)
    if starts_on is None:
        errors["starts_on"] = Bilingual("시작일을 입력해 주십시오", "Enter the start date")
    if ends_on is None:
        errors["ends_on"] = Bilingual("종료일을 입력해 주십시오", "Enter the end date")
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = Bilingual(
            "종료일은 시작일과 같거나 뒤여야 합니다",
            "The end date must be the start date or later",
        )
    return clean


def create_campaign(
    session: Session,
    actor: User | None,
    *,
    code: str,
    name: str,
    starts_on: date | None,
    ends_on: date | None,
) -> Campaign:
    """Open a campaign period; proposals submitted within it are counted in it."""
    _check_admin(actor)
    errors: dict[str, str] = {}
    clean_code = _code(errors, code)
    clean_name = _campaign_values(errors, name, starts_on, ends_on)
    if "code" not in errors and session.scalar(
        select(Campaign.id).where(Campaign.code == clean_code)
    ):
        errors["code"] = _code_taken(clean_code)
    if errors:
        raise FieldErrors(errors)
    assert starts_on is not None and ends_on is not None
    campaign = Campaign(code=clean_code, name=clean_name, starts_on=starts_on, ends_on=ends_on)
    session.add(campaign)
    session.flush()
    record_audit(
        session, actor, "create", "campaign", clean_code, {}, snapshot(campaign, CAMPAIGN_FIELDS)
    )
    return campaign


def update_campaign(
    session: Session,
    actor: User | None,
    campaign: Campaign,
    *,
    name: str,
    starts_on: date | None,
    ends_on: date | None,
) -> Campaign:
    _check_admin(actor)
    errors: dict[str, str] = {}
    clean_name = _campaign_values(errors, name, starts_on, ends_on)
    if errors:
        raise FieldErrors(errors)
    assert starts_on is not None and ends_on is not None
    before = snapshot(campaign, CAMPAIGN_FIELDS)
    campaign.name, campaign.starts_on, campaign.ends_on = clean_name, starts_on, ends_on
    session.flush()
    record_audit(
        session,
        actor,
        "update",
        "campaign",
        campaign.code,
        before,
        snapshot(campaign, CAMPAIGN_FIELDS),
    )
    return campaign


def set_campaign_active(
    session: Session, actor: User | None, campaign: Campaign, *, active: bool
) -> Campaign:
    """A deactivated campaign keeps its proposals; new submissions are not counted in it."""
    _check_admin(actor)
    before = snapshot(campaign, CAMPAIGN_FIELDS)
    campaign.active = active
    session.flush()
    record_audit(
        session,
        actor,
        "activate" if active else "deactivate",
        "campaign",
        campaign.code,
        before,
        snapshot(campaign, CAMPAIGN_FIELDS),
    )
    return campaign
