"""The office's queues: named queues, the officials' share, keyset pages and capped counts."""

from __future__ import annotations

from models import Role, State, db
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
