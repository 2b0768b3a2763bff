"""A new reviewer's first login: the administrator creates the account without knowing its
password; the person sets it through the e-mailed link, and the account does nothing until
the authenticator is enrolled (the secret shown once, confirmed with a code)."""

from __future__ import annotations

import re
from pathlib import Path

import pyotp
from sqlalchemy import select

from models import Organisation, OrganisationKind, Role, User, db
from tests import factories
from tests.functional.helpers import account, csrf_token, login
from workflows.dispatch import commit
from workflows.mail import FileMailer

NEW_PASSWORD = "my own long password"


def _post(client, path: str, **data):  # type: ignore[no-untyped-def]
    return client.post(path, data={**data, "csrf_token": csrf_token(client, path)})


def test_a_new_reviewer_sets_the_password_then_must_enrol_before_anything(app, client):
    with app.app_context():
        admin = account(Role.ADMIN)
        office = factories.organisation("reg_office", OrganisationKind.DEPARTMENT).id
        commit(db.session)
    login(client, admin)
    created = _post(
        client,
        "/admin/users/new",
        email="first.day@office.example",
        name="첫출근",
        phone="",
        role="reviewer",
        organisation_id=str(office),
        password="",
    )
    assert created.status_code == 303
    [mail] = [
        m
        for m in FileMailer(Path(app.config["MAIL_FILE"])).messages()
        if m["To"] == "first.day@office.example"
    ]
    link = re.search(r"http://[^/]+(/password/reset/\S+)", mail.get_body(("plain",)).get_content())
    path = link.group(1)
    person = app.test_client()
    assert (
        _post(person, path, password=NEW_PASSWORD, confirm=NEW_PASSWORD).status_code == 303
    )  # the password is set; nobody is logged in by it
    assert person.get("/password").status_code == 302

    password_step = _post(person, "/login", email="first.day@office.example", password=NEW_PASSWORD)
    assert password_step.headers["Location"].endswith("/login/enrol")
    # Between the password and a confirmed code the account opens nothing, API included.
    for page in ("/password", "/office/", "/my/proposals", "/login/second-factor"):
        assert person.get(page).status_code in (302, 303), page
    token = person.post(
        "/api/v1/tokens",
        json={"email": "first.day@office.example", "password": NEW_PASSWORD, "otp": "123456"},
    )
    assert token.status_code == 401

    html = person.get("/login/enrol").get_data(as_text=True)
    secret = re.search(r'<code class="totp-key">([A-Z2-7 ]+)</code>', html).group(1)
    secret = secret.replace(" ", "")
    done = _post(person, "/login/enrol", code=pyotp.TOTP(secret).now())
    assert done.status_code == 303 and done.headers["Location"].endswith("/login/recovery-codes")
    assert person.get("/password").status_code == 200
    # Enrolled: the enrolment page is closed, the secret is not shown again.
    later = app.test_client()
    _post(later, "/login", email="first.day@office.example", password=NEW_PASSWORD)
    assert later.get("/login/enrol").status_code == 303
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "first.day@office.example"))
        assert user.totp_secret == secret


def test_the_administrator_cannot_choose_a_reviewer_s_password(app, client):
    with app.app_context():
        admin = account(Role.ADMIN)
        office = factories.organisation("reg_office", OrganisationKind.DEPARTMENT).id
        commit(db.session)
    login(client, admin)
    refused = _post(
        client,
        "/admin/users/new",
        email="chosen@office.example",
        name="대신정함",
        phone="",
        role="chair",
        organisation_id=str(office),
        password="the admin knows this",
    )
    assert refused.status_code == 422
    assert "본인이 이메일 링크로 비밀번호를 정합니다" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "chosen@office.example")) is None


def test_the_command_line_still_creates_the_first_administrator_with_a_password(app, runner):
    with app.app_context():
        db.session.add(Organisation(code="hq", name="본부", kind="department"))
        db.session.commit()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "root@office.example",
            "--name",
            "첫관리자",
            "--role",
            "admin",
            "--organisation",
            "hq",
            "--password",
            "bootstrap password 1",
        ]
    )
    assert result.exit_code == 0, result.output
    response = _post(
        app.test_client(), "/login", email="root@office.example", password="bootstrap password 1"
    )
    assert response.headers["Location"].endswith("/login/enrol")


def test_promoted_to_reviewer_before_enrolling_the_person_sets_a_new_password(app, ctx):
    from workflows import admin as admin_ops

    official = db.session.get(User, account(Role.OFFICIAL).id)
    admin_ops.update_user(
        db.session,
        None,
        official,
        name=official.name,
        role=Role.REVIEWER,
        organisation_id=official.organisation_id,
    )
    commit(db.session)
    assert official.password_hash is None  # a password someone else may know is gone
    assert login(app.test_client(), official).status_code == 422
    mails = FileMailer(Path(app.config["MAIL_FILE"])).messages()
    assert [m["Subject"] for m in mails if m["To"] == official.email] == [
        "[규제철폐 제안센터] 비밀번호 재설정 안내"
    ]
    # An enrolled reviewer made chair keeps the password (the authenticator already guards it).
    chair_to_be = db.session.get(User, account(Role.REVIEWER).id)
    admin_ops.update_user(
        db.session,
        None,
        chair_to_be,
        name=chair_to_be.name,
        role=Role.CHAIR,
        organisation_id=chair_to_be.organisation_id,
    )
    commit(db.session)
    assert chair_to_be.password_hash is not None
