"""The reference data a submission checks (sector and regulation type codes, the channel, the
campaign of the day), read once per process and kept until an administrator changes it.

A submission looked these up with up to six queries. They change only through the administration
screens, so each process keeps a copy per database (engine), valid for one value of the
``reference`` version (a row of ``counter``): a transaction that changes a sector, regulation
type, channel or campaign gives it a fresh random value in the same transaction, so once that
change has committed every process, whichever made it, sees a different version on its next
transaction and reloads. Reading the version costs one query per transaction; a transaction
that has itself changed reference rows (not yet committed) reads them from the database.
"""

from __future__ import annotations

import secrets
import weakref
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from models import Campaign, Channel, Counter, RegulationType, Sector, SourceKind

from .figures import set_counter

VERSION = "reference"
_WATCHED = (Sector, RegulationType, Channel, Campaign)
_CHANGED = "reference.changed"
_READ = "reference.version"


@dataclass(frozen=True)
class ChannelRow:
    code: str
    label_ko: str
    label_en: str
    active: bool
    source_kind: SourceKind | None


@dataclass(frozen=True)
class CampaignRow:
    id: int
    starts_on: date
    ends_on: date
    active: bool


@dataclass(frozen=True)
class Snapshot:
    version: int
    sectors: frozenset[str]
    regulation_types: frozenset[str]
    channels: dict[str, ChannelRow]
    campaigns: tuple[CampaignRow, ...]

    def campaign_id_on(self, day: date) -> int | None:
        """The active campaign running on ``day`` (the latest started, if several)."""
        running = [c for c in self.campaigns if c.active and c.starts_on <= day <= c.ends_on]
        return max(running, key=lambda c: (c.starts_on, c.id)).id if running else None


# One copy per engine: tests build an app (and an engine) per database.
_SNAPSHOTS: weakref.WeakKeyDictionary[Engine, Snapshot] = weakref.WeakKeyDictionary()


def version(session: Session) -> int:
    """The reference version, read once per transaction (0 before the first change)."""
    if _READ not in session.info:
        session.info[_READ] = (
            session.scalar(select(Counter.value).where(Counter.name == VERSION)) or 0
        )
    return int(session.info[_READ])


def _load(session: Session, at_version: int) -> Snapshot:
    return Snapshot(
        version=at_version,
        sectors=frozenset(session.scalars(select(Sector.code))),
        regulation_types=frozenset(session.scalars(select(RegulationType.code))),
        channels={
            row.code: ChannelRow(row.code, row.label_ko, row.label_en, row.active, row.source_kind)
            for row in session.execute(
                select(
                    Channel.code,
                    Channel.label_ko,
                    Channel.label_en,
                    Channel.active,
                    Channel.source_kind,
                )
            )
        },
        campaigns=tuple(
            CampaignRow(row.id, row.starts_on, row.ends_on, row.active)
            for row in session.execute(
                select(Campaign.id, Campaign.starts_on, Campaign.ends_on, Campaign.active)
            )
        ),
    )


def _changing(session: Session) -> bool:
    return session.info.get(_CHANGED, False) or any(
        isinstance(obj, _WATCHED) for obj in (*session.new, *session.dirty, *session.deleted)
    )


def snapshot(session: Session) -> Snapshot:
    """The reference data as this transaction sees it."""
    if _changing(session):
        return _load(session, -1)  # this transaction's own changes, never kept
    engine = session.get_bind().engine
    current = version(session)
    found = _SNAPSHOTS.get(engine)
    if found is None or found.version != current:
        found = _load(session, current)
        _SNAPSHOTS[engine] = found
    return found


def has_sector(session: Session, code: str) -> bool:
    return code in snapshot(session).sectors


def has_regulation_type(session: Session, code: str) -> bool:
    return code in snapshot(session).regulation_types


def channel(session: Session, code: str) -> ChannelRow | None:
    return snapshot(session).channels.get(code)


def campaign_id_on(session: Session, day: date) -> int | None:
    return snapshot(session).campaign_id_on(day)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, flush_context: Any) -> None:
    if any(isinstance(obj, _WATCHED) for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info[_CHANGED] = True


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    session.flush()
    if session.info.pop(_CHANGED, False):
        set_counter(session.connection(), VERSION, secrets.randbits(62))
        session.info.pop(_READ, None)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the outermost transaction: the next one reads afresh
        session.info.pop(_READ, None)
        session.info.pop(_CHANGED, None)
