"""The owner's list of signed-in sessions (OWASP ASVS 4 V3.3.4): two browsers of one account both
appear; either can end the other (after typing the password again), which logs the other out at
once; a wrong password ends nothing; another account's session is not found."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from models import LoginSession, Role, User, db
from tests.functional.helpers import PASSWORD, account, csrf_token, login
from workflows import logins
from workflows.dispatch import commit

PAGE = "/account/sessions"
DAY = timedelta(days=1)
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
PHONE = (
    "Mozilla/5.0 (Linux; Android 14; SM-S918N) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36"
)


def _logged_in(client) -> bool:  # type: ignore[no-untyped-def]
    return client.get("/password").status_code == 200


def _two_browsers(app, role: Role = Role.CITIZEN):  # type: ignore[no-untyped-def]
    """The same account signed in on a Windows PC (203.0.113.7) and an Android phone."""
    with app.app_context():
        user = account(role)
    desk = app.test_client()
    desk.environ_base.update({"HTTP_USER_AGENT": FIREFOX, "REMOTE_ADDR": "203.0.113.7"})
    phone = app.test_client()
    phone.environ_base.update({"HTTP_USER_AGENT": PHONE, "REMOTE_ADDR": "198.51.100.23"})
    assert login(desk, user).status_code == 303
    assert login(phone, user).status_code == 303
    return user, desk, phone


def _session_ids(app, user: User) -> list[int]:  # type: ignore[no-untyped-def]
    with app.app_context():
        rows = logins.open_sessions(
            db.session, db.session.get(User, user.id), idle=DAY, absolute=DAY
        )
        return [row.id for row in rows]


def _this_session(client) -> int:  # type: ignore[no-untyped-def]
    with client.session_transaction() as session:
        return int(session["_user_id"].split(":")[1])


def _end(client, path: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return client.post(path, data={"password": password, "csrf_token": csrf_token(client, PAGE)})


def test_both_browsers_are_listed_with_this_device_marked_and_addresses_masked(app):
    _user, desk, _phone = _two_browsers(app)
    response = desk.get(PAGE)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "Firefox · Windows" in page and "Samsung Internet · Android" in page
    assert "203.0.*.*" in page and "198.51.*.*" in page
    assert "203.0.113.7" not in page and "198.51.100.23" not in page
    rows = re.findall(r"<tr>.*?</tr>", page, re.S)
    [marked] = [row for row in rows if "이 기기</span>" in row]
    assert "Firefox" in marked  # the browser looking at the page
    assert page.count('formaction="/account/sessions/') == 1  # only the other one has a button


def test_ending_the_other_session_logs_it_out_at_once(app):
    user, desk, phone = _two_browsers(app)
    other = _this_session(phone)
    response = _end(desk, f"{PAGE}/{other}/end")
    assert response.status_code == 303 and response.headers["Location"] == PAGE
    assert not _logged_in(phone)  # its very next request is anonymous
    assert _logged_in(desk)
    assert _session_ids(app, user) == [_this_session(desk)]


def test_ending_all_other_sessions_keeps_this_one(app):
    user, desk, phone = _two_browsers(app)
    third = app.test_client()
    login(third, user)
    response = _end(desk, f"{PAGE}/end-others")
    assert response.status_code == 303
    assert "다른 기기의 로그인 2개를 끝냈습니다" in desk.get(PAGE).get_data(as_text=True)
    assert not _logged_in(phone) and not _logged_in(third) and _logged_in(desk)


def test_a_wrong_password_ends_nothing_and_says_so(app):
    user, desk, phone = _two_browsers(app)
    before = _session_ids(app, user)
    for path in (f"{PAGE}/{_this_session(phone)}/end", f"{PAGE}/end-others"):
        response = _end(desk, path, password="not the password")
        assert response.status_code == 422
        assert "비밀번호가 올바르지 않습니다" in response.get_data(as_text=True)
        missing = _end(desk, path, password="")
        assert missing.status_code == 422
        assert "현재 비밀번호를 입력해 주십시오" in missing.get_data(as_text=True)
    assert _session_ids(app, user) == before
    assert _logged_in(phone) and _logged_in(desk)


def test_another_accounts_session_is_not_found(app):
    _user, desk, _phone = _two_browsers(app)
    with app.app_context():
        stranger = account(Role.CITIZEN, email="stranger@citizen.example")
    theirs = app.test_client()
    login(theirs, stranger)
    response = _end(desk, f"{PAGE}/{_this_session(theirs)}/end")
    assert response.status_code == 404
    assert _logged_in(theirs)
    assert _end(desk, f"{PAGE}/2147483647/end").status_code == 404


def test_logging_out_one_browser_leaves_the_other_signed_in(app):
    user, desk, phone = _two_browsers(app)
    desk.post("/logout", data={"csrf_token": csrf_token(desk, "/")})
    assert not _logged_in(desk) and _logged_in(phone)
    assert _session_ids(app, user) == [_this_session(phone)]


def test_a_password_change_ends_the_other_session_and_keeps_this_one(app):
    _user, desk, phone = _two_browsers(app)
    response = desk.post(
        "/password",
        data={
            "current_password": PASSWORD,
            "new_password": "a quite new pass phrase",
            "confirm": "a quite new pass phrase",
            "csrf_token": csrf_token(desk, "/password"),
        },
    )
    assert response.status_code == 303
    assert _logged_in(desk) and not _logged_in(phone)


def test_staff_get_a_session_only_after_the_second_factor(app):
    with app.app_context():
        reviewer = account(Role.REVIEWER)
    client = app.test_client()
    client.post(
        "/login",
        data={"email": reviewer.email, "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert _session_ids(app, reviewer) == []  # the password alone opens no session
    login(app.test_client(), reviewer)
    assert len(_session_ids(app, reviewer)) == 1


def test_the_cookie_token_is_stored_only_as_its_hash_and_must_match(app):
    user, desk, _phone = _two_browsers(app)
    with desk.session_transaction() as session:
        user_id, session_id, token = session["_user_id"].split(":")
    with app.app_context():
        row = db.session.get(LoginSession, int(session_id))
        assert token not in (row.token_hash, row.address, row.browser) and len(row.token_hash) == 64
    forged = app.test_client()
    with forged.session_transaction() as session:
        session["_user_id"] = f"{user_id}:{session_id}:{token[:-1]}x"
    assert not _logged_in(forged)
    old_form = app.test_client()  # a cookie from before login sessions ("user:token")
    with app.app_context():
        old_token = db.session.get(User, user.id).session_token
    with old_form.session_transaction() as session:
        session["_user_id"] = f"{user_id}:{old_token}"
    assert not _logged_in(old_form)


def test_last_seen_moves_at_most_once_a_minute(app):
    _user, desk, _phone = _two_browsers(app)
    this = _this_session(desk)

    def last_seen():  # type: ignore[no-untyped-def]
        with app.app_context():
            return db.session.get(LoginSession, this).last_seen_at

    first = last_seen()
    assert _logged_in(desk)
    assert last_seen() == first  # a request within the minute writes nothing
    with app.app_context():
        row = db.session.get(LoginSession, this)
        row.last_seen_at = row.last_seen_at - timedelta(minutes=5)
        commit(db.session)
    earlier = last_seen()
    assert _logged_in(desk)
    assert last_seen() > earlier


def test_only_open_sessions_of_the_owner_are_listed(app):
    user, desk, phone = _two_browsers(app)
    with app.app_context():
        ended = db.session.scalars(
            select(LoginSession).where(LoginSession.id == _this_session(phone))
        ).one()
        logins.end_session(db.session, db.session.get(User, user.id), ended.id)
        commit(db.session)
    page = desk.get(PAGE).get_data(as_text=True)
    assert "Samsung Internet" not in page and "Firefox" in page


def test_anonymous_visitors_are_sent_to_the_login(app, client):
    response = client.get(PAGE)
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]


def test_a_session_that_ran_out_is_neither_listed_nor_accepted(app):
    """Idle longer than the session lifetime, or signed in longer ago than the absolute limit:
    its cookie has expired anyway, and the server refuses it too."""
    _user, desk, phone = _two_browsers(app)
    idle = app.permanent_session_lifetime
    with app.app_context():
        row = db.session.get(LoginSession, _this_session(phone))
        row.last_seen_at = row.last_seen_at - idle - timedelta(minutes=2)
        commit(db.session)
    page = desk.get(PAGE).get_data(as_text=True)
    assert "Samsung Internet" not in page and "Firefox" in page
    assert not _logged_in(phone)
    hours = app.config["SESSION_ABSOLUTE_HOURS"]
    with app.app_context():
        row = db.session.get(LoginSession, _this_session(desk))
        row.created_at = row.created_at - timedelta(hours=hours, minutes=1)
        commit(db.session)
    assert not _logged_in(desk)


def test_password_guesses_on_the_sessions_page_are_limited(make_app) -> None:  # type: ignore[no-untyped-def]
    limited: Flask = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    user, desk, phone = _two_browsers(limited)
    path = f"{PAGE}/{_this_session(phone)}/end"
    statuses = [_end(desk, path, password=f"guess {n}").status_code for n in range(11)]
    assert statuses[:10] == [422] * 10 and statuses[10] == 429
    assert _end(desk, f"{PAGE}/end-others", password="guess").status_code == 422  # its own count
    assert _logged_in(phone) and len(_session_ids(limited, user)) == 2
