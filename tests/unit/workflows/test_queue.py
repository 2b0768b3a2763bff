"""The office's queues: named queues, the officials' share, keyset pages and capped counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models import Role, SourceKind, Stage, State, db, utcnow
from tests import factories
from workflows import queue, triage
from workflows.deadlines import Targets


def test_counts_are_exact_up_to_the_cap_and_then_say_more(ctx):
    office = factories.Office()
    for _ in range(4):
        factories.submitted()
    factories.proposal_in(State.INFO_REQUESTED, office=office)
    db.session.flush()
    exact = queue.counts(db.session, office.reviewer, Targets())
    assert exact["new"] == 4 and exact["waiting"] == 1 and exact["all"] == 5
    capped = queue.counts(db.session, office.reviewer, Targets(), cap=3)
    assert capped["new"] == 4 and capped["all"] == 4 and capped["waiting"] == 1


def test_an_official_sees_only_the_share_of_their_department(ctx):
    office = factories.Office()
    dept = factories.organisation("housing", factories.OrganisationKind.DEPARTMENT)
    official = factories.user(Role.OFFICIAL)
    official.organisation_id = dept.id
    theirs, other = factories.submitted(), factories.submitted()
    triage.transfer_to_department(db.session, office.reviewer, theirs, department=dept)
    db.session.flush()
    page = queue.page(db.session, official, queue.QueueFilter(), Targets())
    assert [p.id for p in page.items] == [theirs.id]
    everything = queue.page(db.session, office.reviewer, queue.QueueFilter(), Targets())
    assert {p.id for p in everything.items} == {theirs.id, other.id}
    by_department = queue.QueueFilter(department=dept.id)
    filtered = queue.page(db.session, office.reviewer, by_department, Targets())
    assert [p.id for p in filtered.items] == [theirs.id]


def test_keyset_pages_cover_every_row_once_in_each_order(ctx):
    office = factories.Office()
    made = [factories.submitted(title=f"제안 {n}") for n in range(7)]
    triage.start_review(db.session, office.reviewer, made[2])
    db.session.flush()
    for sort in queue.SORTS:
        seen, after = [], None
        while True:
            f = queue.QueueFilter(sort=sort, limit=3, after=after)
            result = queue.page(db.session, office.reviewer, f, Targets())
            seen += [p.id for p in result.items]
            if result.next_after is None:
                break
            after = result.next_after
        assert sorted(seen) == sorted(p.id for p in made), sort
        if sort == "oldest":
            assert seen == [p.id for p in made]


def test_the_counts_key_names_what_the_counts_depend_on_besides_the_rows(ctx):
    office = factories.Office()
    other = factories.user(Role.REVIEWER)
    db.session.flush()
    now = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
    key = queue.counts_key(office.reviewer, Targets(), queue.QueueFilter(), now)
    assert key is not None
    # Every page and sort of the same filters shares the counts.
    paged = queue.QueueFilter(queue="overdue", sort="oldest", limit=7, after=(now, 5))
    assert queue.counts_key(office.reviewer, Targets(), paged, now) == key
    # "mine" is per reviewer; "overdue" moves with the Seoul date and the targets.
    assert queue.counts_key(other, Targets(), queue.QueueFilter(), now) != key
    tomorrow = now + timedelta(days=1)
    assert queue.counts_key(office.reviewer, Targets(), queue.QueueFilter(), tomorrow) != key
    assert queue.counts_key(office.reviewer, Targets(review=5), queue.QueueFilter(), now) != key
    by_sector = queue.QueueFilter(sector="admin_welfare")
    assert queue.counts_key(office.reviewer, Targets(), by_sector, now) != key
    # Moving with the clock or the search index: not cached.
    for moving in (
        queue.QueueFilter(min_age_days=3),
        queue.QueueFilter(max_age_days=3),
        queue.QueueFilter(q="주차장"),
    ):
        assert queue.counts_key(office.reviewer, Targets(), moving, now) is None


def test_one_pass_counts_under_a_scattering_filter_equal_the_capped_counts(ctx):
    """Under a sector, type, source... filter the counts come from one pass over the open
    proposals; they must be what the capped count of each queue says."""
    office = factories.Office()
    made = [factories.submitted(sector_code=sector) for sector in ("admin_welfare",) * 3]
    made.append(factories.submitted(sector_code="business_smallbiz"))
    for state in (State.IN_REVIEW, State.INFO_REQUESTED, State.IN_DELIBERATION, State.DECIDED):
        factories.proposal_in(state, office=office).sector_code = "admin_welfare"
    triage.start_review(db.session, office.reviewer, made[0])
    triage.assign_reviewer(db.session, office.reviewer, made[0], reviewer=office.reviewer)
    db.session.flush()
    later = utcnow() + timedelta(days=200)  # everything open is overdue by then
    for now in (None, later):
        for f in (
            queue.QueueFilter(sector="admin_welfare"),
            queue.QueueFilter(sector="admin_welfare", stage=Stage.REVIEW),
            queue.QueueFilter(source=SourceKind.CITIZEN, state=State.SUBMITTED),
            queue.QueueFilter(sector="admin_welfare", regulation_type="economic"),
            queue.QueueFilter(channel="online_window"),  # not a column of the tally
        ):
            one_pass = queue.counts(db.session, office.reviewer, Targets(), f, now, cap=2)
            separate = {
                name: queue._capped_count(
                    db.session, office.reviewer, Targets(), f, name, now or utcnow(), 2
                )
                for name in queue.QUEUES
            }
            assert one_pass == separate, (f, now)
    welfare = queue.counts(
        db.session, office.reviewer, Targets(), queue.QueueFilter(sector="admin_welfare")
    )
    assert welfare["new"] == 2 and welfare["mine"] == 4 and welfare["in_review"] == 2
    assert welfare["waiting"] == 1 and welfare["all"] == 7


def test_the_all_queue_is_summed_from_the_tally_only_where_it_holds_the_filters_and_scope(ctx):
    office = factories.Office()
    official = factories.user(Role.OFFICIAL)
    for sector in ("admin_welfare", "admin_welfare", "business_smallbiz"):
        factories.submitted(sector_code=sector)
    factories.proposal_in(State.DECIDED, office=office).sector_code = "admin_welfare"
    db.session.flush()
    welfare = queue.QueueFilter(sector="admin_welfare")
    assert queue._all_from_tally(db.session, office.reviewer, welfare) == 3
    assert queue._all_from_tally(db.session, office.reviewer, queue.QueueFilter()) == 4
    # The official's scope (their department's share) and a channel are not in the tally.
    assert queue._all_from_tally(db.session, official, welfare) is None
    channel = queue.QueueFilter(sector="admin_welfare", channel="online_window")
    assert queue._all_from_tally(db.session, office.reviewer, channel) is None
    assert queue.counts(db.session, official, Targets(), welfare)["all"] == 0
    assert queue.counts(db.session, office.reviewer, Targets(), channel)["all"] == 3
