"""Rebuild rate side by side: analysing in the building process, in spawned workers, and from
kept terms, on the same corpus, one build after the other (repeated in turn with ``--rounds``).

    python -m bench.rebuild_rate 10000 --work DIR [--rounds 1] [--workers 2] [--out FILE]

Each build runs in a fresh process (``python -m bench.run build …``); the load average is
recorded with each figure, since the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from .run import _child


def modes(workers: int) -> list[tuple[str, list[str]]]:
    return [
        ("analysed here", ["ours", "--workers", "0"]),
        (f"analysed in {workers} spawned workers", ["ours", "--workers", str(workers)]),
        ("kept terms", ["ours-kept-terms", "--workers", "0"]),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", type=int)
    parser.add_argument("--work", required=True, help="scratch folder")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    results: list[dict[str, Any]] = []
    for round_no in range(args.rounds):
        for label, spec in modes(args.workers):
            directory = work / f"rate-{args.n}"
            engine, *options = spec
            figures = _child(["build", engine, str(args.n), str(directory), *options])
            figures.update(mode=label, round=round_no + 1)
            results.append(figures)
            print(json.dumps(figures), file=sys.stderr, flush=True)
            shutil.rmtree(directory, ignore_errors=True)
    report = {"load_average_at_end": os.getloadavg(), "builds": results}
    if args.out:
        Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n")
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
