"""The database itself refuses impossible rows, whatever the Python code does."""

from __future__ import annotations

import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from models import Proposal, ProposalEvent, Role, State, db
from tests import factories


def _violates(statement) -> None:  # type: ignore[no-untyped-def]
    savepoint = db.session.begin_nested()
    with pytest.raises(IntegrityError):
        db.session.execute(statement)
        db.session.flush()
    savepoint.rollback()


def test_announced_needs_a_repeal_number(ctx):
    proposal = factories.proposal_in(State.DECIDED)
    _violates(update(Proposal).where(Proposal.id == proposal.id).values(state="announced"))


def test_repeal_number_only_when_announced(ctx):
    proposal = factories.proposal_in(State.IN_REVIEW)
    _violates(update(Proposal).where(Proposal.id == proposal.id).values(repeal_no=7))


def test_repeal_numbers_are_unique(ctx):
    office = factories.Office()
    a = factories.proposal_in(State.ANNOUNCED, office=office)
    b = factories.proposal_in(State.ANNOUNCED, office=office)
    _violates(update(Proposal).where(Proposal.id == b.id).values(repeal_no=a.repeal_no))


def test_state_and_stage_must_agree(ctx):
    proposal = factories.proposal_in(State.SUBMITTED)
    _violates(update(Proposal).where(Proposal.id == proposal.id).values(stage="deliberation"))


def test_outcome_must_match_state(ctx):
    proposal = factories.proposal_in(State.IN_REVIEW)
    _violates(update(Proposal).where(Proposal.id == proposal.id).values(outcome="repeal"))


def test_merged_needs_a_pointer_to_another_proposal(ctx):
    proposal = factories.proposal_in(State.SUBMITTED)
    _violates(
        update(Proposal)
        .where(Proposal.id == proposal.id)
        .values(state="merged", outcome="merged", merged_into_id=proposal.id)
    )


def test_submitted_needs_a_receipt_number_and_consent(ctx):
    proposal = factories.proposal_in(State.DRAFT)
    _violates(update(Proposal).where(Proposal.id == proposal.id).values(state="submitted"))


def test_unknown_codes_are_refused_by_the_database(ctx):
    proposal = factories.proposal_in(State.SUBMITTED)
    # Raw SQL: the ORM's enum type would refuse it before the database sees it.
    _violates(text("UPDATE proposal SET state = 'lost' WHERE id = :id").bindparams(id=proposal.id))


def test_staff_accounts_need_an_organisation(ctx):
    user = factories.user(Role.REVIEWER)
    _violates(
        text("UPDATE user_account SET organisation_id = NULL WHERE id = :id").bindparams(id=user.id)
    )


def test_the_event_trail_is_append_only_in_the_database(ctx):
    factories.proposal_in(State.SUBMITTED)
    db.session.flush()
    for statement in ("UPDATE proposal_event SET note = 'rewritten'", "DELETE FROM proposal_event"):
        savepoint = db.session.begin_nested()
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
        savepoint.rollback()


def test_the_event_trail_is_append_only_in_the_orm(ctx):
    proposal = factories.proposal_in(State.SUBMITTED)
    event = db.session.get(ProposalEvent, proposal.events[0].id)
    event.note = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        db.session.flush()
