"""Form text kept across an expired session: what a visitor typed is stashed under a random
key held by their browser's session, and given back once, after they log in again."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models import FormStash, utcnow

KEEP_FOR = timedelta(hours=24)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def stash_form(
    session: Session,
    *,
    form: str,
    target: str,
    data: dict[str, Any],
    at: datetime | None = None,
) -> str:
    """Keep ``data`` for a day; returns the key (kept by the caller, never stored)."""
    at = at or utcnow()
    session.execute(delete(FormStash).where(FormStash.expires_at < at))
    key = secrets.token_urlsafe(32)
    session.add(
        FormStash(
            key_hash=_hash(key),
            form=form,
            target=target[:200],
            data=data,
            created_at=at,
            expires_at=at + KEEP_FOR,
        )
    )
    session.flush()
    return key


def peek(session: Session, key: str | None) -> FormStash | None:
    if not key:
        return None
    return session.scalar(select(FormStash).where(FormStash.key_hash == _hash(key)))


def claim_stash(
    session: Session, key: str | None, *, form: str, target: str, at: datetime | None = None
) -> dict[str, Any] | None:
    """The stashed data for this form and page, once; None if unknown, used or expired."""
    row = peek(session, key)
    at = at or utcnow()
    if row is None or row.form != form or row.target != target or row.claimed_at is not None:
        return None
    if row.expires_at < at:
        return None
    row.claimed_at = at
    data = dict(row.data)
    session.flush()
    return data
