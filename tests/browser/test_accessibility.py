"""Accessibility in a real browser (the machine's Chromium): axe-core on every page type in each
state that matters (empty form, form with errors, lists, dashboards, vote, workspaces) with zero
violations; an error summary that takes the focus and links to its fields; page titles that say
where you are, prefixed "오류:" when a form has errors; lang="ko"; a keyboard-only walk from
submission through triage to the chair's decision with a visible focus; and a warning before the
session times out."""

from __future__ import annotations

import os
import tempfile
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy import select
from werkzeug.serving import make_server

from models import Announcement, AnnouncementState, Proposal, Role, State, User, db, utcnow
from tests import factories
from tests.browser.twofactor import enrol_staff, pass_second_factor, unused_code
from tests.functional.helpers import _HASH, PASSWORD
from workflows import deliberation, review, voting
from workflows.dispatch import commit

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SHOTS = Path(os.environ.get("SCREENSHOT_DIR") or Path(tempfile.gettempdir()) / "regrepeal-shots")
PHONE = {"width": 390, "height": 844}
AXE = Axe()


def _person(role: Role, email: str, name: str):  # type: ignore[no-untyped-def]
    return factories.user(role, email=email, name=name, password_hash=_HASH)


@pytest.fixture
def office(app):  # type: ignore[no-untyped-def]
    """Proposals in every stage, a panel session, an open vote and a draft announcement, all made
    through the workflow operations; the app served on a free port."""
    with app.app_context():
        staff = factories.Office.__new__(factories.Office)
        staff.reviewer = _person(Role.REVIEWER, "reviewer@office.example", "이검토")
        staff.chair = _person(Role.CHAIR, "chair@office.example", "최위원장")
        staff.panel = [
            _person(Role.PANEL_MEMBER, f"panel{n}@office.example", name)
            for n, name in ((1, "강심사"), (2, "윤심사"), (3, "장심사"))
        ]
        _person(Role.ADMIN, "admin@office.example", "관리자")
        factories.user(
            Role.OFFICIAL,
            email="official@city.example",
            name="박공무",
            password_hash=_HASH,
        )
        citizen = _person(Role.CITIZEN, "hong@citizen.example", "홍길동")
        announced = [factories.proposal_in(State.ANNOUNCED, office=staff) for _ in range(2)]
        in_review = factories.proposal_in(State.IN_REVIEW, proposer=citizen, office=staff)
        factories.proposal_in(State.INFO_REQUESTED, proposer=citizen, office=staff)
        draft = factories.proposal_in(State.DRAFT, proposer=citizen, office=staff)
        factories.proposal_in(State.SUBMITTED, office=staff)
        deliberating = factories.proposal_in(State.IN_DELIBERATION, office=staff)
        panel = factories.panel_session(staff, staff.panel, [deliberating])
        for member in staff.panel[:2]:
            deliberation.record_opinion(
                db.session,
                member,
                panel.agenda[0],
                vote="repeal",
                score=4,
                comment="철폐가 맞습니다.",
            )
        decided = factories.proposal_in(State.DECIDED, office=staff)
        notice = factories.draft_announcement(staff, [decided], title="다음 발표")
        vote_round = voting.open_round(
            db.session,
            db.session.scalar(select(User).where(User.role == Role.ADMIN)),
            title="시민이 공감한 규제철폐",
            max_picks=1,
            opens_at=utcnow() - timedelta(hours=1),
            closes_at=utcnow() + timedelta(hours=2),
            candidates=announced,
        )
        commit(db.session)
        ids = {
            "receipt": in_review.receipt_no,
            "draft": draft.id,
            "in_review": in_review.id,
            "deliberating": deliberating.id,
            "panel": panel.id,
            "item": panel.agenda[0].id,
            "announcement": notice.id,
            "round": vote_round.id,
            "published": db.session.scalar(
                select(Announcement.id).where(Announcement.state == AnnouncementState.PUBLISHED)
            ),
        }
    enrol_staff(app)
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{http.server_port}", ids
    http.shutdown()


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    if not Path(CHROMIUM).exists():
        pytest.fail("browser tests need Debian's Chromium: apt-get install chromium fonts-nanum")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"a11y-{name}.png"), full_page=True)


def _login(browser: Browser, base: str, email: str | None, *, phone: bool = False) -> Page:
    context = browser.new_context(locale="ko-KR", viewport=PHONE if phone else None)
    page = context.new_page()
    if email:
        page.goto(f"{base}/login")
        page.fill("#email", email)
        page.fill("#password", PASSWORD)
        page.get_by_role("button", name="로그인").click()
        pass_second_factor(page, email)
    return page


def _violations(page: Page, label: str) -> list[str]:
    """axe-core's violations on the page as it stands, one line per rule and element."""
    assert page.locator("html").get_attribute("lang") == "ko", label
    assert page.title().endswith("| 규제철폐 제안센터"), (label, page.title())
    found = AXE.run(page).response["violations"]
    return [
        f"{label} {page.url}: {v['id']} ({v['impact']}) {node['target']} {v['help']}"
        for v in found
        for node in v["nodes"]
    ]


def _submit_empty(page: Page, button: str) -> None:
    page.get_by_role("button", name=button, exact=True).first.click()
    page.wait_for_load_state()
    assert page.title().startswith("오류:"), page.title()


def test_every_page_type_has_no_axe_violations(office, browser):
    _app, base, ids = office
    found: list[str] = []

    def visit(page: Page, path: str, label: str) -> None:
        response = page.goto(base + path)
        assert response is not None and response.status == 200, (path, response and response.status)
        found.extend(_violations(page, label))

    anonymous = _login(browser, base, None)
    for path in (
        "/",
        "/dashboard",
        "/repeals",
        "/repeals/1",
        "/announcements",
        f"/announcements/{ids['published']}",
        "/proposals",
        f"/proposals/{ids['receipt']}",
        "/votes/",
        f"/votes/{ids['round']}",
        "/open-data",
        "/register",
        "/password/reset",
        "/login",
    ):
        visit(anonymous, path, "anonymous")
    _submit_empty(anonymous, "로그인")
    found.extend(_violations(anonymous, "login with errors"))
    visit(anonymous, "/register", "register")
    _submit_empty(anonymous, "가입하기")
    found.extend(_violations(anonymous, "register with errors"))
    visit(anonymous, "/dashboard?date_from=x", "dashboard with a bad filter")
    anonymous.goto(base + "/no-such-page")
    found.extend(_violations(anonymous, "404"))
    _shot(anonymous, "404")

    citizen = _login(browser, base, "hong@citizen.example")
    for path in (
        "/my/proposals",
        f"/my/proposals/{ids['in_review']}",
        f"/my/proposals/{ids['in_review']}/receipt",
        f"/my/proposals/{ids['draft']}/edit",
        "/password",
    ):
        visit(citizen, path, "citizen")
    visit(citizen, "/my/proposals/new", "proposal form")
    _submit_empty(citizen, "제출하기")
    found.extend(_violations(citizen, "proposal form with errors"))
    _shot(citizen, "proposal-form-errors")
    visit(citizen, f"/votes/{ids['round']}/verify", "identity check")
    _submit_empty(citizen, "확인")
    found.extend(_violations(citizen, "identity check with errors"))
    citizen.fill("#name", "홍길동")
    citizen.fill("#birth_date", "1985-04-12")
    citizen.fill("#mobile", "010-5555-1234")
    citizen.get_by_role("button", name="확인").click()
    citizen.wait_for_load_state()
    assert citizen.locator("input[name=picks]").count() == 2
    found.extend(_violations(citizen, "ballot"))
    _shot(citizen, "ballot")

    reviewer = _login(browser, base, "reviewer@office.example")
    for path in (
        "/office/",
        "/office/?state=in_review&sort=oldest",
        f"/office/proposals/{ids['receipt']}",
        "/assisted/new",
        "/panel/",
        f"/panel/sessions/{ids['panel']}",
        f"/panel/sessions/{ids['panel']}/minutes",
        "/panel/sessions/new",
        "/chair/implementation",
    ):
        visit(reviewer, path, "reviewer")
    _shot(reviewer, "office-queue")
    reviewer.goto(f"{base}/office/proposals/{ids['receipt']}")
    reviewer.locator("#action-request_information summary").click()
    reviewer.locator("#action-request_information button[type=submit]").click()
    reviewer.wait_for_load_state()
    assert reviewer.title().startswith("오류:"), reviewer.title()
    assert reviewer.evaluate("() => document.activeElement.id") == "error-summary"
    found.extend(_violations(reviewer, "workspace action with errors"))
    _shot(reviewer, "workspace-errors")

    for path, button in (
        ("/assisted/new", "접수하기"),
        ("/panel/sessions/new", "회의 만들기"),
    ):
        visit(reviewer, path, "reviewer form")
        _submit_empty(reviewer, button)
        found.extend(_violations(reviewer, "reviewer form with errors"))
    visit(reviewer, "/assisted/", "reviewer")

    official = _login(browser, base, "official@city.example")
    for path in ("/agency/imports", "/office/", "/chair/implementation"):
        visit(official, path, "official")
    visit(official, "/agency/imports/new", "import form")
    _submit_empty(official, "올리기")
    found.extend(_violations(official, "import form with errors"))

    member = _login(browser, base, "panel3@office.example")
    visit(member, f"/panel/sessions/{ids['panel']}/items/{ids['item']}", "panel item")
    _submit_empty(member, "의견 기록")
    found.extend(_violations(member, "panel item with errors"))

    chair = _login(browser, base, "chair@office.example")
    for path in (
        "/chair/",
        f"/chair/proposals/{ids['deliberating']}/decide",
        "/chair/announcements/new",
        f"/chair/announcements/{ids['announcement']}",
    ):
        visit(chair, path, "chair")
    chair.goto(f"{base}/chair/proposals/{ids['deliberating']}/decide")
    _submit_empty(chair, "결정 기록")
    found.extend(_violations(chair, "decision with errors"))
    chair.goto(f"{base}/chair/announcements/new")
    _submit_empty(chair, "발표문 저장")
    found.extend(_violations(chair, "announcement with errors"))

    admin = _login(browser, base, "admin@office.example")
    for path in (
        "/admin/",
        "/admin/users",
        "/admin/users/new",
        "/admin/organisations",
        "/admin/campaigns",
        "/admin/reference/sector",
        "/admin/audit",
        "/admin/jobs",
        "/admin/votes",
        "/admin/votes/new",
    ):
        visit(admin, path, "admin")
    visit(admin, "/admin/users/new", "admin form")
    _submit_empty(admin, "저장")
    found.extend(_violations(admin, "admin form with errors"))

    phone = _login(browser, base, "reviewer@office.example", phone=True)
    visit(phone, f"/office/proposals/{ids['receipt']}", "workspace on a phone")
    _shot(phone, "workspace-phone")
    assert not found, "\n".join(found)


# --- keyboard only ------------------------------------------------------------------------------

_FOCUS_SHOWN = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
  return outline || style.boxShadow !== 'none';
}"""


def _tab_to(page: Page, selector: str, *, limit: int = 120) -> None:
    """Press Tab until ``selector`` has the focus; every stop on the way shows where it is."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            assert page.evaluate(_FOCUS_SHOWN), f"no visible focus on {selector}"
            return
        tag = page.evaluate("() => document.activeElement.tagName")
        if tag not in ("BODY", "HTML", "MAIN", "DIV", "DIALOG"):
            assert page.evaluate(_FOCUS_SHOWN), page.evaluate(
                "() => document.activeElement.outerHTML.slice(0, 120)"
            )
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def _type_into(page: Page, selector: str, text: str) -> None:
    _tab_to(page, selector)
    page.keyboard.type(text)


def _choose(page: Page, selector: str, value: str) -> None:
    """A closed select changes with the arrow keys."""
    _tab_to(page, selector)
    for _ in range(30):
        if page.evaluate("s => document.querySelector(s).value", selector) == value:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{value} is not among the choices of {selector}")


def _follow(page: Page) -> None:
    """Enter on a link or a submit button, and the page it leads to."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _keyboard_login(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    _type_into(page, "#email", email)
    _type_into(page, "#password", PASSWORD)
    _follow(page)
    if page.url.endswith("/login/second-factor"):
        _type_into(page, "#code", unused_code(email))
        _follow(page)
    assert "로그아웃" in page.locator(".account").inner_text()


def test_keyboard_only_submit_triage_and_decide(app, browser):
    with app.app_context():
        staff = factories.Office.__new__(factories.Office)
        staff.reviewer = _person(Role.REVIEWER, "reviewer@office.example", "이검토")
        staff.chair = _person(Role.CHAIR, "chair@office.example", "최위원장")
        staff.panel = [factories.user(Role.PANEL_MEMBER) for _ in range(2)]
        _person(Role.CITIZEN, "hong@citizen.example", "홍길동")
        commit(db.session)
        people = [staff.reviewer.id, staff.chair.id, *(m.id for m in staff.panel)]
    enrol_staff(app)
    http = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{http.server_port}"
    try:
        # The citizen reaches the form from the menu and sends it empty first.
        citizen = browser.new_context(locale="ko-KR").new_page()
        _keyboard_login(citizen, base, "hong@citizen.example")
        _tab_to(citizen, "nav a[href='/my/proposals/new']")
        _follow(citizen)
        _tab_to(citizen, "button[value=submit]")
        _follow(citizen)
        assert citizen.title().startswith("오류: 규제 개선 제안하기")
        assert citizen.evaluate("() => document.activeElement.id") == "error-summary"
        _shot(citizen, "keyboard-error-summary")
        # The summary's first link takes the focus to the field it names.
        citizen.keyboard.press("Tab")
        first = citizen.evaluate("() => document.activeElement.getAttribute('href')")
        assert first and first.startswith("#")
        citizen.keyboard.press("Enter")
        assert citizen.evaluate("() => '#' + document.activeElement.id") == first
        for selector, text in (
            ("#title", "옥외광고물 표시 기간 제한 완화"),
            ("#current_regulation", "현수막은 15일까지만 걸 수 있습니다."),
            ("#problem", "행사 준비 기간이 더 길어 두 번 신고해야 합니다."),
            ("#proposed_change", "행사 기간에 맞추어 30일까지 허용합니다."),
            ("#expected_effect", "신고 절차가 절반으로 줄어듭니다."),
            ("#contact_name", "홍길동"),
        ):
            citizen.focus("body")
            _type_into(citizen, selector, text)
        _tab_to(citizen, "#consent")
        citizen.keyboard.press("Space")
        _tab_to(citizen, "button[value=submit]")
        _follow(citizen)
        assert "접수" in citizen.title(), citizen.title()
        with app.app_context():
            proposal = db.session.scalar(
                select(Proposal).where(Proposal.title == "옥외광고물 표시 기간 제한 완화")
            )
            assert proposal is not None and proposal.state is State.SUBMITTED
            receipt, proposal_id = proposal.receipt_no, proposal.id

        # The reviewer starts the review from the workspace.
        reviewer = browser.new_context(locale="ko-KR").new_page()
        _keyboard_login(reviewer, base, "reviewer@office.example")
        reviewer.goto(f"{base}/office/proposals/{receipt}")
        _tab_to(reviewer, "#action-start_review summary")
        reviewer.keyboard.press("Enter")
        _tab_to(reviewer, "#action-start_review button[type=submit]")
        _follow(reviewer)
        _shot(reviewer, "keyboard-triage")
        with app.app_context():
            proposal = db.session.get(Proposal, proposal_id)
            assert proposal is not None and proposal.state is State.IN_REVIEW
            staff.reviewer, staff.chair, *staff.panel = (db.session.get(User, i) for i in people)
            # Review and the panel's opinions happen in between (their pages are walked above).
            review.record_review(db.session, staff.reviewer, proposal, opinion="철폐를 권고합니다.")
            review.send_to_deliberation(db.session, staff.reviewer, proposal)
            panel = factories.panel_session(staff, staff.panel, [proposal])
            for member in staff.panel:
                deliberation.record_opinion(
                    db.session, member, panel.agenda[0], vote="repeal", score=5
                )
            commit(db.session)

        # The chair decides.
        chair = browser.new_context(locale="ko-KR").new_page()
        _keyboard_login(chair, base, "chair@office.example")
        chair.goto(f"{base}/chair/proposals/{proposal_id}/decide")
        _choose(chair, "#outcome", "repeal")
        _type_into(chair, "#reasons", "행사 현수막의 기간 제한은 불합리합니다.")
        _type_into(chair, "#responsible_official", "박광고")
        _tab_to(chair, "form.form button[type=submit]")
        _shot(chair, "keyboard-decide")
        _follow(chair)
        assert "발표 전까지는 공개되지 않습니다" in chair.locator(".flashes").inner_text()
        with app.app_context():
            proposal = db.session.get(Proposal, proposal_id)
            assert proposal is not None and proposal.state is State.DECIDED
    finally:
        http.shutdown()


# --- session timeout ----------------------------------------------------------------------------


def test_a_warning_comes_before_the_session_times_out(office, browser):
    _app, base, ids = office
    context = browser.new_context(locale="ko-KR")
    page = context.new_page()
    page.clock.install()
    page.goto(f"{base}/login")
    assert page.locator("#session-warning").count() == 0  # nobody signed in: nothing to warn
    page.fill("#email", "reviewer@office.example")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="로그인").click()
    pass_second_factor(page, "reviewer@office.example")
    page.goto(f"{base}/office/proposals/{ids['receipt']}")
    dialog = page.locator("#session-warning")
    assert not dialog.is_visible()
    page.clock.fast_forward("27:30")  # 30 minutes by default, the warning 2 minutes before
    assert not dialog.is_visible()
    page.clock.fast_forward("00:45")
    assert dialog.is_visible()
    assert "로그인이 곧 만료됩니다" in dialog.inner_text()
    assert page.evaluate("() => document.activeElement.id") == "session-continue"
    found = _violations(page, "session warning")
    _shot(page, "session-warning")
    with page.expect_response(lambda r: r.url.endswith("/session/keepalive")) as kept:
        page.keyboard.press("Enter")
    assert kept.value.status == 204
    page.wait_for_function("() => !document.getElementById('session-warning').open")
    # Nothing done for the whole lifetime: the dialog says so and offers to sign in again.
    page.clock.fast_forward("30:05")
    assert dialog.is_visible()
    assert "로그인이 만료되었습니다" in dialog.inner_text()
    assert page.evaluate("() => document.activeElement.getAttribute('href')") == "/login"
    found += _violations(page, "session expired")
    assert not found, "\n".join(found)
    context.close()
