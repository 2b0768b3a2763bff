"""The issue-4 API: every operation by name with 200/403/409/422, the queue, announcements and
panel sessions, and the whole walk from triage to the public register through the API alone."""

from __future__ import annotations

from sqlalchemy import select

from models import TWO_FACTOR_ROLES, Organisation, OrganisationKind, Proposal, Role, State, db
from tests import factories
from tests.functional.helpers import PASSWORD, account, totp_code
from tests.functional.test_office import HOSTILE_CURSORS
from workflows.dispatch import commit


def token(client, user) -> dict[str, str]:  # type: ignore[no-untyped-def]
    body = {"email": user.email, "password": PASSWORD}
    if user.role in TWO_FACTOR_ROLES:
        body["otp"] = totp_code(client, user)
    response = client.post("/api/v1/tokens", json=body)
    assert response.status_code == 201
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def act(client, headers, receipt_no, action, **body):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/v1/proposals/{receipt_no}/actions/{action}", json=body, headers=headers
    )


def department(app, code: str = "housing") -> str:
    with app.app_context():
        factories.organisation(code, OrganisationKind.DEPARTMENT)
        commit(db.session)
    return code


def test_the_whole_issue_four_walk_through_the_api(app, client):
    with app.app_context():
        citizen = account(Role.CITIZEN, name="홍길동")
        reviewer = account(Role.REVIEWER)
        chair = account(Role.CHAIR)
        members = [account(Role.PANEL_MEMBER) for _ in range(3)]
        # An earlier announcement already used numbers 1 and 2.
        office = factories.Office()
        earlier = [factories.proposal_in(State.DECIDED, office=office) for _ in range(2)]
        notice = factories.draft_announcement(office, earlier, title="지난 발표")
        from workflows import announcement

        announcement.publish_announcement(db.session, office.chair, notice)
        commit(db.session)
    proposer = token(client, citizen)
    staff = token(client, reviewer)
    chief = token(client, chair)
    panel = [token(client, m) for m in members]
    created = client.post(
        "/api/v1/proposals",
        json={
            "title": "마을버스 최대 이용 시간 완화",
            "current_regulation": "마을버스 환승은 1시간 안에만 됩니다.",
            "problem": "배차 간격이 길어 환승 혜택을 못 받습니다.",
            "proposed_change": "2시간으로 늘립니다.",
            "expected_effect": "교통비 부담이 줄어듭니다.",
            "consent": True,
        },
        headers=proposer,
    )
    receipt = created.get_json()["receipt_no"]

    queue = client.get("/api/v1/queue?queue=new", headers=staff).get_json()
    assert [i["receipt_no"] for i in queue["items"]] == [receipt]
    assert queue["counts"]["new"] == 1

    assert act(client, staff, receipt, "start_review").get_json()["state"] == "in_review"
    classified = act(
        client,
        staff,
        receipt,
        "classify_proposal",
        sector="transport_env_safety",
        regulation_type="citizen_inconvenience",
    )
    assert classified.status_code == 200
    asked = act(client, staff, receipt, "request_information", question="노선 번호를 알려 주십시오")
    assert asked.get_json()["state"] == "info_requested"
    waiting = client.get("/api/v1/queue?queue=waiting", headers=staff).get_json()
    assert waiting["items"][0]["deadlines"][0]["paused"] is True
    # Only the proposer answers; the reviewer is refused by role.
    assert act(client, staff, receipt, "answer_information_request", answer="x").status_code == 403
    answered = act(client, proposer, receipt, "answer_information_request", answer="마을버스 01번")
    assert answered.get_json()["state"] == "in_review"
    reviewed = act(
        client, staff, receipt, "record_review", opinion="완화가 타당합니다", recommendation="relax"
    )
    assert reviewed.status_code == 200
    ready = client.get("/api/v1/queue?queue=ready", headers=staff).get_json()
    assert [i["receipt_no"] for i in ready["items"]] == [receipt]
    sent = act(client, staff, receipt, "send_to_deliberation")
    assert sent.get_json()["state"] == "in_deliberation"

    session = client.post(
        "/api/v1/panel-sessions",
        json={
            "title": "제1차 심사위원회",
            "held_on": "2025-02-04",
            "members": [m.email for m in members],
            "quorum": 2,
            "agenda": [receipt],
        },
        headers=staff,
    )
    assert session.status_code == 201, session.get_json()
    recused = act(client, panel[2], receipt, "declare_conflict", reason="자문 이력")
    assert recused.status_code == 200
    assert act(client, panel[2], receipt, "record_opinion", vote="repeal").status_code == 403
    for headers, vote in ((panel[0], "relax"), (panel[1], "relax")):
        opinion = act(client, headers, receipt, "record_opinion", vote=vote, score=4)
        assert opinion.status_code == 200
    decided = act(
        client,
        chief,
        receipt,
        "decide_proposal",
        outcome="relax",
        reasons="이용 시간을 2시간으로 완화합니다",
        responsible_official="김담당",
    )
    assert decided.get_json()["state"] == "decided"
    assert client.get("/api/v1/repeals").get_json()[-1]["receipt_no"] != receipt  # not public yet

    notice_id = client.post(
        "/api/v1/announcements",
        json={"title": "주간 규제철폐 발표", "announced_on": "2025-02-06"},
        headers=chief,
    ).get_json()["id"]
    added = client.post(
        f"/api/v1/announcements/{notice_id}/actions/add",
        json={"receipt_no": receipt},
        headers=chief,
    )
    assert added.status_code == 200
    published = client.post(f"/api/v1/announcements/{notice_id}/actions/publish", headers=chief)
    assert published.get_json()["proposals"] == [{"receipt_no": receipt, "repeal_no": 3}]

    register = client.get("/api/v1/repeals").get_json()
    assert [r["number"] for r in register] == [1, 2, 3]
    assert register[-1]["receipt_no"] == receipt
    assert register[-1]["announcement"] == "주간 규제철폐 발표"
    assert "규제철폐 3호" in client.get("/repeals/3").get_data(as_text=True)
    mine = client.get(f"/api/v1/proposals/{receipt}", headers=proposer).get_json()
    assert mine["state"] == "announced" and mine["repeal_no"] == 3


def test_refusals_answer_403_409_and_422_and_change_nothing(app, client):
    with app.app_context():
        reviewer = account(Role.REVIEWER)
        citizen = account(Role.CITIZEN)
        member = account(Role.PANEL_MEMBER)
        proposal = factories.submitted(citizen)
        commit(db.session)
        receipt, version = proposal.receipt_no, proposal.version
    staff, proposer, panel = token(client, reviewer), token(client, citizen), token(client, member)

    forbidden = act(client, panel, receipt, "start_review")
    assert forbidden.status_code == 403 and forbidden.get_json()["message"]
    conflict = act(client, staff, receipt, "send_to_deliberation")
    assert conflict.status_code == 409
    assert conflict.get_json()["rule"] == "send_to_deliberation.submitted"
    assert "심의에 회부할 수 없습니다" in conflict.get_json()["message"]
    invalid = act(client, staff, receipt, "decline_proposal", reason_code="", reasons=" ")
    assert invalid.status_code == 422
    assert set(invalid.get_json()["errors"]) == {"reason_code", "reasons"}
    unknown = act(client, staff, receipt, "decline_proposal", reason_code="zzz", reasons="x")
    assert unknown.status_code == 422 and set(unknown.get_json()["errors"]) == {"reason_code"}
    wrong_type = act(client, staff, receipt, "assign_reviewer", reviewer="someone")
    assert wrong_type.status_code == 422 and "reviewer" in wrong_type.get_json()["errors"]
    stale = act(client, staff, receipt, "start_review", version=version + 7)
    assert stale.status_code == 409 and stale.get_json()["rule"] == "version"
    # The proposer may act on their own proposal only as a proposer.
    assert act(client, proposer, receipt, "start_review").status_code == 403
    other = token(client, _other_citizen(app))
    assert act(client, other, receipt, "withdraw_proposal").status_code == 404
    assert act(client, staff, "2099-999999", "start_review").status_code == 404
    assert act(client, staff, receipt, "no_such_action").status_code == 404
    assert client.post(f"/api/v1/proposals/{receipt}/actions/start_review").status_code == 401
    with app.app_context():
        unchanged = db.session.scalar(select(Proposal).where(Proposal.receipt_no == receipt))
        assert unchanged.state is State.SUBMITTED and unchanged.version == version


def _other_citizen(app):  # type: ignore[no-untyped-def]
    with app.app_context():
        return account(Role.CITIZEN)


def test_triage_operations_through_the_api(app, client):
    code = department(app)
    with app.app_context():
        reviewer = account(Role.REVIEWER)
        colleague = account(Role.REVIEWER)
        official = account(Role.OFFICIAL)
        dept = db.session.scalar(select(Organisation).where(Organisation.code == code))
        from models import User

        db.session.get(User, official.id).organisation_id = dept.id
        first = factories.submitted()
        duplicate = factories.submitted()
        forwarded = factories.submitted()
        declined = factories.submitted()
        commit(db.session)
        receipts = [p.receipt_no for p in (first, duplicate, forwarded, declined)]
    staff, dept_official = token(client, reviewer), token(client, official)
    first_no, duplicate_no, forwarded_no, declined_no = receipts

    assigned = act(client, staff, first_no, "assign_reviewer", reviewer=colleague.id)
    assert assigned.get_json()["assigned_reviewer"] == colleague.id
    moved = act(client, staff, first_no, "transfer_to_department", department=code)
    assert moved.get_json()["owning_department"] == code
    merged = act(client, staff, duplicate_no, "merge_proposal", into=first_no)
    assert merged.get_json()["state"] == "merged" and merged.get_json()["merged_into"] == first_no
    later = act(client, staff, first_no, "merge_proposal", into=forwarded_no)
    assert later.status_code == 422 and "into" in later.get_json()["errors"]
    central = act(
        client,
        staff,
        forwarded_no,
        "forward_to_central",
        reasons="법률 사항",
        external_ref="국조-7",
    )
    assert central.get_json()["outcome"] == "forward_central"
    declined_ok = act(
        client, staff, declined_no, "decline_proposal", reason_code="safety", reasons="안전 우려"
    )
    assert declined_ok.get_json()["outcome"] == "not_accepted"

    act(client, staff, first_no, "start_review")
    keep_without_proof = act(
        client, dept_official, first_no, "record_department_opinion", stance="keep", opinion="존치"
    )
    assert keep_without_proof.status_code == 422
    assert {
        "keep_purpose",
        "keep_evidence",
        "keep_harm_if_repealed",
        "keep_alternatives",
        "keep_responsible_official",
    } <= set(keep_without_proof.get_json()["errors"])
    kept = act(
        client,
        dept_official,
        first_no,
        "record_department_opinion",
        stance="keep",
        opinion="존치가 필요합니다",
        keep_purpose="안전",
        keep_evidence="사고 통계",
        keep_harm_if_repealed="사고 증가",
        keep_alternatives="검토했으나 없음",
        keep_responsible_official="김과장",
    )
    assert kept.status_code == 200
    # A reviewer cannot write the department's opinion.
    assert (
        act(client, staff, first_no, "record_department_opinion", stance="repeal", opinion="x")
    ).status_code == 403


def test_queue_filters_and_keyset_pages(app, client):
    with app.app_context():
        reviewer = account(Role.REVIEWER)
        for n in range(5):
            factories.submitted(title=f"건축 규제 {n}")
        # The keyword filter searches every text field: this one says nothing of 건축.
        factories.submitted(
            title="청년수당 해외 결제",
            sector_code="admin_welfare",
            current_regulation="청년수당은 국내 가맹점에서만 쓸 수 있습니다.",
            problem="해외 연수 중인 청년이 수당을 쓸 수 없습니다.",
            proposed_change="해외 결제를 허용합니다.",
            expected_effect="청년의 연수 기회가 넓어집니다.",
            legal_basis="서울특별시 청년 기본 조례",
        )
        commit(db.session)
    staff = token(client, reviewer)
    first = client.get("/api/v1/queue?limit=4", headers=staff).get_json()
    assert len(first["items"]) == 4 and first["next"]
    second = client.get(
        "/api/v1/queue", query_string={"limit": 4, "after": first["next"]}, headers=staff
    ).get_json()
    seen = [i["receipt_no"] for i in first["items"] + second["items"]]
    assert len(seen) == len(set(seen)) == 6 and second["next"] is None
    assert seen == sorted(seen, reverse=True)
    welfare = client.get("/api/v1/queue?sector=admin_welfare", headers=staff).get_json()
    assert [i["title"] for i in welfare["items"]] == ["청년수당 해외 결제"]
    keyword = client.get("/api/v1/queue?q=건축 규제&sort=oldest", headers=staff).get_json()
    assert [i["title"] for i in keyword["items"]] == [f"건축 규제 {n}" for n in range(5)]
    bad = client.get("/api/v1/queue?sector=zzz", headers=staff)
    assert bad.status_code == 400 and bad.get_json()["field"] == "sector"
    for cursor in HOSTILE_CURSORS:
        bad = client.get("/api/v1/queue", query_string={"after": cursor}, headers=staff)
        assert bad.status_code == 400 and bad.get_json()["field"] == "after"
    with app.app_context():
        citizen = account(Role.CITIZEN)
    assert client.get("/api/v1/queue", headers=token(client, citizen)).status_code == 403


def test_issue_four_responses_match_the_openapi_document(app, client):
    from tests.functional.test_openapi import _validator

    document = client.get("/api/v1/openapi.json").get_json()
    with app.app_context():
        reviewer, chair, member = (
            account(Role.REVIEWER),
            account(Role.CHAIR),
            account(Role.PANEL_MEMBER),
        )
        office = factories.Office()
        submitted = factories.submitted()
        decided = factories.proposal_in(State.DECIDED, office=office)
        commit(db.session)
        receipt, decided_no = submitted.receipt_no, decided.receipt_no
    staff, chief, panel = token(client, reviewer), token(client, chair), token(client, member)
    action_path = "/proposals/{receipt_no}/actions/{action}"
    cases = [
        (act(client, staff, receipt, "start_review"), "200"),
        (act(client, panel, receipt, "classify_proposal"), "403"),
        (act(client, staff, receipt, "start_review"), "409"),
        (act(client, staff, receipt, "request_information", question=""), "422"),
        (act(client, staff, "2099-000000", "start_review"), "404"),
    ]
    for response, status in cases:
        assert str(response.status_code) == status, response.get_json()
        _validator(document, action_path, "post", status).validate(response.get_json())
    queue = client.get("/api/v1/queue?queue=mine", headers=staff)
    _validator(document, "/queue", "get", "200").validate(queue.get_json())
    assert queue.get_json()["items"][0]["department_opinion"]["status"] == "not_transferred"
    assert client.get("/api/v1/queue", headers=panel).status_code == 403
    created = client.post(
        "/api/v1/announcements", json={"title": "발표", "announced_on": "2025-03-13"}, headers=chief
    )
    _validator(document, "/announcements", "post", "201").validate(created.get_json())
    refused = client.post(
        "/api/v1/announcements", json={"title": "", "announced_on": "x"}, headers=staff
    )
    assert refused.status_code == 403
    invalid = client.post("/api/v1/announcements", json={"title": ""}, headers=chief)
    assert invalid.status_code == 422 and set(invalid.get_json()["errors"]) == {
        "title",
        "announced_on",
    }
    notice_path = "/announcements/{announcement_id}/actions/{action}"
    notice_id = created.get_json()["id"]
    empty = client.post(f"/api/v1/announcements/{notice_id}/actions/publish", headers=chief)
    assert empty.status_code == 422
    _validator(document, notice_path, "post", "422").validate(empty.get_json())
    added = client.post(
        f"/api/v1/announcements/{notice_id}/actions/add",
        json={"receipt_no": decided_no},
        headers=chief,
    )
    _validator(document, notice_path, "post", "200").validate(added.get_json())
    published = client.post(f"/api/v1/announcements/{notice_id}/actions/publish", headers=chief)
    _validator(document, notice_path, "post", "200").validate(published.get_json())
    again = client.post(f"/api/v1/announcements/{notice_id}/actions/publish", headers=chief)
    assert again.status_code == 409
    session = client.post(
        "/api/v1/panel-sessions",
        json={"title": "회의", "held_on": "2025-02-04", "members": ["nobody@x"]},
        headers=staff,
    )
    assert session.status_code == 422 and "members" in session.get_json()["errors"]
    _validator(document, "/panel-sessions", "post", "422").validate(session.get_json())


def test_repeals_api_lists_the_issue_fields_in_number_order(app, client):
    with app.app_context():
        office = factories.Office()
        decided = [factories.proposal_in(State.DECIDED, office=office) for _ in range(3)]
        from workflows import announcement

        notice = factories.draft_announcement(office, decided, title="TF 성과 보고회")
        announcement.publish_announcement(db.session, office.chair, notice)
        commit(db.session)
    body = client.get("/api/v1/repeals").get_json()
    assert [r["number"] for r in body] == [1, 2, 3]
    for row in body:
        assert {
            "number",
            "title",
            "sector",
            "regulation_type",
            "announcement",
            "announced_on",
            "receipt_no",
        } <= set(row)
        assert row["announcement"] == "TF 성과 보고회" and row["announced_on"] == "2025-03-13"


def test_every_action_refuses_every_role_the_table_does_not_allow(app, client):
    from webapp.office.actions import ACTIONS
    from workflows.rules import OPERATIONS

    with app.app_context():
        users = {role: account(role) for role in Role}
        office = factories.Office()
        proposer = db.session.get(factories.User, users[Role.CITIZEN].id)
        receipts = {}
        for name in ACTIONS:
            state = sorted(OPERATIONS[name].from_states, key=lambda s: s.value)[0]
            proposal = factories.proposal_in(state, proposer=proposer, office=office)
            receipts[name] = (proposal.receipt_no, proposal.version, proposal.state)
        commit(db.session)
    tokens = {role: token(client, user) for role, user in users.items()}
    for name, (receipt, version, state) in receipts.items():
        operation = OPERATIONS[name]
        for role in Role:
            if role in operation.roles:
                continue
            response = act(client, tokens[role], receipt, name)
            assert response.status_code == 403, (name, role, response.get_json())
            assert response.get_json()["message"]
        with app.app_context():
            row = db.session.scalar(select(Proposal).where(Proposal.receipt_no == receipt))
            assert (row.state, row.version) == (state, version), name


def test_withdraw_add_to_announcement_and_implementation_through_the_api(app, client):
    with app.app_context():
        citizen = account(Role.CITIZEN)
        chair = account(Role.CHAIR)
        office = factories.Office()
        mine = factories.submitted(db.session.get(factories.User, citizen.id))
        decided = factories.proposal_in(State.DECIDED, office=office)
        announced = factories.proposal_in(State.ANNOUNCED, office=office)
        notice = factories.draft_announcement(office, [], title="다음 발표")
        commit(db.session)
        mine_no, decided_no, announced_no, notice_id = (
            mine.receipt_no,
            decided.receipt_no,
            announced.receipt_no,
            notice.id,
        )
    proposer, chief = token(client, citizen), token(client, chair)
    withdrawn = act(client, proposer, mine_no, "withdraw_proposal", reason="해결되었습니다")
    assert withdrawn.get_json()["state"] == "withdrawn"
    assert act(client, proposer, mine_no, "withdraw_proposal").status_code == 409
    missing = act(client, chief, decided_no, "add_to_announcement", announcement=9999)
    assert missing.status_code == 422 and "announcement" in missing.get_json()["errors"]
    added = act(client, chief, decided_no, "add_to_announcement", announcement=notice_id)
    assert added.get_json()["announcement"] == notice_id
    no_date = act(
        client,
        chief,
        announced_no,
        "update_implementation",
        stage="in_force",
        ordinance_change_needed=True,
    )
    assert no_date.status_code == 422 and "effective_on" in no_date.get_json()["errors"]
    bad_date = act(
        client, chief, announced_no, "update_implementation", stage="in_force", effective_on="6월"
    )
    assert bad_date.status_code == 422 and "effective_on" in bad_date.get_json()["errors"]
    in_force = act(
        client,
        chief,
        announced_no,
        "update_implementation",
        stage="in_force",
        ordinance_change_needed=True,
        effective_on="2025-06-01",
    )
    assert in_force.status_code == 200
    with app.app_context():
        row = db.session.scalar(select(Proposal).where(Proposal.receipt_no == announced_no))
        assert (
            row.implementation_stage.value == "in_force" and str(row.effective_on) == "2025-06-01"
        )
