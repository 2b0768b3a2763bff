"""The counts a page makes at its first view after a change, before and after the tally, side
by side: the registers' totals and the office's queue counts.

    .venv/bin/python -m bench.first_view --database-url postgresql://127.0.0.1:5432/bench \\
        [--rounds 5]

After a change, the cached totals and counts are of an older figures generation, so the first
view of each filter counts again (``webapp/figures_cache.py``); this measures that counting
alone, with the application's own functions on a database ``bench.million`` filled.

- Registers: each filter's total counted over the proposals, as before (``count(*)`` of the
  register's own query), and summed from ``proposal_tally``, as now.
- Office: ``workflows.queue.counts`` for a reviewer under each filter, as now, and as before:
  in a transaction that drops the open proposals' covering index (``ix_proposal_open_counts``)
  and rolled back after (PostgreSQL's DDL is transactional; the index is never really gone),
  with the "all" queue counted over the proposals instead of summed from the tally.

Each round runs both ways in turn, alternating which goes first, so a change in the machine's
load falls on both. Reported per filter: the median over the rounds of each way, in ms, and
the ratio; and both ways' results, which must be equal.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import func, select, text

from models import Proposal, Role, SourceKind, Stage, State, User, db
from workflows import public, queue
from workflows.deadlines import Targets

from .server_time import SECTORS, TYPES, _app, _read_the_plain_bench_secret

REGISTER_FILTERS = [
    public.PublicFilter(),
    *(public.PublicFilter(sector=s) for s in SECTORS),
    public.PublicFilter(regulation_type=TYPES[0]),
    public.PublicFilter(sector=SECTORS[0], regulation_type=TYPES[1]),
    public.PublicFilter(stage="review"),
    public.PublicFilter(source="agency"),
]
# Summed from the tally: the public register's total, and the repeal register's.
REGISTER_TOTALS = {False: public.count_public_proposals, True: public.count_repeals}
OFFICE_FILTERS = [
    queue.QueueFilter(),
    *(queue.QueueFilter(sector=s, stage=Stage.REVIEW) for s in SECTORS),
    queue.QueueFilter(regulation_type=TYPES[0], sector=SECTORS[0], source=SourceKind.CITIZEN),
    queue.QueueFilter(source=SourceKind.CITIZEN),
    queue.QueueFilter(channel="online_window"),
]


def _counted_over_proposals(filters: public.PublicFilter, *, repeals: bool) -> int:
    """The totals as they were counted before the tally."""
    where = Proposal.state == State.ANNOUNCED if repeals else public.public_condition()
    query = public._filtered(select(Proposal.id).where(where), filters)
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


@contextmanager
def _as_before() -> Iterator[None]:
    """The office counts as before: no covering index (dropped, then rolled back) and the "all"
    queue counted over the proposals."""
    kept = queue._all_from_tally
    db.session.execute(text("DROP INDEX ix_proposal_open_counts"))
    queue._all_from_tally = lambda *_args: None  # type: ignore[assignment]
    try:
        yield
    finally:
        queue._all_from_tally = kept  # type: ignore[assignment]
        db.session.rollback()


def _timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    found = call()
    return (time.perf_counter() - started) * 1000, found


def run(url: str, rounds: int) -> dict[str, Any]:
    _read_the_plain_bench_secret()
    app = _app(url, cache_seconds=0)
    samples: dict[str, dict[str, list[float]]] = {}
    results: dict[str, dict[str, Any]] = {}

    def note(label: str, way: str, elapsed: float, found: Any) -> None:
        samples.setdefault(label, {"before": [], "after": []})[way].append(elapsed)
        results.setdefault(label, {})[way] = found

    with app.app_context():
        reviewer = db.session.scalar(select(User).where(User.role == Role.REVIEWER))
        assert reviewer is not None, "no reviewer: fill the database with bench.million first"
        goals = Targets()
        for round_no in range(rounds + 1):  # round 0 warms the plans and the caches up
            for way in ("before", "after") if round_no % 2 else ("after", "before"):
                for filters in REGISTER_FILTERS:
                    for repeals in (False, True):
                        label = f"{'/repeals' if repeals else '/proposals'} {_shown(filters)}"
                        if way == "before":
                            elapsed, found = _timed(
                                lambda f=filters, r=repeals: _counted_over_proposals(f, repeals=r)
                            )
                        else:
                            summed = REGISTER_TOTALS[repeals]
                            elapsed, found = _timed(
                                lambda f=filters, c=summed: c(db.session, f)  # type: ignore[misc]
                            )
                        if round_no:
                            note(label, way, elapsed, found)
                db.session.rollback()
                for f in OFFICE_FILTERS:
                    label = f"/office {_shown(f)}"

                    def counts(f: queue.QueueFilter = f) -> dict[str, int]:
                        return queue.counts(db.session, reviewer, goals, f)

                    if way == "before":
                        with _as_before():
                            elapsed, found = _timed(counts)
                    else:
                        elapsed, found = _timed(counts)
                    if round_no:
                        note(label, way, elapsed, found)
                db.session.rollback()
    report: dict[str, Any] = {}
    for label, ways in samples.items():
        before, after = (statistics.median(ways[w]) for w in ("before", "after"))
        report[label] = {
            "before_ms": round(before, 1),
            "after_ms": round(after, 2),
            "ratio": round(before / after, 1),
            "same_result": results[label]["before"] == results[label]["after"],
        }
    return report


def _shown(filters: Any) -> str:
    kept = {
        k: getattr(v, "value", v)
        for k, v in vars(filters).items()
        if v not in (None, "", {}) and k not in ("queue", "sort", "limit")
    }
    return json.dumps(kept, ensure_ascii=False) if kept else "(no filter)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    report = run(args.database_url, args.rounds)
    width = max(len(label) for label in report)
    print(f"{'count':{width}}  before ms  after ms   ratio  same")
    for label, row in report.items():
        print(
            f"{label:{width}}  {row['before_ms']:9.1f}  {row['after_ms']:8.2f}"
            f"  {row['ratio']:6.1f}  {row['same_result']}"
        )


if __name__ == "__main__":
    main()
