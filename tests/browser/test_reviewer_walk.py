"""In a real browser: a reviewer triages a fresh proposal, asks the proposer for information, the
proposer answers through /my/proposals, and the reviewer reviews and sends it to deliberation."""

from __future__ import annotations

import pyotp
import pytest
from playwright.sync_api import Browser, Page

from models import Role, db
from tests import factories
from tests.browser.support import shot
from tests.functional.helpers import PASSWORD, TOTP_SECRET, account
from workflows.dispatch import commit


@pytest.fixture
def served(app, live_server):  # type: ignore[no-untyped-def]
    with app.app_context():
        reviewer = account(Role.REVIEWER, name="김검토")
        citizen = account(Role.CITIZEN, name="홍길동")
        earlier = factories.submitted(title="마을버스 환승 시간 완화")
        proposal = factories.submitted(
            db.session.get(factories.User, citizen.id), title="마을버스 환승 시간을 2시간으로 완화"
        )
        commit(db.session)
        receipt, earlier_no = proposal.receipt_no, earlier.receipt_no
    return live_server, reviewer, citizen, receipt, earlier_no


def _login(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.wait_for_load_state()
    if page.url.endswith("/login/second-factor"):  # the reviewer's second factor
        page.fill("#code", pyotp.TOTP(TOTP_SECRET).now())
        page.click("button.primary")
        page.wait_for_load_state()


def _run(page: Page, action: str, **fields: str) -> None:
    panel = page.locator(f"#action-{action}")
    panel.locator("summary").click()
    for name, value in fields.items():
        target = panel.locator(f"[name='{action}-{name}']")
        if target.evaluate("e => e.tagName") == "SELECT":
            target.select_option(value)
        else:
            target.fill(value)
    panel.locator("button.primary").click()
    page.wait_for_load_state()


def test_reviewer_walk_in_a_browser(served, browser: Browser):
    base, reviewer, citizen, receipt, earlier_no = served
    office = browser.new_page(locale="ko-KR")
    _login(office, base, reviewer.email)
    office.goto(f"{base}/office/?queue=new")
    assert office.locator('[data-queue="new"] .count').inner_text() == "2"
    shot(office, "office-queue")
    office.locator(f'tr[data-receipt="{receipt}"] a').click()
    assert receipt in office.locator("#facts").inner_text()
    # The earlier, similar proposal is shown beside it.
    assert earlier_no in office.locator("#similar").inner_text()
    _run(office, "start_review")
    assert office.locator("#state").inner_text() == "검토 중"
    _run(
        office,
        "classify_proposal",
        sector="transport_env_safety",
        regulation_type="citizen_inconvenience",
    )
    _run(office, "request_information", question="이용하시는 노선 번호를 알려 주십시오.")
    assert office.locator("#state").inner_text() == "보완 요청 중"
    assert "보완 대기로 정지" in office.locator("#deadlines").inner_text()
    shot(office, "office-proposal-waiting")

    proposer = browser.new_page(locale="ko-KR")
    _login(proposer, base, citizen.email)
    proposer.goto(f"{base}/my/proposals")
    proposer.get_by_role("link", name="마을버스 환승 시간을 2시간으로 완화").click()
    assert "노선 번호" in proposer.locator("#timeline").inner_text()
    proposer.fill("textarea[name=answer]", "마을버스 서초01번입니다.")
    proposer.click("#answer button.primary")
    assert proposer.locator("#state").inner_text() == "검토 중"
    shot(proposer, "proposer-answered")

    office.reload()
    assert office.locator("#state").inner_text() == "검토 중"
    assert "서초01번" in office.locator("#trail").inner_text()
    _run(
        office,
        "record_review",
        opinion="환승 시간 완화는 타당합니다.",
        recommendation="relax",
    )
    _run(office, "send_to_deliberation", note="다음 심사위원회 안건")
    assert office.locator("#state").inner_text() == "심의 중"
    shot(office, "office-proposal-sent")
    office.goto(f"{base}/office/?queue=all")
    office.set_viewport_size({"width": 390, "height": 844})
    shot(office, "office-queue-phone")
    office.goto(f"{base}/office/proposals/{receipt}")
    shot(office, "office-proposal-phone")
