"""A proposer's request to re-examine a decision: one per decision, within 30 days of it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .people import User
from .proposal import Decision, Proposal


class ReexaminationRequest(Base):
    __tablename__ = "reexamination_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), index=True)
    # The decision asked about; unique, so a decision is re-examined at most once.
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id"), unique=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    reasons: Mapped[str] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Who reviewed it before: not assigned again for the re-examination.
    previous_reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    proposal: Mapped[Proposal] = relationship()
    decision: Mapped[Decision] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
