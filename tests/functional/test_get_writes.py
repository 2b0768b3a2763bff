"""GET requests that write (the log of a look at personal data, a login session's or an API
token's last use, a stashed form given back) while other requests write.

In embedded mode (SQLite) a GET begins as a plain reader. Writing later in the same transaction
failed at once with "database is locked" (a 503: the staff member saw an error page) whenever
another request had committed since the GET's first read: SQLite cannot move a stale read
transaction to a write, and does not wait. Each test makes that happen deterministically: the
moment the GET is about to write, a citizen's real POST (another thread, its own connection)
submits a proposal and commits. The GET must answer normally and its write must be there. On
PostgreSQL the same tests run unchanged (nothing to lock there)."""

from __future__ import annotations

import secrets
import shutil
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from models import (
    ApiToken,
    LoginSession,
    OutboxMessage,
    PersonalDataAccess,
    Proposal,
    Role,
    State,
    db,
    utcnow,
)
from tests import factories
from tests.functional.helpers import account, api_token, csrf_token, login
from tests.functional.test_citizen import FORM
from tests.functional.test_expired_session import NEW, _expire_elsewhere, _open_form
from workflows import logins, privacy, stash, tokens
from workflows.dispatch import commit


class AnotherWriter:
    """A citizen who submits a proposal from another thread (a real POST) when asked."""

    def __init__(self, app: Flask) -> None:
        with app.app_context():
            user = account(Role.CITIZEN, email="writer@citizen.example")
        self.client = app.test_client()
        login(self.client, user)
        self.token = csrf_token(self.client, "/my/proposals/new")
        self.answers: list[int] = []

    def submit(self) -> None:
        data = {
            **FORM,
            "action": "submit",
            "consent": "y",
            "submission_key": secrets.token_urlsafe(24),
            "csrf_token": self.token,
        }

        def post() -> None:
            self.answers.append(self.client.post("/my/proposals/new", data=data).status_code)

        thread = threading.Thread(target=post)
        thread.start()
        thread.join(timeout=60)
        assert self.answers and self.answers[-1] == 303, self.answers

    def before(self, monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[int]:
        """Make ``module.name`` let this writer commit once, just before it runs."""
        real: Callable[..., Any] = getattr(module, name)
        fired: list[int] = []

        def first_another_commits(*args: Any, **kwargs: Any) -> Any:
            if not fired:
                fired.append(1)
                self.submit()
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, first_another_commits)
        return fired


def _count(app: Flask, model: Any) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def _reviewer_with_a_proposal(app: Flask, client: Any) -> tuple[Any, str, str | None]:
    """A signed-in reviewer and a proposal in review: (reviewer, its receipt, its contact)."""
    with app.app_context():
        reviewer = account(Role.REVIEWER)
        proposal = factories.proposal_in(State.IN_REVIEW)
        commit(db.session)
        receipt, contact = proposal.receipt_no, proposal.contact_email
    login(client, reviewer)
    return reviewer, receipt, contact


def test_a_reviewer_opens_a_proposal_while_a_citizen_submits(app, client, monkeypatch):
    reviewer, receipt, contact = _reviewer_with_a_proposal(app, client)
    writer = AnotherWriter(app)
    fired = writer.before(monkeypatch, privacy, "record_access")
    page = client.get(f"/office/proposals/{receipt}")
    assert fired, "the look at the contact was not logged through record_access"
    assert page.status_code == 200, page.status_code
    assert contact and contact in page.get_data(as_text=True)
    with app.app_context():
        logged = db.session.scalars(select(PersonalDataAccess)).all()
        assert [(e.actor_id, e.action, e.object_key) for e in logged] == [
            (reviewer.id, "view_contact", receipt)
        ]
        assert db.session.scalar(select(func.count(Proposal.id))) == 2  # the citizen's too


def test_the_admin_lists_accounts_while_a_citizen_submits(app, client, monkeypatch):
    with app.app_context():
        admin = account(Role.ADMIN)
    login(client, admin)
    writer = AnotherWriter(app)
    writer.before(monkeypatch, privacy, "record_access")
    assert client.get("/admin/users?role=citizen").status_code == 200
    assert _count(app, PersonalDataAccess) == 1


def test_a_page_whose_look_cannot_be_logged_shows_no_personal_data(app, client, monkeypatch):
    """The record is written before the page is made: when writing it fails, the staff member
    gets an error page without the contact, and nothing is half-recorded."""
    _reviewer, receipt, contact = _reviewer_with_a_proposal(app, client)
    from sqlalchemy.exc import OperationalError

    def locked(*_args: Any, **_kwargs: Any) -> None:
        raise OperationalError("INSERT INTO personal_data_access", {}, Exception("locked"))

    monkeypatch.setattr(privacy, "record_access", locked)
    page = client.get(f"/office/proposals/{receipt}")
    assert page.status_code == 503
    assert contact and contact not in page.get_data(as_text=True)
    assert "잠시 후 다시 시도해 주십시오" in page.get_data(as_text=True)
    assert _count(app, PersonalDataAccess) == 0


def test_a_login_sessions_last_use_is_noted_while_a_citizen_submits(app, client, monkeypatch):
    with app.app_context():
        reviewer = account(Role.REVIEWER)
    login(client, reviewer)
    two_minutes_ago = utcnow() - timedelta(minutes=2)
    with app.app_context():
        db.session.execute(
            update(LoginSession)
            .where(LoginSession.user_id == reviewer.id)
            .values(last_seen_at=two_minutes_ago)
        )
        db.session.commit()
    writer = AnotherWriter(app)
    fired = writer.before(monkeypatch, logins, "seen_now")
    assert client.get("/office/").status_code == 200
    assert fired
    with app.app_context():
        seen = db.session.scalar(
            select(LoginSession.last_seen_at).where(LoginSession.user_id == reviewer.id)
        )
        assert seen is not None and seen > two_minutes_ago


def test_an_api_tokens_last_use_is_noted_while_a_citizen_submits(app, client, monkeypatch):
    with app.app_context():
        citizen = account(Role.CITIZEN)
        proposal = factories.submitted(proposer=citizen)
        commit(db.session)
        receipt = proposal.receipt_no
    headers = api_token(client, citizen)
    with app.app_context():
        db.session.execute(update(ApiToken).values(last_used_at=None))
        db.session.commit()
    writer = AnotherWriter(app)
    fired = writer.before(monkeypatch, tokens, "note_use")
    answer = client.get(f"/api/v1/proposals/{receipt}", headers=headers)
    assert answer.status_code == 200 and answer.get_json()["receipt_no"] == receipt
    assert fired
    with app.app_context():
        assert db.session.scalar(select(ApiToken.last_used_at)) is not None
    # Within the minute the use is not written again (no write, no lock).
    fired.clear()
    assert client.get(f"/api/v1/proposals/{receipt}", headers=headers).status_code == 200
    assert not fired


def test_a_stashed_form_is_given_back_while_a_citizen_submits(app, client, monkeypatch):
    user, key, token = _open_form(client, app)
    _expire_elsewhere(app, user)
    client.post(NEW, data={**FORM, "action": "submit", "submission_key": key, "csrf_token": token})
    login(client, user)
    writer = AnotherWriter(app)
    fired = writer.before(monkeypatch, stash, "claim_stash")
    page = client.get(NEW)
    assert fired
    assert page.status_code == 200 and "작성하던 내용을 되살렸습니다" in page.get_data(as_text=True)
    again = client.get(NEW).get_data(as_text=True)  # given back once
    assert "작성하던 내용을 되살렸습니다" not in again


def test_parallel_staff_looks_and_citizen_submissions_all_answer(app, monkeypatch):
    """Threads at once: reviewers open a proposal (each look logged) while citizens submit."""
    with app.app_context():
        reviewer = account(Role.REVIEWER)
        proposal = factories.proposal_in(State.IN_REVIEW)
        commit(db.session)
        receipt = proposal.receipt_no
    staff = app.test_client()
    login(staff, reviewer)
    staff_cookie = staff.get_cookie("session").value
    writers = [AnotherWriter.__new__(AnotherWriter) for _ in range(3)]
    for n, writer in enumerate(writers):
        with app.app_context():
            user = account(Role.CITIZEN, email=f"parallel{n}@citizen.example")
        writer.client = app.test_client()
        login(writer.client, user)
        writer.token = csrf_token(writer.client, "/my/proposals/new")
        writer.answers = []
    barrier = threading.Barrier(6)
    answers: list[tuple[str, int]] = []

    def look() -> None:
        tab = app.test_client()
        tab.set_cookie("session", staff_cookie)
        barrier.wait(timeout=30)
        answers.append(("look", tab.get(f"/office/proposals/{receipt}").status_code))

    def submit(writer: AnotherWriter) -> None:
        data = {
            **FORM,
            "action": "submit",
            "consent": "y",
            "submission_key": secrets.token_urlsafe(24),
            "csrf_token": writer.token,
        }
        barrier.wait(timeout=30)
        answers.append(("submit", writer.client.post(NEW, data=data).status_code))

    threads = [threading.Thread(target=look) for _ in range(3)]
    threads += [threading.Thread(target=submit, args=(w,)) for w in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(answers) == [("look", 200)] * 3 + [("submit", 303)] * 3, answers
    assert _count(app, PersonalDataAccess) == 3
    assert _count(app, Proposal) == 4


def test_a_search_without_its_index_queues_the_rebuild_while_a_citizen_submits(
    app, client, monkeypatch
):
    from webapp.search_pages import service

    with app.app_context():
        citizen = account(Role.CITIZEN, email="searcher@citizen.example")
    login(client, citizen)
    writer = AnotherWriter(app)
    real = service.request_rebuild
    fired: list[int] = []

    def first_another_commits() -> None:
        fired.append(1)
        writer.submit()  # indexes its proposal (building the index) and commits
        shutil.rmtree(str(app.config["SEARCH_INDEX_DIR"]))  # unusable again
        real()

    monkeypatch.setattr(service, "request_rebuild", first_another_commits)
    page = client.get("/search?q=환승")
    assert fired and page.status_code == 200
    with app.app_context():
        queued = db.session.scalars(
            select(OutboxMessage.job).where(OutboxMessage.job == service.REBUILD_JOB)
        ).all()
        assert queued == [service.REBUILD_JOB]
