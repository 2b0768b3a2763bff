"""In the machine's Chromium: the Content-Security-Policy blocks nothing the pages need (no
violation reported on any page of the walk), the minutes' print button works from its static
script, and the breakdown bars keep their widths without inline style."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page

from tests.browser.support import SHOTS
from tests.browser.twofactor import enrol_staff, pass_second_factor
from tests.functional.helpers import PASSWORD
from tests.functional.security_world import World, build


@pytest.fixture
def served(app: Flask, live_server: str):  # type: ignore[no-untyped-def]
    world = build(app)
    enrol_staff(app)
    return world, live_server


@pytest.fixture
def page(browser: Browser) -> Page:
    return browser.new_page(viewport={"width": 1280, "height": 900})


def _log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit] >> nth=-1")
    pass_second_factor(page, email)


def test_no_page_of_the_walk_reports_a_csp_violation(served, page: Page) -> None:  # type: ignore[no-untyped-def]
    world, base = served
    assert isinstance(world, World)
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: violations.append(f"{page.url}: {error}"))
    public = ["/", "/dashboard", "/repeals", "/proposals", "/announcements", "/open-data"]
    for path in public:
        page.goto(base + path)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(base + "/")
    widths = page.eval_on_selector_all(
        "table.breakdown .bar", "bars => bars.map(b => b.getBoundingClientRect().width)"
    )
    assert widths and max(widths) > 50  # the largest share is drawn wide, from the class
    page.screenshot(path=str(SHOTS / "csp-home-desktop.png"), full_page=False)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / "csp-home-phone.png"), full_page=False)
    page.set_viewport_size({"width": 1280, "height": 900})

    _log_in(page, base, world.users["chair"].email)
    ids = world.ids
    staff = [
        "/office/",
        f"/office/proposals/{ids['submitted_receipt']}",
        f"/panel/sessions/{ids['panel']}",
        f"/chair/proposals/{ids['deliberating']}/decide",
        f"/panel/sessions/{ids['panel']}/minutes",
    ]
    for path in staff:
        page.goto(base + path)
        assert page.url.endswith(path), page.url
    # the print button's handler comes from the static script (window.print replaced to see it)
    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    page.click("button[data-print]")
    assert page.evaluate("window.printed") == 1
    page.screenshot(path=str(SHOTS / "csp-minutes.png"), full_page=False)
    assert violations == []
