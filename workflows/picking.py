"""Choosing proposals out of a large set on a form (the vote round's candidates, an announcement's
decisions): a capped page of the set, and the ticked ids loaded alone, never the whole set."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select
from sqlalchemy.orm import Session

from models import Proposal

from .errors import InvalidInput

# Largest key a query may carry (PostgreSQL integer columns): beyond it nothing can match.
MAX_KEY = 2**31 - 1


def clean_ids(ids: Iterable[int], limit: int) -> list[int]:
    """The distinct ids a database key can hold, ascending, at most ``limit`` of them."""
    return sorted({i for i in ids if 0 < i <= MAX_KEY})[:limit]


def page(session: Session, query: Select[Proposal], limit: int) -> tuple[list[Proposal], bool]:
    """Up to ``limit`` rows of an ordered ``query``, and whether more follow."""
    rows = list(session.scalars(query.limit(limit + 1)))
    return rows[:limit], len(rows) > limit


def ticked(
    session: Session, query: Select[Proposal], ids: Iterable[int], limit: int
) -> list[Proposal]:
    """The rows of ``query`` among these proposal ids (at most ``limit`` ids are looked up)."""
    return list(session.scalars(query.where(Proposal.id.in_(clean_ids(ids, limit)))))


def chosen(
    session: Session,
    query: Select[Proposal],
    ids: list[int],
    *,
    limit: int,
    too_many: InvalidInput,
    not_allowed: InvalidInput,
) -> list[Proposal]:
    """The ticked rows of ``query``: refuses (``too_many``) more than ``limit`` ids and
    (``not_allowed``) any id the query does not hold."""
    if len(set(ids)) > limit:
        raise too_many
    rows = ticked(session, query, ids, limit)
    if len(rows) != len(set(ids)):
        raise not_allowed
    return rows
