"""Every state × every operation × every actor: the allowed ones succeed and move the proposal as
the table says; the rest are refused, name their rule, and change nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from models import (
    AgendaItem,
    Counter,
    Decision,
    PanelOpinion,
    Proposal,
    ProposalEvent,
    Recusal,
    Review,
    Role,
    State,
    User,
    db,
)
from tests import factories
from workflows import announcement, deliberation, intake, reexamination, review, triage
from workflows.errors import PermissionDenied, WorkflowError
from workflows.rules import OPERATIONS, PROPOSER_ROLES

ACTORS = [*Role, "other_citizen", "anonymous"]


class Scene:
    """A proposal in a given state, with everyone an operation may need around it."""

    def __init__(self, state: State, actor_kind: Role | str) -> None:
        self.office = factories.Office()
        self.panel_actor = factories.user(Role.PANEL_MEMBER)
        role_actor: User | None
        if actor_kind == "anonymous":
            role_actor = None
        elif actor_kind == "other_citizen":
            role_actor = factories.user(Role.CITIZEN)
        elif actor_kind == Role.PANEL_MEMBER:
            role_actor = self.panel_actor
        else:
            role_actor = factories.user(Role(actor_kind))
        proposer = role_actor if actor_kind in PROPOSER_ROLES else factories.user(Role.CITIZEN)
        self.survivor = factories.submitted()
        panel = [self.panel_actor, *self.office.panel[:2]]
        self.proposal = factories.proposal_in(
            state, proposer=proposer, office=self.office, panel=panel
        )
        self.actor = role_actor
        # The official's department owns the regulation (as if transferred before it got here),
        # so the department's own operations are decided by the table alone.
        self.department = factories.organisation(*factories.ORG_OF_ROLE[Role.OFFICIAL])
        self.proposal.owning_department_id = self.department.id
        self.item = self._agenda_item(panel)
        if state is State.IN_DELIBERATION:
            # The session has reached its quorum on the item, so the chair may decide it; the
            # actor's own opinion or conflict is still to come.
            for member in self.office.panel[:2]:
                deliberation.record_opinion(db.session, member, self.item, vote="relax", score=4)
        self.notice = announcement.create_announcement(
            db.session, self.office.chair, title="발표", announced_on=date(2025, 3, 13)
        )
        if state is State.DECIDED:
            announcement.add_to_announcement(
                db.session, self.office.chair, self.notice, self.proposal
            )
        db.session.flush()

    def _agenda_item(self, panel: list[User]) -> AgendaItem:
        existing = db.session.scalar(
            select(AgendaItem).where(AgendaItem.proposal_id == self.proposal.id)
        )
        if existing is not None:
            return existing
        # A proposal outside deliberation cannot be put on an agenda by the operations; the row
        # stands for one that was on an agenda before (or a forged request naming one).
        session = factories.panel_session(self.office, panel, [])
        item = AgendaItem(session_id=session.id, proposal_id=self.proposal.id, position=1)
        db.session.add(item)
        db.session.flush()
        return item


CALLS: dict[str, Callable[[Scene], Any]] = {
    "submit_proposal": lambda s: intake.submit_proposal(
        db.session, s.actor, s.proposal, consent=True
    ),
    "edit_draft": lambda s: intake.edit_draft(db.session, s.actor, s.proposal, factories.fields()),
    "start_review": lambda s: triage.start_review(db.session, s.actor, s.proposal),
    "classify_proposal": lambda s: triage.classify_proposal(
        db.session,
        s.actor,
        s.proposal,
        sector_code="admin_welfare",
        regulation_type_code="citizen_inconvenience",
    ),
    "assign_reviewer": lambda s: triage.assign_reviewer(
        db.session, s.actor, s.proposal, reviewer=s.office.reviewer
    ),
    "transfer_to_department": lambda s: triage.transfer_to_department(
        db.session, s.actor, s.proposal, department=s.department
    ),
    "request_information": lambda s: triage.request_information(
        db.session, s.actor, s.proposal, question="사례를 알려 주십시오"
    ),
    "answer_information_request": lambda s: triage.answer_information_request(
        db.session, s.actor, s.proposal, answer="답변입니다"
    ),
    "merge_proposal": lambda s: triage.merge_proposal(
        db.session, s.actor, s.proposal, into=s.survivor
    ),
    "withdraw_proposal": lambda s: triage.withdraw_proposal(db.session, s.actor, s.proposal),
    "forward_to_central": lambda s: triage.forward_to_central(
        db.session, s.actor, s.proposal, reasons="법률 사항", external_ref="국조실-1"
    ),
    "decline_proposal": lambda s: triage.decline_proposal(
        db.session, s.actor, s.proposal, reason_code="safety", reasons="안전 우려"
    ),
    "record_review": lambda s: review.record_review(
        db.session, s.actor, s.proposal, opinion="검토 의견"
    ),
    "record_department_opinion": lambda s: review.record_department_opinion(
        db.session,
        s.actor,
        s.proposal,
        stance="keep",
        opinion="존치 필요",
        justification={
            "keep_purpose": "안전 확보",
            "keep_evidence": "사고 통계",
            "keep_harm_if_repealed": "사고 증가",
            "keep_alternatives": "대안 없음",
            "keep_responsible_official": "김과장",
        },
    ),
    "send_to_deliberation": lambda s: review.send_to_deliberation(db.session, s.actor, s.proposal),
    "record_opinion": lambda s: deliberation.record_opinion(
        db.session, s.actor, s.item, vote="repeal", score=4
    ),
    "declare_conflict": lambda s: deliberation.declare_conflict(
        db.session, s.actor, s.item, reason="자문 이력"
    ),
    "decide_proposal": lambda s: deliberation.decide_proposal(
        db.session,
        s.actor,
        s.proposal,
        outcome="relax",
        reasons="완화",
        responsible_official="김담당",
    ),
    "request_reexamination": lambda s: reexamination.request_reexamination(
        db.session, s.actor, s.proposal, reasons="결정 이유에 사실과 다른 점이 있습니다"
    ),
    "add_to_announcement": lambda s: announcement.add_to_announcement(
        db.session, s.actor, s.notice, s.proposal
    ),
    "publish_announcement": lambda s: announcement.publish_announcement(
        db.session, s.actor, s.notice
    ),
    "update_implementation": lambda s: announcement.update_implementation(
        db.session,
        s.actor,
        s.proposal,
        stage="in_force",
        ordinance_change_needed=True,
        effective_on=date(2025, 6, 1),
    ),
}


def test_every_operation_of_the_table_is_exercised():
    assert set(CALLS) == set(OPERATIONS)


def snapshot(proposal: Proposal) -> tuple[Any, ...]:
    db.session.flush()
    row = db.session.execute(select(Proposal.__table__).where(Proposal.id == proposal.id)).one()
    counts = tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (ProposalEvent, Decision, Review, PanelOpinion, Recusal)
    )
    counters = tuple(db.session.execute(select(Counter.name, Counter.value).order_by(Counter.name)))
    return tuple(row), counts, counters


def expected_allowed(name: str, state: State, actor_kind: Role | str) -> bool:
    operation = OPERATIONS[name]
    if actor_kind in ("anonymous", "other_citizen"):
        return False
    if operation.proposer_only and actor_kind not in PROPOSER_ROLES:
        return False  # in the scene, only actors of the proposer roles own the proposal
    return Role(actor_kind) in operation.roles and state in operation.from_states


def expected_permission_refusal(name: str, actor_kind: Role | str) -> bool:
    operation = OPERATIONS[name]
    if actor_kind == "anonymous":
        return True
    if actor_kind == "other_citizen":
        return operation.proposer_only or Role.CITIZEN not in operation.roles
    return Role(actor_kind) not in operation.roles or (
        operation.proposer_only and actor_kind not in PROPOSER_ROLES
    )


@pytest.mark.parametrize("name", sorted(OPERATIONS))
@pytest.mark.parametrize("state", list(State), ids=lambda s: s.value)
def test_transition_matrix(ctx, state: State, name: str):
    operation = OPERATIONS[name]
    for actor_kind in ACTORS:
        savepoint = db.session.begin_nested()
        scene = Scene(state, actor_kind)
        before = snapshot(scene.proposal)
        label = f"{name} by {actor_kind} on {state.value}"
        if expected_allowed(name, state, actor_kind):
            CALLS[name](scene)
            db.session.flush()
            if operation.to_state is not None:
                assert scene.proposal.state is operation.to_state, label
            events = db.session.scalar(select(func.count()).select_from(ProposalEvent))
            assert events > before[1][0], f"{label}: no event recorded"
        else:
            with pytest.raises(WorkflowError) as refused:
                CALLS[name](scene)
            if expected_permission_refusal(name, actor_kind):
                assert isinstance(refused.value, PermissionDenied), label
            assert refused.value.message_ko and refused.value.message_en, label
            assert not db.session.new and not db.session.deleted, f"{label}: half-done change"
            assert snapshot(scene.proposal) == before, f"{label}: refused but changed"
        savepoint.rollback()
        db.session.expunge_all()
