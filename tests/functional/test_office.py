"""The office's workspace through the pages: queues and filters, bulk actions, every triage and
review form with its refusals, optimistic locking, officials' share, and the access rules."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select, update

from models import MailLog, Proposal, Review, Role, State, db
from tests import factories
from tests.functional.helpers import HOSTILE_CURSORS, account, login
from webapp.filters import decode_time_key
from workflows.dispatch import commit
from workflows.numbering import SEOUL


def form_token(page: str) -> str:
    match = re.search(r'name="[a-z_]*-?csrf_token" type="hidden" value="([^"]+)"', page)
    if match is None:
        match = re.search(r'name="[a-z_]*-?csrf_token" value="([^"]+)"', page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def version_of(page: str, action: str) -> str:
    match = re.search(rf'name="{action}-version" type="hidden" value="(\d+)"', page)
    assert match, f"no {action} form on the page"
    return match.group(1)


def post_action(client, receipt_no: str, action: str, **values: str):  # type: ignore[no-untyped-def]
    page = client.get(f"/office/proposals/{receipt_no}").get_data(as_text=True)
    data = {f"{action}-csrf_token": form_token(page), f"{action}-version": version_of(page, action)}
    data.update({f"{action}-{k}": v for k, v in values.items()})
    return client.post(f"/office/proposals/{receipt_no}/actions/{action}", data=data)


@pytest.fixture
def office(app):  # type: ignore[no-untyped-def]
    with app.app_context():
        return account(Role.REVIEWER)


def submitted(app, **fields):  # type: ignore[no-untyped-def]
    with app.app_context():
        proposal = factories.submitted(**fields)
        commit(db.session)
        return proposal.receipt_no, proposal.id


def test_pages_render_for_a_reviewer(app, client, office):
    receipt, _id = submitted(app)
    login(client, office)
    queue = client.get("/office/")
    assert queue.status_code == 200
    assert receipt in queue.get_data(as_text=True)
    page = client.get(f"/office/proposals/{receipt}")
    assert page.status_code == 200
    assert "start_review-version" in page.get_data(as_text=True)
    english = client.get("/office/?lang=en").get_data(as_text=True)
    assert "New intake" in english and "Ready for deliberation" in english
    assert "Full event trail" in client.get(f"/office/proposals/{receipt}").get_data(as_text=True)


def proposal_row(app, receipt_no: str) -> Proposal:  # type: ignore[no-untyped-def]
    with app.app_context():
        found = db.session.scalar(select(Proposal).where(Proposal.receipt_no == receipt_no))
        db.session.expunge(found)
        return found


def test_every_triage_and_review_form_works_from_the_page(app, client, office):
    receipt, _id = submitted(app)
    earlier_receipt, _ = submitted(app, title="먼저 온 제안")
    duplicate_receipt, _ = submitted(app, title="소규모 건축물 용적률 완화 요청")
    forward_receipt, _ = submitted(app)
    decline_receipt, _ = submitted(app)
    with app.app_context():
        colleague = account(Role.REVIEWER, name="김검토")
        factories.organisation("housing", factories.OrganisationKind.DEPARTMENT)
        commit(db.session)
    login(client, office)

    assert post_action(client, receipt, "start_review").status_code == 303
    assert proposal_row(app, receipt).state is State.IN_REVIEW
    post_action(
        client, receipt, "classify_proposal", sector="admin_welfare", regulation_type="economic"
    )
    assert proposal_row(app, receipt).sector_code == "admin_welfare"
    post_action(client, receipt, "assign_reviewer", reviewer=str(colleague.id))
    assert proposal_row(app, receipt).assigned_reviewer_id == colleague.id
    post_action(client, receipt, "transfer_to_department", department="housing")
    moved = proposal_row(app, receipt)
    assert moved.owning_department_id is not None and moved.department_due_on is not None
    post_action(client, receipt, "request_information", question="사례를 알려 주십시오")
    assert proposal_row(app, receipt).state is State.INFO_REQUESTED
    page = client.get(f"/office/proposals/{receipt}").get_data(as_text=True)
    assert "보완 대기로 정지" in page  # the clock is shown paused

    merged = post_action(client, duplicate_receipt, "merge_proposal", into=earlier_receipt)
    assert merged.status_code == 303
    assert proposal_row(app, duplicate_receipt).state is State.MERGED
    survivor = client.get(f"/office/proposals/{earlier_receipt}").get_data(as_text=True)
    assert duplicate_receipt in survivor and 'id="duplicates"' in survivor
    pointer = client.get(f"/office/proposals/{duplicate_receipt}").get_data(as_text=True)
    assert f">{earlier_receipt}</a>" in pointer
    with app.app_context():
        told = db.session.scalars(select(MailLog.subject)).all()
        assert any("병합" in s for s in told) and len(told) >= 2  # both proposers told

    post_action(
        client, forward_receipt, "forward_to_central", reasons="법률 사항", external_ref="국조-12"
    )
    forwarded = proposal_row(app, forward_receipt)
    assert forwarded.outcome.value == "forward_central" and forwarded.external_ref == "국조-12"
    post_action(
        client, decline_receipt, "decline_proposal", reason_code="safety", reasons="안전 우려"
    )
    assert proposal_row(app, decline_receipt).outcome.value == "not_accepted"

    other, _ = submitted(app)
    post_action(client, other, "start_review")
    post_action(client, other, "record_review", opinion="철폐 권고", recommendation="repeal")
    assert proposal_row(app, other).reviewed_at is not None
    ready = client.get("/office/?queue=ready").get_data(as_text=True)
    assert other in ready and receipt not in ready
    post_action(client, other, "send_to_deliberation")
    assert proposal_row(app, other).state is State.IN_DELIBERATION


def test_refusals_keep_what_was_typed_and_name_the_rule(app, client, office):
    receipt, _ = submitted(app)
    login(client, office)
    missing = post_action(
        client, receipt, "decline_proposal", reason_code="", reasons="이유를 길게 썼습니다"
    )
    assert missing.status_code == 422
    page = missing.get_data(as_text=True)
    assert "불수용 사유 코드를 선택해 주십시오" in page and "이유를 길게 썼습니다" in page
    # The state forbids it: the rule is named, and nothing changed.
    refused = client.post(
        f"/office/proposals/{receipt}/actions/send_to_deliberation",
        data={
            "send_to_deliberation-csrf_token": form_token(
                client.get("/office/").get_data(as_text=True)
            ),
            "send_to_deliberation-note": "메모",
        },
    )
    assert refused.status_code == 409
    assert "접수된 제안은 심의에 회부할 수 없습니다" in refused.get_data(as_text=True)
    assert proposal_row(app, receipt).state is State.SUBMITTED
    # No CSRF token: refused.
    assert client.post(f"/office/proposals/{receipt}/actions/start_review").status_code == 400


def test_a_concurrent_change_is_reported_and_the_text_kept(app, client, office):
    receipt, _ = submitted(app)
    login(client, office)
    post_action(client, receipt, "start_review")
    page = client.get(f"/office/proposals/{receipt}").get_data(as_text=True)
    stale_version = version_of(page, "request_information")
    token = form_token(page)
    # Someone else classifies it first.
    with app.app_context():
        other = factories.user(Role.REVIEWER)
        from workflows import triage

        found = db.session.scalar(select(Proposal).where(Proposal.receipt_no == receipt))
        triage.classify_proposal(
            db.session, other, found, sector_code="admin_welfare", regulation_type_code="economic"
        )
        commit(db.session)
    response = client.post(
        f"/office/proposals/{receipt}/actions/request_information",
        data={
            "request_information-csrf_token": token,
            "request_information-version": stale_version,
            "request_information-question": "제가 길게 쓴 질문입니다",
        },
    )
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "다른 사용자가 먼저 변경했습니다" in text and "제가 길게 쓴 질문입니다" in text
    assert proposal_row(app, receipt).state is State.IN_REVIEW
    # Submitting again from the re-rendered form (now at the current version) goes through.
    again = client.post(
        f"/office/proposals/{receipt}/actions/request_information",
        data={
            "request_information-csrf_token": token,
            "request_information-version": version_of(text, "request_information"),
            "request_information-question": "제가 길게 쓴 질문입니다",
        },
    )
    assert again.status_code == 303
    assert proposal_row(app, receipt).state is State.INFO_REQUESTED


def test_bulk_actions_report_what_was_done_and_skipped(app, client, office):
    fresh, _ = submitted(app)
    with app.app_context():
        office_staff = factories.Office()
        in_review = factories.proposal_in(State.IN_REVIEW, office=office_staff)
        decided = factories.proposal_in(State.DECIDED, office=office_staff)
        commit(db.session)
        ids = {fresh: None, in_review.receipt_no: in_review.id, decided.receipt_no: decided.id}
        ids[fresh] = db.session.scalar(select(Proposal.id).where(Proposal.receipt_no == fresh))
    login(client, office)
    page = client.get("/office/").get_data(as_text=True)
    response = client.post(
        "/office/bulk",
        data={
            "csrf_token": form_token(page),
            "action": "send_to_deliberation",
            "ids": [str(i) for i in ids.values()],
            "back": "/office/?queue=all",
        },
    )
    assert response.status_code == 303 and response.headers["Location"].endswith(
        "/office/?queue=all"
    )
    summary = client.get("/office/").get_data(as_text=True)
    assert "1건 처리, 2건 제외" in summary
    assert "접수된 제안은 심의에 회부할 수 없습니다" in summary
    assert "결정된 제안은 심의에 회부할 수 없습니다" in summary
    assert proposal_row(app, list(ids)[1]).state is State.IN_DELIBERATION
    classify = client.post(
        "/office/bulk",
        data={
            "csrf_token": form_token(summary),
            "action": "classify_proposal",
            "sector": "business_smallbiz",
            "regulation_type": "excessive_standard",
            "ids": [str(ids[fresh])],
            "back": "https://evil.example/",
        },
    )
    assert classify.headers["Location"].endswith("/office/")  # no open redirect
    assert proposal_row(app, fresh).sector_code == "business_smallbiz"
    assign = client.post(
        "/office/bulk",
        data={
            "csrf_token": form_token(summary),
            "action": "assign_reviewer",
            "ids": [str(ids[fresh])],
        },
    )
    assert assign.status_code == 303
    skipped = client.get("/office/").get_data(as_text=True)
    assert "0건 처리, 1건 제외" in skipped and "검토자를 선택해 주십시오" in skipped
    assert proposal_row(app, fresh).assigned_reviewer_id is None  # no reviewer chosen: skipped


def test_queues_count_filter_and_page_with_state_in_the_url(app, client, office):
    with app.app_context():
        for n in range(3):
            factories.submitted(title=f"주차장 규제 {n}")
        waiting = factories.proposal_in(State.INFO_REQUESTED)
        commit(db.session)
        waiting_no = waiting.receipt_no
    login(client, office)
    page = client.get("/office/?limit=2&sort=oldest").get_data(as_text=True)
    assert re.search(r'data-queue="new"[^>]*>[^<]*<span class="count">3<', page)
    assert re.search(r'data-queue="waiting"[^>]*>[^<]*<span class="count">1<', page)
    next_link = re.search(r'href="([^"]+)" rel="next"', page)
    assert next_link and "after=" in next_link.group(1) and "sort=oldest" in next_link.group(1)
    second = client.get(next_link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    first_rows = re.findall(r'data-receipt="([^"]+)"', page)
    second_rows = re.findall(r'data-receipt="([^"]+)"', second)
    assert len(first_rows) == 2 and not set(first_rows) & set(second_rows)
    # The cursor is the registers' (UTC, "Z"); a link of the form written before (isoformat,
    # "+00:00") or the same moment with another offset still opens the same page.
    after = parse_qs(urlsplit(html.unescape(next_link.group(1))).query)["after"][0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z_\d+", after)
    moment, number = decode_time_key(after)
    for old in (
        f"{moment.isoformat()}_{number}",
        f"{moment.astimezone(SEOUL).isoformat()}_{number}",
    ):
        same = client.get("/office/", query_string={"limit": 2, "sort": "oldest", "after": old})
        assert re.findall(r'data-receipt="([^"]+)"', same.get_data(as_text=True)) == second_rows
    waiting_page = client.get("/office/?queue=waiting").get_data(as_text=True)
    assert re.findall(r'data-receipt="([^"]+)"', waiting_page) == [waiting_no]
    keyword = client.get("/office/?q=주차장").get_data(as_text=True)
    assert len(re.findall(r'data-receipt="([^"]+)"', keyword)) == 3
    bad = client.get("/office/?sector=zzz")
    assert bad.status_code == 400 and "알 수 없는 분야 코드" in bad.get_data(as_text=True)
    # Hand-made cursors: no offset, an id the column cannot hold, garbage: a 400 naming it.
    for cursor in HOSTILE_CURSORS:
        refused = client.get("/office/", query_string={"after": cursor})
        assert refused.status_code == 400 and "페이지 위치가 올바르지 않습니다" in refused.get_data(
            as_text=True
        )


def test_overdue_queue_and_deadlines_pause_while_waiting(app, client, office):
    with app.app_context():
        old = factories.submitted(title="오래된 제안")
        fresh = factories.submitted(title="새 제안")
        commit(db.session)
        # Submitted 40 calendar days ago: past the 14-business-day first-review target.
        db.session.execute(
            update(Proposal)
            .where(Proposal.id == old.id)
            .values(submitted_at=old.submitted_at - timedelta(days=40))
        )
        db.session.commit()
        old_no, fresh_no = old.receipt_no, fresh.receipt_no
    login(client, office)
    overdue = client.get("/office/?queue=overdue").get_data(as_text=True)
    assert re.findall(r'data-receipt="([^"]+)"', overdue) == [old_no]
    assert 'class="overdue"' in overdue and "일 초과" in overdue
    assert fresh_no in client.get("/office/?queue=new").get_data(as_text=True)


def test_department_officials_see_their_share_and_owe_a_justification(app, client, office):
    with app.app_context():
        dept = factories.organisation("housing", factories.OrganisationKind.DEPARTMENT)
        official = account(Role.OFFICIAL)
        from models import User

        db.session.get(User, official.id).organisation_id = dept.id
        theirs = factories.proposal_in(State.IN_REVIEW)
        others = factories.proposal_in(State.IN_REVIEW)
        from workflows import triage

        triage.transfer_to_department(
            db.session, factories.user(Role.REVIEWER), theirs, department=dept
        )
        commit(db.session)
        theirs_no, others_no = theirs.receipt_no, others.receipt_no
    login(client, official)
    queue = client.get("/office/").get_data(as_text=True)
    assert theirs_no in queue and others_no not in queue
    assert client.get(f"/office/proposals/{others_no}").status_code == 404
    page = client.get(f"/office/proposals/{theirs_no}").get_data(as_text=True)
    assert 'id="contact"' not in page  # contact details are for the office only
    assert "record_department_opinion-version" in page and "start_review-version" not in page
    missing = post_action(
        client, theirs_no, "record_department_opinion", stance="keep", opinion="존치합니다"
    )
    assert missing.status_code == 422
    assert "규제를 존치하려면 규제의 목적을 입력해야 합니다" in missing.get_data(as_text=True)
    done = post_action(
        client,
        theirs_no,
        "record_department_opinion",
        stance="keep",
        opinion="존치합니다",
        keep_purpose="보행 안전",
        keep_evidence="사고 통계 2024",
        keep_harm_if_repealed="사고 증가",
        keep_alternatives="시간제 허용 검토",
        keep_responsible_official="박과장",
    )
    assert done.status_code == 303
    with app.app_context():
        kept = db.session.scalar(select(Review).where(Review.keep_purpose == "보행 안전"))
        assert kept.keep_responsible_official == "박과장"
    assert "소관부서 의견 제출" in client.get(f"/office/proposals/{theirs_no}").get_data(
        as_text=True
    )


def test_a_missing_department_justification_is_shown_as_missing(app, client, office):
    with app.app_context():
        dept = factories.organisation("housing", factories.OrganisationKind.DEPARTMENT)
        proposal = factories.proposal_in(State.IN_REVIEW)
        from workflows import triage

        triage.transfer_to_department(
            db.session, factories.user(Role.REVIEWER), proposal, department=dept
        )
        commit(db.session)
        db.session.execute(
            update(Proposal)
            .where(Proposal.id == proposal.id)
            .values(department_due_on=proposal.department_due_on - timedelta(days=30))
        )
        db.session.commit()
        receipt = proposal.receipt_no
    login(client, office)
    page = client.get(f"/office/proposals/{receipt}").get_data(as_text=True)
    assert "기한 내 소관부서 의견·존치 근거 미제출" in page and "status-missing" in page


def test_the_staff_page_shows_the_full_trail_contact_and_similar_proposals(app, client, office):
    with app.app_context():
        first = factories.submitted(title="마을버스 환승 시간 완화")
        second = factories.submitted(title="마을버스 환승 시간을 2시간으로 완화")
        unrelated = factories.submitted(
            title="청년수당 해외 결제 허용",
            current_regulation="청년수당은 국내 가맹점 결제만 허용됩니다.",
            problem="해외에 체류하는 청년은 수당을 쓸 수 없습니다.",
            proposed_change="해외 결제를 예외적으로 허용합니다.",
            expected_effect="청년의 구직 활동을 돕습니다.",
            legal_basis=None,
            sector_code="admin_welfare",
        )
        commit(db.session)
        receipts = first.receipt_no, second.receipt_no, unrelated.receipt_no
    login(client, office)
    page = client.get(f"/office/proposals/{receipts[1]}").get_data(as_text=True)
    similar = page.split('id="similar"')[1].split("</section>")[0]
    assert receipts[0] in similar and receipts[2] not in similar
    # "Merge into this" opens the merge form with the earlier receipt number filled in.
    assert f"merge_into={receipts[0]}" in similar
    prefilled = client.get(f"/office/proposals/{receipts[1]}?merge_into={receipts[0]}")
    assert f'name="merge_proposal-into" type="text" value="{receipts[0]}"' in prefilled.get_data(
        as_text=True
    )
    assert 'id="contact"' in page and 'data-kind="submit_proposal"' in page


@pytest.mark.parametrize("role", [Role.CITIZEN, Role.PANEL_MEMBER, Role.AGENCY_STAFF, Role.ADMIN])
def test_the_workspace_is_closed_to_other_roles(app, client, role):
    receipt, _ = submitted(app)
    with app.app_context():
        user = account(role)
    assert client.get("/office/").status_code == 302  # anonymous: to the login page
    login(client, user)
    assert client.get("/office/").status_code == 403
    assert client.get(f"/office/proposals/{receipt}").status_code == 403


def test_an_official_cannot_run_office_operations(app, client):
    with app.app_context():
        dept = factories.organisation("housing", factories.OrganisationKind.DEPARTMENT)
        official = account(Role.OFFICIAL)
        from models import User

        db.session.get(User, official.id).organisation_id = dept.id
        proposal = factories.submitted()
        from workflows import triage

        triage.transfer_to_department(
            db.session, factories.user(Role.REVIEWER), proposal, department=dept
        )
        commit(db.session)
        receipt = proposal.receipt_no
    login(client, official)
    page = client.get(f"/office/proposals/{receipt}").get_data(as_text=True)
    response = client.post(
        f"/office/proposals/{receipt}/actions/start_review",
        data={"start_review-csrf_token": form_token(page)},
    )
    assert response.status_code == 403
    assert "공무원 권한으로는 이 작업(start_review)을 할 수 없습니다" in response.get_data(
        as_text=True
    )
    bulk = client.post(
        "/office/bulk", data={"csrf_token": form_token(page), "action": "send_to_deliberation"}
    )
    assert bulk.status_code == 403


def test_reminders_go_once_a_day_to_each_assignee_with_what_is_due(app, runner, office):
    from pathlib import Path

    from workflows.mail import FileMailer

    with app.app_context():
        reviewer = db.session.get(factories.User, office.id)
        due = factories.submitted(title="기한 지난 제안")
        factories.submitted(title="담당자 없는 제안")
        from workflows import triage

        triage.assign_reviewer(db.session, reviewer, due, reviewer=reviewer)
        commit(db.session)
        receipt = due.receipt_no
    from models import utcnow
    from workflows.calendar import add_business_days

    day = add_business_days(utcnow(), 20).isoformat()
    first = runner.invoke(args=["reminders", "send", "--day", day])
    assert first.exit_code == 0 and "1 reminder(s) queued" in first.output
    again = runner.invoke(args=["reminders", "send", "--day", day])
    assert again.exit_code == 0
    mails = [
        m
        for m in FileMailer(Path(app.config["MAIL_FILE"])).messages()
        if "처리 기한 안내" in m["Subject"]
    ]
    assert len(mails) == 1 and mails[0]["To"] == office.email
    body = mails[0].get_body(preferencelist=("plain",)).get_content()
    assert receipt in body and "영업일 초과" in body and "담당자 없는 제안" not in body
    assert mails[0].get_body(preferencelist=("html",)) is not None
    nothing_due = runner.invoke(args=["reminders", "send"])
    assert "0 reminder(s) queued" in nothing_due.output


def _similar_section(client, receipt_no: str) -> str:  # type: ignore[no-untyped-def]
    page = client.get(f"/office/proposals/{receipt_no}").get_data(as_text=True)
    return page.split('id="similar"')[1].split("</section>")[0] if 'id="similar"' in page else ""


def test_a_duplicate_in_other_words_is_found_through_the_search_index(app, client, office):
    bus = {
        "current_regulation": "마을버스는 승차 후 최대 1시간까지만 환승하여 이용할 수 있습니다.",
        "problem": "마을버스로 환승해 멀리 가면 이용 시간이 모자랍니다.",
        "proposed_change": "마을버스 최대 이용 가능 시간을 2시간으로 완화합니다.",
        "expected_effect": "시민의 교통비 부담이 줄어듭니다.",
        "sector_code": "transport_env_safety",
    }
    with app.app_context():
        earlier = factories.submitted(title="마을버스 최대이용가능 시간 완화", **bus)
        factories.submitted(title="청년수당 해외 결제 허용")
        later = factories.submitted(title="동네 버스 갈아타기 제한이 너무 짧아요", **bus)
        commit(db.session)  # indexed after the commit (in-process in embedded mode)
        receipts = earlier.receipt_no, later.receipt_no
    login(client, office)
    # The titles share almost nothing: the title similarity alone would not list it.
    with app.app_context():
        from webapp.office.similar import title_similar

        assert not title_similar(db.session, proposal_row(app, receipts[1]))
    assert receipts[0] in _similar_section(client, receipts[1])


def test_similar_proposals_fall_back_to_titles_while_the_index_is_missing(app, client, office):
    import shutil

    with app.app_context():
        first = factories.submitted(title="마을버스 환승 시간 완화")
        second = factories.submitted(title="마을버스 환승 시간을 2시간으로 완화")
        commit(db.session)
        receipts = first.receipt_no, second.receipt_no
    shutil.rmtree(app.config["SEARCH_INDEX_DIR"], ignore_errors=True)
    login(client, office)
    similar = _similar_section(client, receipts[1])
    assert receipts[0] in similar and "%" in similar  # the title score is shown


def test_the_keyword_filter_goes_through_the_search_index_with_a_database_fallback(
    app, client, office
):
    import shutil
    from pathlib import Path

    from models import OutboxMessage
    from webapp.search_pages.service import REBUILD_JOB

    with app.app_context():
        bus = factories.submitted(title="마을버스 최대이용가능 시간 완화").receipt_no
        other = factories.submitted(title="입간판 재료 규제 완화").receipt_no
        commit(db.session)  # embedded mode: indexed after the commit
    login(client, office)

    def rows(query: str) -> list[str]:
        page = client.get("/office/", query_string={"q": query})
        assert page.status_code == 200
        return re.findall(r'data-receipt="([^"]+)"', page.get_data(as_text=True))

    # Spacing, particles and endings: only the index's analysis finds these.
    assert rows("마을버스이용시간") == [bus]
    assert rows("입간판 재료를") == [other]
    assert rows(other) == [other]  # a receipt number still finds its proposal
    assert sorted(rows("완화")) == sorted([bus, other])
    # The index gone: the filter matches in the database meanwhile, and a rebuild is queued.
    shutil.rmtree(Path(str(app.config["SEARCH_INDEX_DIR"])))
    assert rows("마을버스") == [bus]
    with app.app_context():
        rebuilds = db.session.scalars(select(OutboxMessage).where(OutboxMessage.job == REBUILD_JOB))
        assert len(list(rebuilds)) == 1
    assert rows("마을버스이용시간") == [bus]  # rebuilt (in-process, after that request)
