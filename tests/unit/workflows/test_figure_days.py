"""The per-day parts of the public figures, merged for a filter, give exactly the figures the
dashboard, the figures API and the home page compute directly (``workflows.figure_days``)."""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime, timedelta

import pytest

from models import Campaign, Role, db
from tests import factories
from workflows import announcement, intake, reexamination, review, triage
from workflows.dashboard import build_dashboard
from workflows.figure_days import (
    campaign_stats_from,
    compute_day_figures,
    dashboard_from,
    repeal_cells_from,
)
from workflows.stats import StatsFilter, campaign_stats, repeals_by_sector_and_type

SECTORS = ("construction_housing", "business_smallbiz", "admin_welfare", "transport_env_safety")
TYPES = ("economic", "excessive_standard", "citizen_inconvenience")
REASONS = ("safety", "higher_law", "infeasible")
# Seoul is UTC+9: 14:59:59 UTC is the last second of a Seoul day, 15:00 UTC the first of the next.
LAST_SECOND_OF_JAN_31 = datetime(2025, 1, 31, 14, 59, 59, tzinfo=UTC)
FIRST_SECOND_OF_FEB_1 = datetime(2025, 1, 31, 15, 0, 0, tzinfo=UTC)


def _submitted_at(i: int) -> datetime:
    """Submission times from 2024-12-30 to about 2025-04-10 (Seoul), some on both sides of a
    Seoul midnight, inside the two campaigns and outside both."""
    if i % 11 == 3:
        return LAST_SECOND_OF_JAN_31
    if i % 11 == 7:
        return FIRST_SECOND_OF_FEB_1
    return datetime(2024, 12, 29, 16, 0, tzinfo=UTC) + timedelta(days=(i * 37) % 100, hours=i % 9)


def _business_day(at: datetime, days: int) -> datetime:
    return at + timedelta(days=days)


def _world() -> list[Campaign]:
    """Proposals in every kind of state, with trails: declines with several reasons, decisions
    re-examined (the same answer, and a changed one), repeals announced and in force."""
    campaigns = [
        Campaign(code="jan", name="1월", starts_on=date(2025, 1, 1), ends_on=date(2025, 1, 31)),
        Campaign(code="spring", name="봄", starts_on=date(2025, 2, 1), ends_on=date(2025, 3, 31)),
    ]
    db.session.add_all(campaigns)
    db.session.flush()
    office = factories.Office()
    other_reviewer = factories.user(Role.REVIEWER)
    official = factories.user(Role.OFFICIAL)
    to_announce = []
    for i in range(44):
        proposer = factories.user(Role.CITIZEN if i % 4 else Role.OFFICIAL)
        at = _submitted_at(i)
        proposal = intake.submit_new_proposal(
            db.session,
            proposer,
            factories.fields(
                sector_code=SECTORS[(i + i // 8) % 4], regulation_type_code=TYPES[(i // 2) % 3]
            ),
            channel_code=factories.CHANNEL_OF_ROLE[proposer.role],
            consent=True,
            at=at,
        )
        kind = i % 8
        if kind == 0:
            continue  # submitted, not yet looked at
        if kind == 1:
            triage.withdraw_proposal(db.session, proposer, proposal, at=at + timedelta(hours=5))
            continue
        at = _business_day(at, i % 5)
        triage.start_review(db.session, office.reviewer, proposal, at=at)
        if kind == 2:
            continue  # in review
        if kind in (3, 4):
            at = _business_day(at, 1 + i % 7)
            triage.decline_proposal(
                db.session,
                office.reviewer,
                proposal,
                reason_code=REASONS[i % 3],
                reasons="사유",
                at=at,
            )
            if kind == 3:
                continue
            # Re-examined: declined again for another reason, or repealed after all.
            at = _business_day(at, 2)
            reexamination.request_reexamination(
                db.session, proposer, proposal, reasons="다시 보아 주십시오", at=at
            )
            triage.assign_reviewer(db.session, office.chair, proposal, reviewer=other_reviewer)
            at = _business_day(at, 1 + i % 3)
            if i % 3:
                triage.decline_proposal(
                    db.session,
                    other_reviewer,
                    proposal,
                    reason_code=REASONS[(i + 1) % 3],
                    reasons="다시 보아도 같습니다",
                    at=at,
                )
                continue
            review.send_to_deliberation(db.session, other_reviewer, proposal, at=at)
        else:
            at = _business_day(at, 1 + i % 4)
            review.send_to_deliberation(db.session, office.reviewer, proposal, at=at)
        if kind == 5:
            continue  # in deliberation
        at = _business_day(at, 3 + i % 6)
        factories.decide_repeal(office, proposal, at=at)
        if kind != 6:
            to_announce.append(proposal)
    # One cell's repeals on two days, numbered alternately: the first two of the range are
    # not the first two of its first day.
    for day in (3, 4, 3):
        at = datetime(2025, 3, day, 1, 0, tzinfo=UTC)
        proposal = intake.submit_new_proposal(
            db.session,
            factories.user(Role.CITIZEN),
            factories.fields(sector_code=SECTORS[0], regulation_type_code=TYPES[0]),
            channel_code="online_window",
            consent=True,
            at=at,
        )
        triage.start_review(db.session, office.reviewer, proposal, at=at)
        review.send_to_deliberation(db.session, office.reviewer, proposal, at=at)
        factories.decide_repeal(office, proposal, at=at + timedelta(days=1))
        to_announce.append(proposal)
    notice = announcement.create_announcement(
        db.session, office.chair, title="주간 발표", announced_on=date(2025, 4, 24)
    )
    for proposal in to_announce:
        announcement.add_to_announcement(db.session, office.chair, notice, proposal)
    announcement.publish_announcement(db.session, office.chair, notice)
    for proposal in to_announce[::2]:
        announcement.update_implementation(
            db.session,
            official,
            proposal,
            stage="in_force",
            ordinance_change_needed=False,
            effective_on=date(2025, 5, 1),
        )
    # Committed: the stage figures are written from the trails just before a commit.
    db.session.commit()
    return campaigns


RANGES: list[tuple[date | None, date | None]] = [
    (None, None),
    (date(2025, 2, 10), date(2025, 2, 1)),  # empty: from after to
    (date(2025, 1, 31), date(2025, 1, 31)),  # one day, its last second included
    (date(2025, 2, 1), date(2025, 2, 1)),  # the next day, its first second included
    (None, date(2025, 1, 31)),  # open-ended from
    (date(2025, 2, 1), None),  # open-ended to
    (date(2025, 1, 15), date(2025, 3, 15)),
    (date(2024, 12, 30), date(2024, 12, 30)),  # the first day with data
    (date(2020, 1, 1), date(2020, 12, 31)),  # before the data
    (date(2030, 1, 1), None),  # after the data
    (date(2020, 1, 1), date(2030, 12, 31)),  # around all of it
]


def test_merged_day_figures_equal_the_direct_computation_for_every_filter(ctx):
    campaigns = _world()
    parts = compute_day_figures(db.session)
    # What the parts go through when stored in Redis.
    parts = pickle.loads(pickle.dumps(parts))  # noqa: S301
    # The order the days are kept in must not matter (the first examples of a range are those
    # of its days' examples with the lowest repeal numbers, wherever the days come).
    parts.examples = dict(reversed(parts.examples.items()))
    parts.counts = dict(reversed(parts.counts.items()))
    everything = build_dashboard(db.session)
    # The data exercises every figure: otherwise equal figures would prove little.
    assert everything.reexamined >= 2 and 0 < everything.overturned < everything.reexamined
    assert len(everything.decline_reasons) == 3
    assert dict(everything.funnel)["in_force"] > 0
    assert any(d.median and d.p90 and d.median < d.p90 for d in everything.stage_days)
    assert len({cell.sector for cell in repeals_by_sector_and_type(db.session)}) == 4
    checked = 0
    for campaign in (None, *campaigns):
        for date_from, date_to in RANGES:
            filters = StatsFilter(campaign=campaign, date_from=date_from, date_to=date_to)
            label = (campaign and campaign.code, date_from, date_to)
            assert dashboard_from(parts, filters) == build_dashboard(db.session, filters), label
            assert campaign_stats_from(parts, filters) == campaign_stats(db.session, filters), label
            for examples in (1, 2):
                assert repeal_cells_from(parts, filters, examples=examples) == (
                    repeals_by_sector_and_type(db.session, filters, examples=examples)
                ), label
            checked += 1
    assert checked == 33


def test_the_seoul_day_decides_which_range_counts_a_proposal(ctx):
    """A proposal submitted at 23:59:59 in Seoul counts on that day, one submitted a second
    later on the next (the partition must use Seoul dates, not UTC ones)."""
    for at in (LAST_SECOND_OF_JAN_31, FIRST_SECOND_OF_FEB_1):
        intake.submit_new_proposal(
            db.session,
            factories.user(Role.CITIZEN),
            factories.fields(),
            channel_code="online_window",
            consent=True,
            at=at,
        )
    db.session.flush()
    parts = compute_day_figures(db.session)
    assert sorted(day for _campaign, day in parts.counts) == [date(2025, 1, 31), date(2025, 2, 1)]
    jan_31 = StatsFilter(date_from=date(2025, 1, 31), date_to=date(2025, 1, 31))
    assert campaign_stats_from(parts, jan_31)["received"]["total"] == 1


def test_more_examples_than_the_parts_keep_are_refused(ctx):
    parts = compute_day_figures(db.session)
    with pytest.raises(ValueError):
        repeal_cells_from(parts, StatsFilter(), examples=3)
