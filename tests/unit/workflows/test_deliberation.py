"""Panel sessions: who sits on them, the quorum a decision waits for, opinions kept independent
until a member has recorded their own, the consensus indicator and the minutes."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from models import Decision, PanelVote, ProposalEvent, Role, State, db
from tests import factories
from workflows import agenda, deliberation
from workflows.errors import InvalidInput, PermissionDenied, TransitionNotAllowed


def _session_with_item(quorum: int = 2):  # type: ignore[no-untyped-def]
    office = factories.Office()
    proposal = factories.proposal_in(State.IN_DELIBERATION, office=office)
    panel = deliberation.create_panel_session(
        db.session,
        office.chair,
        title="제1차 심사위원회",
        held_on=date(2025, 2, 4),
        members=office.panel,
        quorum=quorum,
        agenda=[proposal],
    )
    return office, proposal, panel, panel.agenda[0]


def test_a_session_needs_members_and_a_quorum_it_can_reach(ctx):
    office = factories.Office()
    with pytest.raises(InvalidInput) as none:
        deliberation.create_panel_session(
            db.session, office.chair, title="회의", held_on=date(2025, 2, 4), members=[], quorum=1
        )
    assert none.value.rule == "members_required"
    with pytest.raises(InvalidInput) as too_high:
        deliberation.create_panel_session(
            db.session,
            office.chair,
            title="회의",
            held_on=date(2025, 2, 4),
            members=office.panel[:2],
            quorum=3,
        )
    assert too_high.value.rule == "quorum"


def test_the_chair_cannot_decide_before_the_quorum_and_nothing_changes(ctx):
    office, proposal, _panel, item = _session_with_item(quorum=2)
    deliberation.record_opinion(db.session, office.panel[0], item, vote="repeal", score=5)
    version, events = proposal.version, len(proposal.events)
    with pytest.raises(TransitionNotAllowed) as refused:
        factories.decide_repeal(office, proposal)
    assert refused.value.rule == "quorum_not_met"
    assert "정족수(2명)" in refused.value.message_ko and "의견 1건" in refused.value.message_ko
    assert proposal.state is State.IN_DELIBERATION and proposal.version == version
    assert len(proposal.events) == events
    assert db.session.scalar(select(func.count(Decision.id))) == 0

    deliberation.record_opinion(db.session, office.panel[1], item, vote="relax", score=4)
    factories.decide_repeal(office, proposal)
    assert proposal.state is State.DECIDED


def test_a_proposal_never_put_on_an_agenda_is_not_held_back_by_a_quorum(ctx):
    office = factories.Office()
    proposal = factories.proposal_in(State.IN_DELIBERATION, office=office)
    factories.decide_repeal(office, proposal)
    assert proposal.state is State.DECIDED


def test_other_opinions_stay_hidden_until_a_member_records_their_own(ctx):
    office, _proposal, _panel, item = _session_with_item()
    first, second, third = office.panel
    deliberation.record_opinion(
        db.session, first, item, vote="repeal", score=5, comment="철폐해야 합니다"
    )

    before = agenda.item_view(db.session, second, item)
    assert before.hidden and before.opinions == [] and before.agreement is None
    assert before.can_record and before.own is None
    assert before.progress.recorded == 1  # progress is shown, the content is not

    deliberation.record_opinion(db.session, second, item, vote="relax", score=3)
    after = agenda.item_view(db.session, second, item)
    assert not after.hidden and not after.can_record
    assert [o.member_id for o in after.opinions] == [first.id, second.id]
    assert after.agreement == "split"

    # Office staff see every opinion without recording one.
    staff = agenda.item_view(db.session, office.chair, item)
    assert not staff.hidden and len(staff.opinions) == 2 and not staff.can_record

    # The third member still sees nothing of the others.
    third_view = agenda.item_view(db.session, third, item)
    assert third_view.hidden and third_view.opinions == []


def test_a_recused_member_sees_no_opinions_and_cannot_record_one(ctx):
    office, _proposal, _panel, item = _session_with_item()
    first, second, _third = office.panel
    deliberation.record_opinion(db.session, first, item, vote="repeal", score=5)
    deliberation.declare_conflict(db.session, second, item, reason="자문 이력")
    view = agenda.item_view(db.session, second, item)
    assert view.recused and view.hidden and view.opinions == [] and not view.can_record
    assert agenda.item_view(db.session, first, item).progress.expected == 2
    with pytest.raises(PermissionDenied) as refused:
        deliberation.record_opinion(db.session, second, item, vote="repeal")
    assert refused.value.rule == "recused"


def test_consensus_reads_unanimous_majority_and_split(ctx):
    office, _proposal, _panel, item = _session_with_item()
    a, b, c = office.panel
    deliberation.record_opinion(db.session, a, item, vote="repeal")
    assert deliberation.consensus(item).kind == "unanimous"
    deliberation.record_opinion(db.session, b, item, vote="repeal")
    deliberation.record_opinion(db.session, c, item, vote="long_term")
    result = deliberation.consensus(item)
    assert (result.kind, result.leading, result.recorded, result.expected) == (
        "majority",
        PanelVote.REPEAL,
        3,
        3,
    )


def test_a_member_sees_only_the_sessions_they_sit_on(ctx):
    office, _proposal, panel, item = _session_with_item()
    outsider = factories.user(Role.PANEL_MEMBER)
    assert agenda.panel_sessions_for(db.session, office.panel[0]) == [panel]
    assert agenda.panel_sessions_for(db.session, outsider) == []
    assert agenda.panel_session_for(db.session, outsider, panel.id) is None
    assert agenda.agenda_item_for(db.session, outsider, panel.id, item.id) is None
    assert agenda.panel_sessions_for(db.session, office.reviewer) == [panel]
    with pytest.raises(PermissionDenied):
        agenda.item_view(db.session, outsider, item)
    for role in (Role.CITIZEN, Role.OFFICIAL, Role.ADMIN):
        with pytest.raises(PermissionDenied):
            agenda.panel_sessions_for(db.session, factories.user(role))


def test_minutes_are_made_from_the_opinions_for_office_staff_only(ctx):
    office, proposal, panel, item = _session_with_item()
    a, b, c = office.panel
    deliberation.record_opinion(db.session, a, item, vote="repeal", score=5, comment="찬성")
    deliberation.record_opinion(db.session, b, item, vote="repeal", score=4)
    deliberation.declare_conflict(db.session, c, item, reason="관련 단체 자문")
    factories.decide_repeal(office, proposal)

    minutes = agenda.minutes(db.session, office.reviewer, panel)
    (entry,) = minutes.items
    assert [o.comment for o in entry.opinions] == ["찬성", ""]
    assert [minutes.names[r.member_id] for r in entry.recusals] == [c.name]
    assert entry.progress.kind == "unanimous" and entry.quorum_met
    assert entry.decision is not None and entry.decision.responsible_official == "김담당"
    assert minutes.opinions_recorded == 2
    with pytest.raises(PermissionDenied):
        agenda.minutes(db.session, a, panel)


def test_the_chair_desk_lists_what_waits_for_a_decision_and_an_announcement(ctx):
    office, proposal, _panel, item = _session_with_item()
    waiting = agenda.awaiting_decision(db.session, office.chair)
    assert [(w.proposal.id, w.quorum_met) for w in waiting] == [(proposal.id, False)]
    for member in office.panel[:2]:
        deliberation.record_opinion(db.session, member, item, vote="repeal")
    assert agenda.awaiting_decision(db.session, office.chair)[0].quorum_met
    assert agenda.announceable(db.session) == []
    factories.decide_repeal(office, proposal)
    assert agenda.awaiting_decision(db.session, office.chair) == []
    assert agenda.announceable(db.session) == [proposal]
    with pytest.raises(PermissionDenied):
        agenda.awaiting_decision(db.session, office.reviewer)


def test_the_backlog_is_paged_filtered_and_chosen_by_id(ctx, monkeypatch):
    office = factories.Office()
    decided = [factories.proposal_in(State.DECIDED, office=office) for _ in range(3)]
    announced = factories.proposal_in(State.ANNOUNCED, office=office)
    waiting = factories.proposal_in(State.IN_DELIBERATION, office=office)
    decided[2].title = "옥외광고물 심의"
    db.session.flush()
    assert agenda.count_announceable(db.session) == 3
    first, more = agenda.find_announceable(db.session, agenda.AnnounceableFilter(), limit=2)
    assert first == decided[:2] and more
    rest, more = agenda.find_announceable(
        db.session, agenda.AnnounceableFilter(after=decided[1].id), limit=2
    )
    assert rest == [decided[2]] and not more
    found, _ = agenda.find_announceable(db.session, agenda.AnnounceableFilter(word="옥외%"))
    assert found == []  # the word is literal, not a pattern
    found, _ = agenda.find_announceable(db.session, agenda.AnnounceableFilter(word="옥외"))
    assert found == [decided[2]]
    found, _ = agenda.find_announceable(
        db.session, agenda.AnnounceableFilter(word=decided[0].receipt_no or "")
    )
    assert found == [decided[0]]
    assert agenda.announceable_by_id(db.session, [decided[2].id, decided[0].id]) == [
        decided[0],
        decided[2],
    ]
    for bad in (announced.id, waiting.id, 0, 2**40):
        with pytest.raises(InvalidInput) as refused:
            agenda.announceable_by_id(db.session, [decided[0].id, bad])
        assert refused.value.rule == "announcement.proposals"
    monkeypatch.setattr(agenda, "MAX_PER_ANNOUNCEMENT", 2)
    with pytest.raises(InvalidInput) as refused:
        agenda.announceable_by_id(db.session, [p.id for p in decided])
    assert refused.value.rule == "announcement.proposals.too_many"


def test_opinion_events_are_not_shown_to_the_proposer(ctx):
    office, proposal, _panel, item = _session_with_item()
    deliberation.record_opinion(db.session, office.panel[0], item, vote="repeal")
    visible = db.session.scalars(
        select(ProposalEvent.kind).where(
            ProposalEvent.proposal_id == proposal.id, ProposalEvent.visible_to_proposer.is_(True)
        )
    ).all()
    assert "record_opinion" not in visible


def test_the_next_repeal_number_is_read_from_the_counter_without_drawing_it(ctx):
    office = factories.Office()
    assert agenda.next_repeal_number(db.session) == 1
    factories.proposal_in(State.ANNOUNCED, office=office)
    factories.proposal_in(State.ANNOUNCED, office=office)
    assert agenda.next_repeal_number(db.session) == 3
    assert agenda.next_repeal_number(db.session) == 3
