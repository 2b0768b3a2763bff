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
