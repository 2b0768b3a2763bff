"""The personal data access log is append-only; the retention job destroys the contact details
and attachments of closed proposals kept past the period, logs it, and touches nothing else."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DatabaseError

from models import Attachment, PersonalDataAccess, Proposal, Role, State, db, utcnow
from tests import factories
from workflows import privacy
from workflows.dispatch import commit

DAYS = 365


def _attach(proposal: Proposal, directory) -> Attachment:  # type: ignore[no-untyped-def]
    data = b"%PDF-1.4 personal"
    stored = hashlib.sha256(str(proposal.id).encode()).hexdigest()[:32]
    directory.mkdir(parents=True, exist_ok=True)
    (directory / stored).write_bytes(data)
    row = Attachment(
        proposal_id=proposal.id,
        owner_id=proposal.proposer_id,
        original_name="주민등록등본.pdf",
        stored_name=stored,
        kind="pdf",
        content_type="application/pdf",
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    db.session.add(row)
    db.session.flush()
    return row


def test_the_access_log_refuses_changes_in_the_orm_and_in_the_database(ctx):
    reviewer = factories.user(Role.REVIEWER)
    entry = privacy.record_access(
        db.session,
        reviewer,
        action="view_contact",
        object_type="proposal",
        object_key="2025-000001",
        remote_addr="203.0.113.9",
    )
    commit(db.session)
    entry.object_key = "changed"
    with pytest.raises(ValueError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    db.session.delete(entry)
    with pytest.raises(ValueError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    for statement in (
        update(PersonalDataAccess).values(remote_addr="198.51.100.1"),
        delete(PersonalDataAccess),
    ):
        with pytest.raises(DatabaseError, match="append-only"):
            db.session.execute(statement)
        db.session.rollback()
    assert db.session.scalar(select(PersonalDataAccess.remote_addr)) == "203.0.113.9"


def test_an_unknown_action_is_refused(ctx):
    with pytest.raises(ValueError, match="unknown"):
        privacy.record_access(db.session, None, action="peek", object_type="x", object_key="1")


def test_the_retention_job_destroys_only_closed_proposals_past_the_period(ctx, tmp_path):
    office = factories.Office()
    announced = factories.proposal_in(State.ANNOUNCED, office=office)
    withdrawn = factories.proposal_in(State.WITHDRAWN, office=office)
    in_review = factories.proposal_in(State.IN_REVIEW, office=office)
    for proposal in (announced, withdrawn, in_review):
        proposal.contact_phone = "010-2222-3333"
        proposal.contact_email = "private@example.org"
    files = tmp_path / "attachments"
    attachment = _attach(announced, files)
    commit(db.session)
    kept = {p.id: (p.contact_name, p.title, p.state) for p in (announced, withdrawn, in_review)}

    # Within the period nothing happens.
    soon = privacy.destroy_expired_personal_data(
        db.session, now=utcnow() + timedelta(days=DAYS - 1), retention_days=DAYS
    )
    assert soon.receipt_nos == [] and soon.files == []

    later = utcnow() + timedelta(days=DAYS + 1)
    done = privacy.destroy_expired_personal_data(db.session, now=later, retention_days=DAYS)
    commit(db.session)
    assert sorted(done.receipt_nos) == sorted([announced.receipt_no, withdrawn.receipt_no])
    assert done.files == [attachment.stored_name]
    for proposal in (announced, withdrawn):
        db.session.refresh(proposal)
        assert proposal.contact_name == privacy.DESTROYED_NAME
        assert proposal.contact_phone is None and proposal.contact_email is None
        assert proposal.personal_data_destroyed_at is not None
        # The public record stays.
        assert (proposal.title, proposal.state) == kept[proposal.id][1:]
    assert announced.repeal_no is not None
    db.session.refresh(in_review)
    assert in_review.contact_name == kept[in_review.id][0]
    assert in_review.contact_email == "private@example.org"
    assert (
        db.session.scalar(select(Attachment).where(Attachment.proposal_id == announced.id)) is None
    )

    logged = list(
        db.session.scalars(select(PersonalDataAccess).where(PersonalDataAccess.action == "destroy"))
    )
    assert {e.object_key for e in logged} == set(done.receipt_nos)
    entry = next(e for e in logged if e.object_key == announced.receipt_no)
    assert entry.actor_id is None
    assert entry.detail == {
        "fields": ["contact_name", "contact_phone", "contact_email"],
        "attachments": 1,
        "retention_days": DAYS,
    }
    # The log line itself holds no personal data.
    assert "private@example.org" not in str(entry.detail)

    # A second run destroys nothing twice.
    again = privacy.destroy_expired_personal_data(db.session, now=later, retention_days=DAYS)
    assert again.receipt_nos == []


def test_the_retention_period_must_be_positive(ctx):
    with pytest.raises(ValueError, match="at least one day"):
        privacy.destroy_expired_personal_data(db.session, retention_days=0)


def test_the_command_destroys_and_removes_the_files_after_the_commit(app, runner, tmp_path):
    with app.app_context():
        proposal = factories.proposal_in(State.DECIDED)
        attachment = _attach(proposal, tmp_path / "attachments")
        commit(db.session)
        receipt, stored = proposal.receipt_no, attachment.stored_name
    path = tmp_path / "attachments" / stored
    today = runner.invoke(args=["privacy", "destroy-expired"])
    assert today.exit_code == 0, today.output
    assert "destroyed for 0 closed proposal(s) kept longer than 1095 days" in today.output
    assert path.exists()
    future = (utcnow() + timedelta(days=1100)).date().isoformat()
    result = runner.invoke(args=["privacy", "destroy-expired", "--on", future])
    assert result.exit_code == 0, result.output
    assert "destroyed for 1 closed proposal(s)" in result.output
    assert "1 attachment(s) removed" in result.output
    assert not path.exists()
    with app.app_context():
        stored_proposal = db.session.scalar(select(Proposal).where(Proposal.receipt_no == receipt))
        assert stored_proposal.contact_email is None and stored_proposal.contact_name == ""
    bad = runner.invoke(args=["privacy", "destroy-expired", "--days", "0"])
    assert bad.exit_code != 0


def test_old_login_session_records_go_with_the_daily_run(app, runner):
    from models import LoginSession
    from workflows import logins

    with app.app_context():
        user = factories.user(Role.CITIZEN)
        now = utcnow()
        rows = {}
        for name, seen, ended in (
            ("in use", now, None),
            ("ended lately", now - timedelta(days=10), now - timedelta(days=10)),
            ("idle long ago", now - timedelta(days=91), None),
            ("ended long ago", now - timedelta(days=200), now - timedelta(days=95)),
        ):
            row, _token = logins.start(db.session, user, address="203.0.113.9", user_agent="")
            row.last_seen_at, row.ended_at = seen, ended
            rows[name] = row.id
        commit(db.session)
    result = runner.invoke(args=["privacy", "destroy-expired"])
    assert result.exit_code == 0, result.output
    assert "2 old login session record(s) deleted" in result.output
    with app.app_context():
        left = set(db.session.scalars(select(LoginSession.id)))
        assert left == {rows["in use"], rows["ended lately"]}
        with pytest.raises(ValueError, match="at least one day"):
            logins.purge_old_sessions(db.session, now=utcnow(), retention_days=0)


def test_the_database_trigger_also_guards_raw_sql(ctx):
    privacy.record_access(
        db.session, None, action="destroy", object_type="proposal", object_key="x"
    )
    commit(db.session)
    with pytest.raises(DatabaseError):
        db.session.execute(text("DELETE FROM personal_data_access"))
    db.session.rollback()


def _closed_with_contact(count: int) -> list[Proposal]:
    office = factories.Office()
    proposals = []
    for _ in range(count):
        proposal = factories.proposal_in(State.DECIDED, office=office)
        proposal.contact_phone = "010-2222-3333"
        proposal.contact_email = "private@example.org"
        proposals.append(proposal)
    commit(db.session)
    return proposals


def test_the_retention_job_works_in_batches_each_committed(ctx):
    proposals = _closed_with_contact(5)
    later = utcnow() + timedelta(days=DAYS + 1)
    batches: list[list[str]] = []
    done = privacy.destroy_expired_personal_data(
        db.session,
        now=later,
        retention_days=DAYS,
        batch_size=2,
        after_batch=lambda step: batches.append(list(step.receipt_nos)),
    )
    receipts = [p.receipt_no for p in proposals]
    assert sorted(done.receipt_nos) == sorted(receipts)
    assert [len(b) for b in batches] == [2, 2, 1]
    # Each batch was committed: a rollback undoes nothing.
    db.session.rollback()
    for proposal in proposals:
        db.session.refresh(proposal)
        assert proposal.contact_email is None and proposal.personal_data_destroyed_at is not None
    logged = db.session.scalars(
        select(PersonalDataAccess.object_key).where(PersonalDataAccess.action == "destroy")
    )
    assert sorted(logged) == sorted(receipts)
    again = privacy.destroy_expired_personal_data(
        db.session, now=later, retention_days=DAYS, batch_size=2
    )
    assert again.receipt_nos == []


def test_a_failure_in_a_later_batch_keeps_the_finished_batches(ctx, monkeypatch):
    proposals = _closed_with_contact(4)
    later = utcnow() + timedelta(days=DAYS + 1)
    record = privacy.record_access
    calls = {"n": 0}

    def failing_on_the_third(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return record(*args, **kwargs)

    monkeypatch.setattr(privacy, "record_access", failing_on_the_third)
    with pytest.raises(RuntimeError, match="disk full"):
        privacy.destroy_expired_personal_data(
            db.session, now=later, retention_days=DAYS, batch_size=2
        )
    destroyed = {
        p.id: db.session.scalar(
            select(Proposal.personal_data_destroyed_at).where(Proposal.id == p.id)
        )
        for p in proposals
    }
    first, second = [p.id for p in proposals[:2]], [p.id for p in proposals[2:]]
    assert all(destroyed[i] is not None for i in first)
    # The failed batch rolled back whole: the third proposal was touched, then undone.
    assert all(destroyed[i] is None for i in second)
    assert (
        db.session.scalar(select(Proposal.contact_email).where(Proposal.id == second[0]))
        == "private@example.org"
    )
    logged = set(
        db.session.scalars(
            select(PersonalDataAccess.object_key).where(PersonalDataAccess.action == "destroy")
        )
    )
    assert logged == {p.receipt_no for p in proposals[:2]}

    # The next run finishes the rest, and destroys nothing twice.
    monkeypatch.setattr(privacy, "record_access", record)
    rest = privacy.destroy_expired_personal_data(
        db.session, now=later, retention_days=DAYS, batch_size=2
    )
    assert sorted(rest.receipt_nos) == sorted(p.receipt_no for p in proposals[2:])
