"""In a real browser (the machine's Chromium), as a new user would: a citizen registers, writes a
proposal with an attachment, double-clicks submit and gets one receipt number, receives the
e-mail, answers an information request and sees the decision; an agency uploads 779 rows twice
and ends with 779 proposals."""

from __future__ import annotations

import csv
import io
import mailbox
import random
import shutil
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from models import Attachment, Proposal, Role, State, User, db
from tests import samples
from tests.browser.support import SHOTS, serving, shot
from tests.conftest import _truncate_postgres
from tests.functional.helpers import PASSWORD, TOTP_SECRET, account
from webapp import create_app
from webapp.demo import corpus
from workflows import deliberation, review, triage
from workflows.bulk import COLUMNS
from workflows.dispatch import commit

CITIZEN_EMAIL = "walker@citizen.example"
CITIZEN_PASSWORD = "bus-transfer-2025!"


@pytest.fixture(scope="module")
def office(tmp_path_factory, database_template):  # type: ignore[no-untyped-def]
    """An empty office (migrated database, no demo data) served on a free port."""
    base = tmp_path_factory.mktemp("intake-walk")
    on_postgres = database_template.startswith("postgresql")
    if on_postgres:
        _truncate_postgres(database_template)
        url = database_template
    else:
        shutil.copyfile(database_template, base / "walk.sqlite3")
        url = f"sqlite:///{base / 'walk.sqlite3'}"
    app = create_app(
        {
            "APP_ENV": "testing",
            "SECRET_KEY": "walk",
            "DATABASE_URL": url,
            "MAIL_FILE": str(base / "mail" / "outbox.mbox"),
            "IMPORT_DIR": str(base / "imports"),
            "EXPORT_DIR": str(base / "exports"),
            "ATTACHMENT_DIR": str(base / "attachments"),
            "SEARCH_INDEX_DIR": str(base / "index"),
        }
    )
    with app.app_context():
        staff = {role: account(role) for role in (Role.REVIEWER, Role.CHAIR, Role.AGENCY_STAFF)}
    with serving(app) as served:
        yield app, served, staff, base
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if on_postgres:
        _truncate_postgres(database_template)


def _mails(path: Path) -> list:  # type: ignore[type-arg]
    if not path.exists():
        return []
    box = mailbox.mbox(path)
    try:
        parser = BytesParser(policy=policy.default)
        return [parser.parsebytes(box.get_bytes(key)) for key in box.iterkeys()]
    finally:
        box.close()


def _fill_proposal(page: Page) -> None:
    page.fill("#title", "마을버스 환승 인정 시간 완화")
    page.fill("#current_regulation", "마을버스에서 내린 뒤 1시간 안에 타야 환승 할인이 됩니다.")
    page.fill("#legal_basis", "서울특별시 대중교통 환승 요금 규정")
    page.fill("#problem", "배차 간격이 30분이 넘는 노선이 많아 환승 할인을 받지 못합니다.")
    page.fill("#proposed_change", "환승 인정 시간을 2시간으로 늘려 주십시오.")
    page.fill("#expected_effect", "외곽 지역 주민의 교통비 부담이 줄어듭니다.")
    page.select_option("#sector_code", "transport_env_safety")
    page.select_option("#regulation_type_code", "citizen_inconvenience")


def test_a_citizen_proposes_answers_and_sees_the_decision(office, browser):
    app, base, staff, folder = office
    page = browser.new_page(locale="ko-KR")
    # Registers.
    page.goto(f"{base}/register")
    page.fill("#name", "홍길동")
    page.fill("#email", CITIZEN_EMAIL)
    page.fill("#password", CITIZEN_PASSWORD)
    page.fill("#confirm", CITIZEN_PASSWORD)
    page.get_by_role("button", name="가입하기").click()
    expect(page.locator(".flash-success")).to_contain_text("가입했습니다")
    # Writes a proposal with an attachment; a forbidden file is refused first, text kept.
    page.get_by_role("link", name="제안하기").click()
    _fill_proposal(page)
    page.set_input_files(
        "#attachments",
        [{"name": "설치.pdf", "mimeType": "application/pdf", "buffer": b"MZ\x90\x00" * 64}],
    )
    page.get_by_role("button", name="임시 저장").click()
    expect(page.locator("#attachments-error")).to_contain_text("허용되지 않는 파일 형식입니다")
    expect(page.locator("#problem")).to_have_value(
        "배차 간격이 30분이 넘는 노선이 많아 환승 할인을 받지 못합니다."
    )
    shot(page, "intake-attachment-refused")
    attachment = folder / "노선별_배차간격.pdf"
    attachment.write_bytes(samples.pdf())
    page.set_input_files("#attachments", str(attachment))
    page.get_by_role("button", name="미리 보기").click()
    expect(page.locator("#attachment-list")).to_contain_text("노선별_배차간격.pdf")
    page.check("#consent")
    shot(page, "intake-form")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "intake-form-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    # Double-clicks submit: one proposal, one receipt number.
    page.locator("button[name=action][value=submit]").dblclick()
    page.wait_for_url("**/receipt")
    receipt = page.locator("#receipt-no").inner_text().strip()
    assert receipt
    shot(page, "intake-receipt")
    with app.app_context():
        citizen = db.session.scalar(select(User).where(User.email == CITIZEN_EMAIL))
        proposals = db.session.scalars(
            select(Proposal).where(Proposal.proposer_id == citizen.id)
        ).all()
        assert [p.receipt_no for p in proposals] == [receipt]
        proposal_id = proposals[0].id
        assert [a.original_name for a in db.session.scalars(select(Attachment))] == [
            "노선별_배차간격.pdf"
        ]
    page.goto(f"{base}/my/proposals")
    expect(page.locator("body")).to_contain_text(receipt)
    # Receives the e-mail.
    received = [m for m in _mails(Path(app.config["MAIL_FILE"])) if m["To"] == CITIZEN_EMAIL]
    assert len(received) == 1 and "제안이 접수되었습니다" in str(received[0]["Subject"])
    assert receipt in received[0].get_body(preferencelist=("plain",)).get_content()
    # The attachment downloads as a file.
    page.goto(f"{base}/my/proposals/{proposal_id}")
    with page.expect_download() as download:
        page.get_by_role("link", name="노선별_배차간격.pdf").click()
    assert download.value.suggested_filename == "노선별_배차간격.pdf"
    assert Path(download.value.path()).read_bytes() == samples.pdf()
    # A reviewer asks for information (through the workflow operation).
    with app.app_context():
        reviewer = db.session.get(User, staff[Role.REVIEWER].id)
        proposal = db.session.get(Proposal, proposal_id)
        triage.start_review(db.session, reviewer, proposal)
        triage.request_information(
            db.session, reviewer, proposal, question="배차 간격이 긴 노선 이름을 알려 주십시오"
        )
        commit(db.session)
    page.goto(f"{base}/my/proposals/{proposal_id}")
    expect(page.locator("#timeline")).to_contain_text("배차 간격이 긴 노선 이름을 알려 주십시오")
    page.fill("textarea#answer", "강서05, 강서07 노선입니다.")
    shot(page, "intake-answer")
    page.get_by_role("button", name="답변 보내기").click()
    expect(page.locator(".flash-success")).to_contain_text("보완 답변을 보냈습니다")
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        assert proposal.state is State.IN_REVIEW
        # Review, deliberation and the chair's decision (through the operations).
        review.send_to_deliberation(
            db.session, db.session.get(User, staff[Role.REVIEWER].id), proposal
        )
        deliberation.decide_proposal(
            db.session,
            db.session.get(User, staff[Role.CHAIR].id),
            proposal,
            outcome="relax",
            reasons="외곽 노선에 한해 환승 인정 시간을 90분으로 늘립니다.",
            responsible_official="교통정책과 김주무관",
        )
        commit(db.session)
    page.goto(f"{base}/my/proposals/{proposal_id}")
    expect(page.locator("#decision")).to_contain_text("완화")
    expect(page.locator("#decision")).to_contain_text("환승 인정 시간을 90분으로")
    expect(page.locator("#decision")).to_contain_text("교통정책과 김주무관")
    expect(page.locator("#reexamination")).to_contain_text("재심사를 요청할 수 있습니다")
    shot(page, "intake-decision")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "intake-decision-phone")
    page.close()


def _agency_file(rows: int) -> bytes:
    rng = random.Random(11)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for n in range(rows):
        sector = corpus.SECTORS[n % 4]
        text = corpus.make_text(rng, sector, corpus.TYPES[n % 3])
        writer.writerow(
            [
                f"TF-{n:04d}",
                text.title,
                text.current_regulation,
                text.legal_basis or "",
                text.problem,
                text.proposed_change,
                text.expected_effect,
                sector,
                corpus.TYPES[n % 3],
            ]
        )
    return out.getvalue().encode("utf-8")


def _upload(page: Page, base: str, path: Path) -> str:
    page.goto(f"{base}/agency/imports/new")
    page.set_input_files("#file", str(path))
    page.check("#consent")
    page.get_by_role("button", name="올리기").click()
    page.wait_for_selector('#import-state[data-state="done"]', timeout=120_000)
    return page.locator("#import-state").inner_text()


def test_an_agency_uploads_779_rows_twice_and_ends_with_779_proposals(office, browser):
    app, base, staff, folder = office
    with app.app_context():
        before = db.session.scalar(select(func.count(Proposal.id)))
    page = browser.new_page(locale="ko-KR")
    # Embedded mode imports in-process right after the upload's commit: give it time.
    page.set_default_timeout(180_000)
    page.goto(f"{base}/login")
    page.fill("#email", staff[Role.AGENCY_STAFF].email)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="로그인").click()
    expect(page.locator(".flash-success")).to_contain_text("로그인했습니다")
    upload = folder / "건설산업TF_제안.csv"
    upload.write_bytes(_agency_file(779))
    first = _upload(page, base, upload)
    assert "접수 779건, 이미 접수된 행 0건, 거부 0건" in first
    page.screenshot(path=str(SHOTS / "agency-import-first.png"))
    second = _upload(page, base, upload)
    assert "접수 0건, 이미 접수된 행 779건, 거부 0건" in second
    page.screenshot(path=str(SHOTS / "agency-import-second.png"))
    with app.app_context():
        added = db.session.scalar(select(func.count(Proposal.id))) - before
        agency = staff[Role.AGENCY_STAFF]
        mine = db.session.scalar(
            select(func.count(Proposal.id)).where(Proposal.proposer_id == agency.id)
        )
    assert added == 779 and mine == 779
    page.close()


def _log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_load_state()
    if page.url.endswith("/login/second-factor"):  # an admin logs in with the second factor
        page.fill("#code", pyotp.TOTP(TOTP_SECRET).now())
        page.get_by_role("button", name="확인").click()
    expect(page.locator(".flash-success")).to_contain_text("로그인했습니다")


def test_an_admin_creates_a_staff_account_and_reads_the_audit_trail(office, browser):
    app, base, _staff, _folder = office
    with app.app_context():
        chief = account(Role.ADMIN)
    page = browser.new_page(locale="ko-KR")
    _log_in(page, base, chief.email)
    page.get_by_role("link", name="관리", exact=True).click()
    shot(page, "admin-index")
    page.get_by_role("link", name="사용자와 역할").click()
    page.get_by_role("link", name="직원 계정 만들기").click()
    page.fill("#email", "desk.reviewer@office.example")
    page.fill("#name", "창구검토")
    page.select_option("#role", "reviewer")
    page.get_by_role("button", name="저장").click()
    expect(page.locator("#organisation_id-error")).to_contain_text("소속 기관을 정해야")
    expect(page.locator("#name")).to_have_value("창구검토")
    shot(page, "admin-user-error")
    page.select_option("#organisation_id", index=1)
    page.get_by_role("button", name="저장").click()
    expect(page.locator("#records")).to_contain_text("desk.reviewer@office.example")
    shot(page, "admin-users")
    page.goto(f"{base}/admin/audit")
    expect(page.locator("#audit")).to_contain_text("create_user")
    expect(page.locator("#audit")).to_contain_text(chief.email)
    shot(page, "admin-audit")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "admin-audit-phone")
    page.close()


def test_a_reviewer_enters_a_phoned_in_proposal_for_a_citizen(office, browser):
    app, base, staff, _folder = office
    page = browser.new_page(locale="ko-KR")
    _log_in(page, base, staff[Role.REVIEWER].email)
    page.get_by_role("link", name="대신 접수").click()
    page.fill("#citizen_name", "이전화")
    page.fill("#citizen_phone", "010-5555-6666")
    page.select_option("#channel_code", "petition_desk")
    _fill_proposal(page)
    page.get_by_role("button", name="접수하기").click()
    expect(page.locator("#consent_method-error")).to_contain_text("어떻게 동의했는지")
    expect(page.locator("#citizen_name")).to_have_value("이전화")
    page.check("#consent_method-0")
    shot(page, "assisted-form")
    page.get_by_role("button", name="접수하기").click()
    receipt = page.locator("#receipt-no").inner_text().strip()
    expect(page.locator("body")).to_contain_text("규제개혁 신문고")
    shot(page, "assisted-receipt")
    with app.app_context():
        proposal = db.session.scalar(select(Proposal).where(Proposal.receipt_no == receipt))
        assert proposal.entered_by_id == staff[Role.REVIEWER].id
        assert proposal.proposer.name == "이전화" and proposal.channel_code == "petition_desk"
    page.close()
