"""In a real browser: a reviewer's first login enrols the authenticator from the QR code drawn
on the server, keeps the recovery codes, and the next login asks for the code; on a phone too."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import expect

from models import Role, User, db
from tests.browser.support import shot
from tests.functional.helpers import PASSWORD, account
from workflows.dispatch import commit


@pytest.fixture
def served(app, live_server):  # type: ignore[no-untyped-def]
    with app.app_context():
        reviewer = account(Role.REVIEWER, name="김검토")
        db.session.get(User, reviewer.id).totp_secret = None  # not enrolled yet
        commit(db.session)
    return app, live_server, reviewer


def test_a_reviewer_enrols_and_logs_in_with_the_code(served, browser):
    _app, base, reviewer = served
    page = browser.new_page(locale="ko-KR")
    page.goto(f"{base}/login")
    page.fill("#email", reviewer.email)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="로그인").click()
    expect(page.locator("h1")).to_have_text("2단계 인증 등록")
    expect(page.locator(".totp-qr svg")).to_be_visible()
    shot(page, "two-factor-enrol")
    secret = page.locator(".totp-key").inner_text().replace(" ", "")
    page.fill("#code", "000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    page.get_by_role("button", name="등록하고 로그인").click()
    expect(page.locator("#code-error")).to_contain_text("인증 코드가 올바르지 않습니다")
    expect(page).to_have_title(re.compile("^오류:"))
    page.fill("#code", pyotp.TOTP(secret).now())
    page.get_by_role("button", name="등록하고 로그인").click()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    expect(page.locator(".flash-success")).to_contain_text("로그인했습니다")
    shot(page, "two-factor-recovery-codes")
    page.get_by_role("link", name="계속").click()
    expect(page).to_have_url(f"{base}/")
    page.goto(f"{base}/login/recovery-codes")  # shown once only
    expect(page.locator(".recovery-codes")).to_have_count(0)

    phone = browser.new_context(locale="ko-KR", viewport={"width": 390, "height": 844})
    second = phone.new_page()
    second.goto(f"{base}/login")
    second.fill("#email", reviewer.email)
    second.fill("#password", PASSWORD)
    second.get_by_role("button", name="로그인").click()
    expect(second.locator("h1")).to_have_text("2단계 인증")
    shot(second, "two-factor-code-phone")
    # The enrolment code's time step is used up: the authenticator's next code is accepted.
    second.fill("#code", pyotp.TOTP(secret).at(int(time.time()) + 30))
    second.get_by_role("button", name="확인").click()
    expect(second.locator(".flash-success")).to_contain_text("로그인했습니다")
    phone.close()
    page.close()
