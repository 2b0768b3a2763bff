"""Citizen vote through the web: identity check, one ballot, refusals, results."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from models import (
    Ballot,
    OutboxMessage,
    Proposal,
    ProposalEvent,
    Role,
    State,
    VoteCandidate,
    VoteRound,
    db,
    utcnow,
)
from tests import factories
from tests.functional.helpers import account, checked_ids, csrf_token, login
from workflows import voting
from workflows.dispatch import commit


def _open_round(max_picks: int = 2) -> tuple[int, list[int]]:
    office = factories.Office()
    admin = factories.user(Role.ADMIN)
    candidates = [factories.proposal_in(State.ANNOUNCED, office=office) for _ in range(3)]
    vote_round = voting.open_round(
        db.session,
        admin,
        title="공감 규제철폐 시민투표",
        opens_at=utcnow() - timedelta(hours=1),
        closes_at=utcnow() + timedelta(days=1),
        max_picks=max_picks,
        candidates=candidates,
    )
    commit(db.session)
    return vote_round.id, [c.id for c in vote_round.candidates]


def _verify(client, round_id: int, name: str = "홍길동", mobile: str = "010-1234-5678"):  # type: ignore[no-untyped-def]
    return client.post(
        f"/votes/{round_id}/verify",
        data={
            "name": name,
            "birth_date": "1980-05-05",
            "mobile": mobile,
            "csrf_token": csrf_token(client, f"/votes/{round_id}/verify"),
        },
    )


def _ballot(client, round_id: int, picks: list[int]):  # type: ignore[no-untyped-def]
    return client.post(
        f"/votes/{round_id}/ballot",
        data={
            "picks": [str(p) for p in picks],
            "csrf_token": csrf_token(client, f"/votes/{round_id}"),
        },
    )


def test_a_citizen_verifies_votes_and_a_second_tab_is_refused(app, client):
    with app.app_context():
        round_id, candidates = _open_round()
        citizen = account(Role.CITIZEN)
    login(client, citizen)
    assert "본인확인 후 투표하기" in client.get(f"/votes/{round_id}").get_data(as_text=True)
    assert _verify(client, round_id).status_code == 303
    response = _ballot(client, round_id, candidates[:2])
    assert response.status_code == 303
    page = client.get(f"/votes/{round_id}").get_data(as_text=True)
    assert "이미 이 투표에 참여하셨습니다" in page
    # A second tab still showing the form posts again: refused, nothing added.
    again = _ballot(client, round_id, candidates[2:])
    assert again.status_code == 409 and "이미 이 투표에 참여하셨습니다" in again.get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.scalar(select(func.count(Ballot.id))) == 1


def test_the_same_person_with_another_account_is_refused(app, client):
    with app.app_context():
        round_id, candidates = _open_round()
        first, second = account(Role.CITIZEN), account(Role.CITIZEN)
    login(client, first)
    _verify(client, round_id)
    assert _ballot(client, round_id, candidates[:1]).status_code == 303
    other = app.test_client()
    login(other, second)
    _verify(other, round_id)  # same name, birth date and phone: the same person
    response = _ballot(other, round_id, candidates[:1])
    assert response.status_code == 409


def test_over_the_limit_keeps_the_picks_and_says_why(app, client):
    with app.app_context():
        round_id, candidates = _open_round(max_picks=2)
        citizen = account(Role.CITIZEN)
    login(client, citizen)
    _verify(client, round_id)
    response = _ballot(client, round_id, candidates)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "최대 2건까지 고를 수 있습니다" in page
    assert page.count("checked") == 3
    assert "<title>오류:" in page


def test_identity_form_errors_are_named(app, client):
    with app.app_context():
        round_id, _c = _open_round()
        citizen = account(Role.CITIZEN)
    login(client, citizen)
    response = _verify(client, round_id, mobile="12345")
    assert response.status_code == 422
    assert "휴대전화 번호를 010-1234-5678 형식으로" in response.get_data(as_text=True)


def test_results_are_public_only_after_the_close(app, client):
    with app.app_context():
        round_id, candidates = _open_round()
        citizen = account(Role.CITIZEN)
        admin = account(Role.ADMIN)
    login(client, citizen)
    _verify(client, round_id)
    _ballot(client, round_id, candidates[:1])
    anonymous = app.test_client()
    assert anonymous.get(f"/votes/{round_id}/results").status_code == 403
    assert anonymous.get(f"/api/v1/votes/{round_id}/results").status_code == 409
    staff = app.test_client()
    login(staff, admin)
    assert "1명이 투표했습니다" in staff.get(f"/votes/{round_id}/results").get_data(as_text=True)
    with app.app_context():
        db.session.execute(update(VoteRound).values(closes_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    page = anonymous.get(f"/votes/{round_id}/results").get_data(as_text=True)
    assert "1명이 투표했습니다" in page
    body = anonymous.get(f"/api/v1/votes/{round_id}/results").get_json()
    assert body["voters"] == 1 and body["results"][0]["votes"] == 1
    assert body["results"][0]["rank"] == 1


def test_admin_opens_a_round_through_the_form(app, client):
    with app.app_context():
        office = factories.Office()
        repeal = factories.proposal_in(State.ANNOUNCED, office=office)
        commit(db.session)
        repeal_id = repeal.id
        admin = account(Role.ADMIN)
    login(client, admin)
    token = csrf_token(client, "/admin/votes/new")
    bad = client.post(
        "/admin/votes/new",
        data={
            "title": "",
            "opens_at": "2025-03-01T09:00",
            "closes_at": "2025-02-01T09:00",
            "max_picks": "10",
            "csrf_token": token,
        },
    )
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "투표 제목을 입력해 주십시오." in page
    assert 'value="2025-03-01T09:00"' in page  # what was typed is kept
    good = client.post(
        "/admin/votes/new",
        data={
            "title": "공감 10선",
            "opens_at": "2025-03-01T09:00",
            "closes_at": "2025-03-04T18:00",
            "max_picks": "1",
            "candidates": [str(repeal_id)],
            "csrf_token": token,
        },
    )
    assert good.status_code == 303
    with app.app_context():
        vote_round = db.session.scalars(select(VoteRound)).one()
        assert vote_round.title == "공감 10선" and vote_round.closes_at.hour == 9  # 18:00 KST


@pytest.mark.postgres
def test_twenty_parallel_ballots_leave_one(app, client):
    with app.app_context():
        round_id, candidates = _open_round()
        citizen = account(Role.CITIZEN)
    login(client, citizen)
    _verify(client, round_id)
    token = csrf_token(client, f"/votes/{round_id}")
    cookie = client.get_cookie("session").value
    barrier = threading.Barrier(20)
    statuses: list[int] = []

    def post() -> None:
        tab = app.test_client()
        tab.set_cookie("session", cookie)
        barrier.wait(timeout=30)
        response = tab.post(
            f"/votes/{round_id}/ballot", data={"picks": [str(candidates[0])], "csrf_token": token}
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=post) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [303] + [409] * 19
    with app.app_context():
        assert db.session.scalar(select(func.count(Ballot.id))) == 1


def test_vote_pages_are_listed(app, client):
    with app.app_context():
        _open_round()
    page = client.get("/votes/").get_data(as_text=True)
    assert re.search(r"공감 규제철폐 시민투표", page) and "진행 중" in page


def _register(n: int) -> list[tuple[int, int]]:
    """``n`` announced repeals: (id, repeal number) in number order."""
    office = factories.Office()
    repeals = [factories.proposal_in(State.ANNOUNCED, office=office) for _ in range(n)]
    commit(db.session)
    return [(p.id, p.repeal_no or 0) for p in repeals]


def _round_form(token: str, **extra: object) -> dict[str, object]:
    return {
        "title": "공감 10선",
        "opens_at": "2025-03-01T09:00",
        "closes_at": "2025-03-04T18:00",
        "max_picks": "2",
        "csrf_token": token,
        **extra,
    }


def test_the_new_round_form_lists_a_filtered_page_of_the_register(app, client, monkeypatch):
    from webapp import admin as admin_views

    monkeypatch.setattr(admin_views, "CANDIDATES_SHOWN", 2)
    with app.app_context():
        register = _register(4)
        db.session.execute(
            update(Proposal).where(Proposal.id == register[3][0]).values(title="옥외광고물 심의")
        )
        db.session.commit()
        admin = account(Role.ADMIN)
    login(client, admin)
    numbers = [no for _, no in register]
    page = client.get("/admin/votes/new").get_data(as_text=True)
    assert f">{numbers[0]}호 " in page and f">{numbers[1]}호 " in page
    assert f">{numbers[2]}호 " not in page
    # "next" is a button of the form: the next page starts after the last one shown
    assert f'name="after" value="{numbers[1]}"' in page
    page = client.get(f"/admin/votes/new?after={numbers[1]}").get_data(as_text=True)
    assert f">{numbers[2]}호 " in page and f">{numbers[1]}호 " not in page
    page = client.get(f"/admin/votes/new?from={numbers[2]}").get_data(as_text=True)
    assert f">{numbers[2]}호 " in page and f">{numbers[0]}호 " not in page
    page = client.get("/admin/votes/new?q=옥외").get_data(as_text=True)
    assert "옥외광고물 심의" in page and f">{numbers[0]}호 " not in page
    assert 'value="옥외"' in page  # the filter is shown as typed
    page = client.get("/admin/votes/new?sector=no-such&from=abc").get_data(as_text=True)
    assert "조건에 맞는 발표 과제가 없습니다." in page
    assert client.get(f"/admin/votes/new?from={2**70}").status_code == 200


def test_a_round_from_typed_numbers_loads_only_the_chosen(app, client, monkeypatch):
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from webapp import admin as admin_views

    monkeypatch.setattr(admin_views, "CANDIDATES_SHOWN", 1)
    with app.app_context():
        register = _register(6)
        admin = account(Role.ADMIN)
    numbers = [no for _, no in register]
    login(client, admin)
    token = csrf_token(client, "/admin/votes/new")
    loaded: set[int] = set()

    def count(session, instance):  # type: ignore[no-untyped-def]
        if isinstance(instance, Proposal):
            loaded.add(instance.id)

    event.listen(Session, "loaded_as_persistent", count)
    try:
        response = client.post(
            f"/admin/votes/new?from={numbers[0]}",
            data=_round_form(
                token, numbers=f"{numbers[4]}호, {numbers[1]}-{numbers[2]}", candidates=[]
            ),
        )
    finally:
        event.remove(Session, "loaded_as_persistent", count)
    assert response.status_code == 303, response.get_data(as_text=True)
    # The shown page (1 row and the probe of the next) and the three chosen: not the register.
    assert loaded <= {register[i][0] for i in (0, 1, 2, 4)}
    with app.app_context():
        vote_round = db.session.scalars(select(VoteRound)).one()
        chosen = [c.proposal_id for c in vote_round.candidates]
    assert chosen == [register[1][0], register[2][0], register[4][0]]


def test_ticked_and_typed_candidates_are_merged(app, client):
    with app.app_context():
        register = _register(3)
        admin = account(Role.ADMIN)
    login(client, admin)
    token = csrf_token(client, "/admin/votes/new")
    response = client.post(
        "/admin/votes/new",
        data=_round_form(
            token, candidates=[str(register[2][0])], numbers=f"{register[0][1]}, {register[2][1]}"
        ),
    )
    assert response.status_code == 303
    with app.app_context():
        vote_round = db.session.scalars(select(VoteRound)).one()
        assert [c.proposal_id for c in vote_round.candidates] == [register[0][0], register[2][0]]


def test_bad_candidate_numbers_are_named_and_everything_typed_is_kept(app, client):
    with app.app_context():
        register = _register(2)
        other = factories.proposal_in(State.IN_REVIEW)
        commit(db.session)
        other_id = other.id
        admin = account(Role.ADMIN)
    login(client, admin)
    token = csrf_token(client, "/admin/votes/new")
    last = register[-1][1]
    cases = {
        f"1-{last}, 3x": "‘3x’: 번호나 범위로 읽을 수 없습니다",
        f"{last}-1": f"‘{last}-1’: 범위의 앞 번호가 뒤 번호보다 큽니다",
        "1-100000": "후보는 500건까지입니다",
        f"{last + 5}": f"발표된 규제철폐 과제에 없는 번호입니다: {last + 5}호",
    }
    for typed, message in cases.items():
        response = client.post(
            "/admin/votes/new?q=%EA%B7%9C%EC%A0%9C",
            data=_round_form(token, numbers=typed, candidates=[str(register[0][0])]),
        )
        page = response.get_data(as_text=True)
        assert response.status_code == 422, typed
        assert message in page, typed
        assert 'id="error-summary"' in page and 'href="#numbers"' in page
        assert f">{typed}</textarea>" in page.replace("\r", "").replace(
            "\n", ""
        )  # what was typed is kept
        assert 'value="공감 10선"' in page and 'value="규제"' in page
        # the ticked box stays ticked although the filter does not list it
        assert re.search(
            rf'value="{register[0][0]}"[^>]*checked|checked[^>]*value="{register[0][0]}"', page
        )
    nothing = client.post("/admin/votes/new", data=_round_form(token))
    assert nothing.status_code == 422
    assert "후보를 한 건 이상 고르거나 번호를 입력하십시오." in nothing.get_data(as_text=True)
    for ticked in (str(other_id), str(2**70)):
        refused = client.post("/admin/votes/new", data=_round_form(token, candidates=[ticked]))
        assert refused.status_code == 422
        assert "발표된 규제철폐 과제만 후보가 될 수 있습니다" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(VoteRound)) == 0


def _rows(app) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    """How many rounds, candidates, outbox messages and events there are."""
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(model)) or 0
            for model in (VoteRound, VoteCandidate, OutboxMessage, ProposalEvent)
        )


def test_ticks_survive_next_search_and_clear_and_only_the_save_opens_a_round(
    app, client, monkeypatch
):
    from webapp import admin as admin_views

    monkeypatch.setattr(admin_views, "CANDIDATES_SHOWN", 2)
    with app.app_context():
        register = _register(5)
        admin = account(Role.ADMIN)
    login(client, admin)
    ids = [i for i, _ in register]
    numbers = [no for _, no in register]
    token = csrf_token(client, "/admin/votes/new")
    before = _rows(app)

    # Page 1: tick the first repeal, then "next" (the button carries the last number shown).
    page = client.post(
        "/admin/votes/new",
        data=_round_form(token, candidates=[str(ids[0])], after=str(numbers[1])),
    )
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f">{numbers[2]}호 " in text and f">{numbers[3]}호 " in text
    assert checked_ids(text, "candidates") == {ids[0]}  # listed again, still ticked
    assert "다른 목록에서 고른 후보" in text and "1건을 골랐습니다." in text
    assert 'value="공감 10선"' in text  # what was typed stays
    assert f'name="page_after" value="{numbers[1]}"' in text

    # Page 2: tick one more; a search for nothing keeps both.
    ticks = checked_ids(text, "candidates") | {ids[3]}
    page = client.post(
        "/admin/votes/new",
        data=_round_form(token, candidates=[str(i) for i in ticks], picker="search", q="없는 낱말"),
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "조건에 맞는 발표 과제가 없습니다." in text
    assert checked_ids(text, "candidates") == {ids[0], ids[3]}
    assert "2건을 골랐습니다." in text and 'value="없는 낱말"' in text

    # Untick the first (the browser posts the others), and "clear" drops them all.
    page = client.post(
        "/admin/votes/new", data=_round_form(token, candidates=[str(ids[3])], picker="search")
    )
    assert checked_ids(page.get_data(as_text=True), "candidates") == {ids[3]}
    cleared = client.post(
        "/admin/votes/new",
        data=_round_form(token, candidates=[str(ids[0]), str(ids[3])], picker="clear"),
    ).get_data(as_text=True)
    assert checked_ids(cleared, "candidates") == set() and "0건을 골랐습니다." in cleared
    assert _rows(app) == before  # moving through the list changed nothing

    # A move is a POST like any other: without the CSRF token it is refused.
    forged = client.post("/admin/votes/new", data={"after": str(numbers[1])})
    assert forged.status_code == 400

    # The save gets every box ticked on any page.
    saved = client.post(
        "/admin/votes/new",
        data=_round_form(token, candidates=[str(ids[0]), str(ids[3])], page_after=numbers[1]),
    )
    assert saved.status_code == 303, saved.get_data(as_text=True)
    with app.app_context():
        vote_round = db.session.scalars(select(VoteRound)).one()
        assert [c.proposal_id for c in vote_round.candidates] == [ids[0], ids[3]]


def test_a_move_with_more_ticks_than_the_cap_says_so(app, client, monkeypatch):
    monkeypatch.setattr(voting, "MAX_CANDIDATES", 2)
    with app.app_context():
        register = _register(3)
        admin = account(Role.ADMIN)
    login(client, admin)
    token = csrf_token(client, "/admin/votes/new")
    page = client.post(
        "/admin/votes/new",
        data=_round_form(token, candidates=[str(i) for i, _ in register], picker="search"),
    )
    assert page.status_code == 200
    assert "후보는 2건까지입니다" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(VoteRound)) == 0


def test_a_ticked_repeal_that_stopped_being_a_candidate_is_unticked_with_a_word(
    app, client, monkeypatch
):
    """A ticked box whose proposal is not (or no longer) an announced repeal is listed no more:
    the form unticks it and says so, instead of dropping it unsaid. (An announcement stands, so
    here the box is one posted for a proposal still in review.)"""
    from webapp import admin as admin_views

    monkeypatch.setattr(admin_views, "CANDIDATES_SHOWN", 2)
    with app.app_context():
        register = _register(4)
        admin = account(Role.ADMIN)
    login(client, admin)
    ids = [i for i, _ in register]
    token = csrf_token(client, "/admin/votes/new")
    with app.app_context():
        other = factories.submitted()
        commit(db.session)
        other_id = other.id
    page = client.post(
        "/admin/votes/new",
        data=_round_form(token, candidates=[str(ids[0]), str(other_id)], picker="search"),
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "고른 후보 중 1건은 그사이 후보가 될 수 없게 되어 선택에서 빠졌습니다." in text
    assert checked_ids(text, "candidates") == {ids[0]} and "1건을 골랐습니다." in text
    assert 'value="공감 10선"' in text  # what was typed stays
    # The save is not quieter: a gone repeal posted with it is refused by name of the rule.
    refused = client.post(
        "/admin/votes/new", data=_round_form(token, candidates=[str(ids[0]), str(other_id)])
    )
    assert refused.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(VoteRound)) == 0
