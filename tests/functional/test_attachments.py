"""Attachments on the proposal form: accepted by content, kept through form errors, refused with
a Korean reason, downloadable only by the proposer and office staff, always as a download."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from models import Attachment, Proposal, Role, State, db
from tests import samples
from tests.functional.helpers import account, csrf_token, login
from tests.functional.test_citizen import FORM

NEW = "/my/proposals/new"


def _key(client, path: str = NEW) -> str:  # type: ignore[no-untyped-def]
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="submission_key" type="hidden" value="([^"]*)"', page).group(1)


def _post(
    client, action: str, files: list[tuple[bytes, str]], path: str = NEW, key=None, **changes
):  # type: ignore[no-untyped-def]
    data = {
        **FORM,
        **changes,
        "action": action,
        "submission_key": key or _key(client, path),
        "csrf_token": csrf_token(client, path),
        "attachments": [(io.BytesIO(content), name) for content, name in files],
    }
    return client.post(path, data=data, content_type="multipart/form-data")


def _citizen(client, app, **kwargs):  # type: ignore[no-untyped-def]
    with app.app_context():
        user = account(Role.CITIZEN, **kwargs)
    login(client, user)
    return user


def test_an_attachment_is_kept_through_a_form_error_and_submitted_with_the_proposal(app, client):
    _citizen(client, app)
    key = _key(client)
    response = _post(client, "submit", [(samples.ole_file(), "근거자료.hwp")], key=key, problem="")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "문제점을 입력해 주십시오" in page
    assert "근거자료.hwp" in page  # the accepted file is listed on the form again
    assert FORM["current_regulation"] in page and FORM["expected_effect"] in page
    response = _post(client, "submit", [], key=key, consent="y")
    assert response.status_code == 303
    with app.app_context():
        proposal = db.session.scalar(select(Proposal))
        held = db.session.scalars(select(Attachment)).all()
        assert proposal.state is State.SUBMITTED
        assert [(a.proposal_id, a.kind, a.original_name) for a in held] == [
            (proposal.id, "hwp", "근거자료.hwp")
        ]


def test_forbidden_and_oversized_files_are_refused_in_korean_and_the_text_is_kept(app, client):
    app.config["ATTACHMENT_MAX_BYTES"] = 1000
    _citizen(client, app)
    response = _post(
        client,
        "save",
        [
            (b"MZ\x90\x00" + b"\0" * 100, "setup.pdf"),
            (samples.pdf() + b"\0" * 2000, "큰파일.pdf"),
            (samples.png(), "사진.png"),
        ],
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "<title>오류:" in page
    assert "setup.pdf: 허용되지 않는 파일 형식입니다" in page
    assert "큰파일.pdf: 파일이 너무 큽니다" in page
    assert FORM["current_regulation"] in page and FORM["problem"] in page  # nothing typed lost
    with app.app_context():
        assert [a.original_name for a in db.session.scalars(select(Attachment))] == ["사진.png"]
        assert db.session.scalar(select(func.count(Proposal.id))) == 0


def test_too_many_files_are_refused_naming_the_limit(app, client):
    app.config["ATTACHMENT_MAX_COUNT"] = 2
    _citizen(client, app)
    response = _post(
        client,
        "save",
        [(samples.pdf(), "a.pdf"), (samples.png(), "b.png"), (samples.jpeg(), "c.jpg")],
    )
    assert response.status_code == 422
    assert "c.jpg: 첨부파일은 2개까지 올릴 수 있습니다" in response.get_data(as_text=True)


def test_a_zip_bomb_is_refused(app, client):
    app.config["ATTACHMENT_MAX_UNCOMPRESSED"] = 1_000_000
    _citizen(client, app)
    response = _post(client, "save", [(samples.zip_bomb(5_000_000), "bomb.docx")])
    assert response.status_code == 422
    assert "bomb.docx: 압축을 풀면" in response.get_data(as_text=True)


def test_a_draft_holds_its_attachments_and_one_can_be_taken_off(app, client):
    _citizen(client, app)
    response = _post(
        client, "save", [(samples.docx(), "의견서.docx"), (samples.xlsx(), "현황.xlsx")]
    )
    assert response.status_code == 303
    edit = response.headers["Location"]
    page = client.get(edit).get_data(as_text=True)
    assert "의견서.docx" in page and "현황.xlsx" in page
    with app.app_context():
        docx_id = db.session.scalar(select(Attachment.id).where(Attachment.kind == "docx"))
    response = _post(client, "save", [], path=edit, remove_attachment=str(docx_id))
    assert response.status_code == 303
    with app.app_context():
        assert [a.kind for a in db.session.scalars(select(Attachment))] == ["xlsx"]


def _submitted_with_attachment(app, client):  # type: ignore[no-untyped-def]
    proposer = _citizen(client, app, email="owner@citizen.example")
    response = _post(client, "submit", [(samples.pdf(), "제안서.pdf")], consent="y")
    assert response.status_code == 303
    with app.app_context():
        attachment = db.session.scalar(select(Attachment))
        return proposer, attachment.id


def test_the_proposer_downloads_it_as_an_attachment_with_nosniff(app, client):
    _proposer, attachment_id = _submitted_with_attachment(app, client)
    response = client.get(f"/attachments/{attachment_id}")
    body = response.get_data()
    response.close()  # the file is streamed; release it
    assert response.status_code == 200 and body == samples.pdf()
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert (
        "filename*=UTF-8''%EC%A0%9C%EC%95%88%EC%84%9C.pdf"
        in response.headers["Content-Disposition"]
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype == "application/pdf"
    page = client.get("/my/proposals").get_data(as_text=True)
    assert "제안서.pdf" in client.get(
        re.search(r'href="(/my/proposals/\d+)"', page).group(1)
    ).get_data(as_text=True)


def test_office_staff_may_download_and_everyone_else_gets_404(app, client):
    _proposer, attachment_id = _submitted_with_attachment(app, client)
    url = f"/attachments/{attachment_id}"
    for role, status in [
        (Role.REVIEWER, 200),
        (Role.CHAIR, 200),
        (Role.PANEL_MEMBER, 200),
        (Role.CITIZEN, 404),
        (Role.OFFICIAL, 404),
        (Role.AGENCY_STAFF, 404),
        (Role.ADMIN, 404),
    ]:
        other = app.test_client()
        with app.app_context():
            user = account(role)
        login(other, user)
        response = other.get(url)
        response.close()
        assert response.status_code == status, role
        assert other.get("/attachments/999999").status_code == 404
    anonymous = app.test_client().get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_attachments_are_stored_outside_the_web_root_under_random_names(app, client):
    _proposer, attachment_id = _submitted_with_attachment(app, client)
    with app.app_context():
        attachment = db.session.get(Attachment, attachment_id)
        stored = attachment.stored_name
    assert re.fullmatch(r"[0-9a-f]{32}", stored)
    assert client.get(f"/static/{stored}").status_code == 404
    from pathlib import Path

    directory = Path(app.config["ATTACHMENT_DIR"])
    assert (directory / stored).read_bytes() == samples.pdf()
    assert not str(directory).startswith(app.static_folder)


@pytest.mark.parametrize(
    ("content", "name", "reason"),
    [
        (samples.png(), "사진.pdf", "사진.pdf: 파일 이름(.pdf)과 실제 내용(PNG)이 다릅니다"),
        (b"", "빈파일.pdf", "빈파일.pdf: 빈 파일입니다"),
        (b"just text", "메모.txt", "메모.txt: 허용되지 않는 파일 형식입니다"),
        (
            samples.ole_file("WordDocument", b"x"),
            "옛문서.hwp",
            "옛문서.hwp: 허용되지 않는 파일 형식입니다",
        ),
    ],
)
def test_each_refusal_reason_is_shown_next_to_the_attachments(app, client, content, name, reason):
    _citizen(client, app)
    response = _post(client, "save", [(content, name)])
    page = response.get_data(as_text=True)
    with app.app_context():
        held = db.session.scalar(select(func.count(Attachment.id)))
    assert response.status_code == 422 and reason in page and 'id="attachments-error"' in page
    assert held == 0


def test_nobody_can_remove_someone_else_s_attachment(app, client):
    _proposer, attachment_id = _submitted_with_attachment(app, client)
    other = app.test_client()
    _citizen(other, app)
    response = _post(other, "save", [], remove_attachment=str(attachment_id))
    assert response.status_code == 303  # the draft of the other person is saved; nothing else
    with app.app_context():
        assert db.session.get(Attachment, attachment_id) is not None


def test_attachments_of_a_submitted_proposal_cannot_be_removed_by_its_proposer(app, client):
    _proposer, attachment_id = _submitted_with_attachment(app, client)
    response = _post(client, "save", [], remove_attachment=str(attachment_id))
    assert response.status_code == 422
    assert "제출한 제안에는 첨부파일을 더하거나 뺄 수 없습니다" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Attachment, attachment_id) is not None
