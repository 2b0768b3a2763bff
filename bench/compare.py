"""Query latency of two code trees side by side (for instance ``main`` checked out elsewhere
and this one), each on an index it built of the same corpus, alternating per query kind in one
run so both see the same machine load. Not part of the tests.

    python -m bench.compare OLD_TREE OLD_INDEX NEW_INDEX --documents 2000 --queries 40

Each (tree, kind) runs in its own process, importing ``search`` from that tree; it reports its
resident memory after the queries too.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = r"""
import json, statistics, sys, time
root, index, kind = sys.argv[1], sys.argv[2], sys.argv[4]
n, per = int(sys.argv[3]), int(sys.argv[5])
sys.path.insert(0, root)
import search
from bench.run import ours_searcher, query_sets
search.warm_up()
run = ours_searcher(index)
run({"q": "용적률 완화"}, 10)
samples = []
for spec in query_sets(n, per_kind=per)[kind]:
    started = time.perf_counter()
    run(spec, 10)
    samples.append(time.perf_counter() - started)
samples.sort()
p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
p50 = statistics.median(samples)
rss = {}
for line in open("/proc/self/status").read().splitlines():
    if line.startswith(("VmRSS", "VmHWM")):
        rss[line.split(":")[0]] = round(int(line.split()[1]) / 1024, 1)
print(json.dumps({"p50_ms": round(p50 * 1000, 1), "p95_ms": round(p95 * 1000, 1), "rss_mb": rss}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("old_tree")
    parser.add_argument("old_index")
    parser.add_argument("new_index")
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--queries", type=int, default=40, help="per query kind")
    args = parser.parse_args()
    trees = {"old": (args.old_tree, args.old_index), "new": (str(ROOT), args.new_index)}
    report: dict[str, object] = {"load_average_at_start": os.getloadavg()}
    for kind in ("single", "multi", "filtered", "faceted"):
        for name, (tree, index) in trees.items():
            out = subprocess.run(
                [
                    sys.executable,
                    "-B",
                    "-c",
                    CHILD,
                    tree,
                    index,
                    str(args.documents),
                    kind,
                    str(args.queries),
                ],
                capture_output=True,
                text=True,
                cwd=tree,
                check=True,
            )
            report[f"{kind}_{name}"] = json.loads(out.stdout.strip().splitlines()[-1])
        print(kind, report[f"{kind}_old"], report[f"{kind}_new"], file=sys.stderr, flush=True)
    report["load_average_at_end"] = os.getloadavg()
    print(json.dumps(report))


if __name__ == "__main__":
    main()
