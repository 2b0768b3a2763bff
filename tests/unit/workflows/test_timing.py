from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from models import ProposalEvent, Stage, State, db
from tests import factories
from workflows import triage
from workflows.timing import stage_times

T0 = datetime(2025, 1, 6, 0, 0, tzinfo=UTC)


def _events(proposal_id: int) -> list[ProposalEvent]:
    return list(
        db.session.scalars(select(ProposalEvent).where(ProposalEvent.proposal_id == proposal_id))
    )


def test_time_in_stage_pauses_while_waiting_for_the_proposer(ctx):
    office = factories.Office()
    proposal = factories.submitted()
    # Rewrite nothing: act at explicit times instead.
    proposal_id = proposal.id
    events = _events(proposal_id)
    assert events[0].kind == "submit_proposal"
    triage.start_review(
        db.session, office.reviewer, proposal, at=events[0].occurred_at + timedelta(days=2)
    )
    start = _events(proposal_id)[-1].occurred_at
    triage.request_information(
        db.session, office.reviewer, proposal, question="?", at=start + timedelta(days=1)
    )
    triage.answer_information_request(
        db.session, proposal.proposer, proposal, answer="!", at=start + timedelta(days=6)
    )
    triage.decline_proposal(
        db.session,
        office.reviewer,
        proposal,
        reason_code="safety",
        reasons="안전",
        at=start + timedelta(days=8),
    )
    times = stage_times(_events(proposal_id), now=start + timedelta(days=30))
    assert times.in_stage[Stage.INTAKE] == timedelta(days=2)
    assert times.in_stage[Stage.REVIEW] == timedelta(days=3)  # 1 before + 2 after the answer
    assert times.paused == timedelta(days=5)
    assert Stage.DECISION not in times.in_stage  # a decline is final: the clock stopped


def test_a_decided_repeal_keeps_counting_until_it_is_announced(ctx):
    proposal = factories.proposal_in(State.DECIDED)
    decided = _events(proposal.id)[-1].occurred_at
    times = stage_times(_events(proposal.id), now=decided + timedelta(days=4))
    assert times.in_stage[Stage.DECISION] >= timedelta(days=4)


def test_an_announced_repeal_stops_the_clock(ctx):
    proposal = factories.proposal_in(State.ANNOUNCED)
    last = _events(proposal.id)[-1].occurred_at
    later = stage_times(_events(proposal.id), now=last + timedelta(days=100))
    assert later.total() < timedelta(days=1)
