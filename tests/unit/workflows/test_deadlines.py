"""Deadlines in business days: the clock pauses while waiting for the proposer, the SQL cut-off
agrees with the per-proposal arithmetic, and the department's burden of proof shows as missing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from models import Proposal, Role, State, db
from tests import factories
from workflows import review, triage
from workflows.calendar import business_days_between
from workflows.deadlines import (
    Targets,
    deadlines,
    department_status,
    overdue_clause,
    overdue_cutoff,
    resumed_clock,
)
from workflows.numbering import SEOUL


def seoul(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SEOUL).astimezone(UTC)


def test_the_cutoff_is_the_inverse_of_counting_business_days():
    # Around the Lunar New Year and Chuseok holidays, and across a year end.
    for today in (date(2025, 1, 31), date(2025, 10, 10), date(2026, 1, 2), date(2025, 3, 4)):
        for days in (1, 14, 60):
            cutoff = overdue_cutoff(days, today)
            for back in range(120):
                start = today - timedelta(days=back)
                late = business_days_between(seoul(start, 12), seoul(today, 12)) > days
                assert late == (start < cutoff), (today, days, start)


def test_the_first_review_target_skips_holidays():
    with_lunar_new_year = seoul(date(2025, 1, 24))  # Friday before 설날 (27-30 Jan 2025)
    proposal = Proposal(submitted_at=with_lunar_new_year, state=State.SUBMITTED)
    review_due, result_due = deadlines(proposal, Targets(review=14), now=with_lunar_new_year)
    assert review_due.kind == "review" and result_due.kind == "result"
    # 14 business days after Friday 24 Jan 2025: 27 Jan (temporary holiday) and 28-30 Jan
    # (설날) are off, so 31 Jan is the first, 3-7 and 10-14 Feb the next ten, 19 Feb the 14th.
    assert review_due.due_on == date(2025, 2, 19)
    assert review_due.business_days_left == 14 and not review_due.overdue


def test_waiting_for_the_proposer_moves_the_deadlines(ctx):
    office = factories.Office()
    proposal = factories.submitted()
    submitted_on = proposal.submitted_at
    triage.start_review(db.session, office.reviewer, proposal)
    triage.request_information(
        db.session, office.reviewer, proposal, question="근거를 알려 주십시오", at=submitted_on
    )
    assert all(d.paused and not d.overdue for d in deadlines(proposal, Targets()))
    answered_at = submitted_on + timedelta(days=14)  # two calendar weeks: 10 business days or so
    triage.answer_information_request(
        db.session, proposal.proposer, proposal, answer="조례 제5조입니다", at=answered_at
    )
    paused = business_days_between(submitted_on, answered_at)
    before = deadlines(Proposal(submitted_at=submitted_on, state=State.IN_REVIEW), Targets())
    after = deadlines(proposal, Targets())
    for old, new in zip(before, after, strict=True):
        assert business_days_between(seoul(old.due_on, 12), seoul(new.due_on, 12)) == paused


def test_the_overdue_clause_agrees_with_the_per_proposal_answer(ctx):
    office = factories.Office()
    now = datetime.now(UTC)
    proposals = []
    for days_ago in (5, 19, 25, 100):
        proposal = factories.submitted()
        proposal.submitted_at = now - timedelta(days=days_ago)
        proposals.append(proposal)
    reviewed = proposals[2]
    triage.start_review(db.session, office.reviewer, reviewed)
    review.record_review(db.session, office.reviewer, reviewed, opinion="검토 완료")
    db.session.flush()
    targets = Targets()
    found = set(db.session.scalars(select(Proposal.id).where(overdue_clause(targets, now))))
    expected = {p.id for p in proposals if any(d.overdue for d in deadlines(p, targets, now))}
    assert found == expected
    assert proposals[0].id not in found and proposals[3].id in found


def test_the_department_owes_its_opinion_by_the_deadline(ctx):
    office = factories.Office()
    dept = factories.organisation("housing", factories.OrganisationKind.DEPARTMENT)
    official = factories.user(Role.OFFICIAL)
    official.organisation_id = dept.id
    proposal = factories.proposal_in(State.IN_REVIEW, office=office)
    assert department_status(proposal).kind == "not_transferred"
    triage.transfer_to_department(
        db.session, office.reviewer, proposal, department=dept, targets=Targets(department=10)
    )
    assert department_status(proposal).kind == "pending"
    late = seoul(proposal.department_due_on + timedelta(days=1))
    assert department_status(proposal, now=late).kind == "missing"
    review.record_department_opinion(
        db.session,
        official,
        proposal,
        stance="keep",
        opinion="존치",
        justification={
            "keep_purpose": "목적",
            "keep_evidence": "근거",
            "keep_harm_if_repealed": "피해",
            "keep_alternatives": "대안",
            "keep_responsible_official": "김과장",
        },
    )
    db.session.refresh(proposal)
    status = department_status(proposal, now=late)
    assert status.kind == "provided" and status.keeps


def test_resuming_the_same_day_keeps_the_clock(ctx):
    proposal = Proposal(submitted_at=seoul(date(2025, 2, 3)))
    assert resumed_clock(proposal, seoul(date(2025, 2, 4), 9), seoul(date(2025, 2, 4), 17)) == (
        proposal.submitted_at
    )
