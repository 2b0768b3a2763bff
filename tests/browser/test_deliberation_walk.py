"""In a real browser: three panel members give their opinions on a proposal in deliberation (one
declares a conflict and is recused), the chair decides, assembles an announcement and publishes
it; the public page and the register show the next 규제철폐 N호 and the proposer sees it."""

from __future__ import annotations

from datetime import date

import pyotp
import pytest
from playwright.sync_api import Browser, Page

from models import TWO_FACTOR_ROLES, Proposal, Role, State, db
from tests import factories
from tests.browser.support import PHONE, shot
from tests.functional.helpers import _HASH, PASSWORD, TOTP_SECRET
from workflows import deliberation, review, triage
from workflows.dispatch import commit

TITLE = "건설산업 규제철폐 TF 성과 보고회"


def _person(role: Role, email: str, name: str):  # type: ignore[no-untyped-def]
    user = factories.user(role, email=email, name=name, password_hash=_HASH)
    if role in TWO_FACTOR_ROLES:
        user.totp_secret = TOTP_SECRET
    return user


@pytest.fixture
def walk(app, live_server):  # type: ignore[no-untyped-def]
    """Two repeals already announced; a citizen's proposal taken into deliberation by the
    reviewer and put on a session of three members, all through the workflow operations."""
    with app.app_context():
        office = factories.Office.__new__(factories.Office)
        office.reviewer = _person(Role.REVIEWER, "reviewer@office.example", "이검토")
        office.chair = _person(Role.CHAIR, "chair@office.example", "최위원장")
        office.panel = [
            _person(Role.PANEL_MEMBER, f"panel{n}@office.example", name)
            for n, name in ((1, "강심사"), (2, "윤심사"), (3, "장심사"))
        ]
        proposer = _person(Role.CITIZEN, "hong@citizen.example", "홍길동")
        existing = [factories.proposal_in(State.ANNOUNCED, office=office) for _ in range(2)]
        assert sorted(p.repeal_no for p in existing) == [1, 2]
        proposal = factories.submitted(
            proposer,
            title="건설현장 야간작업 허가 절차 간소화",
            sector_code="construction_housing",
        )
        triage.start_review(db.session, office.reviewer, proposal)
        review.record_review(
            db.session,
            office.reviewer,
            proposal,
            opinion="야간작업 허가에 3주가 걸려 공기가 늘어납니다. 철폐를 권고합니다.",
        )
        review.send_to_deliberation(db.session, office.reviewer, proposal)
        panel = deliberation.create_panel_session(
            db.session,
            office.reviewer,
            title="제7차 규제개혁 심사위원회",
            held_on=date(2025, 3, 11),
            members=office.panel,
            quorum=2,
            agenda=[proposal],
        )
        commit(db.session)
        ids = {"proposal": proposal.id, "panel": panel.id, "item": panel.agenda[0].id}
    yield app, live_server, ids


def _login(browser: Browser, base: str, email: str, *, phone: bool = False) -> Page:
    context = browser.new_context(locale="ko-KR", viewport=PHONE if phone else None)
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_load_state()
    if page.url.endswith("/login/second-factor"):  # staff who change a fate: the second factor
        page.fill("#code", pyotp.TOTP(TOTP_SECRET).now())
        page.get_by_role("button", name="확인").click()
        page.wait_for_load_state()
    return page


def _open_item(page: Page, base: str) -> None:
    page.goto(base + "/")
    page.get_by_role("link", name="심사위원회", exact=True).first.click()
    page.get_by_role("link", name="제7차 규제개혁 심사위원회").click()
    page.get_by_role("link", name="건설현장 야간작업 허가 절차 간소화").click()


def test_panel_opinions_decision_and_announcement_in_a_browser(walk, browser):
    app, base, ids = walk

    # The first member records an opinion without seeing anyone else's.
    first = _login(browser, base, "panel1@office.example")
    _open_item(first, base)
    assert "내 의견을 기록한 뒤에 볼 수 있습니다" in first.locator("#opinions").inner_text()
    shot(first, "panel-item-before")
    first.get_by_label("철폐", exact=True).check()
    first.fill("#score", "5")
    first.fill("#comment", "허가 절차가 과도합니다. 철폐가 맞습니다.")
    first.get_by_role("button", name="의견 기록").click()
    assert "의견을 기록했습니다" in first.locator(".flashes").inner_text()
    assert "의견 1/3건 기록" in first.locator("#status").inner_text()

    # The second member, on a phone, sees nothing of the first opinion until recording theirs.
    second = _login(browser, base, "panel2@office.example", phone=True)
    _open_item(second, base)
    assert "허가 절차가 과도합니다" not in second.content()
    shot(second, "panel-item-phone")
    second.get_by_label("철폐", exact=True).check()
    second.fill("#score", "4")
    second.fill("#comment", "안전 관리 조건을 붙여 철폐합니다.")
    second.get_by_role("button", name="의견 기록").click()
    opinions = second.locator("#opinions").inner_text()
    assert "허가 절차가 과도합니다" in opinions and "안전 관리 조건" in opinions
    assert "만장일치" in second.locator("#status").inner_text()
    shot(second, "panel-item-after-phone")

    # The third member declares a conflict of interest and is recused.
    third = _login(browser, base, "panel3@office.example")
    _open_item(third, base)
    third.fill("#reason", "제안 단체 자문 이력")
    third.get_by_role("button", name="회피 신고").click()
    assert "회피한 안건" in third.locator("#recused").inner_text()
    assert "의견 2/2건 기록" in third.locator("#status").inner_text()
    third.get_by_role("link", name="제7차 규제개혁 심사위원회 · 안건 1").click()
    assert "회피" in third.locator("#agenda").inner_text()
    shot(third, "panel-session")

    # The chair reads the minutes, decides, and publishes an announcement.
    chair = _login(browser, base, "chair@office.example")
    chair.goto(f"{base}/panel/sessions/{ids['panel']}/minutes")
    minutes = chair.locator(".minutes").inner_text()
    assert "강심사" in minutes and "윤심사" in minutes and "장심사" in minutes
    assert "제안 단체 자문 이력" in minutes
    shot(chair, "panel-minutes")
    chair.emulate_media(media="print")
    assert not chair.locator(".site-header").is_visible()
    shot(chair, "panel-minutes-print")
    chair.emulate_media(media="screen")

    chair.get_by_role("link", name="결정·발표").click()
    assert "만장일치" in chair.locator("#awaiting").inner_text()
    shot(chair, "chair-desk")
    chair.set_viewport_size(PHONE)
    shot(chair, "chair-desk-phone")
    chair.set_viewport_size({"width": 1280, "height": 720})
    chair.get_by_role("link", name="결정하기").click()
    chair.select_option("#outcome", "repeal")
    chair.fill("#reasons", "허가 기간이 공사 기간을 늘리는 불합리한 절차입니다.")
    chair.fill("#responsible_official", "박주택")
    shot(chair, "chair-decide")
    chair.get_by_role("button", name="결정 기록").click()
    assert "발표 전까지는 공개되지 않습니다" in chair.locator(".flashes").inner_text()
    anonymous = browser.new_page()
    anonymous.goto(f"{base}/repeals")
    assert "건설현장 야간작업 허가 절차 간소화" not in anonymous.content()  # decided, not public

    chair.get_by_role("link", name="발표문 만들기").click()
    chair.fill("#title", TITLE)
    chair.fill("#announced_on", "2025-03-13")
    chair.fill("#summary", "건설산업 TF가 발굴한 규제를 철폐합니다.")
    chair.get_by_label("건설현장 야간작업 허가 절차 간소화").check()
    chair.get_by_role("button", name="발표문 저장").click()
    assert "규제철폐 3호부터" in chair.locator("#publish").inner_text()
    shot(chair, "chair-announcement-draft")
    chair.get_by_role("button", name="발표하기").click()
    assert chair.locator("h1").inner_text() == TITLE
    assert "3호" in chair.locator("table.list").inner_text()
    shot(chair, "announcement-public")

    # The public register and the announcement page, also on a phone.
    anonymous.goto(f"{base}/repeals")
    assert "건설현장 야간작업 허가 절차 간소화" in anonymous.content()
    anonymous.goto(f"{base}/repeals/3")
    assert "규제철폐 3호" in anonymous.locator("h1").inner_text()
    anonymous.set_viewport_size(PHONE)
    anonymous.goto(chair.url)
    shot(anonymous, "announcement-public-phone")
    with app.app_context():
        published = db.session.get(Proposal, ids["proposal"])
        assert published.state is State.ANNOUNCED and published.repeal_no == 3

    # The proposer sees the decision and its number.
    proposer = _login(browser, base, "hong@citizen.example", phone=True)
    proposer.goto(f"{base}/my/proposals")
    proposer.get_by_role("link", name="건설현장 야간작업 허가 절차 간소화").click()
    assert "규제철폐 3호" in proposer.content()
    assert "박주택" in proposer.locator("#decision").inner_text()
    shot(proposer, "proposer-sees-repeal-phone")
