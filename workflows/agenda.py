"""What each person may see of panel sessions: the sessions a member sits on, an agenda item with
the opinions the viewer is allowed to read, the chair's desk and the minutes.

Opinions are independent: a member sees the other members' opinions on an item only after
recording their own (a recused member never does). That rule lives here, in the queries, so no
page or API can show more than it returns.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from models import (
    ANNOUNCEABLE_OUTCOMES,
    AgendaItem,
    Announcement,
    AnnouncementState,
    Counter,
    Decision,
    PanelMember,
    PanelOpinion,
    PanelSession,
    Proposal,
    Recusal,
    Role,
    State,
    User,
)

from . import picking
from .deliberation import Consensus, consensus, latest_agenda_item, quorum_met
from .errors import InvalidInput, PermissionDenied
from .numbering import REPEAL_COUNTER
from .rules import OFFICE_ROLES

PANEL_ROLES = OFFICE_ROLES | {Role.PANEL_MEMBER}


def _require(actor: User | None, roles: frozenset[Role], rule: str) -> User:
    if actor is None or not actor.active or actor.role not in roles:
        raise PermissionDenied(
            f"role.{rule}",
            "심사위원회 자료를 볼 권한이 없습니다",
            "You may not see the panel's records",
        )
    return actor


def is_office(actor: User) -> bool:
    return actor.role in OFFICE_ROLES


def panel_sessions_for(session: Session, actor: User | None) -> list[PanelSession]:
    """Every session for office staff; for a panel member, the sessions they sit on (with their
    members; the agenda is counted by ``agenda_counts``, not loaded)."""
    viewer = _require(actor, PANEL_ROLES, "panel_sessions")
    query = (
        select(PanelSession)
        .options(selectinload(PanelSession.members))
        .order_by(PanelSession.held_on.desc(), PanelSession.id.desc())
    )
    if not is_office(viewer):
        query = query.join(PanelMember, PanelMember.session_id == PanelSession.id).where(
            PanelMember.user_id == viewer.id
        )
    return list(session.scalars(query).unique())


def agenda_counts(session: Session, panels: list[PanelSession]) -> dict[int, int]:
    """How many items each session's agenda holds, counted in the database (the sessions' list
    loaded every agenda item of every session to count them)."""
    ids = [p.id for p in panels]
    rows = session.execute(
        select(AgendaItem.session_id, func.count(AgendaItem.id))
        .where(AgendaItem.session_id.in_(ids))
        .group_by(AgendaItem.session_id)
    )
    return {session_id: count for session_id, count in rows}


def panel_session_for(session: Session, actor: User | None, panel_id: int) -> PanelSession | None:
    """The session if ``actor`` may see it; None (a 404) for a member not sitting on it."""
    viewer = _require(actor, PANEL_ROLES, "panel_session")
    panel = session.get(PanelSession, panel_id)
    if panel is None:
        return None
    if is_office(viewer) or any(m.user_id == viewer.id for m in panel.members):
        return panel
    return None


def agenda_item_for(
    session: Session, actor: User | None, panel_id: int, item_id: int
) -> AgendaItem | None:
    panel = panel_session_for(session, actor, panel_id)
    if panel is None:
        return None
    item = session.get(AgendaItem, item_id)
    return item if item is not None and item.session_id == panel.id else None


@dataclass(frozen=True)
class ItemView:
    """One agenda item as one viewer may see it."""

    item: AgendaItem
    progress: Consensus
    own: PanelOpinion | None
    recused: bool
    is_member: bool
    # The opinions this viewer may read: everyone's for staff and for a member who has recorded
    # their own; otherwise none (``hidden`` says so).
    opinions: list[PanelOpinion]
    hidden: bool
    quorum_met: bool

    @property
    def can_record(self) -> bool:
        return (
            self.is_member
            and self.own is None
            and not self.recused
            and self.item.proposal.state is State.IN_DELIBERATION
        )

    @property
    def can_declare_conflict(self) -> bool:
        return self.can_record

    @property
    def agreement(self) -> str | None:
        """unanimous / majority / split, or None while hidden from this viewer or empty."""
        if self.hidden or self.progress.kind == "none":
            return None
        return self.progress.kind


def item_view(session: Session, actor: User | None, item: AgendaItem) -> ItemView:
    viewer = _require(actor, PANEL_ROLES, "agenda_item")
    is_member = any(m.user_id == viewer.id for m in item.session.members)
    if not (is_office(viewer) or is_member):
        raise PermissionDenied(
            "panel_member_of_session",
            "이 회의의 심사위원이 아닙니다",
            "You do not sit on this session",
        )
    own = session.scalar(
        select(PanelOpinion).where(
            PanelOpinion.item_id == item.id, PanelOpinion.member_id == viewer.id
        )
    )
    recused = (
        session.scalar(
            select(Recusal.id).where(Recusal.item_id == item.id, Recusal.member_id == viewer.id)
        )
        is not None
    )
    sees_all = is_office(viewer) or own is not None
    query = (
        select(PanelOpinion)
        .options(selectinload(PanelOpinion.member))
        .where(PanelOpinion.item_id == item.id)
        .order_by(PanelOpinion.recorded_at, PanelOpinion.id)
    )
    if not sees_all:
        # Not even the count per vote leaves the database for a member who has not recorded.
        query = query.where(PanelOpinion.member_id == viewer.id)
    opinions = list(session.scalars(query))
    return ItemView(
        item=item,
        progress=consensus(item),
        own=own,
        recused=recused,
        is_member=is_member,
        opinions=opinions,
        hidden=not sees_all,
        quorum_met=quorum_met(item),
    )


def agenda_views(session: Session, actor: User | None, panel: PanelSession) -> list[ItemView]:
    return [item_view(session, actor, item) for item in panel.agenda]


def ready_for_agenda(session: Session, *, limit: int = 300) -> list[Proposal]:
    """Proposals sent to deliberation, oldest first: the list an agenda is chosen from."""
    return list(
        session.scalars(
            select(Proposal)
            .where(Proposal.state == State.IN_DELIBERATION)
            .order_by(Proposal.submitted_at, Proposal.id)
            .limit(limit)
        )
    )


def panel_members(session: Session) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .where(User.role == Role.PANEL_MEMBER, User.active.is_(True))
            .order_by(User.name, User.id)
        )
    )


@dataclass(frozen=True)
class AwaitingDecision:
    proposal: Proposal
    item: AgendaItem | None
    progress: Consensus | None
    quorum_met: bool


def awaiting_decision(
    session: Session, actor: User | None, *, limit: int = 200
) -> list[AwaitingDecision]:
    """Proposals in deliberation with the state of their latest session, for the chair."""
    _require(actor, frozenset({Role.CHAIR}), "chair_desk")
    rows = []
    for proposal in session.scalars(
        select(Proposal)
        .where(Proposal.state == State.IN_DELIBERATION)
        .order_by(Proposal.submitted_at, Proposal.id)
        .limit(limit)
    ):
        item = latest_agenda_item(session, proposal)
        rows.append(
            AwaitingDecision(
                proposal=proposal,
                item=item,
                progress=consensus(item) if item is not None else None,
                quorum_met=item is None or quorum_met(item),
            )
        )
    return rows


def announceable(session: Session) -> list[Proposal]:
    """Decided repeals and relaxations not yet in any announcement, in decision order (every one
    of them: for small sets; forms use ``find_announceable``, the desk ``count_announceable``)."""
    return list(
        session.scalars(
            select(Proposal)
            .join(Decision, Decision.proposal_id == Proposal.id)
            .where(*_ANNOUNCEABLE)
            .order_by(Decision.decided_at, Proposal.id)
        ).unique()
    )


# The most decisions one announcement may take in a single form (each gets a repeal number).
MAX_PER_ANNOUNCEMENT = 500

_ANNOUNCEABLE = (
    Proposal.state == State.DECIDED,
    Proposal.outcome.in_(ANNOUNCEABLE_OUTCOMES),
    Proposal.announcement_id.is_(None),
)


def _announceable_query() -> Select[Proposal]:
    return select(Proposal).where(*_ANNOUNCEABLE).order_by(Proposal.id)


def count_announceable(session: Session) -> int:
    return session.scalar(select(func.count(Proposal.id)).where(*_ANNOUNCEABLE)) or 0


@dataclass(frozen=True)
class AnnounceableFilter:
    """How the announcement forms narrow the backlog: sector, a title word or receipt number,
    and the proposal id the page starts after (the "next" link)."""

    sector: str | None = None
    word: str = ""
    after: int | None = None


def find_announceable(
    session: Session, filters: AnnounceableFilter, *, limit: int = 100
) -> tuple[list[Proposal], bool]:
    """Up to ``limit`` announceable decisions matching ``filters`` in proposal order, and
    whether more follow (the backlog is walked a page at a time, never loaded whole)."""
    query = _announceable_query()
    if filters.sector:
        query = query.where(Proposal.sector_code == filters.sector)
    if filters.word:
        query = query.where(
            or_(
                Proposal.title.icontains(filters.word, autoescape=True),
                Proposal.receipt_no == filters.word,
            )
        )
    if filters.after is not None:
        query = query.where(Proposal.id > min(filters.after, picking.MAX_KEY))
    return picking.page(session, query, limit)


def ticked_announceable(session: Session, ids: list[int]) -> list[Proposal]:
    """The announceable decisions among these proposal ids (boxes ticked on the form)."""
    return picking.ticked(session, _announceable_query(), ids, MAX_PER_ANNOUNCEMENT)


def announceable_by_id(session: Session, ids: list[int]) -> list[Proposal]:
    """The ticked decisions, refusing more than ``MAX_PER_ANNOUNCEMENT`` and any id that is
    not a decided repeal or relaxation outside every announcement (nothing else is loaded)."""
    return picking.chosen(
        session,
        _announceable_query(),
        ids,
        limit=MAX_PER_ANNOUNCEMENT,
        too_many=InvalidInput(
            "announcement.proposals.too_many",
            f"한 번에 발표문에 넣을 수 있는 결정은 {MAX_PER_ANNOUNCEMENT}건까지입니다",
            f"At most {MAX_PER_ANNOUNCEMENT} decisions at a time",
        ),
        not_allowed=InvalidInput(
            "announcement.proposals",
            "아직 발표문에 들어가지 않은 철폐·완화 결정만 고를 수 있습니다"
            " (다른 발표문에 이미 들어갔거나 결정이 바뀐 제안이 있습니다)",
            "Only repeal and relax decisions not yet in an announcement can be chosen",
        ),
    )


def draft_announcements(session: Session) -> list[Announcement]:
    return list(
        session.scalars(
            select(Announcement)
            .where(Announcement.state == AnnouncementState.DRAFT)
            .order_by(Announcement.announced_on, Announcement.id)
        )
    )


def recent_announcements(session: Session, *, limit: int = 20) -> list[Announcement]:
    return list(
        session.scalars(
            select(Announcement)
            .where(Announcement.state == AnnouncementState.PUBLISHED)
            .order_by(Announcement.published_at.desc(), Announcement.id.desc())
            .limit(limit)
        )
    )


def announced_repeals(
    session: Session, *, number: int | None = None, limit: int = 50
) -> list[Proposal]:
    """Announced repeals for implementation tracking, newest number first (or one number)."""
    query = select(Proposal).where(Proposal.state == State.ANNOUNCED)
    if number is not None:
        query = query.where(Proposal.repeal_no == number)
    return list(session.scalars(query.order_by(Proposal.repeal_no.desc()).limit(limit)))


def next_repeal_number(session: Session) -> int:
    """The number the next published repeal will get (read only: publishing draws it)."""
    current = session.scalar(select(Counter.value).where(Counter.name == REPEAL_COUNTER))
    return int(current or 0) + 1


@dataclass(frozen=True)
class MinutesItem:
    item: AgendaItem
    progress: Consensus
    opinions: list[PanelOpinion]
    recusals: list[Recusal]
    quorum_met: bool
    decision: Decision | None


@dataclass(frozen=True)
class Minutes:
    panel: PanelSession
    members: list[User]
    items: list[MinutesItem]

    @property
    def names(self) -> dict[int, str]:
        return {m.id: m.name for m in self.members}

    @property
    def opinions_recorded(self) -> int:
        return sum(len(i.opinions) for i in self.items)


def minutes(session: Session, actor: User | None, panel: PanelSession) -> Minutes:
    """The session's minutes, generated from the opinions: office staff only."""
    _require(actor, OFFICE_ROLES, "minutes")
    members = [m.user for m in sorted(panel.members, key=lambda m: m.id)]
    items = []
    for item in panel.agenda:
        opinions = sorted(item.opinions, key=lambda o: (o.recorded_at, o.id))
        recusals = sorted(item.recusals, key=lambda r: (r.declared_at, r.id))
        # The decision belongs to these minutes when this session was the proposal's last.
        concluded_here = latest_agenda_item(session, item.proposal) is item
        items.append(
            MinutesItem(
                item=item,
                progress=consensus(item),
                opinions=opinions,
                recusals=recusals,
                quorum_met=quorum_met(item),
                decision=item.proposal.current_decision if concluded_here else None,
            )
        )
    return Minutes(panel=panel, members=members, items=items)
