"""No raw personal data (the proposer's name, phone, e-mail) reaches a public page, an export,
the API or the application's logs: a proposal submitted through the form and taken all the way
to a numbered repeal is looked for on every public surface, in its raw and its masked forms."""

from __future__ import annotations

import io
import logging
import re
import smtplib
import zipfile
from datetime import date
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select

import search
from models import Proposal, Role, db
from models.masking import mask_email, mask_name, mask_phone
from search import Scope
from tests import factories
from tests.functional.helpers import account, api_token, csrf_token, login
from tests.functional.test_citizen import FORM
from workflows import announcement, review, triage
from workflows.dispatch import commit

NAME = "독고영재"
PHONE = "010-9876-5432"
EMAIL = "dokgo.yeongjae@private.example"
RAW = (NAME, PHONE, EMAIL, "9876-5432", "dokgo.yeongjae")


def _submit(client) -> str:  # type: ignore[no-untyped-def]
    path = "/my/proposals/new"
    page = client.get(path).get_data(as_text=True)
    key = re.search(r'name="submission_key" type="hidden" value="([^"]*)"', page).group(1)
    response = client.post(
        path,
        data={
            **FORM,
            "contact_name": NAME,
            "contact_phone": PHONE,
            "contact_email": EMAIL,
            "consent": "y",
            "action": "submit",
            "submission_key": key,
            "csrf_token": csrf_token(client, path),
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    proposal = db.session.scalar(select(Proposal).where(Proposal.contact_email == EMAIL))
    assert proposal is not None and proposal.contact_name == NAME
    return proposal.receipt_no


def _announce(receipt_no: str) -> tuple[int, int]:
    office = factories.Office()
    proposal = db.session.scalar(select(Proposal).where(Proposal.receipt_no == receipt_no))
    triage.start_review(db.session, office.reviewer, proposal)
    review.send_to_deliberation(db.session, office.reviewer, proposal)
    factories.decide_repeal(office, proposal)
    notice = announcement.create_announcement(
        db.session, office.chair, title="주간 발표", announced_on=date(2025, 2, 6)
    )
    announcement.add_to_announcement(db.session, office.chair, notice, proposal)
    announcement.publish_announcement(db.session, office.chair, notice)
    commit(db.session)
    return proposal.repeal_no, notice.id  # type: ignore[return-value]


def _text_of(body: bytes, content_type: str) -> str:
    if "spreadsheet" in content_type:
        book = load_workbook(io.BytesIO(body), read_only=True)
        cells = [
            str(value)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        ]
        # Also the raw XML parts: shared strings, document properties.
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            parts = [archive.read(n).decode("utf-8", "replace") for n in archive.namelist()]
        return "\n".join(cells + parts)
    return body.decode("utf-8", "replace")


def _assert_no_raw(where: str, text: str) -> None:
    for value in RAW:
        assert value not in text, f"{value!r} (personal data) leaked into {where}"


def test_no_raw_personal_data_on_public_pages_exports_api_or_logs(app, client, caplog):
    caplog.set_level(logging.DEBUG)
    with app.app_context():
        proposer = account(Role.CITIZEN, name=NAME, email=EMAIL)
    login(client, proposer)
    with app.app_context():
        receipt = _submit(client)
        number, notice_id = _announce(receipt)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/password")})

    public = app.test_client()
    surfaces = [
        "/",
        "/dashboard",
        "/repeals",
        f"/repeals/{number}",
        "/announcements",
        f"/announcements/{notice_id}",
        "/proposals",
        f"/proposals/{receipt}",
        "/open-data",
        "/open-data/proposals.csv",
        "/open-data/proposals.xlsx",
        "/open-data/repeals.csv",
        "/open-data/repeals.xlsx",
        "/api/v1/stats",
        "/api/v1/repeals",
        f"/api/v1/proposals/{receipt}",
        "/api/v1/openapi.json",
    ]
    seen_masked = set()
    for url in surfaces:
        response = public.get(url)
        assert response.status_code in (200, 401), (url, response.status_code)
        text = _text_of(response.get_data(), response.content_type)
        _assert_no_raw(url, text)
        if mask_name(NAME) in text:
            seen_masked.add(url)
    # The proposer is shown, masked, where the public record names them: the test can fail.
    assert {
        f"/repeals/{number}",
        f"/proposals/{receipt}",
        "/open-data/proposals.csv",
    } <= seen_masked

    # The staff list of proposals is for staff, and masked too.
    staff = app.test_client()
    with app.app_context():
        reviewer = account(Role.REVIEWER)
    login(staff, reviewer)
    for url in ("/open-data/staff_proposals.csv", "/open-data/staff_proposals.xlsx"):
        response = staff.get(url)
        assert response.status_code == 200, url
        text = _text_of(response.get_data(), response.content_type)
        _assert_no_raw(url, text)
        assert mask_name(NAME) in text

    # Nothing the application logged while all this happened holds the raw data either.
    _assert_no_raw("the application log", caplog.text)


def test_a_refused_recipient_is_masked_in_the_log(app, caplog):
    """A mail server's refusal names the address; the log must not."""
    refusal = smtplib.SMTPRecipientsRefused({EMAIL: (550, b"5.1.1 unknown user")})
    caplog.set_level(logging.WARNING)
    try:
        raise refusal
    except smtplib.SMTPRecipientsRefused:
        logging.getLogger("workflows.jobs").exception(
            "job %s failed: %s (phone %s)", "notify_proposer", refusal, PHONE
        )
    assert "notify_proposer" in caplog.text and "unknown user" in caplog.text
    assert mask_email(EMAIL) in caplog.text and mask_phone(PHONE) in caplog.text
    _assert_no_raw("the application log", caplog.text)


def test_the_masks_hide_what_they_must():
    assert mask_name(NAME) == "독**재"
    assert mask_phone(PHONE) == "010-****-5432"
    masked = mask_email(EMAIL)
    assert masked.endswith("@private.example") and "dokgo.yeongjae" not in masked


def _index_bytes(directory: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file())


def test_the_search_index_and_public_search_hold_no_raw_personal_data(app, client, caplog):
    """Contact details, and the same values typed into the free texts, never reach the index
    (its stored fields, its terms, its raw files) nor the public search's results."""
    caplog.set_level(logging.DEBUG)
    directory = Path(str(app.config["SEARCH_INDEX_DIR"]))
    typed = f"저는 {NAME}입니다. 연락은 {PHONE} 또는 {EMAIL}로 주십시오."
    with app.app_context():
        proposer = account(Role.CITIZEN, name=NAME, email=EMAIL)
        proposer = db.session.merge(proposer)
        texts = {
            "title": f"공원 야간 개방 허용 {NAME}",
            "problem": f"공원이 밤에 닫혀 있습니다. {typed}",
            "proposed_change": f"공원을 야간에도 개방합니다. {typed}",
            "expected_effect": f"주민 여가가 늘어납니다. {typed}",
        }
        contact = {"contact_name": NAME, "contact_phone": PHONE, "contact_email": EMAIL}
        public = factories.submitted(proposer, **texts, **contact)
        hidden = factories.submitted(proposer, **texts, **contact)  # received only: staff-only
        commit(db.session)  # embedded mode: the index is written after the commit
        number, _notice = _announce(public.receipt_no)
        ids = {public.id, hidden.id}

    stored = search.stored(str(directory))
    assert {int(d["id"]) for d in stored} == ids
    for document in stored:
        _assert_no_raw(f"the index's stored fields of {document['id']}", repr(document))
    # The stored texts are there, masked: a raw value would have been found.
    assert any(mask_phone(PHONE) in str(d.get("problem")) for d in stored)
    assert any(mask_email(EMAIL) in str(d.get("proposed_change")) for d in stored)
    assert any(mask_name(NAME) in str(d.get("title")) for d in stored)
    raw = _index_bytes(directory)
    assert "야간".encode() in raw  # the files are readable this way
    for value in (*RAW, "9876", "dokgo", "yeongjae"):
        assert value.encode() not in raw, f"{value!r} (personal data) is in the index files"
    # Nor is any of it a term staff could search for.
    for value in (NAME, "98765432", "9876", "dokgo", EMAIL):
        result = search.query(str(directory), search.SearchQuery(text=value, scope=Scope.OFFICE))
        assert result.hits == [], value

    # The public search: results and snippets hold only the masked values.
    for text in ("공원 야간 개방", "연락", "주민 여가"):
        response = client.get("/api/v1/search", query_string={"q": text})
        body = response.get_json()
        assert response.status_code == 200 and body["total"] == 1, (text, body)
        _assert_no_raw(f"/api/v1/search?q={text}", response.get_data(as_text=True))
        page = client.get("/search", query_string={"q": text})
        assert page.status_code == 200
        _assert_no_raw(f"/search?q={text}", page.get_data(as_text=True))
    snippets = " ".join(r["snippet"] for r in body["results"])
    assert mask_name(NAME) in client.get("/search", query_string={"q": "공원"}).get_data(
        as_text=True
    )
    assert "****" in snippets or mask_name(NAME) in snippets
    # The staff search shows no contact details and no unmasked personal data either (so it
    # needs no entry in the personal data access log): hits, titles and snippets are masked.
    staff = app.test_client()
    with app.app_context():
        reviewer = account(Role.REVIEWER)
    headers = api_token(app.test_client(), reviewer)
    login(staff, reviewer)
    for text in ("공원 야간 개방", "연락"):
        page = staff.get("/office/search", query_string={"q": text})
        assert page.status_code == 200 and mask_name(NAME) in page.get_data(as_text=True)
        _assert_no_raw(f"/office/search?q={text}", page.get_data(as_text=True))
        response = client.get(
            "/api/v1/search",
            query_string={"q": text},
            headers=headers,
        )
        assert response.status_code == 200 and response.get_json()["total"] == 2
        _assert_no_raw(f"/api/v1/search?q={text} (staff)", response.get_data(as_text=True))

    # The name typed into the free texts is masked on the other public surfaces too.
    receipt = next(d["receipt_no"] for d in stored if d["public"] == "1")
    for url in (
        f"/proposals/{receipt}",
        f"/repeals/{number}",
        "/api/v1/repeals",
        "/open-data/proposals.csv",
        "/open-data/repeals.xlsx",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_no_raw(url, _text_of(response.get_data(), response.content_type))
    _assert_no_raw("the application log", caplog.text)
