from __future__ import annotations

from models import Role
from tests.functional.helpers import PASSWORD, account, csrf_token, login


def test_login_page_is_korean_and_has_a_csrf_token(app, client):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="ko">' in page and "로그인" in page
    assert 'name="csrf_token"' in page


def test_wrong_password_is_refused_in_korean_and_keeps_the_email(app, client):
    with app.app_context():
        user = account(Role.CITIZEN)
        email = user.email
    response = client.post(
        "/login", data={"email": email, "password": "nope", "csrf_token": csrf_token(client)}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "이메일 또는 비밀번호가 올바르지 않습니다." in page
    assert f'value="{email}"' in page
    assert "<title>오류: 로그인" in page


def test_empty_fields_are_named(app, client):
    response = client.post(
        "/login", data={"email": "", "password": "", "csrf_token": csrf_token(client)}
    )
    page = response.get_data(as_text=True)
    assert "이메일을 입력해 주십시오." in page and "비밀번호를 입력해 주십시오." in page


def test_login_without_csrf_token_is_refused(app, client):
    with app.app_context():
        user = account(Role.CITIZEN)
        email = user.email
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 400


def test_login_and_logout(app, client):
    with app.app_context():
        user = account(Role.REVIEWER, name="최검토")
    response = login(client, user)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert "최검토" in client.get("/").get_data(as_text=True)
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 303
    assert "최검토" not in client.get("/").get_data(as_text=True)


def test_logout_invalidates_a_copied_session_cookie(app, client):
    with app.app_context():
        user = account(Role.ADMIN)
    login(client, user)
    stolen = client.get_cookie("session").value
    assert client.get("/admin/jobs").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/admin/jobs")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_logout_is_not_possible_with_get(app, client):
    with app.app_context():
        user = account(Role.CITIZEN)
    login(client, user)
    assert client.get("/logout").status_code == 405


def test_next_only_follows_local_paths(app, client):
    with app.app_context():
        user = account(Role.CITIZEN)
        email = user.email
    token = csrf_token(client)
    response = client.post(
        "/login?next=https://evil.example/",
        data={"email": email, "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/"


def test_a_citizen_registers_and_is_logged_in(app, client):
    token = csrf_token(client, "/register")
    response = client.post(
        "/register",
        data={
            "name": "홍길동",
            "email": "New.Citizen@Example.com",
            "phone": "010-1234-5678",
            "password": "a good long pass",
            "confirm": "a good long pass",
            "csrf_token": token,
        },
    )
    assert response.status_code == 303
    assert "홍길동" in client.get("/").get_data(as_text=True)
    from sqlalchemy import select

    from models import User, db

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "new.citizen@example.com"))
        assert user.role is Role.CITIZEN and user.password_hash.startswith("scrypt")


def test_registration_errors_are_named_and_the_typed_values_kept(app, client):
    with app.app_context():
        taken = account(Role.CITIZEN, email="taken@example.com")
    response = client.post(
        "/register",
        data={
            "name": "김철수",
            "email": taken.email,
            "password": "short",
            "confirm": "shorter",
            "csrf_token": csrf_token(client, "/register"),
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "두 비밀번호가 서로 다릅니다." in page and 'value="김철수"' in page
    response = client.post(
        "/register",
        data={
            "name": "김철수",
            "email": taken.email,
            "password": "short",
            "confirm": "short",
            "csrf_token": csrf_token(client, "/register"),
        },
    )
    page = response.get_data(as_text=True)
    assert "이미 가입된 이메일입니다" in page and "비밀번호는 12자 이상이어야 합니다" in page


def test_password_change_ends_other_sessions(app, client):
    with app.app_context():
        user = account(Role.CITIZEN)
    login(client, user)
    other_device = app.test_client()
    login(other_device, user)
    wrong = client.post(
        "/password",
        data={
            "current_password": "nope",
            "new_password": "another long pass",
            "confirm": "another long pass",
            "csrf_token": csrf_token(client, "/password"),
        },
    )
    assert "현재 비밀번호가 올바르지 않습니다" in wrong.get_data(as_text=True)
    done = client.post(
        "/password",
        data={
            "current_password": PASSWORD,
            "new_password": "another long pass",
            "confirm": "another long pass",
            "csrf_token": csrf_token(client, "/password"),
        },
    )
    assert done.status_code == 303
    assert client.get("/password").status_code == 200  # this browser stays logged in
    assert other_device.get("/password").status_code == 302  # the other one is out


def test_password_reset_by_a_one_time_emailed_link(app, client):
    import re
    from pathlib import Path

    from workflows.mail import FileMailer

    with app.app_context():
        user = account(Role.CITIZEN, email="forgot@example.com")
    response = client.post(
        "/password/reset",
        data={"email": "forgot@example.com", "csrf_token": csrf_token(client, "/password/reset")},
    )
    assert response.status_code == 303
    unknown = client.post(
        "/password/reset",
        data={"email": "nobody@example.com", "csrf_token": csrf_token(client, "/password/reset")},
    )
    assert unknown.status_code == 303  # the same answer: no probing for accounts
    mails = FileMailer(Path(app.config["MAIL_FILE"])).messages()
    assert len(mails) == 1 and mails[0]["To"] == "forgot@example.com"
    body = mails[0].get_body(("plain",)).get_content()
    path = re.search(r"http://[^/]+(/password/reset/\S+)", body).group(1)
    done = client.post(
        path,
        data={
            "password": "a brand new pass",
            "confirm": "a brand new pass",
            "csrf_token": csrf_token(client, path),
        },
    )
    assert done.status_code == 303
    assert login(client, user, "a brand new pass").status_code == 303
    again = app.test_client().get(path)
    assert again.status_code == 400 and "이미 사용했거나" in again.get_data(as_text=True)
