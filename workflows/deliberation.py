"""Deliberation and decision: panel sessions, agenda, recusals, opinions, the chair's decision."""

from __future__ import annotations

from collections import Counter as Tally
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    AgendaItem,
    Decision,
    Outcome,
    PanelMember,
    PanelOpinion,
    PanelSession,
    PanelVote,
    Proposal,
    Recusal,
    Role,
    State,
    User,
    utcnow,
)

from .engine import authorise, transition
from .errors import InvalidInput, PermissionDenied, TransitionNotAllowed

PANEL_OUTCOMES = frozenset(
    {
        Outcome.REPEAL,
        Outcome.RELAX,
        Outcome.LONG_TERM,
        Outcome.FORWARD_CENTRAL,
        Outcome.NOT_ACCEPTED,
    }
)


def create_panel_session(
    session: Session,
    actor: User,
    *,
    title: str,
    held_on: date,
    members: list[User],
    quorum: int = 2,
    agenda: list[Proposal] | None = None,
) -> PanelSession:
    """Convene a panel session with its members and an agenda of proposals in deliberation."""
    if actor.role not in (Role.CHAIR, Role.REVIEWER):
        raise PermissionDenied(
            "role.create_panel_session",
            "심사위원회 회의는 검토 담당 직원 또는 위원장만 구성할 수 있습니다",
            "Only office staff or the chair may convene a panel session",
        )
    if not title.strip():
        raise InvalidInput(
            "title_required", "회의 제목을 입력해 주십시오", "Give the session a title"
        )
    if not members:
        raise InvalidInput(
            "members_required",
            "회의에 참석할 심사위원을 한 명 이상 고르십시오",
            "Choose at least one panel member for the session",
        )
    if any(m.role is not Role.PANEL_MEMBER for m in members):
        raise InvalidInput(
            "members_role",
            "심사위원만 회의 위원이 될 수 있습니다",
            "Only panel members can sit on a session",
        )
    if quorum < 1 or quorum > len(members):
        raise InvalidInput(
            "quorum",
            "의결 정족수는 1 이상, 위원 수 이하여야 합니다",
            "The quorum must be between 1 and the number of members",
        )
    panel = PanelSession(
        title=title.strip(), held_on=held_on, quorum=quorum, created_by_id=actor.id
    )
    session.add(panel)
    panel.members = [PanelMember(user_id=m.id) for m in members]
    session.flush()
    for proposal in agenda or []:
        add_to_agenda(session, actor, panel, proposal)
    return panel


def add_to_agenda(
    session: Session, actor: User, panel: PanelSession, proposal: Proposal
) -> AgendaItem:
    if actor.role not in (Role.CHAIR, Role.REVIEWER):
        raise PermissionDenied(
            "role.add_to_agenda",
            "안건은 검토 담당 직원 또는 위원장만 올릴 수 있습니다",
            "Only office staff or the chair may set the agenda",
        )
    if proposal.state is not State.IN_DELIBERATION:
        raise TransitionNotAllowed(
            "agenda.state",
            "심의에 회부된 제안만 안건으로 올릴 수 있습니다",
            "Only proposals sent to deliberation can be on an agenda",
        )
    if any(existing.proposal_id == proposal.id for existing in panel.agenda):
        raise InvalidInput(
            "agenda_duplicate",
            "이미 이 회의의 안건입니다",
            "The proposal is already on this session's agenda",
        )
    item = AgendaItem(proposal_id=proposal.id, proposal=proposal, position=len(panel.agenda) + 1)
    panel.agenda.append(item)
    session.flush()
    return item


def _member_item(session: Session, actor: User, item: AgendaItem) -> None:
    is_member = session.scalar(
        select(PanelMember.id).where(
            PanelMember.session_id == item.session_id, PanelMember.user_id == actor.id
        )
    )
    if is_member is None:
        raise PermissionDenied(
            "panel_member_of_session",
            "이 회의의 심사위원이 아닙니다",
            "You do not sit on this session",
        )


def is_recused(session: Session, item: AgendaItem, member: User) -> bool:
    return (
        session.scalar(
            select(Recusal.id).where(Recusal.item_id == item.id, Recusal.member_id == member.id)
        )
        is not None
    )


def declare_conflict(
    session: Session,
    actor: User,
    item: AgendaItem,
    *,
    reason: str,
    at: datetime | None = None,
) -> Recusal:
    """A member declares a conflict of interest and is recused from this item."""
    authorise(session, "declare_conflict", actor, item.proposal)
    _member_item(session, actor, item)
    if session.scalar(
        select(PanelOpinion.id).where(
            PanelOpinion.item_id == item.id, PanelOpinion.member_id == actor.id
        )
    ):
        raise TransitionNotAllowed(
            "conflict_after_opinion",
            "의견을 기록한 뒤에는 이해충돌로 회피할 수 없습니다",
            "A member who recorded an opinion cannot then recuse",
        )
    if is_recused(session, item, actor):
        raise TransitionNotAllowed(
            "already_recused",
            "이미 회피 신고한 안건입니다",
            "You are already recused from this item",
        )
    recusal = Recusal(
        item=item, member_id=actor.id, reason=reason.strip(), declared_at=at or utcnow()
    )
    session.add(recusal)
    transition(
        session,
        "declare_conflict",
        actor,
        item.proposal,
        at=at,
        visible_to_proposer=False,
        note="이해충돌 회피",
        data={"member_id": actor.id},
    )
    return recusal


def record_opinion(
    session: Session,
    actor: User,
    item: AgendaItem,
    *,
    vote: str,
    score: int | None = None,
    comment: str = "",
    at: datetime | None = None,
) -> PanelOpinion:
    """A member records an opinion on an agenda item, once."""
    authorise(session, "record_opinion", actor, item.proposal)
    _member_item(session, actor, item)
    if is_recused(session, item, actor):
        raise PermissionDenied(
            "recused",
            "이해충돌로 회피한 안건에는 의견을 낼 수 없습니다",
            "A recused member cannot give an opinion on this item",
        )
    if vote not in PanelVote.values():
        raise InvalidInput("vote", f"알 수 없는 의견입니다: {vote}", f"Unknown opinion: {vote}")
    if score is not None and not 1 <= score <= 5:
        raise InvalidInput("score", "점수는 1~5 사이여야 합니다", "The score must be 1 to 5")
    if session.scalar(
        select(PanelOpinion.id).where(
            PanelOpinion.item_id == item.id, PanelOpinion.member_id == actor.id
        )
    ):
        raise TransitionNotAllowed(
            "one_opinion_per_member",
            "이미 의견을 기록한 안건입니다",
            "You have already recorded an opinion on this item",
        )
    # Through the relationships, so the item's loaded opinions (consensus, quorum) stay current.
    opinion = PanelOpinion(
        item=item,
        member=actor,
        vote=PanelVote(vote),
        score=score,
        comment=comment.strip(),
        recorded_at=at or utcnow(),
    )
    session.add(opinion)
    transition(
        session,
        "record_opinion",
        actor,
        item.proposal,
        at=at,
        visible_to_proposer=False,
        note="심사 의견 기록",
        data={"member_id": actor.id},
    )
    return opinion


@dataclass(frozen=True)
class Consensus:
    recorded: int
    expected: int
    kind: str  # "none", "unanimous", "majority", "split"
    leading: PanelVote | None


def consensus(item: AgendaItem) -> Consensus:
    """How far the panel agrees on an item: n of m recorded; unanimous, majority or split."""
    recused = {r.member_id for r in item.recusals}
    expected = len([m for m in item.session.members if m.user_id not in recused])
    tally = Tally(o.vote for o in item.opinions)
    if not tally:
        return Consensus(0, expected, "none", None)
    (leading, top), *_rest = tally.most_common()
    recorded = sum(tally.values())
    if len(tally) == 1:
        kind = "unanimous"
    elif top * 2 > recorded:
        kind = "majority"
    else:
        kind = "split"
    return Consensus(recorded, expected, kind, leading if kind != "split" else None)


def latest_agenda_item(session: Session, proposal: Proposal) -> AgendaItem | None:
    """The agenda item of the most recent session that put ``proposal`` on its agenda."""
    return session.scalar(
        select(AgendaItem)
        .join(PanelSession, PanelSession.id == AgendaItem.session_id)
        .where(AgendaItem.proposal_id == proposal.id)
        .order_by(PanelSession.held_on.desc(), PanelSession.id.desc())
        .limit(1)
    )


def quorum_met(item: AgendaItem) -> bool:
    """A session may conclude an item once at least ``quorum`` members have given an opinion."""
    return len(item.opinions) >= item.session.quorum


def check_quorum(session: Session, proposal: Proposal) -> None:
    """Refuse a decision on a proposal whose latest session has not reached its quorum on it.

    A proposal that was never put on an agenda (decided outside a session) is not held back.
    """
    item = latest_agenda_item(session, proposal)
    if item is None or quorum_met(item):
        return
    quorum, recorded = item.session.quorum, len(item.opinions)
    raise TransitionNotAllowed(
        "quorum_not_met",
        f"심사위원회 의결 정족수({quorum}명)에 이르지 않아 결정할 수 없습니다"
        f" (의견 {recorded}건 기록)",
        f"The panel has not reached its quorum of {quorum} on this item"
        f" ({recorded} opinions recorded)",
    )


def decide_proposal(
    session: Session,
    actor: User,
    proposal: Proposal,
    *,
    outcome: str,
    reasons: str,
    responsible_official: str,
    reason_code: str | None = None,
    external_ref: str | None = None,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> Decision:
    """The chair records the decision after deliberation; it becomes public only when announced."""
    authorise(session, "decide_proposal", actor, proposal, expected_version)
    check_quorum(session, proposal)
    try:
        chosen = Outcome(outcome)
    except ValueError:
        chosen = None
    if chosen not in PANEL_OUTCOMES:
        raise InvalidInput(
            "outcome", f"결정할 수 없는 결과입니다: {outcome}", f"Not a decision outcome: {outcome}"
        )
    assert chosen is not None
    if not reasons.strip():
        raise InvalidInput("reasons_required", "결정 사유를 입력해 주십시오", "Give the reasons")
    if not responsible_official.strip():
        raise InvalidInput(
            "responsible_official_required",
            "담당 공무원 이름을 입력해 주십시오",
            "Name the responsible official",
        )
    if chosen is Outcome.NOT_ACCEPTED and not reason_code:
        raise InvalidInput(
            "reason_code_required",
            "불수용 사유 코드를 선택해 주십시오",
            "Choose a decline reason code",
        )
    at = at or utcnow()
    transition(
        session,
        "decide_proposal",
        actor,
        proposal,
        at=at,
        expected_version=expected_version,
        note=reasons.strip(),
        data={"outcome": chosen.value},
        outcome=chosen,
        external_ref=external_ref or proposal.external_ref,
        notify=chosen not in (Outcome.REPEAL, Outcome.RELAX),
    )
    decision = Decision(
        proposal=proposal,
        sequence=len(proposal.decisions) + 1,
        outcome=chosen,
        reasons=reasons.strip(),
        reason_code=reason_code,
        external_ref=external_ref,
        responsible_official=responsible_official.strip(),
        decided_by_id=actor.id,
        decided_at=at,
    )
    session.add(decision)
    session.flush()
    return decision
