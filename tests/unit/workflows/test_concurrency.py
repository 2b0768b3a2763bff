"""Races: concurrent publication on PostgreSQL, and optimistic locking on both backends."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Announcement, Proposal, State, User, db
from tests import factories
from workflows import announcement, triage
from workflows.dispatch import commit
from workflows.errors import ConcurrentChange


@pytest.mark.postgres
def test_twenty_announcements_published_at_once_get_contiguous_unique_numbers(app, make_app):
    per_announcement = 3
    # One connection per publisher, so all twenty transactions really run at the same time.
    wide = make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 25})
    with app.app_context():
        office = factories.Office()
        ids = []
        for n in range(20):
            decided = [
                factories.proposal_in(State.DECIDED, office=office) for _ in range(per_announcement)
            ]
            ids.append(factories.draft_announcement(office, decided, f"{n + 1}차 발표").id)
        chair_id = office.chair.id
        commit(db.session)

    barrier = threading.Barrier(len(ids))
    errors: list[BaseException] = []

    def publish(announcement_id: int) -> None:
        try:
            with wide.app_context():
                chair = db.session.get(User, chair_id)
                notice = db.session.get(Announcement, announcement_id)
                barrier.wait(timeout=30)
                announcement.publish_announcement(db.session, chair, notice)
                commit(db.session)
        except BaseException as exc:  # reported below, with the others
            errors.append(exc)

    threads = [threading.Thread(target=publish, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with app.app_context():
        numbers = sorted(
            db.session.scalars(select(Proposal.repeal_no).where(Proposal.repeal_no.is_not(None)))
        )
        assert numbers == list(range(1, 20 * per_announcement + 1))
        # Each announcement's numbers form one block: publication is atomic.
        for notice in db.session.scalars(select(Announcement)):
            block = sorted(p.repeal_no for p in notice.proposals)
            assert block == list(range(block[0], block[0] + per_announcement))


def test_two_people_acting_at_once_one_wins_the_other_is_told(app):
    with app.app_context():
        office = factories.Office()
        proposal = factories.proposal_in(State.SUBMITTED, office=office)
        proposal_id, reviewer_id, other_id = (
            proposal.id,
            office.reviewer.id,
            factories.user(office.reviewer.role).id,
        )
        commit(db.session)
        engine = db.engine
        # The second person loaded the page before the first acted (their read has ended).
        with Session(engine, expire_on_commit=False) as second:
            theirs = second.get(Proposal, proposal_id)
            other = second.get(User, other_id)
            second.commit()
            with Session(engine) as first:
                mine = first.get(Proposal, proposal_id)
                assert mine.version == theirs.version
                triage.start_review(first, first.get(User, reviewer_id), mine)
                first.commit()
            with pytest.raises(ConcurrentChange) as refused:
                triage.assign_reviewer(
                    second, other, theirs, reviewer=other, expected_version=theirs.version
                )
            second.rollback()
        assert "다른 사용자가 이 제안을 먼저 변경했습니다" in refused.value.message_ko
        db.session.expire_all()
        assert db.session.get(Proposal, proposal_id).state is State.IN_REVIEW
