"""The search pages and API: the index follows committed changes, the public sees only public
proposals (masked), staff see what their role may, bad input gets a clear answer."""

from __future__ import annotations

import importlib
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from models import OutboxMessage, Role, State, db
from tests import factories
from tests.functional.helpers import account, api_token, login
from workflows import triage
from workflows.dispatch import commit


@pytest.fixture
def proposals(app):  # type: ignore[no-untyped-def]
    """One public proposal (in review), one only received, one in deliberation."""
    with app.app_context():
        office = factories.Office()
        public = factories.proposal_in(State.IN_REVIEW, office=office)
        hidden = factories.submitted(
            title="노상주차장 야간 개방 허용",
            proposed_change="노상주차장을 야간에 주민에게 개방합니다. 연락처 010-1234-5678",
            problem="주차난이 심합니다.",
        )
        deliberating = factories.proposal_in(State.IN_DELIBERATION, office=office)
        commit(db.session)
        return {
            "public": public.receipt_no,
            "hidden": hidden.receipt_no,
            "deliberating": deliberating.receipt_no,
        }


def receipts(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [r["receipt_no"] for r in response.get_json()["results"]]


def test_a_committed_change_is_searchable_without_any_rebuild(app, client, proposals):
    found = client.get("/api/v1/search", query_string={"q": "용적률을 완화하여"})
    assert found.status_code == 200
    assert proposals["public"] in receipts(found)
    with app.app_context():
        jobs = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.job == "index_proposal")
        ).all()
        assert jobs and all(m.queue == "search" for m in jobs)


def test_the_public_sees_public_proposals_only_and_staff_see_more(app, client, proposals):
    public = receipts(client.get("/api/v1/search", query_string={"q": "노상주차장 야간 개방"}))
    assert proposals["hidden"] not in public
    with app.app_context():
        reviewer = account(Role.REVIEWER)
        panel = account(Role.PANEL_MEMBER)
    for user, sees_hidden in ((reviewer, True), (panel, False)):
        headers = api_token(client, user)
        staff = client.get(
            "/api/v1/search", query_string={"q": "노상주차장 야간 개방"}, headers=headers
        )
        assert (proposals["hidden"] in receipts(staff)) is sees_hidden
        by_number = client.get(
            "/api/v1/search", query_string={"q": proposals["deliberating"]}, headers=headers
        )
        assert receipts(by_number) == [proposals["deliberating"]]
    assert receipts(client.get("/api/v1/search", query_string={"q": proposals["hidden"]})) == []
    assert receipts(
        client.get("/api/v1/search", query_string={"q": proposals["deliberating"]})
    ) == [proposals["deliberating"]]  # in deliberation is public


def test_personal_data_is_masked_in_what_search_returns(app, client, proposals):
    with app.app_context():
        reviewer = account(Role.REVIEWER)
    login(client, reviewer)
    page = client.get("/office/search", query_string={"q": "노상주차장 야간"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert proposals["hidden"] in text and "010-1234-5678" not in text


def test_a_refused_or_hidden_state_change_is_reflected_after_commit(app, client, proposals):
    with app.app_context():
        reviewer = account(Role.REVIEWER)
        proposal = factories.submitted(title="양재대로 자동차 전용도로 해제 요청")
        commit(db.session)
        assert receipts(client.get("/api/v1/search?q=양재대로")) == []
        triage.start_review(db.session, db.session.merge(reviewer), proposal)
        commit(db.session)
        receipt = proposal.receipt_no
    assert receipts(client.get("/api/v1/search?q=양재대로 전용도로를")) == [receipt]


def test_the_public_search_page_finds_masks_and_opens_repeal_numbers(app, client):
    with app.app_context():
        announced = factories.proposal_in(State.ANNOUNCED)
        commit(db.session)
        number = announced.repeal_no
    page = client.get("/search", query_string={"q": "용적률완화"})
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "<mark>용적률</mark>" in body and f"규제철폐 {number}호" in body
    for text in (f"{number}호", f"규제철폐 {number}호"):
        jump = client.get("/search", query_string={"q": text})
        assert jump.status_code == 303 and jump.headers["Location"].endswith(f"/repeals/{number}")
    assert "검색어를 입력해 주십시오" not in client.get("/search").get_data(as_text=True)


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        ({"q": "용적률 " * 2500}, 200, "검색어가 너무 깁니다"),
        ({"q": "을 를"}, 200, "찾을 만한 낱말"),
        ({"q": '"용적률 AND (( -'}, 200, None),
        ({"q": "<script>alert(1)</script>"}, 200, None),
        ({"q": "용적률", "sector": "nope"}, 400, "알 수 없는 코드입니다"),
        ({"q": "용적률", "page": "0"}, 400, "쪽 번호는"),
        ({"q": "용적률", "page": "abc"}, 400, "쪽 번호는"),
    ],
)
def test_bad_input_gets_a_clear_answer_never_a_server_error(client, args, status, message):
    page = client.get("/search", query_string=args)
    assert page.status_code == status
    body = page.get_data(as_text=True)
    if message:
        assert message in body
    assert "<script>alert(1)</script>" not in body
    api = client.get("/api/v1/search", query_string=args)
    assert api.status_code == (400 if status == 400 else 200)
    if message and status == 200:
        assert message in api.get_json()["message"]


def test_office_search_needs_a_staff_role_and_shows_facets(app, client, proposals):
    assert client.get("/office/search").status_code in (302, 303)
    with app.app_context():
        citizen = account(Role.CITIZEN)
        official = account(Role.OFFICIAL)
        chair = account(Role.CHAIR)
    for user in (citizen, official):
        login(client, user)
        assert client.get("/office/search?q=용적률").status_code == 403
        client.post("/logout", data={})
    other = app.test_client()
    login(other, chair)
    page = other.get("/office/search", query_string={"q": "완화", "stage": "review"})
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="facet-sector"' in body
    assert proposals["public"] in body and proposals["deliberating"] not in body
    assert "업무용 검색" in body  # the nav link
    # A hit opens on its staff page in the workspace, also when it is not public.
    assert f'href="/office/proposals/{proposals["public"]}"' in body


def test_an_invalid_token_is_refused(client):
    response = client.get("/api/v1/search?q=x", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401


def test_a_missing_index_answers_from_the_database_and_is_rebuilt(app, client, proposals):
    shutil.rmtree(Path(app.config["SEARCH_INDEX_DIR"]))
    response = client.get("/api/v1/search", query_string={"q": "용적률 완화"})
    body = response.get_json()
    assert response.status_code == 200 and body["degraded"] is True
    assert proposals["public"] in receipts(response)
    again = client.get("/api/v1/search", query_string={"q": "용적률 완화"}).get_json()
    assert again["degraded"] is False and again["facets"]["sector"]


@pytest.mark.parametrize("where", ["/search", "/office/search", "/api/v1/search"])
@pytest.mark.parametrize("at", [0.2, 0.5, 0.8])
def test_a_garbled_index_answers_from_the_database_and_is_rebuilt(
    app, client, proposals, where, at
):
    """Bytes overwritten inside a segment (same size, header intact) are found when a process
    opens the index: the search says the index is being rebuilt and answers from the database,
    one rebuild is queued and run, and the next search uses the rebuilt index."""
    import search
    from webapp.search_pages.service import REBUILD_JOB

    if where == "/office/search":
        with app.app_context():
            chair = account(Role.CHAIR)
        login(client, chair)
    directory = Path(app.config["SEARCH_INDEX_DIR"])
    for segment in directory.glob("*.seg"):
        with segment.open("r+b") as handle:
            handle.seek(int(segment.stat().st_size * at))
            handle.write(b"\xffgarbage\x00" * 4)
    search.close(str(directory))  # as a web process starting now

    def answer() -> tuple[bool, str]:
        response = client.get(where, query_string={"q": "용적률 완화"})
        assert response.status_code == 200
        if where.startswith("/api/"):
            body = response.get_json()
            return body["degraded"], " ".join(receipts(response))
        text = response.get_data(as_text=True)
        return "검색 색인을 다시 만드는 중입니다" in text, text

    degraded, text = answer()
    assert degraded and proposals["public"] in text
    with app.app_context():
        rebuilds = db.session.scalars(
            select(OutboxMessage.state).where(OutboxMessage.job == REBUILD_JOB)
        ).all()
        assert [str(state) for state in rebuilds] == ["done"]
        assert search.status(str(directory)) == "ok"
    degraded, text = answer()
    assert not degraded and proposals["public"] in text


def test_search_rebuild_and_status_commands(app, runner, proposals):
    result = runner.invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "indexed 3 proposals" in result.output
    status = runner.invoke(args=["search", "status"])
    assert "index ok: 3 of 3 proposals" in status.output


def test_similar_proposals_for_the_triage_screen(app, proposals):
    from webapp.search_pages.service import similar_proposals

    with app.app_context():
        original = factories.submitted(title="마을버스 최대이용가능 시간 완화")
        duplicate = factories.submitted(
            title="마을버스이용시간 늘려 주세요",
            proposed_change="마을버스를 이용할 수 있는 최대 시간을 2시간으로 늘려 주십시오.",
        )
        commit(db.session)
        found = [s.proposal.id for s in similar_proposals(duplicate.id, 3)]
        assert original.id in found and duplicate.id not in found


def test_a_total_beyond_the_count_cap_is_a_lower_bound_on_the_api_and_the_page(
    app, client, proposals, monkeypatch
):
    query = {"q": "용적률을 완화하여"}
    exact = client.get("/api/v1/search", query_string=query).get_json()
    assert exact["total"] >= 2 and exact["total_exact"] is True
    monkeypatch.setattr(importlib.import_module("search.query"), "COUNT_CAP", 1)
    capped = client.get("/api/v1/search", query_string=query).get_json()
    assert capped["total"] == 1 and capped["total_exact"] is False
    assert len(capped["results"]) == exact["total"]  # the page still holds every hit
    page = client.get("/search", query_string=query).get_data(as_text=True)
    assert "1건 이상" in page and "1 / 1쪽" not in page
    english = client.get("/search", query_string={**query, "lang": "en"}).get_data(as_text=True)
    assert "1 or more" in english
