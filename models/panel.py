"""Expert-panel sessions (심사위원회): members, agenda, recusals and opinions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, enum_column, utcnow
from .enums import PanelVote
from .people import User
from .proposal import Proposal


class PanelSession(Base):
    __tablename__ = "panel_session"
    __table_args__ = (CheckConstraint("quorum >= 1", name="quorum_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date]
    quorum: Mapped[int] = mapped_column(default=2)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list[PanelMember]] = relationship(back_populates="session")
    agenda: Mapped[list[AgendaItem]] = relationship(
        back_populates="session", order_by="AgendaItem.position"
    )


class PanelMember(Base):
    __tablename__ = "panel_member"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("panel_session.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)

    session: Mapped[PanelSession] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class AgendaItem(Base):
    __tablename__ = "agenda_item"
    __table_args__ = (
        UniqueConstraint("session_id", "proposal_id"),
        UniqueConstraint("session_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("panel_session.id"))
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), index=True)
    position: Mapped[int]

    session: Mapped[PanelSession] = relationship(back_populates="agenda")
    proposal: Mapped[Proposal] = relationship()
    opinions: Mapped[list[PanelOpinion]] = relationship(back_populates="item")
    recusals: Mapped[list[Recusal]] = relationship(back_populates="item")


class PanelOpinion(Base):
    """One member's opinion on one agenda item: one per member and item."""

    __tablename__ = "panel_opinion"
    __table_args__ = (
        UniqueConstraint("item_id", "member_id"),
        CheckConstraint("score IS NULL OR (score BETWEEN 1 AND 5)", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    vote: Mapped[PanelVote] = mapped_column(enum_column(PanelVote, "panel_vote"))
    score: Mapped[int | None]
    comment: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[AgendaItem] = relationship(back_populates="opinions")
    member: Mapped[User] = relationship()


class Recusal(Base):
    """A member's declared conflict of interest on one agenda item."""

    __tablename__ = "recusal"
    __table_args__ = (UniqueConstraint("item_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    declared_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[AgendaItem] = relationship(back_populates="recusals")
