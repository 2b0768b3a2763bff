"""The public figures' derived rows follow the event trail, and their generation follows commits."""

from __future__ import annotations

import random
import statistics

import pytest
from sqlalchemy import select

from models import Proposal, ProposalEvent, ProposalStageFigure, State, db
from tests import factories
from workflows import triage
from workflows.dashboard import _median_and_p90
from workflows.dispatch import commit
from workflows.figures import GENERATION_SHARDS, bump_generation, generation, stage_figures


def _stored(proposal_id: int) -> dict[object, int | None]:
    return {
        row.stage: row.business_days
        for row in db.session.scalars(
            select(ProposalStageFigure).where(ProposalStageFigure.proposal_id == proposal_id)
        )
    }


def _from_trail(proposal: Proposal) -> dict[object, int | None]:
    events = list(
        db.session.scalars(
            select(ProposalEvent)
            .where(ProposalEvent.proposal_id == proposal.id)
            .order_by(ProposalEvent.id)
        )
    )
    return dict(stage_figures(events, proposal.state, proposal.outcome))


@pytest.mark.parametrize("state", [s for s in State if s is not State.DRAFT])
def test_stage_figures_are_rebuilt_from_the_trail_in_every_state(ctx, state):
    proposal = factories.proposal_in(state)
    commit(db.session)
    stored = _stored(proposal.id)
    assert stored == _from_trail(proposal)
    assert stored, "a received proposal has reached at least the intake stage"


def test_stage_figures_follow_a_later_operation(ctx):
    office = factories.Office()
    proposal = factories.proposal_in(State.IN_REVIEW, office=office)
    commit(db.session)
    before = _stored(proposal.id)
    triage.request_information(db.session, office.reviewer, proposal, question="근거는?")
    commit(db.session)
    after = _stored(proposal.id)
    assert after == _from_trail(proposal)
    assert set(after) == set(before)


def test_stage_figures_survive_a_savepoint_rolled_back_after_the_change(ctx):
    # The rows are rebuilt once, before the commit, for every proposal the transaction touched:
    # a savepoint rolled back in between must not make it forget the earlier ones.
    proposal = factories.proposal_in(State.IN_REVIEW)
    savepoint = db.session.begin_nested()
    factories.proposal_in(State.SUBMITTED)
    savepoint.rollback()
    commit(db.session)
    stored = _stored(proposal.id)
    assert stored and stored == _from_trail(proposal)


def test_a_proposal_made_in_a_committed_savepoint_and_changed_after_keeps_one_row_per_stage(ctx):
    # Rows of a proposal created in the transaction are not deleted before their first rebuild
    # (there are none); once a savepoint's commit has written them, a later rebuild replaces them.
    office = factories.Office()
    savepoint = db.session.begin_nested()
    proposal = factories.proposal_in(State.SUBMITTED, office=office)
    savepoint.commit()
    triage.start_review(db.session, office.reviewer, proposal)
    commit(db.session)
    stored = _stored(proposal.id)
    assert len(stored) >= 2 and stored == _from_trail(proposal)


def test_a_draft_has_no_stage_figures(ctx):
    proposal = factories.proposal_in(State.DRAFT)
    commit(db.session)
    assert _stored(proposal.id) == {}


def test_generation_changes_when_a_change_commits_and_not_on_rollback(ctx):
    factories.proposal_in(State.SUBMITTED)
    commit(db.session)
    first = generation(db.session)
    factories.proposal_in(State.SUBMITTED)
    db.session.rollback()
    assert generation(db.session) == first
    factories.proposal_in(State.SUBMITTED)
    commit(db.session)
    assert generation(db.session) != first


def test_a_savepoint_rolled_back_keeps_the_change_made_before_it(ctx):
    # A bulk upload rolls back a bad row's savepoint and commits the good rows: the commit must
    # still give the figures a new generation for the rows stored before the bad one.
    factories.proposal_in(State.SUBMITTED)
    commit(db.session)
    first = generation(db.session)
    factories.proposal_in(State.SUBMITTED)
    db.session.flush()
    savepoint = db.session.begin_nested()
    savepoint.rollback()
    commit(db.session)
    assert generation(db.session) != first


def test_generation_follows_whichever_of_its_rows_a_commit_sets(ctx):
    # A commit sets one of the generation's rows at random (so that concurrent commits seldom
    # queue on one row's lock); the generation read is all of them together.
    seen = {generation(db.session)}
    for shard in range(GENERATION_SHARDS):
        bump_generation(db.session.connection(), shard=shard)
        db.session.commit()
        seen.add(generation(db.session))
    assert len(seen) == GENERATION_SHARDS + 1


def test_median_and_p90_from_a_histogram_match_the_plain_definitions():
    rng = random.Random(7)
    for size in (1, 2, 3, 10, 11, 57):
        values = [rng.randint(0, 30) for _ in range(size)]
        histogram = sorted({v: values.count(v) for v in values}.items())
        ordered = sorted(values)
        rank = max(1, -(-90 * size // 100))
        assert _median_and_p90(histogram) == (
            float(statistics.median(values)),
            float(ordered[rank - 1]),
        )
    assert _median_and_p90([]) == (None, None)
