"""A synthetic corpus of realistic Korean proposals, deterministic for a seed.

Texts come from the demo's generator (the domain's vocabulary, with particles, endings and
spacing varied on purpose); codes, stages, outcomes and dates are drawn at random. Each document
keeps its topic (subject, target, action), which is what the judged query set is judged on.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from search import SearchDocument
from webapp.demo import corpus

STATES = [
    ("intake", "submitted", None, False),
    ("review", "in_review", None, True),
    ("deliberation", "in_deliberation", None, True),
    ("decision", "decided", "not_accepted", True),
    ("decision", "decided", "long_term", True),
    ("decision", "announced", "repeal", True),
    ("decision", "announced", "relax", True),
]
SOURCES = ("citizen", "official", "agency")


@dataclass(frozen=True)
class Generated:
    document: SearchDocument
    topic: tuple[str, str, str]


def generate(n: int, seed: int = 2025) -> Iterator[Generated]:
    rng = random.Random(seed)
    start = date(2023, 1, 1)
    for i in range(1, n + 1):
        sector = rng.choice(corpus.SECTORS)
        reg_type = rng.choice(corpus.TYPES)
        text = corpus.make_text(rng, sector, reg_type)
        stage, state, outcome, public = rng.choice(STATES)
        day = start + timedelta(days=rng.randrange(3 * 365))
        yield Generated(
            SearchDocument(
                id=i,
                receipt_no=f"{day.year}-{i:06d}",
                title=text.title,
                current_regulation=text.current_regulation,
                legal_basis=text.legal_basis or "",
                problem=text.problem,
                proposed_change=text.proposed_change,
                expected_effect=text.expected_effect,
                repeal_no=i if state == "announced" else None,
                sector=sector,
                regulation_type=reg_type,
                source=rng.choice(SOURCES),
                channel="online_window",
                stage=stage,
                state=state,
                outcome=outcome,
                campaign=None,
                submitted_on=day.isoformat(),
                public=public,
            ),
            text.topic,
        )
