"""Receipt numbers on PostgreSQL: drawn in a transaction of their own, so a submission holds no
lock on the counter until its commit; unique under concurrency; a failed submission leaves a gap."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import OperationalError

from models import Proposal, Role, User, db
from tests import factories
from tests.conftest import PG_URL
from webapp.config import normalise_database_url
from workflows import intake
from workflows.dispatch import commit

pytestmark = pytest.mark.postgres
AT = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)


def _submit(citizen: User) -> Proposal:
    return intake.submit_new_proposal(
        db.session, citizen, factories.fields(), channel_code="online_window", consent=True, at=AT
    )


def test_a_submission_in_progress_holds_no_lock_on_the_counter(ctx):
    citizen = factories.user(Role.CITIZEN)
    proposal = _submit(citizen)  # not committed: the transaction is still open
    assert proposal.receipt_no == "2025-000001"
    other = create_engine(normalise_database_url(str(PG_URL)))
    try:
        with other.connect() as connection:
            # Drawn inside the submission, the row would be locked until its commit.
            locked = connection.execute(
                text("SELECT value FROM counter WHERE name = 'receipt:2025' FOR UPDATE NOWAIT")
            ).scalar_one()
            assert locked == 1
            connection.rollback()
    except OperationalError as exc:  # LockNotAvailable
        pytest.fail(f"the receipt counter is locked by the open submission: {exc}")
    finally:
        other.dispose()


def test_a_failed_submission_leaves_a_gap_and_no_number_twice(ctx):
    citizen = factories.user(Role.CITIZEN)
    commit(db.session)
    _submit(citizen)
    db.session.rollback()  # the submission fails after its draw: its number is not reused
    again = _submit(citizen)
    commit(db.session)
    assert again.receipt_no == "2025-000002"


def test_twenty_submissions_at_once_get_unique_numbers(app, make_app):
    wide = make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 45})
    with app.app_context():
        citizen_id = factories.user(Role.CITIZEN).id
        commit(db.session)
    barrier = threading.Barrier(20)
    errors: list[BaseException] = []

    def submit() -> None:
        try:
            with wide.app_context():
                citizen = db.session.get(User, citizen_id)
                assert citizen is not None
                barrier.wait(timeout=30)
                _submit(citizen)
                commit(db.session)
        except BaseException as exc:  # reported below, with the others
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with app.app_context():
        numbers = sorted(db.session.scalars(select(Proposal.receipt_no)))
    assert numbers == [f"2025-{n:06d}" for n in range(1, 21)]
