"""Proposals like the one being triaged, to catch duplicates before they are reviewed twice.

The search index's "more like this" (morphemes of the title and the text, so a duplicate in
other words is found) comes first; while the index is missing or being rebuilt, or when it finds
nothing, a title similarity read from the database stands in."""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models import Proposal, State

CANDIDATES = 300
THRESHOLD = 0.35
_WORD = re.compile(r"[0-9A-Za-z가-힣]+")


@dataclass(frozen=True)
class Similar:
    proposal: Proposal
    # 0..1 title similarity, or None for a hit of the search index (ranked by relevance; its
    # scores are not on a scale worth showing as a percentage).
    score: float | None


def _words(title: str) -> list[str]:
    return [w for w in _WORD.findall(title.lower()) if len(w) >= 2]


def _bigrams(title: str) -> set[str]:
    text = "".join(_words(title))
    return {text[i : i + 2] for i in range(len(text) - 1)}


def title_similarity(a: str, b: str) -> float:
    """0..1: character-bigram overlap (robust to Korean particles) blended with sequence match."""
    first, second = _bigrams(a), _bigrams(b)
    if not first or not second:
        return 0.0
    jaccard = len(first & second) / len(first | second)
    sequence = SequenceMatcher(None, a, b).ratio()
    return round(0.6 * jaccard + 0.4 * sequence, 3)


def similar_proposals(session: Session, proposal: Proposal, limit: int = 5) -> list[Similar]:
    """Submitted proposals most like ``proposal``: from the search index, else by title."""
    from webapp.search_pages.service import similar_proposals as indexed_similar

    found = [Similar(s.proposal, None) for s in indexed_similar(proposal.id, limit)]
    return found or title_similar(session, proposal, limit)


def title_similar(session: Session, proposal: Proposal, limit: int = 5) -> list[Similar]:
    """Submitted proposals whose titles resemble ``proposal``'s, most similar first."""
    words = sorted(set(_words(proposal.title)), key=len, reverse=True)[:6]
    if not words:
        return []
    # Korean words carry particles ("용적률을"): match on each word's stem as well.
    stems = {w[:-1] if len(w) > 2 else w for w in words}
    candidates = session.scalars(
        select(Proposal)
        .where(
            Proposal.id != proposal.id,
            Proposal.state != State.DRAFT,
            or_(*[Proposal.title.like(f"%{stem}%") for stem in stems]),
        )
        .order_by(Proposal.submitted_at.desc())
        .limit(CANDIDATES)
    )
    scored = [Similar(c, title_similarity(proposal.title, c.title)) for c in candidates]
    ranked = sorted(
        (s for s in scored if s.score >= THRESHOLD),
        key=lambda s: (-s.score, s.proposal.submitted_at),
    )
    return ranked[:limit]
