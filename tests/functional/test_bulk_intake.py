"""Agencies upload many proposals at once; the same file twice adds nothing."""

from __future__ import annotations

import csv
import io
import random
import re

from openpyxl import Workbook
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from models import Proposal, Role, db
from tests.functional.helpers import account, csrf_token, login
from webapp.demo import corpus
from workflows.bulk import COLUMNS


def _csv(rows: int, *, broken: int = 0) -> bytes:
    rng = random.Random(7)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for n in range(rows):
        sector = corpus.SECTORS[n % 4]
        text = corpus.make_text(rng, sector, corpus.TYPES[n % 3])
        title = "" if n < broken else text.title
        writer.writerow(
            [
                f"TF-{n:04d}",
                title,
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


def _upload(client, data: bytes, name: str = "proposals.csv"):  # type: ignore[no-untyped-def]
    # The body is encoded in memory: the test client would spill a large one to a temporary
    # file that it never closes.
    boundary, body = encode_multipart(
        {
            "file": FileStorage(io.BytesIO(data), filename=name),
            "consent": "y",
            "csrf_token": csrf_token(client, "/agency/imports/new"),
        }
    )
    return client.post(
        "/agency/imports/new", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def test_779_rows_twice_end_with_779_proposals(app, client):
    with app.app_context():
        staff = account(Role.AGENCY_STAFF)
    login(client, staff)
    data = _csv(779)
    first = _upload(client, data)
    assert first.status_code == 303
    page = client.get(first.headers["Location"]).get_data(as_text=True)
    assert 'data-state="done"' in page and "접수 779건, 이미 접수된 행 0건, 거부 0건" in page
    second = _upload(client, data)
    page = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "접수 0건, 이미 접수된 행 779건, 거부 0건" in page
    with app.app_context():
        assert db.session.scalar(select(func.count(Proposal.id))) == 779
        sources = set(db.session.scalars(select(Proposal.source_kind)))
        channels = set(db.session.scalars(select(Proposal.channel_code)))
    assert {s.value for s in sources} == {"agency"} and channels == {"task_force"}


def test_the_report_names_every_refused_row(app, client):
    with app.app_context():
        staff = account(Role.AGENCY_STAFF)
    login(client, staff)
    response = _upload(client, _csv(5, broken=2))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "접수 3건, 이미 접수된 행 0건, 거부 2건" in page
    assert len(re.findall(r'data-status="refused"', page)) == 2
    assert "제목: 제목을 입력해 주십시오" in page


def test_xlsx_uploads_work_and_templates_download(app, client):
    with app.app_context():
        staff = account(Role.AGENCY_STAFF)
    login(client, staff)
    template = client.get("/agency/imports/template.xlsx")
    assert template.status_code == 200 and template.get_data()[:2] == b"PK"
    assert (
        client.get("/agency/imports/template.csv")
        .get_data()
        .decode("utf-8-sig")
        .startswith("external_id,title")
    )
    book = Workbook()
    sheet = book.active
    sheet.append(list(COLUMNS))
    sheet.append(
        [
            "X-1",
            "입간판 재료 규제 완화",
            "현행",
            "",
            "문제",
            "개선",
            "효과",
            "business_smallbiz",
            "excessive_standard",
        ]
    )
    out = io.BytesIO()
    book.save(out)
    response = _upload(client, out.getvalue(), "list.xlsx")
    assert "접수 1건" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_wrong_files_are_refused_with_the_reason(app, client):
    with app.app_context():
        staff = account(Role.AGENCY_STAFF)
    login(client, staff)
    response = _upload(client, b"%PDF-1.7 binary\x00\x01", "list.csv")
    assert response.status_code == 422
    assert "CSV" in response.get_data(as_text=True)
    response = _upload(client, b"PK\x03\x04 not a zip", "list.xlsx")
    assert "손상된 XLSX 파일입니다" in response.get_data(as_text=True)


def test_imports_are_private_and_for_agencies(app, client):
    with app.app_context():
        staff = account(Role.AGENCY_STAFF)
        other = account(Role.AGENCY_STAFF)
        citizen = account(Role.CITIZEN)
    login(client, staff)
    location = _upload(client, _csv(1)).headers["Location"]
    stranger = app.test_client()
    login(stranger, other)
    assert stranger.get(location).status_code == 404
    outsider = app.test_client()
    login(outsider, citizen)
    assert outsider.get("/agency/imports/new").status_code == 403
