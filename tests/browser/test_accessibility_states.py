"""Accessibility of the page types and states the first walk (test_accessibility.py) does not
reach: axe-core with zero violations, page titles that say where you are ("오류:" first when a
form has errors) and the right ``lang`` on <html>, also in English.

One server and one browser for the whole module; each person's browser context is opened once
and reused by every test that needs it. ``COVERAGE`` lists what is walked, so a reviewer sees it
at a glance; every check names one of its entries.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, abort
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from playwright.sync_api import Browser, BrowserContext, Page
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from werkzeug.serving import make_server

from models import BulkImport, Campaign, Export, Role, Sector, State, User, VoteRound, db, utcnow
from tests import factories
from tests.browser.test_accessibility import AXE, _shot
from tests.browser.twofactor import enrol_staff, pass_second_factor
from tests.conftest import PG_URL, _truncate_postgres
from tests.functional.helpers import _HASH, PASSWORD
from webapp import create_app
from webapp.admin.manage import REFERENCE_TITLES
from workflows import accounts, logins, voting
from workflows.admin import REFERENCE_MODELS
from workflows.dispatch import commit

# Every page type and state this module walks (label → what it is). Each visit names its label.
COVERAGE = {
    "report": "/report/<code>: a campaign's public report",
    "vote results": "/votes/<id>/results of a closed vote",
    "export pending": "/exports/<token> while the file is being built",
    "export done": "/exports/<token> when the file is ready",
    "export failed": "/exports/<token> when building failed",
    "reset link": "/password/reset/<token>, a valid link",
    "reset link with errors": "the same, sent with two different passwords",
    "reset link expired": "/password/reset/<token> after the link expired (error page)",
    "reset link used": "/password/reset/<token> already used (error page)",
    "import done": "/agency/imports/<token>: the report of every row",
    "import running": "/agency/imports/<token> while rows are imported",
    "import failed": "/agency/imports/<token> when the file could not be read",
    "admin edit": "admin edit pages: user, organisation, campaign, each reference kind",
    "admin edit with errors": "the same pages sent with required fields emptied",
    "admin new": "admin new pages: organisation, campaign, each reference kind",
    "search with facets": "/search with a query and a filter",
    "search rebuilding": "/search answered from the database while the index is rebuilt",
    "search with errors": "/search with an unknown filter value",
    "office search with facets": "/office/search with a query and a facet chosen",
    "office search rebuilding": "/office/search while the index is rebuilt",
    "panel agenda with errors": "/panel/sessions/<id>, the agenda form sent with nothing chosen",
    "announcement draft with errors": "/chair/announcements/<id>, nothing chosen to add",
    "announcement picker after next": "/chair/announcements/new: ticked, then the next page",
    "announcement picker cleared": "the same after '선택 해제'",
    "vote picker after next": "/admin/votes/new: ticked, then the next page",
    "implementation": "/chair/implementation/<number>",
    "implementation with errors": "the same with a note over 500 characters",
    "sessions": "/account/sessions: a citizen signed in on this browser and one other",
    "sessions with errors": "the same, ending the other sessions without the password",
    "403": "a citizen opening the office queue",
    "404": "a page that does not exist",
    "429": "too many requests",
    "503": "the database unavailable",
    "english": "pages with ?lang=en: lang='en' on <html> and an English title",
    "english with errors": "English forms sent empty: 'Error:' first in the title",
}
SITE = {"ko": "| 규제철폐 제안센터", "en": "| Regulation Repeal Proposals"}
ERROR_PREFIX = {"ko": "오류:", "en": "Error:"}


def _person(role: Role, email: str, name: str) -> User:
    return factories.user(role, email=email, name=name, password_hash=_HASH)


class _ExpiredSigner(TimestampSigner):
    """Signs as if a day had passed since: the link has expired when it is opened."""

    def get_timestamp(self) -> int:
        return super().get_timestamp() - accounts.RESET_MAX_AGE - 86_400


def _build_world(app: Flask) -> dict[str, Any]:
    """A campaign with proposals in every stage, a panel session with one proposal waiting for
    the agenda, a draft announcement with a decision left to add, a closed vote with a ballot,
    exports and bulk imports in each state, and reset links."""
    with app.app_context():
        today = date.today()
        campaign = Campaign(
            code="rr-100",
            name="규제철폐 100일 집중 접수",
            starts_on=today - timedelta(days=30),
            ends_on=today + timedelta(days=70),
        )
        db.session.add(campaign)
        db.session.flush()
        staff = factories.Office.__new__(factories.Office)
        staff.reviewer = _person(Role.REVIEWER, "reviewer@office.example", "이검토")
        staff.chair = _person(Role.CHAIR, "chair@office.example", "최위원장")
        staff.panel = [
            _person(Role.PANEL_MEMBER, f"panel{n}@office.example", name)
            for n, name in ((1, "강심사"), (2, "윤심사"))
        ]
        admin = _person(Role.ADMIN, "admin@office.example", "관리자")
        official = _person(Role.OFFICIAL, "official@city.example", "박공무")
        citizen = _person(Role.CITIZEN, "hong@citizen.example", "홍길동")
        announced = [factories.proposal_in(State.ANNOUNCED, office=staff) for _ in range(2)]
        factories.proposal_in(State.IN_REVIEW, proposer=citizen, office=staff)
        factories.submitted(
            title="마을버스 최대이용가능 시간 완화",
            current_regulation="마을버스 환승 이용 시간은 1시간으로 제한됩니다.",
            proposed_change="마을버스 이용 시간을 2시간으로 늘려 주십시오.",
            sector_code="transport_env_safety",
        )
        on_agenda = factories.proposal_in(State.IN_DELIBERATION, office=staff)
        factories.proposal_in(State.IN_DELIBERATION, office=staff)  # waits for the agenda
        panel = factories.panel_session(staff, staff.panel, [on_agenda])
        decided = factories.proposal_in(State.DECIDED, office=staff)
        factories.proposal_in(State.DECIDED, office=staff)  # may still be added
        factories.proposal_in(State.DECIDED, office=staff)  # a second page for the picker
        notice = factories.draft_announcement(staff, [decided], title="다음 발표")
        vote_round = voting.open_round(
            db.session,
            admin,
            title="시민이 공감한 규제철폐",
            max_picks=1,
            opens_at=utcnow() - timedelta(hours=2),
            closes_at=utcnow() + timedelta(hours=2),
            candidates=announced,
        )
        voting.cast_ballot(
            db.session, citizen, vote_round, key="voter-1", candidate_ids=[announced[0].id]
        )
        db.session.flush()
        db.session.execute(
            update(VoteRound)
            .where(VoteRound.id == vote_round.id)
            .values(closes_at=utcnow() - timedelta(minutes=5))
        )
        exports = {
            "pending": Export(
                token="a11y-export-pending",
                dataset="proposals",
                format="csv",
                state="running",
                rows_total=400,
                rows_done=120,
            ),
            "done": Export(
                token="a11y-export-done",
                dataset="repeals",
                format="xlsx",
                state="done",
                rows_total=2,
                rows_done=2,
                file_name="a11y.xlsx",
                finished_at=utcnow(),
            ),
            "failed": Export(
                token="a11y-export-failed", dataset="proposals", format="csv", state="failed"
            ),
        }
        db.session.add_all(exports.values())
        imports = {
            "done": BulkImport(
                token="a11y-import-done",
                uploaded_by_id=official.id,
                original_name="시청 접수 2월.csv",
                stored_name="a.csv",
                format="csv",
                state="done",
                rows_total=3,
                rows_done=3,
                accepted=1,
                already=1,
                refused=1,
                report=[
                    {"row": 2, "external_id": "C-1", "status": "accepted", "receipt_no": "X-1"},
                    {"row": 3, "external_id": "C-2", "status": "already", "receipt_no": "X-2"},
                    {"row": 4, "external_id": "C-3", "status": "refused", "reason": "제목 없음"},
                ],
                finished_at=utcnow(),
            ),
            "running": BulkImport(
                token="a11y-import-running",
                uploaded_by_id=official.id,
                original_name="시청 접수 3월.xlsx",
                stored_name="b.xlsx",
                format="xlsx",
                state="running",
                rows_total=50,
                rows_done=20,
            ),
            "failed": BulkImport(
                token="a11y-import-failed",
                uploaded_by_id=official.id,
                original_name="깨진 파일.csv",
                stored_name="c.csv",
                format="csv",
                state="failed",
                error="첫 줄에 열 이름이 없습니다.",
            ),
        }
        db.session.add_all(imports.values())
        secret = str(app.config["SECRET_KEY"])
        expired = URLSafeTimedSerializer(secret, salt="password-reset", signer=_ExpiredSigner)
        other = _person(Role.CITIZEN, "kim@citizen.example", "김시민")
        used = _person(Role.CITIZEN, "lee@citizen.example", "이시민")
        used_token = accounts.reset_token(secret, used)
        used.password_hash = _HASH[:-1] + ("x" if _HASH[-1] != "x" else "y")
        commit(db.session)
        return {
            "campaign": campaign.code,
            "campaign_id": campaign.id,
            "round": vote_round.id,
            "panel": panel.id,
            "announcement": notice.id,
            "repeal": announced[0].repeal_no,
            "exports": {k: e.token for k, e in exports.items()},
            "imports": {k: i.token for k, i in imports.items()},
            "reset": accounts.reset_token(secret, citizen),
            "reset_expired": expired.dumps({"u": other.id, "h": (other.password_hash or "")[-16:]}),
            "reset_used": used_token,
            "user": official.id,
            "organisation": official.organisation_id or staff.reviewer.organisation_id,
            "sector": db.session.scalar(select(Sector.code).order_by(Sector.position)),
        }


def _failing_routes(app: Flask) -> None:
    """Routes that only this test app has: the 429 and 503 pages as the handlers render them
    (the limiter is off in tests; the database cannot be stopped under the other tests)."""

    def too_many():  # type: ignore[no-untyped-def]
        abort(429)

    def database_down():  # type: ignore[no-untyped-def]
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    app.add_url_rule("/_a11y/429", "a11y_429", too_many)
    app.add_url_rule("/_a11y/503", "a11y_503", database_down)


@pytest.fixture(scope="module")
def site(database_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The app on its own copy of the migrated database, served once for the module."""
    tmp = tmp_path_factory.mktemp("a11y-states")
    if PG_URL:
        url = PG_URL
    else:
        shutil.copyfile(database_template, tmp / "test.sqlite3")
        url = f"sqlite:///{tmp / 'test.sqlite3'}"
    app = create_app(
        {
            "APP_ENV": "testing",
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": url,
            "MAIL_FILE": str(tmp / "mail" / "outbox.mbox"),
            "SEARCH_INDEX_DIR": str(tmp / "index"),
            "EXPORT_DIR": str(tmp / "exports"),
            "IMPORT_DIR": str(tmp / "imports"),
            "ATTACHMENT_DIR": str(tmp / "attachments"),
        }
    )
    (tmp / "exports").mkdir()
    (tmp / "exports" / "a11y.xlsx").write_bytes(b"")
    _failing_routes(app)
    ids = _build_world(app)
    enrol_staff(app)
    http = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    yield app, f"http://127.0.0.1:{http.server_port}", ids
    http.shutdown()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if PG_URL:
        _truncate_postgres(PG_URL)


@pytest.fixture(scope="module")
def browser(_chromium: Browser) -> Iterator[Browser]:
    """The run's Chromium (tests/browser/conftest.py), kept for the module: ``people`` opens one
    context per person once and closes them at the end."""
    yield _chromium


@pytest.fixture(scope="module")
def people(site: Any, browser: Browser) -> Iterator[dict[str, Page]]:
    """One signed-in page per person (and one anonymous), opened when first asked for."""
    _app, base, _ids = site
    contexts: list[BrowserContext] = []

    class Pages(dict):  # type: ignore[type-arg]
        def __missing__(self, who: str) -> Page:
            lang = "en" if who.endswith(":en") else "ko"
            email = who.removesuffix(":en")
            context = browser.new_context(locale="en-US" if lang == "en" else "ko-KR")
            contexts.append(context)
            page = context.new_page()
            if lang == "en":
                page.goto(f"{base}/?lang=en")
            if email != "anonymous":
                page.goto(f"{base}/login")
                page.fill("#email", email)
                page.fill("#password", PASSWORD)
                page.locator("form button[type=submit]").last.click()
                pass_second_factor(page, email)
            self[who] = page
            return page

    pages = Pages()
    yield pages
    for context in contexts:
        context.close()


def _check(
    page: Page, label: str, *, lang: str = "ko", title: str = "", errors: bool = False
) -> list[str]:
    """The page's lang and title, then axe-core's violations, one line per rule and element."""
    assert label in COVERAGE, label
    problems = []
    if page.locator("html").get_attribute("lang") != lang:
        problems.append(f"{label} {page.url}: lang is not {lang}")
    text = page.title()
    if not text.endswith(SITE[lang]) or title not in text:
        problems.append(f"{label} {page.url}: title {text!r} does not say {title!r}")
    if errors != text.startswith(ERROR_PREFIX[lang]):
        problems.append(f"{label} {page.url}: title {text!r}, errors expected: {errors}")
    found = AXE.run(page).response["violations"]
    return problems + [
        f"{label} {page.url}: {v['id']} ({v['impact']}) {node['target']} {v['help']}"
        for v in found
        for node in v["nodes"]
    ]


def _open(page: Page, url: str, status: int = 200) -> None:
    response = page.goto(url)
    assert response is not None and response.status == status, (url, response and response.status)


def _send(page: Page, button: str) -> None:
    page.locator("form", has=page.locator(f"button:text-is('{button}')")).first.locator(
        f"button:text-is('{button}')"
    ).click()
    page.wait_for_load_state()


def test_public_pages_and_their_states(site, people):  # type: ignore[no-untyped-def]
    app, base, ids = site
    page = people["anonymous"]
    found: list[str] = []

    _open(page, f"{base}/report/{ids['campaign']}")
    found += _check(page, "report", title="규제철폐 100일 집중 접수 성과 보고")
    _shot(page, "report")
    _open(page, f"{base}/votes/{ids['round']}/results")
    found += _check(page, "vote results", title="투표 결과")
    _shot(page, "vote-results")
    for state in ("pending", "done", "failed"):
        _open(page, f"{base}/exports/{ids['exports'][state]}")
        found += _check(page, f"export {state}", title="파일 만들기")
    _shot(page, "export-failed")
    # The progress region follows the job by itself (site.js polls it; no meta refresh).
    _open(page, f"{base}/exports/{ids['exports']['pending']}")
    with app.app_context():
        db.session.execute(
            update(Export)
            .where(Export.token == ids["exports"]["pending"])
            .values(state="done", rows_done=400, file_name="a11y.xlsx", finished_at=utcnow())
        )
        db.session.commit()
    page.wait_for_selector('#export-state[data-state="done"]', timeout=20_000)
    assert page.locator("#progress[data-poll]").count() == 0

    _open(page, f"{base}/password/reset/{ids['reset']}")
    found += _check(page, "reset link", title="새 비밀번호 정하기")
    page.fill("#password", "새비밀번호-2026-봄")
    page.fill("#confirm", "다른비밀번호-2026")
    page.locator("form.form button[type=submit]").first.click()
    page.wait_for_load_state()
    found += _check(page, "reset link with errors", title="새 비밀번호 정하기", errors=True)
    assert page.locator("#error-summary").count() == 1
    _open(page, f"{base}/password/reset/{ids['reset_expired']}", 400)
    assert "유효 시간이 지났습니다" in page.locator("main").inner_text()
    found += _check(page, "reset link expired", title="오류 400")
    _open(page, f"{base}/password/reset/{ids['reset_used']}", 400)
    found += _check(page, "reset link used", title="오류 400")

    _open(page, f"{base}/search?q=완화&sector=transport_env_safety")
    assert page.locator(".search-results").count() == 1
    found += _check(page, "search with facets", title="제안 검색")
    _open(page, f"{base}/search?q=완화&stage=nonsense", 400)
    found += _check(page, "search with errors", title="제안 검색", errors=True)

    _open(page, f"{base}/no-such-page", 404)
    found += _check(page, "404", title="오류 404")
    _open(page, f"{base}/_a11y/429", 429)
    found += _check(page, "429", title="오류 429")
    _open(page, f"{base}/_a11y/503", 503)
    found += _check(page, "503", title="오류 503")
    _shot(page, "503")
    assert not found, "\n".join(found)


def test_staff_pages_and_their_error_states(site, people):  # type: ignore[no-untyped-def]
    _app, base, ids = site
    found: list[str] = []

    official = people["official@city.example"]
    for state in ("done", "running", "failed"):
        _open(official, f"{base}/agency/imports/{ids['imports'][state]}")
        found += _check(official, f"import {state}", title="일괄 접수")
    _open(official, f"{base}/agency/imports/{ids['imports']['done']}")
    _shot(official, "import-report")

    citizen = people["hong@citizen.example"]
    _open(citizen, f"{base}/office/", 403)
    found += _check(citizen, "403", title="오류 403")
    with _app.app_context():  # the same account signed in elsewhere too
        hong = db.session.scalar(select(User).where(User.email == "hong@citizen.example"))
        logins.start(db.session, hong, address="198.51.100.23", user_agent="curl/8.5.0")
        commit(db.session)
    _open(citizen, f"{base}/account/sessions")
    found += _check(citizen, "sessions", title="로그인한 기기")
    _send(citizen, "다른 기기 모두 로그아웃")
    found += _check(citizen, "sessions with errors", title="로그인한 기기", errors=True)

    reviewer = people["reviewer@office.example"]
    _open(reviewer, f"{base}/office/search?q=완화")
    reviewer.locator("#facet-sector a", has_text="교통").click()
    reviewer.wait_for_load_state()
    assert reviewer.locator(".search-results li").count() == 1
    found += _check(reviewer, "office search with facets", title="업무용 제안 검색")
    _open(reviewer, f"{base}/panel/sessions/{ids['panel']}")
    _send(reviewer, "안건에 올리기")
    found += _check(reviewer, "panel agenda with errors", title="심사위원회", errors=True)

    chair = people["chair@office.example"]
    _open(chair, f"{base}/chair/announcements/{ids['announcement']}")
    _send(chair, "발표문에 넣기")
    found += _check(chair, "announcement draft with errors", title="다음 발표", errors=True)
    _open(chair, f"{base}/chair/implementation/{ids['repeal']}")
    found += _check(chair, "implementation", title=f"규제철폐 {ids['repeal']}호 이행")
    # The browser stops typing at maxlength; the server's own check is what gives the error state.
    chair.evaluate("() => document.getElementById('note').removeAttribute('maxlength')")
    chair.fill("#note", "가" * 501)
    _send(chair, "저장")
    found += _check(
        chair, "implementation with errors", title=f"규제철폐 {ids['repeal']}호", errors=True
    )

    admin = people["admin@office.example"]
    kinds = ("sector", "regulation_type", "channel", "decline_reason")
    with _app.test_request_context():  # the titles are translated lazily
        first = {
            kind: db.session.scalar(
                select(REFERENCE_MODELS[kind].code).order_by(REFERENCE_MODELS[kind].position)
            )
            for kind in kinds
        }
        reference_titles = {kind: str(REFERENCE_TITLES[kind]) for kind in kinds}
    edits = [
        (f"/admin/users/{ids['user']}", "official@city.example"),
        (f"/admin/organisations/{ids['organisation']}", ""),
        (f"/admin/campaigns/{ids['campaign_id']}", "규제철폐 100일 집중 접수"),
        *((f"/admin/reference/{k}/{first[k]}", reference_titles[k]) for k in kinds),
    ]
    for path, title in edits:
        _open(admin, base + path)
        found += _check(admin, "admin edit", title=title)
        for box in admin.locator("form.form input[type=text]").all():
            box.fill("")
        _send(admin, "저장")
        found += _check(admin, "admin edit with errors", title=title, errors=True)
    _shot(admin, "admin-edit-errors")
    for path in ("/admin/organisations/new", "/admin/campaigns/new"):
        _open(admin, base + path)
        found += _check(admin, "admin new")
    for kind in kinds:
        _open(admin, f"{base}/admin/reference/{kind}/new")
        found += _check(admin, "admin new", title=reference_titles[kind])
    assert not found, "\n".join(found)


def test_search_pages_while_the_index_is_rebuilt(site, people):  # type: ignore[no-untyped-def]
    app, base, _ids = site
    found: list[str] = []
    for who, path, label, title in (
        ("anonymous", "/search?q=완화", "search rebuilding", "제안 검색"),
        ("reviewer@office.example", "/office/search?q=완화", "office search rebuilding", "업무용"),
    ):
        shutil.rmtree(Path(app.config["SEARCH_INDEX_DIR"]), ignore_errors=True)
        page = people[who]
        _open(page, base + path)
        assert page.locator("text=검색 색인을 다시 만드는 중입니다").count() == 1, label
        found += _check(page, label, title=title)
    # No facets while rebuilding: the hits take the whole width, not the facets' narrow column.
    hits, main = page.locator(".hits").bounding_box(), page.locator("main").bounding_box()
    assert hits and main and hits["width"] > main["width"] * 0.8, (hits, main)
    _shot(page, "office-search-rebuilding")
    assert not found, "\n".join(found)


def test_english_pages(site, people):  # type: ignore[no-untyped-def]
    _app, base, ids = site
    found: list[str] = []
    anonymous = people["anonymous:en"]
    for path, title in (
        ("/", ""),
        ("/dashboard", "dashboard"),
        ("/repeals", ""),
        (f"/repeals/{ids['repeal']}", ""),
        ("/proposals", ""),
        (f"/votes/{ids['round']}/results", ""),
        (f"/report/{ids['campaign']}", ""),
        ("/open-data", ""),
        ("/search?q=완화&sector=transport_env_safety", ""),
        (f"/exports/{ids['exports']['pending']}", ""),
        ("/login", ""),
        ("/register", ""),
    ):
        _open(anonymous, base + path)
        found += _check(anonymous, "english", lang="en", title=title)
    _open(anonymous, f"{base}/no-such-page", 404)
    found += _check(anonymous, "english", lang="en")
    _open(anonymous, f"{base}/register")
    anonymous.locator("form.form button[type=submit]").last.click()
    anonymous.wait_for_load_state()
    found += _check(anonymous, "english with errors", lang="en", errors=True)
    _shot(anonymous, "english-register-errors")

    citizen = people["hong@citizen.example:en"]
    for path in ("/my/proposals", "/my/proposals/new"):
        _open(citizen, base + path)
        found += _check(citizen, "english", lang="en")
    citizen.locator("button[value=submit]").click()
    citizen.wait_for_load_state()
    found += _check(citizen, "english with errors", lang="en", errors=True)

    reviewer = people["reviewer@office.example:en"]
    for path in ("/office/", "/office/search?q=완화", f"/panel/sessions/{ids['panel']}"):
        _open(reviewer, base + path)
        found += _check(reviewer, "english", lang="en")
    admin = people["admin@office.example:en"]
    _open(admin, f"{base}/admin/campaigns/{ids['campaign_id']}")
    for box in admin.locator("form.form input[type=text]").all():
        box.fill("")
    admin.locator("form.form button[type=submit]").first.click()
    admin.wait_for_load_state()
    found += _check(admin, "english with errors", lang="en", errors=True)
    assert not found, "\n".join(found)


def test_pickers_keep_ticks_across_pages(site, people, monkeypatch):  # type: ignore[no-untyped-def]
    """Last in the module: it saves a vote round and an announcement. One row a page, so the
    first tick is on another page when the second is made."""
    from webapp import admin as admin_views
    from webapp.deliberation import chair as chair_views

    monkeypatch.setattr(admin_views, "CANDIDATES_SHOWN", 1)
    monkeypatch.setattr(chair_views, "CANDIDATES_SHOWN", 1)
    _app, base, _ids = site
    found: list[str] = []

    chair = people["chair@office.example"]
    _open(chair, f"{base}/chair/announcements/new")
    chair.fill("#title", "두 쪽에서 고른 발표")
    chair.fill("#announced_on", date.today().isoformat())
    first = chair.locator(".picker-page input[type=checkbox]").first
    first_id = first.get_attribute("value")
    first.check()
    _send(chair, "다음 1건 보기")
    found += _check(chair, "announcement picker after next", title="발표문 만들기")
    _shot(chair, "announcement-picker-next")
    assert chair.locator(f".picked-elsewhere input[value='{first_id}']").is_checked()
    assert chair.input_value("#title") == "두 쪽에서 고른 발표"
    second = chair.locator(".picker-page input[type=checkbox]").first
    second_id = second.get_attribute("value")
    second.check()
    _send(chair, "선택 해제")
    found += _check(chair, "announcement picker cleared", title="발표문 만들기")
    assert chair.locator("input[name=proposals]:checked").count() == 0
    _send(chair, "찾기")  # back to the first page
    chair.locator(".picker-page input[type=checkbox]").first.check()
    _send(chair, "다음 1건 보기")
    chair.locator(".picker-page input[type=checkbox]").first.check()
    assert chair.locator("input[name=proposals]:checked").count() == 2
    _send(chair, "발표문 저장")
    assert "/chair/announcements/" in chair.url and chair.title().startswith("두 쪽에서")
    items = chair.locator("#items").inner_text()
    with _app.app_context():
        from models import Proposal

        receipts = [db.session.get(Proposal, int(i)).receipt_no for i in (first_id, second_id)]
    assert all(r in items for r in receipts), items

    admin = people["admin@office.example"]
    _open(admin, f"{base}/admin/votes/new")
    admin.fill("#title", "두 쪽에서 고른 투표")
    admin.fill("#opens_at", "2030-03-01T09:00")
    admin.fill("#closes_at", "2030-03-04T18:00")
    admin.fill("#max_picks", "1")
    admin.locator(".picker-page input[type=checkbox]").first.check()
    _send(admin, "다음 1건 보기")
    found += _check(admin, "vote picker after next", title="새 시민투표")
    _shot(admin, "vote-picker-next")
    admin.locator(".picker-page input[type=checkbox]").first.check()
    assert admin.locator("input[name=candidates]:checked").count() == 2
    _send(admin, "투표 열기")
    assert "/votes/" in admin.url and "두 쪽에서 고른 투표" in admin.title()
    with _app.app_context():
        vote_round = db.session.scalar(
            select(VoteRound).where(VoteRound.title == "두 쪽에서 고른 투표")
        )
        assert vote_round is not None and len(vote_round.candidates) == 2
    assert not found, "\n".join(found)
