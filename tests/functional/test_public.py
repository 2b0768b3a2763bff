from __future__ import annotations

import re

from models import Role, State, db
from tests import factories
from workflows.dispatch import commit


def _figure(page: str, attribute: str, code: str) -> int:
    match = re.search(rf'data-{attribute}="{code}">[^<]*<strong>([\d,]+)</strong>', page)
    assert match, f"{attribute}={code} not on the page"
    return int(match.group(1).replace(",", ""))


def test_home_page_counts_what_the_database_holds(app, client):
    with app.app_context():
        office = factories.Office()
        factories.proposal_in(State.ANNOUNCED, office=office)
        factories.proposal_in(
            State.SUBMITTED, proposer=factories.user(Role.OFFICIAL), office=office
        )
        factories.proposal_in(State.DRAFT, office=office)  # drafts are not received
        commit(db.session)
    page = client.get("/").get_data(as_text=True)
    assert re.search(r'id="received-total">2<', page)
    assert re.search(r'id="repeals-total">1<', page)
    assert _figure(page, "source", "citizen") == 1
    assert _figure(page, "source", "official") == 1
    assert _figure(page, "sector", "construction_housing") == 1
    assert '<html lang="ko">' in page


def test_unknown_campaign_gets_a_clear_message(app, client):
    response = client.get("/?campaign=nope")
    assert response.status_code == 400
    assert "알 수 없는 캠페인 코드입니다" in response.get_data(as_text=True)


def test_english_through_the_translation_layer(app, client):
    page = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Proposals received" in page and "Citizen" in page
    # The choice sticks for the session.
    assert "Proposals received" in client.get("/").get_data(as_text=True)


def test_the_language_link_keeps_the_filters_of_the_page(app, client):
    page = client.get("/proposals?sector=admin_welfare&page=1").get_data(as_text=True)
    assert 'href="?sector=admin_welfare&amp;page=1&amp;lang=en" lang="en"' in page
    page = client.get("/proposals?sector=admin_welfare&lang=en").get_data(as_text=True)
    assert 'href="?sector=admin_welfare&amp;lang=ko" lang="ko"' in page


def test_unknown_page_is_a_korean_404_with_a_request_id(app, client):
    response = client.get("/no-such-page")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "찾으시는 페이지가 없습니다." in page
    assert response.headers["X-Request-Id"] in page


def test_repeals_by_sector_and_type_with_examples_in_number_order(app, client):
    with app.app_context():
        office = factories.Office()
        first = factories.proposal_in(State.ANNOUNCED, office=office)
        second = factories.proposal_in(State.ANNOUNCED, office=office)
        titles = (first.title, first.repeal_no, second.repeal_no)
        commit(db.session)
    page = client.get("/").get_data(as_text=True)
    row = re.search(
        r'data-sector="construction_housing" data-type="economic">(.*?)</tr>', page, re.S
    ).group(1)
    assert '<td class="num">2</td>' in row
    assert f"규제철폐 {titles[1]}호 · {titles[0]}" in row
    assert f"규제철폐 {titles[2]}호" in row


def test_repeal_register_is_paged_in_number_order(app, client):
    with app.app_context():
        office = factories.Office()
        for _ in range(3):
            factories.proposal_in(State.ANNOUNCED, office=office)
        commit(db.session)
    first = client.get("/repeals?per_page=2").get_data(as_text=True)
    assert re.findall(r'data-number="(\d+)"', first) == ["1", "2"]
    assert "3건" in first and 'rel="next"' in first
    second = client.get("/repeals?per_page=2&page=2").get_data(as_text=True)
    assert re.findall(r'data-number="(\d+)"', second) == ["3"]
    assert 'rel="prev"' in second and 'rel="next"' not in second
