"""A reader who chose English (``?lang=en``, the language switch; an API client also by
``Accept-Language``) gets the field errors and refusals in English, on the pages and in the API;
the Korean stays exactly as it was, and the API's error keys do not change with the language."""

from __future__ import annotations

import pickle

from sqlalchemy import func, select

from models import Proposal, Role, db
from tests import factories
from tests.functional.helpers import PASSWORD, account, api_token, csrf_token, login
from tests.functional.test_citizen import FORM
from workflows.dispatch import commit
from workflows.errors import Bilingual
from workflows.intake import required

EMPTY_PROPOSAL = {
    "title": "",
    "current_regulation": "",
    "problem": "",
    "proposed_change": "",
    "expected_effect": "",
    "consent": True,
}


def test_a_required_field_message_takes_its_particle_in_korean_and_reads_as_english():
    title, change = required("제목", "the title"), required("개선안", "the proposed change")
    assert (str(title), title.en) == ("제목을 입력해 주십시오", "Enter the title")
    assert (str(change), change.en) == ("개선안을 입력해 주십시오", "Enter the proposed change")
    assert str(required("기대효과", "the expected effect")) == "기대효과를 입력해 주십시오"
    # The Korean is the value everywhere a plain string is expected; the English goes along.
    copied = pickle.loads(pickle.dumps(title))  # noqa: S301 - our own object
    assert copied == "제목을 입력해 주십시오" and copied.en == "Enter the title"
    assert Bilingual("한국어만").en == "한국어만"


def _proposal_form(client, **changes):  # type: ignore[no-untyped-def]
    return client.post(
        "/my/proposals/new",
        data={
            **FORM,
            **changes,
            "action": "submit",
            "submission_key": "english-test",
            "csrf_token": csrf_token(client, "/my/proposals/new"),
        },
    )


def test_an_english_reader_gets_english_field_errors_on_the_proposal_form(app, client):
    with app.app_context():
        user = account(Role.CITIZEN)
    login(client, user)
    client.get("/?lang=en")  # the language switch
    response = _proposal_form(client, title="", problem="", proposed_change="", consent="y")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and '<html lang="en">' in page
    assert "Enter the title" in page and "Enter the problem" in page
    assert "Enter the proposed change" in page
    assert "입력해 주십시오" not in page
    no_consent = _proposal_form(client).get_data(as_text=True)
    assert "Agree to the collection and use of personal data to submit a proposal" in no_consent
    client.get("/?lang=ko")
    korean = _proposal_form(client, problem="", consent="y").get_data(as_text=True)
    assert "문제점을 입력해 주십시오" in korean and "Enter the problem" not in korean
    with app.app_context():
        assert db.session.scalar(select(func.count(Proposal.id))) == 0


def test_the_wrong_current_password_is_said_in_the_readers_language(app, client):
    with app.app_context():
        user = account(Role.CITIZEN)
    login(client, user)
    form = {"current_password": "nope", "new_password": "x", "confirm": "x"}

    def change(path: str) -> str:
        data = {**form, "csrf_token": csrf_token(client, "/password")}
        return client.post(path, data=data).get_data(as_text=True)

    assert "현재 비밀번호가 올바르지 않습니다" in change("/password")
    english = change("/password?lang=en")
    assert "The current password is not correct" in english
    assert "현재 비밀번호가 올바르지 않습니다" not in english


def test_the_api_answers_field_errors_in_english_when_asked_with_the_same_keys(app, client):
    with app.app_context():
        user = account(Role.CITIZEN)
    headers = api_token(client, user)
    body = {**EMPTY_PROPOSAL, "sector": "nope"}
    korean = client.post("/api/v1/proposals", json=body, headers=headers)
    english = client.post("/api/v1/proposals?lang=en", json=body, headers=headers)
    by_header = client.post(
        "/api/v1/proposals", json=body, headers={**headers, "Accept-Language": "en-GB,en;q=0.8"}
    )
    assert korean.status_code == english.status_code == by_header.status_code == 422
    assert english.get_json() == by_header.get_json()
    ko, en = korean.get_json(), english.get_json()
    assert set(ko) == set(en) == {"error", "message", "errors"}
    assert (
        set(ko["errors"])
        == set(en["errors"])
        == {
            "title",
            "current_regulation",
            "problem",
            "proposed_change",
            "expected_effect",
            "sector",
        }
    )
    assert ko["errors"]["title"] == "제목을 입력해 주십시오"
    assert ko["errors"]["sector"] == "알 수 없는 분야 코드입니다: nope"
    assert ko["message"] == "입력 내용을 확인해 주십시오"
    assert en["errors"]["title"] == "Enter the title"
    assert en["errors"]["expected_effect"] == "Enter the expected effect"
    assert en["errors"]["sector"] == "Unknown sector code: nope"
    assert en["message"] == "Please check what you entered"
    # A Korean-first header keeps Korean.
    korean_header = client.post(
        "/api/v1/proposals", json=body, headers={**headers, "Accept-Language": "ko-KR,en;q=0.5"}
    )
    assert korean_header.get_json() == ko
    missing_consent = client.post(
        "/api/v1/proposals?lang=en", json={**body, "consent": False}, headers=headers
    ).get_json()
    assert set(missing_consent["errors"]) == {"consent"}
    assert missing_consent["errors"]["consent"].startswith("Agree to the collection")


def test_the_api_refusals_and_office_field_errors_are_english_when_asked(app, client):
    with app.app_context():
        reviewer = account(Role.REVIEWER)
        proposal = factories.submitted(account(Role.CITIZEN))
        commit(db.session)
        receipt = proposal.receipt_no
    staff = api_token(client, reviewer)
    path = f"/api/v1/proposals/{receipt}/actions"
    conflict = client.post(f"{path}/send_to_deliberation?lang=en", json={}, headers=staff)
    assert conflict.status_code == 409
    assert conflict.get_json()["rule"] == "send_to_deliberation.submitted"
    assert conflict.get_json()["message"].isascii()  # the rule's English message
    invalid = client.post(
        f"{path}/decline_proposal?lang=en", json={"reason_code": "", "reasons": " "}, headers=staff
    )
    errors = invalid.get_json()["errors"]
    assert invalid.status_code == 422 and set(errors) == {"reason_code", "reasons"}
    assert errors["reasons"] == "Enter the reasons"
    korean = client.post(
        f"{path}/decline_proposal", json={"reason_code": "", "reasons": " "}, headers=staff
    )
    assert korean.get_json()["errors"]["reasons"] == "사유를 입력해 주십시오"
    wrong = client.post(
        "/api/v1/tokens?lang=en", json={"email": reviewer.email, "password": PASSWORD + "x"}
    )
    assert wrong.status_code == 401
    assert wrong.get_json()["message"] == "Wrong e-mail address or password"


def test_a_page_that_needs_a_login_says_so_in_english(app, client):
    client.get("/?lang=en")
    client.get("/password")
    page = client.get("/login").get_data(as_text=True)
    assert "Please log in to see this page." in page


def test_bad_filters_are_refused_in_the_readers_language(app, client):
    order = client.get("/api/v1/stats?from=2025-04-01&to=2025-01-01&lang=en").get_json()
    assert order["field"] == "to"
    assert order["message"] == "The end date cannot be before the start date"
    korean = client.get("/api/v1/repeals?announcement=0").get_json()
    english = client.get("/api/v1/repeals?announcement=0&lang=en").get_json()
    assert korean["field"] == english["field"] == "announcement"
    # The particle follows the Korean name; English says it plainly.
    assert korean["message"] == "발표 번호는 1부터 1,000,000,000 사이의 숫자여야 합니다"
    assert english["message"] == "Announcement number must be a number from 1 to 1,000,000,000"
    sector = client.get("/api/v1/repeals?sector=nope&lang=en").get_json()
    assert sector["message"] == "Unknown code for Sector: nope"
    # The pages stay Korean first whatever the browser's header says.
    page = client.get("/repeals?page=0", headers={"Accept-Language": "en"})
    assert "쪽 번호는 1부터 20 사이의 숫자여야 합니다" in page.get_data(as_text=True)


def test_office_queue_filters_are_refused_in_english(app, client):
    with app.app_context():
        reviewer = account(Role.REVIEWER)
    headers = api_token(client, reviewer)
    korean = client.get("/api/v1/queue?limit=0", headers=headers).get_json()
    english = client.get("/api/v1/queue?limit=0&lang=en", headers=headers).get_json()
    assert korean["message"] == "쪽당 건수는 1 이상의 정수여야 합니다"
    assert english["message"] == "Rows per page must be a whole number of at least 1"


def test_personal_data_found_in_the_text_is_named_in_english(app, client):
    with app.app_context():
        user = account(Role.CITIZEN)
    login(client, user)
    client.get("/?lang=en")
    response = _proposal_form(client, consent="y", problem="제 번호 010-9999-8888 로 연락 주세요.")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="pii-warning"' in page
    assert "telephone number" in page and "전화번호" not in page
