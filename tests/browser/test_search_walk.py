"""In a real browser: a citizen types a query with particles and finds the repeal, highlighted;
a reviewer narrows the staff search with a facet; both pages fit a phone."""

from __future__ import annotations

import pytest

from models import Role, State, db
from tests import factories
from tests.browser.support import shot
from tests.browser.twofactor import enrol_staff, pass_second_factor
from tests.functional.helpers import PASSWORD, account
from workflows.dispatch import commit


@pytest.fixture
def server(app, live_server):  # type: ignore[no-untyped-def]
    with app.app_context():
        office = factories.Office()
        factories.proposal_in(State.ANNOUNCED, office=office)
        factories.proposal_in(State.IN_REVIEW, office=office)
        factories.submitted(
            title="마을버스 최대이용가능 시간 완화",
            current_regulation="마을버스 환승 이용 시간은 1시간으로 제한됩니다.",
            proposed_change="마을버스 이용 시간을 2시간으로 늘려 주십시오.",
            sector_code="transport_env_safety",
        )
        commit(db.session)
        reviewer = account(Role.REVIEWER)
    enrol_staff(app)
    return live_server, reviewer


def test_searching_as_a_citizen_and_as_a_reviewer(server, browser):
    base, reviewer = server
    page = browser.new_page(locale="ko-KR")
    page.goto(base)
    page.get_by_role("link", name="검색", exact=True).click()
    page.fill("#s-q", "용적률을 완화하여")
    page.get_by_role("button", name="검색", exact=True).click()
    assert page.locator(".search-results li").count() == 2
    assert page.locator(".snippet mark").first.inner_text() in ("용적률", "완화")
    shot(page, "search")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "search-phone")
    page.fill("#s-q", "마을버스이용시간")  # only received: not public yet
    page.get_by_role("button", name="검색", exact=True).click()
    assert page.locator(".no-hits").count() == 1
    page.close()

    staff = browser.new_page(locale="ko-KR")
    staff.goto(f"{base}/login")
    staff.fill("input[name=email]", reviewer.email)
    staff.fill("input[name=password]", PASSWORD)
    staff.locator("form button[type=submit]").last.click()
    pass_second_factor(staff, reviewer.email)
    staff.goto(f"{base}/office/search?q=완화")
    assert staff.locator(".search-results li").count() == 3
    staff.locator("#facet-sector a", has_text="교통").click()
    assert staff.locator(".search-results li").count() == 1
    assert "마을버스" in staff.locator(".search-results").inner_text()
    shot(staff, "office-search")
    staff.set_viewport_size({"width": 390, "height": 844})
    shot(staff, "office-search-phone")
    staff.close()
