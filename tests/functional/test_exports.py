"""CSV and XLSX exports: open data for anyone, the staff list for staff, big ones in the
background; spreadsheet formulas neutralised, personal data masked."""

from __future__ import annotations

import csv
import io
import re

from openpyxl import load_workbook

from models import Role, State, db
from tests import factories
from tests.functional.helpers import account, csrf_token, login
from workflows import triage
from workflows.dispatch import commit


def _scene() -> None:
    office = factories.Office()
    factories.proposal_in(State.ANNOUNCED, office=office)
    hostile = factories.submitted(
        title='=HYPERLINK("http://evil.example","클릭")', problem="연락처 010-2222-3333"
    )
    triage.start_review(db.session, office.reviewer, hostile)
    factories.submitted(title="검토 전 제안")
    commit(db.session)


def test_public_csv_is_masked_and_neutralised(app, client):
    with app.app_context():
        _scene()
    response = client.get("/open-data/proposals.csv")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][0] == "접수번호" and len(rows) == 3  # header + the two screened proposals
    text = raw.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "010-2222-3333" not in text and "검토 전 제안" not in text


def test_repeals_xlsx_opens_with_the_same_numbers(app, client):
    with app.app_context():
        _scene()
    api = client.get("/api/v1/repeals").get_json()
    response = client.get("/open-data/repeals.xlsx")
    workbook = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][0] == "규제철폐 번호"
    assert [r[0] for r in rows[1:]] == [r["number"] for r in api]


def test_the_staff_list_exists_only_for_staff(app, client):
    with app.app_context():
        _scene()
        reviewer = account(Role.REVIEWER)
        citizen = account(Role.CITIZEN)
    assert client.get("/open-data/staff_proposals.csv").status_code == 404
    login(client, citizen)
    assert client.get("/open-data/staff_proposals.csv").status_code == 404
    staff = app.test_client()
    login(staff, reviewer)
    body = staff.get("/open-data/staff_proposals.csv").get_data().decode("utf-8-sig")
    assert "검토 전 제안" in body  # staff see unscreened proposals too


def test_unknown_filter_gets_a_clear_message(app, client):
    response = client.get("/open-data/proposals.csv?sector=nope")
    assert response.status_code == 400
    assert "알 수 없는 분야 코드입니다" in response.get_data(as_text=True)
    assert client.get("/open-data/proposals.pdf").status_code == 404


def test_a_large_export_runs_in_the_background_with_progress_and_a_link(app_config, make_app):
    big = make_app(EXPORT_INLINE_LIMIT=0)
    with big.app_context():
        _scene()
        reviewer = account(Role.REVIEWER)
    client = big.test_client()
    login(client, reviewer)
    page = client.get("/open-data/staff_proposals.xlsx?stage=review").get_data(as_text=True)
    assert "파일 만들기" in page
    response = client.post(
        "/exports",
        data={
            "dataset": "staff_proposals",
            "format": "xlsx",
            "stage": "review",
            "csrf_token": csrf_token(client, "/open-data/staff_proposals.xlsx?stage=review"),
        },
    )
    assert response.status_code == 303
    status_url = response.headers["Location"]
    status = client.get(status_url).get_data(as_text=True)  # the job ran after the commit
    assert 'data-state="done"' in status
    link = re.search(r'href="(/exports/[^"]+/download)"', status).group(1)
    with client.get(link) as response:
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        workbook = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0]  # the one proposal in review
    # Someone else cannot fetch a staff export, even with the link.
    other = big.test_client()
    assert other.get(status_url).status_code == 404
    assert other.get(link).status_code == 404
