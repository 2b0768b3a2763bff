"""Citizen votes (시민투표): rounds, candidates and ballots keyed by a hashed verified identity."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .people import User
from .proposal import Proposal


class VoteRound(Base):
    __tablename__ = "vote_round"
    __table_args__ = (
        CheckConstraint("closes_at > opens_at", name="period_in_order"),
        CheckConstraint("max_picks >= 1", name="max_picks_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    max_picks: Mapped[int] = mapped_column(default=10)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    candidates: Mapped[list[VoteCandidate]] = relationship(
        back_populates="round", order_by="VoteCandidate.position"
    )


class VoteCandidate(Base):
    __tablename__ = "vote_candidate"
    __table_args__ = (
        UniqueConstraint("round_id", "proposal_id"),
        UniqueConstraint("round_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("vote_round.id"))
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"))
    position: Mapped[int]

    round: Mapped[VoteRound] = relationship(back_populates="candidates")
    proposal: Mapped[Proposal] = relationship()


class Ballot(Base):
    """One person's ballot in one round. ``voter_key`` is a keyed hash (HMAC) of the verified
    identity, so the same person voting from two accounts hits the unique constraint."""

    __tablename__ = "ballot"
    __table_args__ = (
        UniqueConstraint("round_id", "voter_key"),
        UniqueConstraint("round_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("vote_round.id"), index=True)
    voter_key: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    cast_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
    choices: Mapped[list[BallotChoice]] = relationship(back_populates="ballot")


class BallotChoice(Base):
    __tablename__ = "ballot_choice"
    __table_args__ = (UniqueConstraint("ballot_id", "candidate_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballot.id"))
    candidate_id: Mapped[int] = mapped_column(ForeignKey("vote_candidate.id"), index=True)

    ballot: Mapped[Ballot] = relationship(back_populates="choices")
    candidate: Mapped[VoteCandidate] = relationship()
