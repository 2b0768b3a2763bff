"""What the registers' tally triggers add to a write of a proposal, side by side.

    .venv/bin/python -m bench.tally_cost --database-url postgresql://127.0.0.1:5432/bench \\
        [--changes 500] [--rounds 5]

Each round changes ``--changes`` proposals, one transaction each (``UPDATE proposal SET
sector_code = … WHERE id = …`` and the commit, as an operation's flush and commit would), once
with the tally triggers on and once with them off, alternating which goes first, so a change in
the machine's load falls on both. Such an update is the triggers' dearest case: it writes two
deltas (-1 for the old values, +1 for the new). Reported: the median and p95 of the statement
and of the statement with its commit, per mode over all rounds, and their ratio.

The database must be one you own and may change (``bench.million`` fills one): the proposals
changed keep their new sectors, and the tally is counted again from the proposals at the end
(the changes made with the triggers off are not in it).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from typing import Any

import psycopg

from workflows import tally

from .million import plain_url

TRIGGERS = ("proposal_tally_insert_delete", "proposal_tally_update")


def _switch(conn: psycopg.Connection[Any], on: bool) -> None:
    verb = "ENABLE" if on else "DISABLE"
    for name in TRIGGERS:
        conn.execute(f"ALTER TABLE proposal {verb} TRIGGER {name}")
    conn.commit()


def _changes(
    conn: psycopg.Connection[Any], ids: list[int], sectors: list[str], rng: random.Random
) -> tuple[list[float], list[float]]:
    """Milliseconds per change: the statement, and the statement with its commit."""
    statement, committed = [], []
    for pid in ids:
        started = time.perf_counter()
        conn.execute(
            "UPDATE proposal SET sector_code = %s WHERE id = %s", (rng.choice(sectors), pid)
        )
        executed = time.perf_counter()
        conn.commit()
        done = time.perf_counter()
        statement.append((executed - started) * 1000)
        committed.append((done - started) * 1000)
    return statement, committed


def _summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered), 3),
        "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--changes", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    url = plain_url(args.database_url)
    rng = random.Random(2026)
    measured: dict[str, dict[str, list[float]]] = {
        mode: {"statement": [], "with commit": []} for mode in ("on", "off")
    }
    with psycopg.connect(url) as conn:
        sectors = [row[0] for row in conn.execute("SELECT code FROM sector ORDER BY code")]
        ids = [row[0] for row in conn.execute("SELECT id FROM proposal WHERE state = 'in_review'")]
        conn.commit()
        try:
            for round_no in range(args.rounds):
                order = ("on", "off") if round_no % 2 == 0 else ("off", "on")
                for mode in order:
                    _switch(conn, mode == "on")
                    statement, committed = _changes(
                        conn, rng.sample(ids, args.changes), sectors, rng
                    )
                    measured[mode]["statement"] += statement
                    measured[mode]["with commit"] += committed
        finally:
            _switch(conn, True)
            for statement in tally.REBUILD:
                conn.execute(statement)
            conn.commit()
    report: dict[str, Any] = {
        mode: {part: _summary(values) for part, values in parts.items()}
        for mode, parts in measured.items()
    }
    report["ratio on/off of the medians"] = {
        part: round(report["on"][part]["p50_ms"] / report["off"][part]["p50_ms"], 2)
        for part in ("statement", "with commit")
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
