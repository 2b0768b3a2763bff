"""ASVS V2.1.7 at login: a right password that the password policy would refuse now (too short,
breached or guessable) logs the account in all the same, sends it to the password change and
keeps a notice on every page until the password is changed. Only the verdict is kept."""

from __future__ import annotations

import logging
import re

import pyotp
import pytest
from werkzeug.security import generate_password_hash

from models import TWO_FACTOR_ROLES, Role, User, db
from tests import factories
from tests.functional.helpers import PASSWORD, TOTP_SECRET, account, csrf_token, login, totp_code
from webapp.config import build_config
from workflows.accounts import password_is_weak
from workflows.dispatch import commit

WEAK = "password1234"  # twelve characters, in every list of leaked passwords
STRONG = "quiet lantern over the harbour"
NOTICE = "지금 비밀번호는 유출되었거나 쉽게 추측할 수 있는 비밀번호로 판단됩니다."


def _weak_account(role: Role = Role.CITIZEN) -> User:
    user = factories.user(
        role, password_hash=generate_password_hash(WEAK, method="pbkdf2:sha256:1000")
    )
    if role in TWO_FACTOR_ROLES:
        user.totp_secret = TOTP_SECRET
    commit(db.session)
    db.session.refresh(user)
    db.session.expunge(user)
    return user


def test_the_check_is_the_password_policy():
    user = User(email="someone@example.kr")
    assert password_is_weak(user, WEAK)
    assert password_is_weak(user, "short1!")  # below the 12 characters of the policy
    assert password_is_weak(user, "someone-2025-harbour")  # the e-mail's name in it
    assert not password_is_weak(user, STRONG)
    assert not password_is_weak(user, PASSWORD)


def test_the_demo_accounts_documented_password_is_not_judged_weak(tmp_path, monkeypatch):
    """Every demo account logs in with DEMO_PASSWORD (README): its default must pass, or each
    demo login would be sent to the password change."""
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    default = str(build_config(str(tmp_path), {"APP_ENV": "testing"})["DEMO_PASSWORD"])
    assert default == "demo-password-2025"
    for email in ("citizen@demo.example", "reviewer@demo.example", "admin@demo.example"):
        assert not password_is_weak(User(email=email), default)


def test_a_weak_password_logs_in_and_is_sent_to_the_change_with_a_lasting_notice(
    app, client, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    with app.app_context():
        user = _weak_account()
    response = login(client, user, WEAK)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/password")
    page = client.get("/password").get_data(as_text=True)
    assert "계정을 지키려면 비밀번호를 바꿔 주십시오." in page  # the flashed notice
    assert NOTICE in page and "아래에서 새 비밀번호를 정해 주십시오." in page
    # Logged in: the proposer's pages open, and every page keeps the notice with its link.
    mine = client.get("/my/proposals")
    assert mine.status_code == 200
    assert NOTICE in mine.get_data(as_text=True)
    assert 'href="/password">비밀번호 바꾸기</a>' in mine.get_data(as_text=True)
    assert NOTICE in client.get("/").get_data(as_text=True)
    changed = client.post(
        "/password",
        data={
            "current_password": WEAK,
            "new_password": STRONG,
            "confirm": STRONG,
            "csrf_token": csrf_token(client, "/password"),
        },
    )
    assert changed.status_code == 303
    assert NOTICE not in client.get("/").get_data(as_text=True)
    assert WEAK not in caplog.text  # the password is in no log line
    # A login with the new password is not prompted.
    again = app.test_client()
    assert login(again, user, STRONG).headers["Location"].endswith("/")
    assert NOTICE not in again.get("/").get_data(as_text=True)


def test_the_notice_is_in_english_for_an_english_reader(app, client):
    with app.app_context():
        user = _weak_account()
    client.get("/?lang=en")
    login(client, user, WEAK)
    page = client.get("/").get_data(as_text=True)
    assert "Your current password is judged to be leaked or easy to guess." in page
    assert NOTICE not in page


def test_a_strong_password_goes_where_it_was_going(app, client):
    with app.app_context():
        user = account(Role.CITIZEN)
    response = client.post(
        "/login?next=/my/proposals",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 303 and response.headers["Location"].endswith("/my/proposals")
    assert NOTICE not in client.get("/").get_data(as_text=True)


def test_staff_with_a_second_factor_are_prompted_after_the_code(app, client):
    with app.app_context():
        user = _weak_account(Role.REVIEWER)
    first = client.post(
        "/login", data={"email": user.email, "password": WEAK, "csrf_token": csrf_token(client)}
    )
    assert first.headers["Location"].endswith("/login/second-factor")
    assert NOTICE not in client.get("/").get_data(as_text=True)  # not logged in yet
    done = client.post(
        "/login/second-factor",
        data={
            "code": totp_code(client, user),
            "csrf_token": csrf_token(client, "/login/second-factor"),
        },
    )
    assert done.status_code == 303 and done.headers["Location"].endswith("/password")
    queue = client.get("/office/")
    assert queue.status_code == 200  # the reviewer can work
    assert NOTICE in queue.get_data(as_text=True)


def test_an_enrolling_staff_member_sees_the_recovery_codes_then_goes_to_the_change(app, client):
    with app.app_context():
        user = _weak_account(Role.CHAIR)
        fresh = db.session.get(User, user.id)
        assert fresh is not None
        fresh.totp_secret = None  # the first login enrols the authenticator
        commit(db.session)
    first = client.post(
        "/login", data={"email": user.email, "password": WEAK, "csrf_token": csrf_token(client)}
    )
    assert first.headers["Location"].endswith("/login/enrol")
    page = client.get("/login/enrol").get_data(as_text=True)
    key = re.search(r'<code class="totp-key">([A-Z2-7 ]+)</code>', page)
    assert key, page
    enrolled = client.post(
        "/login/enrol",
        data={
            "code": pyotp.TOTP(key.group(1).replace(" ", "")).now(),
            "csrf_token": csrf_token(client, "/login/enrol"),
        },
    )
    assert enrolled.headers["Location"].endswith("/login/recovery-codes")
    codes = client.get("/login/recovery-codes").get_data(as_text=True)
    assert 'href="/password"' in codes and NOTICE in codes  # the way on is the change
