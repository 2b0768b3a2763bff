from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from models import Decision, Outcome, Proposal, ProposalEvent, Role, Stage, State, db
from tests import factories
from workflows import announcement, deliberation, intake, review, triage
from workflows.dispatch import commit
from workflows.errors import InvalidInput, PermissionDenied, TransitionNotAllowed


def test_submission_gives_a_receipt_number_of_the_year(ctx):
    citizen = factories.user(Role.CITIZEN)
    at = datetime(2025, 1, 3, 1, 0, tzinfo=UTC)
    first = intake.submit_new_proposal(
        db.session, citizen, factories.fields(), channel_code="online_window", consent=True, at=at
    )
    second = intake.submit_new_proposal(
        db.session, citizen, factories.fields(), channel_code="online_window", consent=True, at=at
    )
    assert (first.receipt_no, second.receipt_no) == ("2025-000001", "2025-000002")
    assert first.state is State.SUBMITTED and first.stage is Stage.INTAKE
    assert first.consent_at is not None and first.consent_version == intake.CONSENT_VERSION


def test_receipt_year_follows_seoul_time(ctx):
    citizen = factories.user(Role.CITIZEN)
    # 2025-12-31 16:00 UTC is already 2026-01-01 in Seoul.
    at = datetime(2025, 12, 31, 16, 0, tzinfo=UTC)
    proposal = intake.submit_new_proposal(
        db.session, citizen, factories.fields(), channel_code="online_window", consent=True, at=at
    )
    assert proposal.receipt_no == "2026-000001"


def test_submission_without_consent_is_refused_and_saves_nothing(ctx):
    citizen = factories.user(Role.CITIZEN)
    with pytest.raises(intake.FieldErrors) as refused:
        intake.submit_new_proposal(
            db.session, citizen, factories.fields(), channel_code="online_window", consent=False
        )
    assert "consent" in refused.value.errors
    assert db.session.scalar(select(Proposal.id)) is None


def test_every_missing_field_is_named_in_korean(ctx):
    citizen = factories.user(Role.CITIZEN)
    with pytest.raises(intake.FieldErrors) as refused:
        intake.submit_new_proposal(
            db.session,
            citizen,
            factories.fields(title=" ", problem="", proposed_change=None, sector_code="nope"),
            channel_code="online_window",
            consent=True,
        )
    errors = refused.value.errors
    assert errors["title"] == "제목을 입력해 주십시오"
    assert set(errors) == {"title", "problem", "proposed_change", "sector_code"}


def test_a_citizen_cannot_use_an_official_channel(ctx):
    citizen = factories.user(Role.CITIZEN)
    with pytest.raises(intake.FieldErrors) as refused:
        intake.submit_new_proposal(
            db.session, citizen, factories.fields(), channel_code="creative_contest", consent=True
        )
    assert "channel_code" in refused.value.errors


def test_official_and_agency_submissions_carry_their_source_and_organisation(ctx):
    official = factories.user(Role.OFFICIAL)
    agency = factories.user(Role.AGENCY_STAFF)
    a = factories.submitted(official)
    b = factories.submitted(agency)
    assert (a.source_kind.value, a.organisation_id) == ("official", official.organisation_id)
    assert (b.source_kind.value, b.organisation_id) == ("agency", agency.organisation_id)


def test_assisted_intake_records_who_typed_it_for_whom(ctx):
    office = factories.Office()
    citizen = factories.user(Role.CITIZEN)
    proposal = intake.submit_new_proposal(
        db.session,
        office.reviewer,
        factories.fields(),
        channel_code="debate_forum",
        consent=True,
        proposer=citizen,
    )
    assert proposal.proposer_id == citizen.id and proposal.entered_by_id == office.reviewer.id
    assert proposal.source_kind.value == "citizen"


def test_only_office_staff_enter_proposals_for_others(ctx):
    # Assisted intake is for office reviewers and officials (at a forum, a desk, by phone).
    citizen = factories.user(Role.CITIZEN)
    for role in (Role.AGENCY_STAFF, Role.CITIZEN):
        with pytest.raises(PermissionDenied):
            intake.submit_new_proposal(
                db.session,
                factories.user(role),
                factories.fields(),
                channel_code="petition_desk",
                consent=True,
                proposer=citizen,
            )
    official = factories.user(Role.OFFICIAL)
    proposal = intake.submit_new_proposal(
        db.session,
        official,
        factories.fields(),
        channel_code="petition_desk",
        consent=True,
        proposer=citizen,
    )
    assert proposal.proposer_id == citizen.id and proposal.entered_by_id == official.id


def test_the_whole_way_from_intake_to_repeal_number(ctx):
    office = factories.Office()
    proposal = factories.submitted()
    triage.start_review(db.session, office.reviewer, proposal)
    triage.classify_proposal(
        db.session,
        office.reviewer,
        proposal,
        sector_code="construction_housing",
        regulation_type_code="economic",
    )
    triage.request_information(db.session, office.reviewer, proposal, question="사례를 알려 주세요")
    assert proposal.state is State.INFO_REQUESTED and proposal.info_requested_at is not None
    triage.answer_information_request(db.session, proposal.proposer, proposal, answer="사례입니다")
    assert proposal.state is State.IN_REVIEW and proposal.info_requested_at is None
    review.record_review(
        db.session, office.reviewer, proposal, opinion="철폐 필요", recommendation="repeal"
    )
    review.send_to_deliberation(db.session, office.reviewer, proposal)
    panel = factories.panel_session(office, office.panel, [proposal])
    item = panel.agenda[0]
    deliberation.declare_conflict(db.session, office.panel[0], item, reason="자문 이력")
    deliberation.record_opinion(db.session, office.panel[1], item, vote="repeal", score=5)
    deliberation.record_opinion(db.session, office.panel[2], item, vote="relax", score=4)
    assert deliberation.consensus(item).kind == "split"
    decision = deliberation.decide_proposal(
        db.session,
        office.chair,
        proposal,
        outcome="repeal",
        reasons="불필요한 규제",
        responsible_official="김담당",
    )
    assert proposal.state is State.DECIDED and decision.outcome is Outcome.REPEAL
    assert proposal.repeal_no is None  # decided is not yet public
    notice = factories.draft_announcement(office, [proposal])
    announcement.publish_announcement(db.session, office.chair, notice)
    commit(db.session)
    assert proposal.state is State.ANNOUNCED and proposal.repeal_no == 1
    kinds = [
        e.kind
        for e in db.session.scalars(
            select(ProposalEvent)
            .where(ProposalEvent.proposal_id == proposal.id)
            .order_by(ProposalEvent.id)
        )
    ]
    assert kinds == [
        "submit_proposal",
        "start_review",
        "classify_proposal",
        "request_information",
        "answer_information_request",
        "record_review",
        "send_to_deliberation",
        "declare_conflict",
        "record_opinion",
        "record_opinion",
        "decide_proposal",
        "add_to_announcement",
        "publish_announcement",
    ]


def test_repeal_numbers_follow_publication_order_without_gaps(ctx):
    office = factories.Office()
    first = [factories.proposal_in(State.DECIDED, office=office) for _ in range(2)]
    second = [factories.proposal_in(State.DECIDED, office=office) for _ in range(3)]
    a = factories.draft_announcement(office, first, "1차")
    b = factories.draft_announcement(office, second, "2차")
    announcement.publish_announcement(db.session, office.chair, b)
    announcement.publish_announcement(db.session, office.chair, a)
    assert [p.repeal_no for p in second] == [1, 2, 3]
    assert [p.repeal_no for p in first] == [4, 5]


def test_a_published_announcement_cannot_be_published_again(ctx):
    office = factories.Office()
    notice = factories.draft_announcement(
        office, [factories.proposal_in(State.DECIDED, office=office)]
    )
    announcement.publish_announcement(db.session, office.chair, notice)
    with pytest.raises(TransitionNotAllowed):
        announcement.publish_announcement(db.session, office.chair, notice)


def test_only_repeals_and_relaxations_go_into_announcements(ctx):
    office = factories.Office()
    proposal = factories.proposal_in(State.IN_DELIBERATION, office=office)
    deliberation.decide_proposal(
        db.session,
        office.chair,
        proposal,
        outcome="long_term",
        reasons="중장기 검토",
        responsible_official="김담당",
    )
    notice = announcement.create_announcement(
        db.session, office.chair, title="발표", announced_on=datetime(2025, 3, 1).date()
    )
    with pytest.raises(InvalidInput):
        announcement.add_to_announcement(db.session, office.chair, notice, proposal)


def test_merge_keeps_the_duplicate_pointing_at_the_earlier_survivor(ctx):
    office = factories.Office()
    survivor = factories.submitted()
    duplicate = factories.submitted()
    triage.merge_proposal(db.session, office.reviewer, duplicate, into=survivor)
    assert duplicate.state is State.MERGED and duplicate.merged_into_id == survivor.id
    assert duplicate.outcome is Outcome.MERGED
    assert db.session.get(Proposal, duplicate.id) is not None


def test_merge_into_a_later_proposal_is_refused(ctx):
    office = factories.Office()
    earlier = factories.submitted()
    later = factories.submitted()
    with pytest.raises(InvalidInput) as refused:
        triage.merge_proposal(db.session, office.reviewer, earlier, into=later)
    assert refused.value.rule == "merge_into_earlier"
    assert earlier.state is State.SUBMITTED


def test_decline_needs_a_reason_code(ctx):
    office = factories.Office()
    proposal = factories.submitted()
    with pytest.raises(InvalidInput):
        triage.decline_proposal(
            db.session, office.reviewer, proposal, reason_code="", reasons="사유"
        )
    triage.decline_proposal(
        db.session, office.reviewer, proposal, reason_code="higher_law", reasons="상위법 저촉"
    )
    decision = db.session.scalar(select(Decision).where(Decision.proposal_id == proposal.id))
    assert decision.reason_code == "higher_law" and proposal.outcome is Outcome.NOT_ACCEPTED


def test_refusal_names_the_rule_in_korean_and_english(ctx):
    office = factories.Office()
    proposer = factories.user(Role.CITIZEN)
    proposal = factories.proposal_in(State.WITHDRAWN, proposer=proposer, office=office)
    with pytest.raises(TransitionNotAllowed) as refused:
        review.send_to_deliberation(db.session, office.reviewer, proposal)
    assert refused.value.message_ko == "철회된 제안은 심의에 회부할 수 없습니다"
    assert refused.value.message_en == "A withdrawn proposal cannot be sent to deliberation"
