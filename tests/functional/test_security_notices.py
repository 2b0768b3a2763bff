"""The owner of an account is e-mailed whenever how it logs in changes (password changed or
reset, authenticator enrolled or reset, a recovery code used), so a change made by someone
else does not go unnoticed."""

from __future__ import annotations

import re
from pathlib import Path

import pyotp
from sqlalchemy import select

from models import OutboxMessage, Role, User, db
from tests.functional.helpers import PASSWORD, account, csrf_token, login
from workflows import accounts, jobs, twofactor
from workflows.dispatch import commit
from workflows.mail import FileMailer


def _notices(app, email: str) -> list:  # type: ignore[no-untyped-def]
    return [
        m
        for m in FileMailer(Path(app.config["MAIL_FILE"])).messages()
        if m["To"] == email and "비밀번호 재설정 안내" not in m["Subject"]
    ]


def _subjects(app, email: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(m["Subject"]) for m in _notices(app, email)]


def test_a_password_change_is_reported_to_the_owner_with_the_time(app, client):
    with app.app_context():
        user = account(Role.CITIZEN, name="김민원")
    login(client, user)
    client.post(
        "/password",
        data={
            "current_password": PASSWORD,
            "new_password": "another long pass",
            "confirm": "another long pass",
            "csrf_token": csrf_token(client, "/password"),
        },
    )
    [notice] = _notices(app, user.email)
    assert notice["Subject"] == "[규제철폐 제안센터] 비밀번호가 바뀌었습니다"
    body = notice.get_body(("plain",)).get_content()
    assert "김민원 님" in body and "(한국 시간)" in body
    assert re.search(r"일시: \d{4}-\d{2}-\d{2} \d{2}:\d{2}", body)
    assert "/password/reset" in body  # what to do when it was not the owner
    assert "another long pass" not in body


def test_a_wrong_current_password_changes_nothing_and_sends_nothing(app, client):
    with app.app_context():
        user = account(Role.CITIZEN)
    login(client, user)
    client.post(
        "/password",
        data={
            "current_password": "not the password",
            "new_password": "another long pass",
            "confirm": "another long pass",
            "csrf_token": csrf_token(client, "/password"),
        },
    )
    assert _notices(app, user.email) == []


def test_a_password_reset_is_reported(app, ctx):
    user = db.session.get(User, account(Role.CITIZEN).id)
    token = accounts.reset_token(app.config["SECRET_KEY"], user)
    accounts.reset_password(db.session, app.config["SECRET_KEY"], token, new="a brand new pass")
    commit(db.session)
    assert _subjects(app, user.email) == ["[규제철폐 제안센터] 비밀번호가 재설정되었습니다"]


def test_enrolment_a_recovery_code_and_an_admin_reset_are_reported(app, ctx):
    user = db.session.get(User, account(Role.CHAIR).id)
    secret = twofactor.new_secret()
    codes = twofactor.confirm_enrolment(
        db.session, user, secret=secret, code=pyotp.TOTP(secret).now()
    )
    commit(db.session)
    assert twofactor.verify_login_code(db.session, user, codes[0]) == "recovery"
    commit(db.session)
    twofactor.reset_second_factor(db.session, None, user)
    commit(db.session)
    assert _subjects(app, user.email) == [
        "[규제철폐 제안센터] 2단계 인증 앱이 등록되었습니다",
        "[규제철폐 제안센터] 복구 코드로 로그인했습니다",
        "[규제철폐 제안센터] 2단계 인증이 초기화되었습니다",
    ]


def test_a_notice_sent_again_after_a_crash_is_kept_once(app, ctx):
    user = db.session.get(User, account(Role.CITIZEN).id)
    accounts.queue_security_notice(db.session, user, "password_changed")
    commit(db.session)
    message = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.job == "send_security_notice")
    ).one()
    [first] = _notices(app, user.email)
    jobs.send_security_notice(**message.payload)  # the job delivered a second time
    [again] = _notices(app, user.email)  # the same Message-ID: the mailbox keeps one copy
    assert again["Message-ID"] == first["Message-ID"]
