"""Memory of N forked web workers that search, with the Kiwi model loaded before the fork (as
``SEARCH_PRELOAD=1 gunicorn --preload`` does) or in each worker after it. Not part of the tests.

    python -m bench.preload_memory INDEX_DIR --workers 2

Prints RSS and PSS (each process's own share of pages it shares with others, from
``/proc/<pid>/smaps_rollup``) of the master and of each worker after its first search.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path


def _memory(pid: int) -> dict[str, float]:
    values: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        key = line.split(":")[0]
        if key in ("Rss", "Pss"):
            values[key] = round(int(line.split()[1]) / 1024, 1)
    return values


def measure(index: str, workers: int, preload: bool) -> dict[str, object]:
    import search
    from search import Scope, SearchQuery

    if preload:
        search.warm_up()
    children = []
    for _ in range(workers):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # a worker: search once, report, wait to be measured
            os.close(read)
            search.query(index, SearchQuery(text="용적률을 완화", scope=Scope.OFFICE))
            os.write(write, b"1")
            time.sleep(60)
            os._exit(0)
        os.close(write)
        children.append((pid, read))
    for _pid, read in children:
        os.read(read, 1)
    out = {
        "preload": preload,
        "master": _memory(os.getpid()),
        "workers": [_memory(pid) for pid, _ in children],
    }
    for pid, _ in children:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    pss = out["master"]["Pss"] + sum(w["Pss"] for w in out["workers"])  # type: ignore[index]
    out["total_pss_mb"] = round(pss, 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("index")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--preload", action="store_true")
    args = parser.parse_args()
    print(json.dumps(measure(args.index, args.workers, args.preload)), file=sys.stdout)


if __name__ == "__main__":
    main()
