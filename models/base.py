"""The SQLAlchemy handle, the metadata naming convention and small column helpers."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import JSON, DateTime, MetaData, TypeDecorator
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import DeclarativeBase, registry

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on both backends: aware values are converted to UTC before storage
    (SQLite would otherwise drop the offset) and come back aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware one is required")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime(), dict[str, Any]: JSON},
    )


db = SQLAlchemy(model_class=Base)


def utcnow() -> datetime:
    """The current time, timezone-aware UTC (called per row, never at import)."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class LabelledEnum(enum.StrEnum):
    """A code stored by value, with a Korean label and an English one for the translation layer."""

    @property
    def label(self) -> str:
        return type(self)._labels_map()[str(self.value)][0]

    @property
    def label_en(self) -> str:
        return type(self)._labels_map()[str(self.value)][1]

    @classmethod
    def _labels_map(cls) -> dict[str, tuple[str, str]]:
        return LABELS[cls.__name__]

    @classmethod
    def values(cls) -> list[str]:
        return [str(m.value) for m in cls]


# Filled by models.enums; kept outside the enum bodies because StrEnum members cannot carry dicts.
LABELS: dict[str, dict[str, tuple[str, str]]] = {}


def enum_column(enum_cls: type[enum.StrEnum], name: str) -> SAEnum:
    """A portable enum column: VARCHAR plus a named CHECK constraint listing the codes."""
    return SAEnum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        validate_strings=True,
        values_callable=lambda e: [m.value for m in e],
    )
