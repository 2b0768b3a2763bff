"""The repeal register, announcements and public proposals, with personal data masked."""

from __future__ import annotations

from datetime import date

from models import Role, State, db
from tests import factories
from workflows import announcement as announcing
from workflows import triage
from workflows.dispatch import commit

SECRET_PHONE = "010-2345-6789"


def _scene():  # type: ignore[no-untyped-def]
    office = factories.Office()
    proposer = factories.user(Role.CITIZEN, name="홍길동")
    repeal = factories.proposal_in(State.ANNOUNCED, proposer=proposer, office=office)
    announcing.update_implementation(
        db.session,
        office.reviewer,
        repeal,
        stage="in_force",
        ordinance_change_needed=True,
        effective_on=date(2025, 6, 1),
    )
    talky = factories.submitted(
        problem=f"문의는 {SECRET_PHONE} 또는 hong@private.example 로 주세요."
    )
    triage.start_review(db.session, office.reviewer, talky)
    hidden = factories.submitted(title="아직 검토 전인 제안")
    withdrawn = factories.proposal_in(State.WITHDRAWN, office=office)
    commit(db.session)
    return (
        repeal.repeal_no,
        repeal.receipt_no,
        talky.receipt_no,
        hidden.receipt_no,
        withdrawn.receipt_no,
    )


def test_register_lists_repeals_in_number_order_with_implementation(app, client):
    with app.app_context():
        number, *_ = _scene()
    page = client.get("/repeals").get_data(as_text=True)
    assert f'data-number="{number}"' in page and "시행" in page and "2025-06-01" in page
    body = client.get("/api/v1/repeals").get_json()
    assert [r["number"] for r in body] == [number]
    assert set(body[0]) >= {
        "number",
        "title",
        "sector",
        "regulation_type",
        "announcement",
        "announced_on",
        "receipt_no",
    }
    assert body[0]["implementation"] == "in_force"


def test_repeal_page_masks_the_proposer(app, client):
    with app.app_context():
        number, receipt, *_ = _scene()
    page = client.get(f"/repeals/{number}").get_data(as_text=True)
    assert "홍*동" in page and "홍길동" not in page
    assert f"규제철폐 {number}호" in page and receipt in page
    assert client.get("/repeals/999").status_code == 404


def test_public_proposal_masks_personal_data_in_the_text(app, client):
    with app.app_context():
        _n, _r, talky, *_ = _scene()
    page = client.get(f"/proposals/{talky}").get_data(as_text=True)
    assert SECRET_PHONE not in page and "hong@private.example" not in page
    assert "010-****-6789" in page and "h***@private.example" in page


def test_unscreened_and_withdrawn_proposals_are_not_public(app, client):
    with app.app_context():
        _n, _r, _t, hidden, withdrawn = _scene()
    assert client.get(f"/proposals/{hidden}").status_code == 404
    assert client.get(f"/proposals/{withdrawn}").status_code == 404
    listing = client.get("/proposals").get_data(as_text=True)
    assert hidden not in listing and withdrawn not in listing and "아직 검토 전인" not in listing


def test_announcement_has_a_public_page(app, client):
    with app.app_context():
        number, *_ = _scene()
    listing = client.get("/announcements").get_data(as_text=True)
    assert "주간 발표" in listing and '<span class="note">1건</span>' in listing  # counted in SQL
    import re

    link = re.search(r'href="(/announcements/\d+)"', listing).group(1)
    page = client.get(link).get_data(as_text=True)
    assert f"{number}호" in page


def test_filters_work_and_bad_codes_get_a_clear_message(app, client):
    with app.app_context():
        _scene()
    assert "조건에 맞는 규제철폐 과제가 없습니다" in client.get(
        "/repeals?sector=admin_welfare"
    ).get_data(as_text=True)
    response = client.get("/repeals?sector=nope")
    assert response.status_code == 400
    assert "알 수 없는 분야 코드입니다" in response.get_data(as_text=True)
    assert client.get("/api/v1/repeals?regulation_type=zzz").status_code == 400
    response = client.get("/proposals?page=99999999")
    assert response.status_code == 400
    assert "쪽 번호" in response.get_data(as_text=True)
    assert client.get("/proposals?stage=review").status_code == 200
