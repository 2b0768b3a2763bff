"""The command-line entry points: demo data, users, the outbox."""

from __future__ import annotations

import io
import re

import pytest
from cryptography.fernet import Fernet
from openpyxl import load_workbook
from sqlalchemy import func, select

from models import (
    Announcement,
    OutboxMessage,
    Proposal,
    ProposalEvent,
    Role,
    State,
    User,
    db,
)
from tests.conftest import DEMO_PASSWORD
from webapp.config import ConfigurationError, build_config
from webapp.demo import corpus


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory, demo_database):  # type: ignore[no-untyped-def]
    """One demo database shared by the tests of this module (it replays 2,507 proposals)."""
    from tests.conftest import demo_application

    with demo_application(tmp_path_factory.mktemp("demo"), demo_database) as application:
        yield application


def test_demo_data_reproduces_the_campaign_figures(demo_app):
    body = demo_app.test_client().get("/api/v1/stats").get_json()
    assert body["received"]["total"] == 2507
    assert body["received"]["by_source"] == {"citizen": 975, "official": 753, "agency": 779}
    assert sum(body["received"]["by_channel"].values()) == 2507
    assert body["received"]["by_channel"]["creative_contest"] == 753
    assert body["repeals"]["total"] == 123
    assert body["repeals"]["by_sector"] == {
        "construction_housing": 39,
        "business_smallbiz": 21,
        "admin_welfare": 58,
        "transport_env_safety": 5,
    }
    assert sum(body["repeals"]["by_type"].values()) == 123
    outcomes = body["by_outcome"]
    assert outcomes["repeal"] + outcomes["relax"] == 123
    assert all(
        outcomes[code] > 0
        for code in ("long_term", "forward_central", "not_accepted", "withdrawn", "merged")
    )
    assert all(count > 0 for count in body["by_stage"].values())


def test_the_home_page_shows_the_campaign_tables(demo_app):
    page = demo_app.test_client().get("/").get_data(as_text=True)
    assert re.search(r'id="received-total">2,507<', page)
    assert re.search(r'id="repeals-total">123<', page)
    for code, count in (("citizen", "975"), ("official", "753"), ("agency", "779")):
        assert re.search(rf'data-source="{code}">[^<]*<strong>{count}</strong>', page)
    for code, count in (
        ("construction_housing", "39"),
        ("business_smallbiz", "21"),
        ("admin_welfare", "58"),
        ("transport_env_safety", "5"),
    ):
        assert re.search(rf'data-sector="{code}">[^<]*<strong>{count}</strong>', page)
    assert "규제철폐 100일" in page


def test_the_dashboard_reproduces_the_campaign_tables(demo_app):
    client = demo_app.test_client()
    page = client.get("/dashboard?campaign=2025-100days").get_data(as_text=True)
    assert re.search(r'id="received-total">2,507<', page)
    assert re.search(r'id="repeals-total">123<', page)
    for code, count in (("citizen", "975"), ("official", "753"), ("agency", "779")):
        assert re.search(rf'data-source="{code}">[^<]*<strong>{count}</strong>', page)
    for code, count in (
        ("construction_housing", "39"),
        ("business_smallbiz", "21"),
        ("admin_welfare", "58"),
        ("transport_env_safety", "5"),
    ):
        assert re.search(rf'data-sector="{code}">[^<]*<strong>{count}</strong>', page)
    assert page.count("<svg") >= 8 and 'role="img"' in page
    funnel = re.search(r'<table class="breakdown" id="funnel">(.*?)</table>', page, re.S).group(1)
    assert 'data-code="received"><th scope="row">접수</th><td class="num">2,507' in funnel
    assert 'data-code="announced"><th scope="row">발표</th><td class="num">123' in funnel
    in_force = int(re.search(r'data-code="in_force">.*?"num">([\d,]+)<', funnel).group(1))
    assert 0 < in_force < 123
    assert "재검토 요청 0건" in page


def test_the_register_lists_one_to_one_hundred_twenty_three(demo_app):
    client = demo_app.test_client()
    numbers: list[int] = []
    for number in (1, 2, 3):  # the register is paged, 50 a page
        page = client.get(f"/repeals?page={number}").get_data(as_text=True)
        numbers += [int(n) for n in re.findall(r'data-number="(\d+)"', page)]
    assert numbers == list(range(1, 124))
    assert "data-number" not in client.get("/repeals?page=4").get_data(as_text=True)
    # The API: 100 a response by default, the rest at the address of the Link header.
    first = client.get("/api/v1/repeals")
    body = first.get_json()
    assert [r["number"] for r in body] == list(range(1, 101))
    assert first.headers["Link"] == '</api/v1/repeals?limit=100&after=100>; rel="next"'
    rest = client.get("/api/v1/repeals?limit=100&after=100")
    assert [r["number"] for r in rest.get_json()] == list(range(101, 124))
    assert "Link" not in rest.headers
    assert body[32]["title"] == "소규모 건축물 용적률 완화"
    assert "소규모 건축물 용적률 완화" in client.get("/repeals/33").get_data(as_text=True)


def test_the_campaign_report_in_the_shape_of_the_work_report(demo_app, tmp_path):
    client = demo_app.test_client()
    page = client.get("/report/2025-100days").get_data(as_text=True)
    assert "제안·접수(<strong>2,507건</strong>)" in page
    assert "규제철폐 발표(<strong>123건</strong>)" in page
    assert re.search(
        r'data-source="citizen">\(시민\) 온라인 시민제안 접수 창구 585건.*?총 <strong>975건', page
    )
    assert "건설산업 규제철폐 TF 성과 보고회" in page and "2025-02-25" in page
    assert "마을버스 최대이용가능 시간 완화 (1시간 → 2시간)" in page
    assert client.get("/report/nope").status_code == 404
    with client.get("/report/2025-100days.xlsx") as response:
        workbook = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    received = list(workbook["제안·접수"].iter_rows(values_only=True))
    assert received[1][3] == 2507
    assert [r[3] for r in received if r[2] == "소계"] == [975, 753, 779]
    repeals = list(workbook["규제철폐"].iter_rows(values_only=True))
    assert repeals[1][2] == 123 and sum(r[2] for r in repeals[2:]) == 123
    output = tmp_path / "report.xlsx"
    result = demo_app.test_cli_runner().invoke(
        args=["report", "campaign", "2025-100days", "--output", str(output)]
    )
    assert result.exit_code == 0, result.output
    assert "제안·접수 2,507건: 시민 975, 공무원 753, 기관 779" in result.output
    assert (
        "규제철폐 발표 123건: 건설·주택 39, 기업·소상공인 21, 일반행정·복지 58, 교통·환경·안전 5"
        in (result.output)
    )
    assert output.stat().st_size > 0
    bad = demo_app.test_cli_runner().invoke(
        args=["report", "campaign", "x", "--output", str(output)]
    )
    assert bad.exit_code != 0 and "2025-100days" in bad.output


def test_demo_data_went_through_the_workflow(demo_app):
    with demo_app.app_context():
        dates = db.session.execute(
            select(func.min(Proposal.submitted_at), func.max(Proposal.submitted_at))
        ).one()
        assert str(dates[0])[:10] >= "2025-01-03" and str(dates[1])[:10] <= "2025-04-12"
        # Every proposal has a trail starting with its submission; no job was queued for history.
        first_kinds = set(
            db.session.scalars(
                select(ProposalEvent.kind).where(
                    ProposalEvent.id.in_(
                        select(func.min(ProposalEvent.id)).group_by(ProposalEvent.proposal_id)
                    )
                )
            )
        )
        assert first_kinds == {"submit_proposal"}
        assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0
        numbers = sorted(
            db.session.scalars(select(Proposal.repeal_no).where(Proposal.state == State.ANNOUNCED))
        )
        assert numbers == list(range(1, 124))
        assert db.session.scalar(select(func.count(Announcement.id))) >= 5
        thirty_three = db.session.scalar(select(Proposal).where(Proposal.repeal_no == 33))
        assert thirty_three.title == "소규모 건축물 용적률 완화"
        titles = set(
            db.session.scalars(select(Proposal.title).where(Proposal.state == State.ANNOUNCED))
        )
        for title, sector, reg_type in corpus.NAMED_EXAMPLES:
            assert title in titles
            row = db.session.scalar(
                select(Proposal).where(Proposal.title == title, Proposal.state == State.ANNOUNCED)
            )
            assert (row.sector_code, row.regulation_type_code) == (sector, reg_type)
        merged = db.session.scalars(select(Proposal).where(Proposal.state == State.MERGED)).first()
        assert merged.merged_into.submitted_at <= merged.submitted_at


def test_demo_accounts_exist_and_log_in_with_the_demo_password(demo_app):
    with demo_app.app_context():
        roles = dict(
            db.session.execute(
                select(User.email, User.role).where(User.email.like("%@demo.example"))
            ).all()
        )
    assert roles == {
        "citizen@demo.example": Role.CITIZEN,
        "official@demo.example": Role.OFFICIAL,
        "agency@demo.example": Role.AGENCY_STAFF,
        "reviewer@demo.example": Role.REVIEWER,
        "panel1@demo.example": Role.PANEL_MEMBER,
        "panel2@demo.example": Role.PANEL_MEMBER,
        "panel3@demo.example": Role.PANEL_MEMBER,
        "chair@demo.example": Role.CHAIR,
        "admin@demo.example": Role.ADMIN,
    }
    client = demo_app.test_client()
    from tests.functional.helpers import csrf_token

    response = client.post(
        "/login",
        data={
            "email": "chair@demo.example",
            "password": DEMO_PASSWORD,
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 303
    # The password is right; the chair then enrols the second factor at the first login.
    assert response.headers["Location"].endswith("/login/enrol")


def test_demo_data_refuses_to_run_twice(demo_app):
    result = demo_app.test_cli_runner().invoke(args=["demo-data"])
    assert result.exit_code != 0 and "--reset" in result.output
    quiet = demo_app.test_cli_runner().invoke(args=["demo-data", "--if-empty"])
    assert quiet.exit_code == 0 and "not loaded" in quiet.output
    with demo_app.app_context():
        assert db.session.scalar(select(func.count(Proposal.id))) == 2507


def test_users_create_makes_a_staff_account_tied_to_an_organisation(app, runner):
    with app.app_context():
        from tests import factories

        factories.organisation("reg_office", factories.OrganisationKind.DEPARTMENT)
        db.session.commit()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "New@Office.example",
            "--name",
            "신검토",
            "--role",
            "reviewer",
            "--organisation",
            "reg_office",
            "--password",
            "a-long-password",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "new@office.example"))
        assert user.role is Role.REVIEWER and user.organisation.code == "reg_office"
    refused = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "x@y.example",
            "--name",
            "x",
            "--role",
            "reviewer",
            "--password",
            "a-long-password",
        ]
    )
    assert refused.exit_code != 0 and "--organisation" in refused.output


@pytest.fixture
def clean_environment(monkeypatch):  # type: ignore[no-untyped-def]
    from webapp.config import ENV_KEYS

    for key in ENV_KEYS:
        monkeypatch.delenv(key, raising=False)


def test_production_refuses_to_start_without_a_secret_key(tmp_path, clean_environment):
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        build_config(str(tmp_path), {"APP_ENV": "production"})
    config = build_config(
        str(tmp_path),
        {
            "APP_ENV": "production",
            "SECRET_KEY": "s",
            "SECRET_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "DATABASE_URL": "postgresql://db/x",
        },
    )
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://db/x"
    assert config["SESSION_COOKIE_SECURE"] is True


def test_embedded_default_is_sqlite_in_the_instance_folder(tmp_path, clean_environment):
    config = build_config(str(tmp_path), {})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'regrepeal.sqlite3'}"
    assert config["REDIS_URL"] is None
    assert (tmp_path / "secret_key").exists()
    assert build_config(str(tmp_path), {})["SECRET_KEY"] == config["SECRET_KEY"]
