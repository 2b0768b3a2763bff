"""Bad input to every search (the public page, the staff page, the API without and with a staff
token), from the index and from the database while the index is rebuilt: a clear Korean message
or a plain result, the same in both, nothing changed, never a server error.

The queries are written as they arrive in the URL (percent-encoded), so bytes that are not UTF-8
(a lone surrogate's encoding among them) reach the application as a browser would send them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models import Proposal, Role, State, db
from tests import factories
from tests.functional.helpers import account, api_token, login
from workflows.dispatch import commit

NOTHING_TYPED = "검색어를 입력해 주십시오"
TOO_LONG = "검색어가 너무 깁니다. 200자 이내로 입력해 주십시오"
NO_WORD = "검색어에서 찾을 만한 낱말을 찾지 못했습니다"
NUL = "입력에 사용할 수 없는 문자(NUL)가 들어 있습니다"
OPERATORS = "%20".join(["*", "%3F", "~", "%5E", "%3A", "(", ")", "%5B", "%5D", "%7B", "%7D"])

# (name, q as sent in the URL, API status, message (None: none), the proposal found)
CASES = [
    ("empty", "", 200, NOTHING_TYPED, False),
    ("spaces", "%20%20%20", 200, NOTHING_TYPED, False),
    ("10 kB", "용적률%20" * 1000, 200, TOO_LONG, False),
    ("unbalanced quote", "%22용적률%20완화", 200, None, True),
    ("quotes only", "%22%22%22", 200, NO_WORD, False),
    ("operators only", OPERATORS, 200, NO_WORD, False),
    ("words and operators", f"용적률%20AND%20OR%20NOT%20{OPERATORS}", 200, None, None),
    ("boolean words", "AND%20OR%20NOT", 200, None, False),
    ("field syntax", "title%3A*", 200, None, False),
    ("fuzzy", "용적률~2", 200, None, True),
    ("boost", "용적률%5E3", 200, None, True),
    ("particles only", "을%20를%20이%20가", 200, NO_WORD, False),
    ("like wildcards", "_%25", 200, NO_WORD, False),
    ("sql injection", "'%3B%20DROP%20TABLE%20proposal%3B%20--", 200, None, False),
    ("sql tautology", "1'%20OR%20'1'%3D'1", 200, None, False),
    ("html injection", "%3Cscript%3Ealert(1)%3C%2Fscript%3E", 200, None, False),
    ("attribute injection", "%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E", 200, None, False),
    ("control characters", "%01%02%1F%7F%0D%0A용적률", 200, None, True),
    ("nul", "용적률%00완화", 400, NUL, False),
    ("invalid utf-8", "%FF%FE", 200, None, False),
    ("lone surrogate", "%ED%A0%80", 200, None, False),
    ("lone surrogate in a word", "용적률%ED%A0%80%20완화", 200, None, None),
    ("right-to-left override", "%E2%80%AE용적률", 200, None, True),
]


@pytest.fixture
def world(app):  # type: ignore[no-untyped-def]
    with app.app_context():
        public = factories.proposal_in(State.IN_REVIEW)  # "소규모 건축물 용적률 완화" texts
        commit(db.session)
        chair = account(Role.CHAIR)
        return public.receipt_no, chair


@pytest.mark.parametrize("degraded", [False, True], ids=["index", "database"])
@pytest.mark.parametrize(
    ("name", "q", "status", "message", "found"), CASES, ids=[c[0] for c in CASES]
)
def test_bad_input_to_every_search_gets_a_clear_answer(
    app, client, world, degraded, name, q, status, message, found
):
    receipt, chair = world
    staff = app.test_client()
    login(staff, chair)
    token = api_token(app.test_client(), chair)
    with app.app_context():
        proposals = db.session.scalar(select(func.count(Proposal.id)))
    directory = Path(app.config["SEARCH_INDEX_DIR"])
    answers = []
    for who, path, headers in (
        (client, "/search", {}),
        (staff, "/office/search", {}),
        (client, "/api/v1/search", {}),
        (client, "/api/v1/search", token),
    ):
        if degraded:  # every request finds the index gone (each rebuilds it when it ends)
            shutil.rmtree(directory, ignore_errors=True)
        response = who.get(f"{path}?q={q}", headers=headers)
        answers.append((path, response.status_code))
        if path.startswith("/api/"):
            assert response.status_code == status, (path, response.status_code)
            body = response.get_json()
            text = body.get("message") or ""
            if status == 200:
                text += " " + " ".join(r["receipt_no"] for r in body["results"])
        else:
            assert response.status_code in (200, 400) and response.status_code == (
                400 if status == 400 else 200
            ), (path, response.status_code)
            text = response.get_data(as_text=True)
            assert "<script>alert(1)" not in text and "<img src=x" not in text
        if message and (path.startswith("/api/") or message not in (NOTHING_TYPED,)):
            assert message in text, (path, text[-500:])
        if found is not None:
            assert (receipt in text) is found, (path, found)
    assert all(code < 500 for _path, code in answers), answers
    with app.app_context():  # nothing was changed (the injections above included)
        assert db.session.scalar(select(func.count(Proposal.id))) == proposals


def test_the_database_search_explains_itself_in_english_too(app, client, world):
    """While the index is rebuilt the answer comes from the database, in the page's language."""
    shutil.rmtree(Path(app.config["SEARCH_INDEX_DIR"]), ignore_errors=True)
    page = client.get("/search?q=을%20를%20이%20가&lang=en")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "The query has no word to search for" in text and NO_WORD not in text
