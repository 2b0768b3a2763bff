"""Reference data an administrator can extend: sectors, regulation types, channels, reasons."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, enum_column
from .enums import SourceKind


class _Reference:
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    label_ko: Mapped[str] = mapped_column(String(100))
    label_en: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.code}>"


class Sector(_Reference, Base):
    __tablename__ = "sector"


class RegulationType(_Reference, Base):
    __tablename__ = "regulation_type"


class Channel(_Reference, Base):
    """A way a proposal reaches the office; ``source_kind`` None means open to every kind."""

    __tablename__ = "channel"
    source_kind: Mapped[SourceKind | None] = mapped_column(
        enum_column(SourceKind, "channel_source_kind"), nullable=True
    )


class DeclineReason(_Reference, Base):
    """Reason codes a reviewer must pick when a proposal is not accepted."""

    __tablename__ = "decline_reason"
