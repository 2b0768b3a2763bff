"""What a submission and a ballot cost in statements, and the per-process copy of the reference
data they check: an administrator's change is seen by the next submission, in any process."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import delete, event, select, update

from models import Channel, Proposal, Role, Sector, db
from tests.functional.helpers import account, api_token, csrf_token, login
from tests.functional.test_api_proposals import BODY
from tests.functional.test_votes import _open_round, _verify
from workflows import admin
from workflows.dispatch import commit

# A submission: the token with its user, the idempotency key, the savepoint and its release, the
# reference version, the proposal's insert and update, its event, two outbox messages, the receipt
# number, the stage figures (its trail, then its rows: nothing to delete for a new proposal), the
# figures generation: 14 on PostgreSQL, 15 on SQLite (where the receipt number replaces a
# placeholder, in the same transaction). There were 34.
SUBMISSION_STATEMENTS = 15
# A ballot: the login session with its user, the round with its candidates (one query; there
# were two), the "voted already" check, the savepoint, the ballot, its choice and the release.
BALLOT_STATEMENTS = 7


@contextmanager
def counted(app) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    """The statements sent while the block runs, with "COMMIT" where a transaction committed
    (SQLite's BEGIN left out: PostgreSQL's is implicit)."""
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if not statement.startswith("BEGIN"):
            statements.append(statement)

    def committed(conn) -> None:  # type: ignore[no-untyped-def]
        statements.append("COMMIT")

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    event.listen(engine, "commit", committed)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
        event.remove(engine, "commit", committed)


def test_a_submission_takes_a_bounded_number_of_statements(app, client):
    with app.app_context():
        user = account(Role.CITIZEN)
    headers = api_token(client, user)
    # The first submission of a process reads the reference data; the count is of the next.
    assert client.post("/api/v1/proposals", json=BODY, headers=headers).status_code == 201
    with counted(app) as statements:
        response = client.post("/api/v1/proposals", json=BODY, headers=headers)
    assert response.status_code == 201
    # Up to its commit: without a queue (embedded mode) its jobs run in-process afterwards.
    submission = statements[: statements.index("COMMIT")]
    assert len(submission) <= SUBMISSION_STATEMENTS, "\n".join(submission)
    with app.app_context():
        stored = db.session.get(Proposal, response.get_json()["id"])
        assert stored is not None and stored.receipt_no == response.get_json()["receipt_no"]


def test_a_ballot_takes_a_bounded_number_of_statements(app, client):
    with app.app_context():
        round_id, candidates = _open_round()
        citizen = account(Role.CITIZEN)
    login(client, citizen)
    _verify(client, round_id)
    token = csrf_token(client, f"/votes/{round_id}")
    with counted(app) as statements:
        response = client.post(
            f"/votes/{round_id}/ballot", data={"picks": str(candidates[0]), "csrf_token": token}
        )
    assert response.status_code == 303
    # A ballot queues no job; its request is one transaction.
    ballot = [s for s in statements if s != "COMMIT"]
    assert len(ballot) <= BALLOT_STATEMENTS, "\n".join(ballot)


def test_a_sector_added_in_another_process_is_accepted_by_the_next_submission(
    app, client, make_app
):
    with app.app_context():
        user = account(Role.CITIZEN)
    headers = api_token(client, user)
    body = {**BODY, "sector": "space_tourism"}
    refused = client.post("/api/v1/proposals", json=body, headers=headers)
    assert refused.status_code == 422 and "sector" in refused.get_json()["errors"]
    other = make_app()  # another process: its own engine, its own copy of the reference data
    with other.app_context():
        administrator = account(Role.ADMIN)
        admin.create_reference(
            db.session,
            administrator,
            "sector",
            code="space_tourism",
            label_ko="우주관광",
            label_en="Space tourism",
        )
        commit(db.session)
    try:
        assert client.post("/api/v1/proposals", json=body, headers=headers).status_code == 201
    finally:
        with app.app_context():  # reference tables are kept between tests
            db.session.execute(
                update(Proposal)
                .where(Proposal.sector_code == "space_tourism")
                .values(sector_code=None)
            )
            db.session.execute(delete(Sector).where(Sector.code == "space_tourism"))
            db.session.commit()


def test_a_channel_deactivated_by_an_admin_refuses_the_next_submission(app, client):
    with app.app_context():
        user = account(Role.CITIZEN)
        administrator = account(Role.ADMIN)
    headers = api_token(client, user)
    assert client.post("/api/v1/proposals", json=BODY, headers=headers).status_code == 201
    try:
        with app.app_context():
            window = db.session.scalar(select(Channel).where(Channel.code == "online_window"))
            admin.set_reference_active(db.session, administrator, "channel", window, active=False)
            commit(db.session)
        refused = client.post("/api/v1/proposals", json=BODY, headers=headers)
        assert refused.status_code == 422 and "channel_code" in refused.get_json()["errors"]
    finally:
        with app.app_context():
            window = db.session.scalar(select(Channel).where(Channel.code == "online_window"))
            admin.set_reference_active(db.session, administrator, "channel", window, active=True)
            commit(db.session)
    assert client.post("/api/v1/proposals", json=BODY, headers=headers).status_code == 201
