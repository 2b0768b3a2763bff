from __future__ import annotations

import pytest

from models import OutboxMessage, OutboxState, Role, db
from tests.functional.helpers import account, csrf_token, login
from workflows import outbox
from workflows.dispatch import commit


def test_anonymous_users_are_sent_to_login(app, client):
    response = client.get("/admin/jobs")
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN])
def test_only_admins_see_the_job_queue(app, client, role):
    with app.app_context():
        user = account(role)
    login(client, user)
    assert client.get("/admin/jobs").status_code == 403


def test_admin_sees_failed_jobs_and_retries_them(app, client):
    with app.app_context():
        admin = account(Role.ADMIN)
        outbox.enqueue(db.session, "no_such_job", queue="default")
        commit(db.session)  # runs inline, fails, is recorded for a retry
        message = db.session.scalars(db.select(OutboxMessage)).one()
        assert message.attempts == 1 and "unknown job" in message.last_error
        message_id = message.id
    login(client, user=admin)
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "no_such_job" in page and "unknown job" in page
    response = client.post(
        f"/admin/jobs/{message_id}/retry", data={"csrf_token": csrf_token(client, "/admin/jobs")}
    )
    assert response.status_code == 303
    with app.app_context():
        message = db.session.get(OutboxMessage, message_id)
        assert message.attempts == 2 and message.state is OutboxState.PENDING


def test_retry_needs_csrf(app, client):
    with app.app_context():
        admin = account(Role.ADMIN)
    login(client, admin)
    assert client.post("/admin/jobs/1/retry").status_code == 400
