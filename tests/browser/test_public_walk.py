"""In a real browser (the machine's Chromium), on the demo data: the dashboard's figures, the
register 1호…123호, a citizen vote refused in a second tab, results after the close, and an
XLSX export that opens with the same numbers."""

from __future__ import annotations

import io
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from models import Proposal, State, User, VoteRound, db, utcnow
from tests.browser.support import serving, shot
from tests.conftest import DEMO_PASSWORD
from workflows import voting
from workflows.dispatch import commit


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_database):  # type: ignore[no-untyped-def]
    from tests.conftest import demo_application

    with demo_application(tmp_path_factory.mktemp("browser"), demo_database) as app:
        yield from _serve(app)


def _serve(app):  # type: ignore[no-untyped-def]
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == "admin@demo.example"))
        candidates = list(
            db.session.scalars(
                select(Proposal)
                .where(Proposal.state == State.ANNOUNCED)
                .order_by(Proposal.repeal_no)
                .limit(12)
            )
        )
        vote_round = voting.open_round(
            db.session,
            admin,
            title="시민이 공감한 규제철폐 10선",
            max_picks=10,
            opens_at=utcnow() - timedelta(hours=1),
            closes_at=utcnow() + timedelta(hours=2),
            candidates=candidates,
        )
        commit(db.session)
        round_id = vote_round.id
    with serving(app) as base:
        yield app, base, round_id


def test_dashboard_shows_the_campaign_figures(server, browser):
    _app, base, _round = server
    page = browser.new_page(locale="ko-KR")
    page.goto(f"{base}/dashboard?campaign=2025-100days")
    assert page.locator("#received-total").inner_text().startswith("2,507")
    assert page.locator("#repeals-total").inner_text().startswith("123")
    for code, count in (("citizen", "975"), ("official", "753"), ("agency", "779")):
        assert page.locator(f'[data-source="{code}"] strong').inner_text() == count
    for code, count in (
        ("construction_housing", "39"),
        ("business_smallbiz", "21"),
        ("admin_welfare", "58"),
        ("transport_env_safety", "5"),
    ):
        assert page.locator(f'[data-sector="{code}"] strong').first.inner_text() == count
    assert page.locator("svg[role=img]").count() >= 8
    shot(page, "dashboard")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "dashboard-phone")
    page.close()


def test_register_lists_one_to_one_hundred_twenty_three(server, browser):
    _app, base, _round = server
    page = browser.new_page()
    numbers: list[int] = []
    for number in (3, 2, 1):  # the register is paged, 50 a page; page 1 last, for the link
        page.goto(f"{base}/repeals?page={number}")
        numbers = [
            *page.locator("#register tbody tr").evaluate_all(
                "rows => rows.map(r => Number(r.dataset.number))"
            ),
            *numbers,
        ]
    assert numbers == list(range(1, 124))
    page.get_by_role("link", name="소규모 건축물 용적률 완화").click()
    assert "규제철폐 33호" in page.locator("h1").inner_text()
    shot(page, "repeal-33")
    page.close()


def test_a_citizen_votes_and_a_second_tab_is_refused_then_results_show(server, browser):
    app, base, round_id = server
    context = browser.new_context()
    first = context.new_page()
    first.goto(f"{base}/login")
    first.fill("#email", "citizen@demo.example")
    first.fill("#password", DEMO_PASSWORD)
    first.get_by_role("button", name="로그인").click()
    first.goto(f"{base}/votes/{round_id}")
    first.get_by_role("link", name="본인확인 후 투표하기").click()
    first.fill("#name", "김시민")
    first.fill("#birth_date", "1985-04-12")
    first.fill("#mobile", "010-5555-1234")
    first.get_by_role("button", name="확인").click()
    second = context.new_page()  # the same ballot form, open in another tab
    second.goto(f"{base}/votes/{round_id}")
    first.locator("input[name=picks]").nth(0).check()
    first.locator("input[name=picks]").nth(2).check()
    shot(first, "vote-ballot")
    first.get_by_role("button", name="투표하기").click()
    assert "투표했습니다" in first.locator(".flashes").inner_text()
    second.locator("input[name=picks]").nth(1).check()
    second.get_by_role("button", name="투표하기").click()
    assert "이미 이 투표에 참여하셨습니다" in second.locator("#error-summary").inner_text()
    shot(second, "vote-refused")
    with app.app_context():
        db.session.execute(
            update(VoteRound)
            .where(VoteRound.id == round_id)
            .values(closes_at=utcnow() - timedelta(minutes=1))
        )
        db.session.commit()
    anonymous = browser.new_page()
    anonymous.goto(f"{base}/votes/{round_id}/results")
    assert "1명이 투표했습니다" in anonymous.locator("#voters").inner_text()
    votes = anonymous.locator("#results tbody tr td.num").all_inner_texts()
    assert sorted(int(v) for v in votes)[-2:] == [1, 1] and sum(int(v) for v in votes) == 2
    shot(anonymous, "vote-results")
    context.close()
    anonymous.close()


def test_exported_xlsx_opens_with_the_same_numbers(server, browser):
    _app, base, _round = server
    page = browser.new_page()
    page.goto(f"{base}/open-data")
    with page.expect_download() as download:
        page.locator('a[href="/open-data/repeals.xlsx"]').click()
    workbook = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()), read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))[1:]
    assert [r[0] for r in rows] == list(range(1, 124))
    assert Counter(r[2] for r in rows) == {
        "construction_housing": 39,
        "business_smallbiz": 21,
        "admin_welfare": 58,
        "transport_env_safety": 5,
    }
    page.close()
