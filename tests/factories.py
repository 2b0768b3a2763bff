"""Plain factory functions that create rows valid for the state asked for, through the
workflow operations themselves (so a factory can never build an impossible proposal)."""

from __future__ import annotations

import itertools
from datetime import date, datetime

from sqlalchemy import select

from models import (
    Announcement,
    Organisation,
    OrganisationKind,
    PanelSession,
    Proposal,
    Role,
    State,
    User,
    db,
)
from workflows import announcement, deliberation, intake, review, triage

_serial = itertools.count(1)

ORG_OF_ROLE = {
    Role.OFFICIAL: ("dept", OrganisationKind.DEPARTMENT),
    Role.AGENCY_STAFF: ("tf", OrganisationKind.TASK_FORCE),
    Role.REVIEWER: ("office", OrganisationKind.DEPARTMENT),
    Role.PANEL_MEMBER: ("panel", OrganisationKind.COMMITTEE),
    Role.CHAIR: ("office", OrganisationKind.DEPARTMENT),
    Role.ADMIN: ("office", OrganisationKind.DEPARTMENT),
}
CHANNEL_OF_ROLE = {
    Role.CITIZEN: "online_window",
    Role.OFFICIAL: "creative_contest",
    Role.AGENCY_STAFF: "task_force",
}


def organisation(code: str, kind: OrganisationKind) -> Organisation:
    existing = db.session.scalar(select(Organisation).where(Organisation.code == code))
    if existing:
        return existing
    org = Organisation(code=code, name=f"{code} 기관", kind=kind)
    db.session.add(org)
    db.session.flush()
    return org


def user(
    role: Role = Role.CITIZEN,
    *,
    name: str | None = None,
    email: str | None = None,
    password_hash: str | None = None,
) -> User:
    n = next(_serial)
    org = organisation(*ORG_OF_ROLE[role]) if role in ORG_OF_ROLE else None
    account = User(
        email=email or f"{role.value}{n}@test.example",
        name=name or f"홍길동{n}",
        role=role,
        organisation_id=org.id if org else None,
        password_hash=password_hash,
    )
    db.session.add(account)
    db.session.flush()
    return account


def fields(**overrides: str | None) -> intake.ProposalFields:
    values: dict[str, str | None] = {
        "title": "소규모 건축물 용적률 완화",
        "current_regulation": "소규모 건축물의 용적률을 조례로 200%로 제한합니다.",
        "problem": "노후 건축물 재건축의 사업성이 낮아 정비가 지연됩니다.",
        "proposed_change": "소규모 건축물에 한해 용적률을 250%까지 완화합니다.",
        "expected_effect": "소규모 재건축이 활성화되어 주거 환경이 개선됩니다.",
        "legal_basis": "서울특별시 도시계획 조례 제55조",
        "sector_code": "construction_housing",
        "regulation_type_code": "economic",
    }
    values.update(overrides)
    return intake.ProposalFields(**values)  # type: ignore[arg-type]


class Office:
    """The office's staff, created once per test on first use."""

    def __init__(self) -> None:
        self.reviewer = user(Role.REVIEWER)
        self.chair = user(Role.CHAIR)
        self.panel = [user(Role.PANEL_MEMBER) for _ in range(3)]


def submitted(proposer: User | None = None, **field_overrides: str | None) -> Proposal:
    proposer = proposer or user(Role.CITIZEN)
    return intake.submit_new_proposal(
        db.session,
        proposer,
        fields(**field_overrides),
        channel_code=CHANNEL_OF_ROLE[proposer.role],
        consent=True,
    )


def proposal_in(
    state: State,
    *,
    proposer: User | None = None,
    office: Office | None = None,
    panel: list[User] | None = None,
) -> Proposal:
    """A proposal that has reached ``state`` the way a real one would."""
    office = office or Office()
    proposer = proposer or user(Role.CITIZEN)
    if state is State.DRAFT:
        return intake.create_draft(
            db.session, proposer, fields(), channel_code=CHANNEL_OF_ROLE[proposer.role]
        )
    if state is State.MERGED:
        survivor = submitted()
        duplicate = submitted(proposer)
        return triage.merge_proposal(db.session, office.reviewer, duplicate, into=survivor)
    proposal = submitted(proposer)
    if state is State.SUBMITTED:
        return proposal
    if state is State.WITHDRAWN:
        return triage.withdraw_proposal(db.session, proposer, proposal)
    triage.start_review(db.session, office.reviewer, proposal)
    if state is State.INFO_REQUESTED:
        return triage.request_information(
            db.session, office.reviewer, proposal, question="근거 조문을 알려 주십시오"
        )
    if state is State.IN_REVIEW:
        return proposal
    review.send_to_deliberation(db.session, office.reviewer, proposal)
    if state is State.IN_DELIBERATION:
        if panel is not None:
            panel_session(office, panel, [proposal])
        return proposal
    decide_repeal(office, proposal)
    if state is State.DECIDED:
        return proposal
    notice = announcement.create_announcement(
        db.session, office.chair, title="주간 발표", announced_on=date(2025, 2, 6)
    )
    announcement.add_to_announcement(db.session, office.chair, notice, proposal)
    announcement.publish_announcement(db.session, office.chair, notice)
    assert state is State.ANNOUNCED
    return proposal


def decide_repeal(office: Office, proposal: Proposal, at: datetime | None = None) -> None:
    """The chair decides ``proposal`` (in deliberation) a repeal, with the usual reasons."""
    deliberation.decide_proposal(
        db.session,
        office.chair,
        proposal,
        outcome="repeal",
        reasons="불합리한 규제입니다",
        responsible_official="김담당",
        at=at,
    )


def panel_session(office: Office, members: list[User], agenda: list[Proposal]) -> PanelSession:
    return deliberation.create_panel_session(
        db.session,
        office.chair,
        title="심사위원회",
        held_on=date(2025, 2, 4),
        members=members,
        quorum=2,
        agenda=agenda,
    )


def draft_announcement(
    office: Office, proposals: list[Proposal], title: str = "발표"
) -> Announcement:
    notice = announcement.create_announcement(
        db.session, office.chair, title=title, announced_on=date(2025, 3, 13)
    )
    for proposal in proposals:
        announcement.add_to_announcement(db.session, office.chair, notice, proposal)
    return notice
