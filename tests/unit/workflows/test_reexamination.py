"""A proposer may ask once per decision, within 30 days, for a decision not yet announced to be
re-examined; review reopens without the earlier reviewer, and the new decision counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models import Decision, Outcome, ProposalEvent, ReexaminationRequest, Role, State, db
from tests import factories
from workflows import dashboard, reexamination, triage
from workflows.errors import InvalidInput, PermissionDenied, TransitionNotAllowed


def _declined(office: factories.Office, proposer=None):  # type: ignore[no-untyped-def]
    proposal = factories.submitted(proposer)
    triage.start_review(db.session, office.reviewer, proposal)
    triage.decline_proposal(
        db.session, office.reviewer, proposal, reason_code="safety", reasons="안전 우려"
    )
    db.session.flush()
    return proposal


def test_request_reopens_review_clears_the_outcome_and_keeps_the_decision(ctx):
    office = factories.Office()
    proposal = _declined(office)
    first = db.session.scalar(select(Decision).where(Decision.proposal_id == proposal.id))
    request = reexamination.request_reexamination(
        db.session, proposal.proposer, proposal, reasons="안전 기준은 이미 다른 법령이 정합니다"
    )
    assert proposal.state is State.IN_REVIEW and proposal.outcome is None
    assert proposal.assigned_reviewer_id is None
    assert request.decision_id == first.id and request.previous_reviewer_id == office.reviewer.id
    event = db.session.scalars(
        select(ProposalEvent).where(ProposalEvent.proposal_id == proposal.id)
    ).all()[-1]
    assert event.kind == "request_reexamination" and event.visible_to_proposer
    assert event.data["previous_outcome"] == "not_accepted"
    assert db.session.scalar(select(func.count(Decision.id))) == 1  # history kept


def test_previous_reviewer_cannot_be_assigned_again_but_another_can(ctx):
    office = factories.Office()
    proposal = _declined(office)
    reexamination.request_reexamination(db.session, proposal.proposer, proposal, reasons="이유")
    with pytest.raises(InvalidInput) as refused:
        triage.assign_reviewer(db.session, office.chair, proposal, reviewer=office.reviewer)
    assert refused.value.rule == "reexamination.previous_reviewer"
    other = factories.user(Role.REVIEWER)
    triage.assign_reviewer(db.session, office.chair, proposal, reviewer=other)
    assert proposal.assigned_reviewer_id == other.id


def test_new_decision_is_the_outcome_and_is_counted_as_reexamined(ctx):
    office = factories.Office()
    proposal = _declined(office)
    reexamination.request_reexamination(db.session, proposal.proposer, proposal, reasons="이유")
    other = factories.user(Role.REVIEWER)
    triage.assign_reviewer(db.session, office.chair, proposal, reviewer=other)
    triage.forward_to_central(db.session, other, proposal, reasons="법률 사항입니다")
    db.session.flush()
    assert proposal.state is State.DECIDED and proposal.outcome is Outcome.FORWARD_CENTRAL
    sequences = db.session.scalars(
        select(Decision.sequence).where(Decision.proposal_id == proposal.id)
    ).all()
    assert sorted(sequences) == [1, 2]
    assert dashboard._reexaminations(db.session, [proposal.id]) == (1, 1)


def test_one_request_per_decision(ctx):
    office = factories.Office()
    proposal = _declined(office)
    reexamination.request_reexamination(db.session, proposal.proposer, proposal, reasons="이유")
    triage.decline_proposal(
        db.session, office.chair, proposal, reason_code="safety", reasons="다시 보아도 같습니다"
    )
    db.session.flush()
    # The new decision may itself be asked about once; asking twice about it is refused.
    reexamination.request_reexamination(db.session, proposal.proposer, proposal, reasons="또")
    triage.decline_proposal(
        db.session, office.chair, proposal, reason_code="safety", reasons="최종"
    )
    db.session.flush()
    decision = reexamination.latest_decision(db.session, proposal)
    db.session.add(
        ReexaminationRequest(
            proposal_id=proposal.id,
            decision_id=decision.id,
            requested_by_id=proposal.proposer_id,
            reasons="x",
        )
    )
    db.session.flush()
    with pytest.raises(TransitionNotAllowed) as refused:
        reexamination.request_reexamination(db.session, proposal.proposer, proposal, reasons="또")
    assert refused.value.rule == "reexamination.once"
    assert "한 번만" in refused.value.message_ko


def test_refused_after_30_days_naming_the_deadline(ctx):
    office = factories.Office()
    proposal = _declined(office)
    decided_at = reexamination.latest_decision(db.session, proposal).decided_at
    late = decided_at + timedelta(days=30, minutes=1)
    with pytest.raises(TransitionNotAllowed) as refused:
        reexamination.request_reexamination(
            db.session, proposal.proposer, proposal, reasons="이유", at=late
        )
    assert refused.value.rule == "reexamination.deadline" and "30일" in refused.value.message_ko
    assert proposal.state is State.DECIDED
    reexamination.request_reexamination(
        db.session, proposal.proposer, proposal, reasons="이유", at=decided_at + timedelta(days=29)
    )
    assert proposal.state is State.IN_REVIEW


def test_reasons_required_and_only_the_proposer_may_ask(ctx):
    office = factories.Office()
    proposal = _declined(office)
    with pytest.raises(InvalidInput):
        reexamination.request_reexamination(db.session, proposal.proposer, proposal, reasons=" ")
    with pytest.raises(PermissionDenied):
        reexamination.request_reexamination(
            db.session, factories.user(Role.CITIZEN), proposal, reasons="이유"
        )
    assert reexamination.refusal(db.session, proposal.proposer, proposal) is None
    assert isinstance(
        reexamination.refusal(db.session, office.reviewer, proposal), PermissionDenied
    )


def test_announced_decision_cannot_be_reexamined(ctx):
    proposal = factories.proposal_in(State.ANNOUNCED)
    refused = reexamination.refusal(db.session, proposal.proposer, proposal)
    assert isinstance(refused, TransitionNotAllowed)
    assert refused.message_ko == "발표된 제안은 재심사를 요청할 수 없습니다"
