"""The SQLAlchemy handle, the metadata naming convention and small column helpers."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import JSON, DateTime, MetaData, TypeDecorator
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import DeclarativeBase, Session, registry, scoped_session

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


# The request's own session is the one that takes SQLite's write lock (sqlite_begin below).
db = SQLAlchemy(model_class=Base, session_options={"execution_options": {"sqlite_writer": True}})

# SQLite serialises writers with one lock. A transaction begun as a plain read that writes later
# fails at once with "database is locked" when another writer committed after its first read
# (its snapshot is stale; waiting cannot help). So the work that writes (a state-changing
# request, an outbox job) begins the transactions of its session (db.session) with BEGIN
# IMMEDIATE: it takes the lock first and waits for it (busy timeout) instead. Readers are never
# blocked (WAL); other sessions (a reader beside the job's own) begin as plain readers, since
# they would otherwise wait for the lock their own thread holds. PostgreSQL ignores all this.
_SQLITE_WRITING: ContextVar[bool] = ContextVar("sqlite_writing", default=False)


@contextmanager
def writing() -> Iterator[None]:
    """Mark the work inside as work that writes (see above)."""
    token = _SQLITE_WRITING.set(True)
    try:
        yield
    finally:
        _SQLITE_WRITING.reset(token)


@contextmanager
def reading() -> Iterator[None]:
    """Mark the work inside as work that only reads, even inside work that writes (a job that
    writes nothing to the database, run in-process by the request that committed its message):
    its transactions begin as plain readers and do not hold the write lock."""
    token = _SQLITE_WRITING.set(False)
    try:
        yield
    finally:
        _SQLITE_WRITING.reset(token)


@contextmanager
def writing_apart(session: Session | scoped_session[Session]) -> Iterator[None]:
    """A write made by work that otherwise only reads (a GET request noting a look at personal
    data, a session's or a token's last use), in a short transaction of its own that the caller
    commits inside the block. On SQLite the read transaction so far is ended first (it must hold
    no changes: it is committed) so that the write begins with the lock and waits for it (see
    above); a request that is already writing keeps its transaction. PostgreSQL: unchanged."""
    own = session() if isinstance(session, scoped_session) else session
    if (
        not _SQLITE_WRITING.get()
        and own.in_transaction()
        and own.get_bind().dialect.name == "sqlite"
    ):
        own.commit()
    with writing():
        yield


def sqlite_begin(conn: Any) -> None:
    """The engine's "begin" hook on SQLite (SQLAlchemy, not the sqlite3 module, begins)."""
    writer = conn.get_execution_options().get("sqlite_writer", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if writer and _SQLITE_WRITING.get() else "BEGIN")


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


def enum_column(enum_cls: type[enum.StrEnum], name: str | None) -> SAEnum:
    """A portable enum column: VARCHAR plus a named CHECK constraint listing the codes (none
    without a ``name``: a column only the database's own triggers write)."""
    return SAEnum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=name is not None,
        length=32,
        validate_strings=True,
        values_callable=lambda e: [m.value for m in e],
    )
