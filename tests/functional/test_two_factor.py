"""Two-factor login (TOTP) for the staff who can change a proposal's fate: enrolment with a QR
code and recovery codes, codes used once, a bounded number of tries, and no way round it
through the API."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from models import RecoveryCode, Role, User, db
from tests.functional.helpers import PASSWORD, TOTP_SECRET, account, csrf_token, login, totp_code
from workflows import twofactor
from workflows.dispatch import commit


def _password_step(client, user):  # type: ignore[no-untyped-def]
    return client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client)},
    )


def _code_step(client, path: str, code: str):  # type: ignore[no-untyped-def]
    return client.post(path, data={"code": code, "csrf_token": csrf_token(client, path)})


def _unenrolled(role: Role) -> User:
    user = account(role)
    fresh = db.session.get(User, user.id)
    assert fresh is not None
    fresh.totp_secret = None
    commit(db.session)
    return user


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.PANEL_MEMBER, Role.CHAIR, Role.ADMIN])
def test_the_password_alone_does_not_log_staff_in(app, client, role):
    with app.app_context():
        user = account(role)
    response = _password_step(client, user)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/login/second-factor")
    assert client.get("/my/proposals").status_code == 302  # still anonymous
    wrong = _code_step(client, "/login/second-factor", "000000")
    assert wrong.status_code == 422
    assert "인증 코드가 올바르지 않거나 이미 사용되었습니다" in wrong.get_data(as_text=True)
    assert wrong.headers["Cache-Control"] == "no-store"
    assert client.get("/my/proposals").status_code == 302
    right = _code_step(client, "/login/second-factor", totp_code(client, user))
    assert right.status_code == 303
    assert client.get("/password").status_code == 200  # logged in now


@pytest.mark.parametrize("role", [Role.CITIZEN, Role.OFFICIAL, Role.AGENCY_STAFF])
def test_roles_that_cannot_change_a_fate_log_in_with_the_password(app, client, role):
    with app.app_context():
        user = account(role)
    response = _password_step(client, user)
    assert response.status_code == 303 and "/login" not in response.headers["Location"]
    assert client.get("/password").status_code == 200


def test_a_code_is_accepted_only_once(app, client, make_app):
    with app.app_context():
        reviewer = account(Role.REVIEWER)
    code = pyotp.TOTP(TOTP_SECRET).now()
    _password_step(client, reviewer)
    assert _code_step(client, "/login/second-factor", code).status_code == 303
    other = app.test_client()  # someone who saw the code over the shoulder
    _password_step(other, reviewer)
    replay = _code_step(other, "/login/second-factor", code)
    assert replay.status_code == 422
    assert other.get("/password").status_code == 302


def test_first_login_enrols_with_a_qr_code_and_gives_recovery_codes(app, client):
    with app.app_context():
        chair = _unenrolled(Role.CHAIR)
    response = _password_step(client, chair)
    assert response.headers["Location"].endswith("/login/enrol")
    page = client.get("/login/enrol")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "<svg" in html and "<path" in html  # the QR code, drawn on the server
    key = re.search(r'<code class="totp-key">([A-Z2-7 ]+)</code>', html)
    assert key, html
    secret = key.group(1).replace(" ", "")
    # A wrong code stores nothing and says so next to the field.
    wrong = _code_step(
        client, "/login/enrol", "123456" if pyotp.TOTP(secret).now() != "123456" else "654321"
    )
    assert wrong.status_code == 422 and "인증 코드가 올바르지 않습니다" in wrong.get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.get(User, chair.id).totp_secret is None
    assert client.get("/password").status_code == 302
    # The same secret is shown again (the QR code the user may already have scanned).
    assert secret in client.get("/login/enrol").get_data(as_text=True).replace(" ", "")
    done = _code_step(client, "/login/enrol", pyotp.TOTP(secret).now())
    assert done.status_code == 303 and done.headers["Location"].endswith("/login/recovery-codes")
    codes_page = client.get("/login/recovery-codes")
    codes = re.findall(r"<code>([0-9a-f]{5}-[0-9a-f]{5})</code>", codes_page.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    assert codes_page.headers["Cache-Control"] == "no-store"
    assert client.get("/login/recovery-codes").status_code == 303  # shown once
    assert client.get("/password").status_code == 200
    with app.app_context():
        stored = db.session.get(User, chair.id)
        assert stored.totp_secret == secret and stored.totp_enrolled_at is not None
        hashes = db.session.scalars(
            select(RecoveryCode.code_hash).where(RecoveryCode.user_id == chair.id)
        ).all()
        assert len(hashes) == 10 and not any(c.replace("-", "") in hashes for c in codes)

    # A recovery code replaces the authenticator once.
    fresh = app.test_client()
    _password_step(fresh, chair)
    used = _code_step(fresh, "/login/second-factor", codes[0].upper())
    assert used.status_code == 303
    assert "남은 복구 코드: 9개" in fresh.get("/password").get_data(as_text=True)
    again = app.test_client()
    _password_step(again, chair)
    assert _code_step(again, "/login/second-factor", codes[0]).status_code == 422


def test_wrong_codes_send_the_user_back_to_the_password(app, client):
    with app.app_context():
        admin = account(Role.ADMIN)
    _password_step(client, admin)
    right = pyotp.TOTP(TOTP_SECRET).now()
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(4):
        assert _code_step(client, "/login/second-factor", wrong).status_code == 422
    last = _code_step(client, "/login/second-factor", wrong)
    assert last.status_code == 303 and last.headers["Location"].endswith("/login")
    # The right code no longer helps without the password again.
    after = client.post(
        "/login/second-factor", data={"code": right, "csrf_token": csrf_token(client)}
    )
    assert after.status_code == 303 and after.headers["Location"].endswith("/login")
    assert client.get("/password").status_code == 302


def test_the_second_step_expires(app, client):
    with app.app_context():
        reviewer = account(Role.REVIEWER)
    _password_step(client, reviewer)
    with client.session_transaction() as session:
        pending = session["second_factor"]
        pending["at"] = int(time.time()) - 301
        session["second_factor"] = pending
    response = client.post(
        "/login/second-factor",
        data={"code": totp_code(client, reviewer), "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 303 and response.headers["Location"].endswith("/login")
    assert client.get("/password").status_code == 302


def test_the_second_step_cannot_be_reached_without_the_password(client):
    response = client.get("/login/second-factor")
    assert response.status_code == 303 and response.headers["Location"].endswith("/login")
    assert client.get("/login/enrol").status_code == 303


def test_logging_in_rotates_the_session_across_both_steps(app, client):
    with app.app_context():
        reviewer = account(Role.REVIEWER)
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    assert login(client, reviewer).status_code == 303
    with client.session_transaction() as session:
        assert "planted" not in session and "second_factor" not in session


def test_an_api_token_needs_the_second_factor_too(app, client):
    with app.app_context():
        reviewer = account(Role.REVIEWER)
        chair = _unenrolled(Role.CHAIR)
    body = {"email": reviewer.email, "password": PASSWORD}
    missing = client.post("/api/v1/tokens", json=body)
    assert missing.status_code == 401 and "otp" in missing.get_json()["message"]
    assert client.post("/api/v1/tokens", json={**body, "otp": "000000"}).status_code == 401
    ok = client.post("/api/v1/tokens", json={**body, "otp": totp_code(client, reviewer)})
    assert ok.status_code == 201
    unenrolled = client.post(
        "/api/v1/tokens", json={"email": chair.email, "password": PASSWORD, "otp": "123456"}
    )
    assert unenrolled.status_code == 401 and "2단계 인증" in unenrolled.get_json()["message"]


def test_the_admin_resets_a_lost_second_factor_and_the_next_login_enrols(app, client):
    with app.app_context():
        admin = account(Role.ADMIN)
        reviewer = account(Role.REVIEWER)
    desk = app.test_client()
    assert login(desk, reviewer).status_code == 303
    assert desk.get("/password").status_code == 200
    login(client, admin)
    page = client.get(f"/admin/users/{reviewer.id}").get_data(as_text=True)
    assert "2단계 인증 초기화" in page
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    refused = client.post(f"/admin/users/{reviewer.id}/second-factor/reset", data={})
    assert refused.status_code == 400  # no CSRF token
    with app.app_context():
        assert db.session.get(User, reviewer.id).totp_secret == TOTP_SECRET
    done = client.post(
        f"/admin/users/{reviewer.id}/second-factor/reset", data={"csrf_token": token}
    )
    assert done.status_code == 303
    with app.app_context():
        assert db.session.get(User, reviewer.id).totp_secret is None
    assert desk.get("/password").status_code == 302  # the reviewer's sessions ended
    assert "reset_second_factor" in client.get("/admin/audit").get_data(as_text=True)
    again = _password_step(app.test_client(), reviewer)
    assert again.headers["Location"].endswith("/login/enrol")


def test_only_the_admin_resets_a_second_factor(app, client):
    with app.app_context():
        chair = account(Role.CHAIR)
        reviewer = account(Role.REVIEWER)
    login(client, chair)
    token = csrf_token(client, "/password")
    response = client.post(
        f"/admin/users/{reviewer.id}/second-factor/reset", data={"csrf_token": token}
    )
    assert response.status_code in (403, 404)
    with app.app_context():
        assert db.session.get(User, reviewer.id).totp_secret == TOTP_SECRET


def test_wrong_codes_lock_the_second_factor_even_with_a_replayed_session(app, client):
    with app.app_context():
        reviewer = account(Role.REVIEWER)
    _password_step(client, reviewer)
    with client.session_transaction() as session:
        fresh_pending = dict(session["second_factor"])  # the cookie right after the password
    right = pyotp.TOTP(TOTP_SECRET).now()
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(twofactor.LOCK_AFTER):
        with client.session_transaction() as session:
            session["second_factor"] = dict(fresh_pending)  # replay: tries back to 0
        assert _code_step(client, "/login/second-factor", wrong).status_code == 422
    with client.session_transaction() as session:
        session["second_factor"] = dict(fresh_pending)
    locked = _code_step(client, "/login/second-factor", totp_code(client, reviewer))
    assert locked.status_code == 422 and "잠시 잠겼습니다" in locked.get_data(as_text=True)
    assert client.get("/password").status_code == 302
    api = client.post(
        "/api/v1/tokens",
        json={"email": reviewer.email, "password": PASSWORD, "otp": totp_code(client, reviewer)},
    )
    assert api.status_code == 401
    with app.app_context():
        stored = db.session.get(User, reviewer.id)
        stored.totp_failed_at = stored.totp_failed_at - timedelta(
            minutes=twofactor.LOCK_MINUTES + 1
        )
        commit(db.session)
    later = app.test_client()
    assert login(later, reviewer).status_code == 303
    assert later.get("/password").status_code == 200
    with app.app_context():
        assert db.session.get(User, reviewer.id).totp_failures == 0


def test_wrong_api_codes_count_towards_the_lock(app, client):
    with app.app_context():
        reviewer = account(Role.REVIEWER)
    body = {"email": reviewer.email, "password": PASSWORD, "otp": "000000"}
    for _ in range(3):
        assert client.post("/api/v1/tokens", json=body).status_code == 401
    with app.app_context():
        assert db.session.get(User, reviewer.id).totp_failures == 3
