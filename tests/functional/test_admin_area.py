"""The admin area: staff accounts and roles, organisations, reference data and campaigns —
list, create, edit, deactivate (never delete) — and the append-only audit trail of it all."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from models import (
    AdminAuditEntry,
    Campaign,
    Organisation,
    OrganisationKind,
    Role,
    Sector,
    User,
    db,
)
from tests import factories
from tests.functional.helpers import PASSWORD, account, csrf_token, login
from workflows.dispatch import commit
from workflows.mail import FileMailer

PAGES = [
    "/admin/",
    "/admin/users",
    "/admin/users/new",
    "/admin/organisations",
    "/admin/organisations/new",
    "/admin/reference/sector",
    "/admin/reference/channel/new",
    "/admin/campaigns",
    "/admin/campaigns/new",
    "/admin/audit",
]


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN])
def test_only_admins_may_open_the_admin_area(app, client, role):
    with app.app_context():
        user = account(role)
    login(client, user)
    for page in PAGES:
        assert client.get(page).status_code == 403, page
    response = client.post(
        "/admin/users/new",
        data={
            "csrf_token": csrf_token(
                client,
                "/my/proposals"
                if role in (Role.CITIZEN, Role.OFFICIAL, Role.AGENCY_STAFF)
                else "/login",
            )
        },
    )
    assert response.status_code == 403


def test_anonymous_is_sent_to_login(client):
    for page in PAGES:
        response = client.get(page)
        assert response.status_code == 302 and "/login" in response.headers["Location"], page


@pytest.fixture(autouse=True)
def _reference_data_restored(app):  # type: ignore[no-untyped-def]
    """Reference tables are kept between tests on PostgreSQL: take out the codes a test added."""
    from workflows.admin import REFERENCE_MODELS

    with app.app_context():
        before = {
            kind: set(db.session.scalars(select(model.code)))
            for kind, model in REFERENCE_MODELS.items()
        }
    yield
    with app.app_context():
        db.session.rollback()
        for kind, model in REFERENCE_MODELS.items():
            for row in db.session.scalars(select(model).where(model.code.not_in(before[kind]))):
                db.session.delete(row)
        commit(db.session)


@pytest.fixture
def admin_client(app, client):  # type: ignore[no-untyped-def]
    with app.app_context():
        admin = account(Role.ADMIN)
        factories.organisation("reg_office", OrganisationKind.DEPARTMENT)
        commit(db.session)
    login(client, admin)
    client.admin = admin  # type: ignore[attr-defined]
    return client


def _post(client, path: str, **data):  # type: ignore[no-untyped-def]
    return client.post(path, data={**data, "csrf_token": csrf_token(client, path)})


def _org_id(app, code: str = "reg_office") -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.scalar(select(Organisation.id).where(Organisation.code == code))


def _audit(app):  # type: ignore[no-untyped-def]
    with app.app_context():
        return [
            (e.action, e.object_type, e.object_key, e.before, e.after, e.actor_id)
            for e in db.session.scalars(select(AdminAuditEntry).order_by(AdminAuditEntry.id))
        ]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"email": "not-an-email"}, "email", "이메일 주소 형식이 올바르지 않습니다"),
        ({"name": ""}, "name", "이름을 입력해 주십시오"),
        ({"organisation_id": ""}, "organisation_id", "직원 계정은 소속 기관을 정해야 합니다"),
        (
            {"password": "short", "role": "official"},
            "password",
            "비밀번호는 12자 이상이어야 합니다",
        ),
        (
            {"password": "a good long pass"},
            "password",
            "2단계 인증을 쓰는 역할은 본인이 이메일 링크로 비밀번호를 정합니다",
        ),
    ],
)
def test_staff_account_form_errors_are_named_and_nothing_is_saved(
    app, admin_client, changes, field, message
):
    data = {
        "email": "new.reviewer@office.example",
        "name": "신검토",
        "phone": "",
        "role": "reviewer",
        "organisation_id": str(_org_id(app)),
        "password": "",
        **changes,
    }
    response = _post(admin_client, "/admin/users/new", **data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page and f'id="{field}-error"' in page
    assert "<title>오류:" in page
    if field != "name":
        assert "신검토" in page  # what was typed is kept
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id)).where(User.name == "신검토")) == 0
    assert _audit(app) == []


def test_admin_creates_a_staff_account_who_is_emailed_a_link_and_it_is_audited(app, admin_client):
    response = _post(
        admin_client,
        "/admin/users/new",
        email="New.Reviewer@Office.example",
        name="신검토",
        phone="",
        role="reviewer",
        organisation_id=str(_org_id(app)),
        password="",
    )
    assert response.status_code == 303
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "new.reviewer@office.example"))
        assert user.role is Role.REVIEWER and user.organisation.code == "reg_office"
        assert user.password_hash is None
        mails = FileMailer(__import__("pathlib").Path(app.config["MAIL_FILE"])).messages()
        assert any(m["To"] == "new.reviewer@office.example" for m in mails)
    [(action, kind, key, before, after, actor)] = _audit(app)
    assert (action, kind, key, before, actor) == (
        "create_user",
        "user",
        str(user.id),
        {},
        admin_client.admin.id,
    )
    assert after["role"] == "reviewer" and after["email"] == "new.reviewer@office.example"
    assert "new.reviewer@office.example" in admin_client.get("/admin/users").get_data(as_text=True)
    duplicate = _post(
        admin_client,
        "/admin/users/new",
        email="new.reviewer@office.example",
        name="둘째",
        role="reviewer",
        organisation_id=str(_org_id(app)),
    )
    assert duplicate.status_code == 422 and "이미 있는 계정입니다" in duplicate.get_data(
        as_text=True
    )


def test_changing_a_role_is_audited_and_ends_that_person_s_sessions(app, admin_client):
    with app.app_context():
        official = account(Role.OFFICIAL)
    their_browser = app.test_client()
    login(their_browser, official)
    assert their_browser.get("/my/proposals").status_code == 200
    response = _post(
        admin_client,
        f"/admin/users/{official.id}",
        name=official.name,
        phone="",
        role="reviewer",
        organisation_id=str(_org_id(app, "dept")),
    )
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(User, official.id).role is Role.REVIEWER
    action, kind, key, before, after, _actor = _audit(app)[-1]
    assert (action, kind, key) == ("change_role", "user", str(official.id))
    assert (before["role"], after["role"]) == ("official", "reviewer")
    assert their_browser.get("/my/proposals").status_code == 302  # logged out


def test_deactivated_account_cannot_log_in_and_nothing_is_deleted(app, admin_client):
    with app.app_context():
        reviewer = account(Role.REVIEWER)
    response = _post(admin_client, f"/admin/users/{reviewer.id}/active", active="0")
    assert response.status_code == 303
    other = app.test_client()
    page = login(other, reviewer).get_data(as_text=True)
    assert "이메일 또는 비밀번호가 올바르지 않습니다" in page
    with app.app_context():
        assert db.session.get(User, reviewer.id).active is False
    assert _audit(app)[-1][:3] == ("deactivate_user", "user", str(reviewer.id))
    assert _post(admin_client, f"/admin/users/{reviewer.id}/active", active="1").status_code == 303
    assert login(app.test_client(), reviewer).status_code == 303


def test_an_admin_cannot_lock_themselves_out(app, admin_client):
    me = admin_client.admin
    response = _post(admin_client, f"/admin/users/{me.id}/active", active="0")
    assert response.status_code == 303
    assert "자기 자신의 계정은 사용 중지할 수 없습니다" in admin_client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    response = _post(
        admin_client,
        f"/admin/users/{me.id}",
        name=me.name,
        role="citizen",
        organisation_id="",
    )
    assert response.status_code == 422
    assert "자기 자신의 역할은 바꿀 수 없습니다" in response.get_data(as_text=True)
    assert _audit(app) == []


def test_organisations_are_created_edited_and_deactivated_with_stable_codes(app, admin_client):
    bad = _post(admin_client, "/admin/organisations/new", code="Bad Code", name="", kind="district")
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "코드는 영문 소문자로 시작하고" in page
    assert "이름을 입력해 주십시오" in page
    taken = _post(
        admin_client, "/admin/organisations/new", code="reg_office", name="x", kind="district"
    )
    assert taken.status_code == 422 and "이미 있는 코드입니다" in taken.get_data(as_text=True)
    assert (
        _post(
            admin_client, "/admin/organisations/new", code="gangnam", name="강남구", kind="district"
        ).status_code
        == 303
    )
    org_id = _org_id(app, "gangnam")
    assert (
        _post(
            admin_client,
            f"/admin/organisations/{org_id}",
            code="renamed",
            name="강남구청",
            kind="district",
        ).status_code
        == 303
    )
    assert (
        _post(admin_client, f"/admin/organisations/{org_id}/active", active="0").status_code == 303
    )
    with app.app_context():
        org = db.session.get(Organisation, org_id)
        assert (org.code, org.name, org.active) == ("gangnam", "강남구청", False)
    actions = [(a, k) for a, _t, k, *_rest in _audit(app)]
    assert actions == [
        ("create_organisation", "gangnam"),
        ("update_organisation", "gangnam"),
        ("deactivate", "gangnam"),
    ]
    # A deactivated organisation takes no new staff.
    response = _post(
        admin_client,
        "/admin/users/new",
        email="gn@office.example",
        name="구청",
        role="agency_staff",
        organisation_id=str(org_id),
    )
    assert response.status_code == 422 and "사용하지 않는 기관입니다" in response.get_data(
        as_text=True
    )


def test_reference_codes_are_added_relabelled_and_deactivated_never_deleted(app, admin_client):
    assert (
        _post(
            admin_client,
            "/admin/reference/sector/new",
            code="culture_tourism",
            label_ko="문화·관광",
            label_en="Culture & tourism",
            position="5",
        ).status_code
        == 303
    )
    with app.app_context():
        citizen = account(Role.CITIZEN)
    citizen_browser = app.test_client()
    login(citizen_browser, citizen)
    assert "문화·관광" in citizen_browser.get("/my/proposals/new").get_data(as_text=True)
    response = _post(
        admin_client,
        "/admin/reference/sector/culture_tourism",
        code="changed",
        label_ko="문화·관광·체육",
        label_en="Culture, tourism & sport",
        position="6",
    )
    assert response.status_code == 303
    assert (
        _post(
            admin_client, "/admin/reference/sector/culture_tourism/active", active="0"
        ).status_code
        == 303
    )
    with app.app_context():
        sector = db.session.get(Sector, "culture_tourism")
        assert (sector.label_ko, sector.position, sector.active) == ("문화·관광·체육", 6, False)
        assert db.session.get(Sector, "changed") is None
    assert "문화·관광" not in citizen_browser.get("/my/proposals/new").get_data(as_text=True)
    before, after = _audit(app)[1][3:5]
    assert (before["label_ko"], after["label_ko"]) == ("문화·관광", "문화·관광·체육")
    assert admin_client.get("/admin/reference/nonsense").status_code == 404
    assert admin_client.get("/admin/reference/sector/nonsense").status_code == 404


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"code": "", "label_ko": "가", "label_en": "A"}, "code", "코드는 영문 소문자로 시작하고"),
        ({"code": "safety", "label_ko": "가", "label_en": "A"}, "code", "이미 있는 코드입니다"),
        (
            {"code": "new_reason", "label_ko": "", "label_en": "A"},
            "label_ko",
            "한국어 이름을 입력해 주십시오",
        ),
        (
            {"code": "new_reason", "label_ko": "가", "label_en": ""},
            "label_en",
            "영어 이름을 입력해 주십시오",
        ),
    ],
)
def test_reference_form_errors(app, admin_client, data, field, message):
    response = _post(admin_client, "/admin/reference/decline_reason/new", position="1", **data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page and f'id="{field}-error"' in page


def test_a_channel_is_open_to_one_source_kind(app, admin_client):
    assert (
        _post(
            admin_client,
            "/admin/reference/channel/new",
            code="phone_line",
            label_ko="전화 접수",
            label_en="Phone line",
            position="20",
            source_kind="citizen",
        ).status_code
        == 303
    )
    [(_a, kind, key, _b, after, _actor)] = _audit(app)
    assert (kind, key, after["source_kind"]) == ("channel", "phone_line", "citizen")


def test_campaigns_are_created_checked_and_deactivated(app, admin_client):
    bad = _post(
        admin_client,
        "/admin/campaigns/new",
        code="second_100",
        name="규제철폐 2차",
        starts_on="2026-05-01",
        ends_on="2026-04-01",
    )
    assert bad.status_code == 422 and "종료일은 시작일과 같거나 뒤여야 합니다" in bad.get_data(
        as_text=True
    )
    assert (
        _post(
            admin_client,
            "/admin/campaigns/new",
            code="second_100",
            name="규제철폐 2차",
            starts_on="2026-05-01",
            ends_on="2026-08-08",
        ).status_code
        == 303
    )
    with app.app_context():
        campaign_id = db.session.scalar(select(Campaign.id).where(Campaign.code == "second_100"))
    assert (
        _post(admin_client, f"/admin/campaigns/{campaign_id}/active", active="0").status_code == 303
    )
    with app.app_context():
        assert db.session.get(Campaign, campaign_id).active is False
    assert [a for a, *_rest in _audit(app)] == ["create", "deactivate"]


def test_the_audit_page_shows_who_when_what_before_and_after(app, admin_client):
    _post(admin_client, "/admin/organisations/new", code="mapo", name="마포구", kind="district")
    org_id = _org_id(app, "mapo")
    _post(admin_client, f"/admin/organisations/{org_id}", name="마포구청", kind="district")
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "update_organisation" in page and "organisation mapo" in page
    assert "마포구" in page and "마포구청" in page and admin_client.admin.email in page
    filtered = admin_client.get("/admin/audit?type=campaign").get_data(as_text=True)
    assert "organisation mapo" not in filtered


def test_the_audit_trail_is_append_only_in_the_orm_and_in_the_database(app, admin_client):
    _post(admin_client, "/admin/organisations/new", code="jongno", name="종로구", kind="district")
    with app.app_context():
        entry = db.session.scalar(select(AdminAuditEntry))
        entry.action = "forged"
        with pytest.raises(ValueError, match="append-only"):
            db.session.flush()
        db.session.rollback()
        with pytest.raises(Exception, match="append-only"):
            db.session.execute(text("DELETE FROM admin_audit_entry"))
        db.session.rollback()
        with pytest.raises(Exception, match="append-only"):
            db.session.execute(text("UPDATE admin_audit_entry SET action = 'x'"))
        db.session.rollback()
        assert db.session.scalar(select(func.count(AdminAuditEntry.id))) == 1


def test_the_command_line_writes_the_same_audit_trail(app, runner):
    with app.app_context():
        factories.organisation("reg_office", OrganisationKind.DEPARTMENT)
        commit(db.session)
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "cli@office.example",
            "--name",
            "명령줄",
            "--role",
            "chair",
            "--organisation",
            "reg_office",
            "--password",
            PASSWORD,
        ]
    )
    assert result.exit_code == 0, result.output
    [(action, kind, _key, _before, after, actor)] = _audit(app)
    assert (action, kind, actor, after["role"]) == ("create_user", "user", None, "chair")
