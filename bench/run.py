"""The search benchmark: our Whoosh + Kiwi index next to SQLite FTS5 (unicode61 and trigram) on
the same synthetic corpus. Not part of the test suite.

    python -m bench.run --sizes 10000 100000 --out bench/results.json

For each size: build rate (documents/s) and index size; query latency p50/p95 for single-term,
multi-term, filtered and faceted queries; peak resident memory of the indexing process; and
the resident memory of a web process that has answered a search. Then recall@10 and
precision@10 of the judged query set (``bench/judged_queries.json``) on the evaluation corpus.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .corpus import generate

ROOT = Path(__file__).resolve().parents[1]
JUDGED = Path(__file__).with_name("judged_queries.json")
QUERIES_PER_KIND = 100


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return {"p50_ms": round(statistics.median(ordered) * 1000, 2), "p95_ms": round(p95 * 1000, 2)}


def _rss_mb() -> dict[str, float]:
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS", "VmHWM")):
            values[line.split(":")[0]] = int(line.split()[1]) / 1024
    try:
        for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                values["Pss"] = int(line.split()[1]) / 1024
    except OSError:
        pass
    return {k: round(v, 1) for k, v in values.items()}


# ---------------------------------------------------------------- building (in a child process)


def build_ours(
    n: int, directory: str, kept_terms: bool = False, workers: int | None = None
) -> dict[str, Any]:
    """A timed rebuild. With ``kept_terms`` every document carries its analysed terms (as a
    rebuild reading terms kept beside the proposals would get them); analysing them is not
    timed. ``workers``: analysis processes (``None``: the search package's default)."""
    from dataclasses import replace

    import search

    documents = [g.document for g in generate(n)]
    search.warm_up()
    if kept_terms:
        documents = [replace(d, analysed=d.analyse()) for d in documents]
    if workers is None:
        workers = search.DEFAULT_WORKERS
    started = time.perf_counter()
    search.rebuild(directory, documents, workers=workers)
    elapsed = time.perf_counter() - started
    return {
        "documents": n,
        "kept_terms": kept_terms,
        "workers": workers,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "seconds": round(elapsed, 1),
        "docs_per_s": round(n / elapsed, 1),
        "size_mb": round(search.size_bytes(directory) / 2**20, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "workers_peak_rss_mb": round(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
        ),
    }


def _fts_text(doc: Any) -> str:
    fields = (doc.current_regulation, doc.legal_basis, doc.problem, doc.proposed_change)
    return "\n".join((*fields, doc.expected_effect))


def build_fts(n: int, path: str, tokenizer: str) -> dict[str, Any]:
    Path(path).unlink(missing_ok=True)
    connection = sqlite3.connect(path)
    connection.execute(
        f"CREATE VIRTUAL TABLE docs USING fts5(title, body, sector UNINDEXED, "
        f"public UNINDEXED, tokenize='{tokenizer}')"
    )
    started = time.perf_counter()
    with connection:
        connection.executemany(
            "INSERT INTO docs(rowid, title, body, sector, public) VALUES (?, ?, ?, ?, ?)",
            (
                (
                    g.document.id,
                    g.document.title,
                    _fts_text(g.document),
                    g.document.sector,
                    int(g.document.public),
                )
                for g in generate(n)
            ),
        )
    elapsed = time.perf_counter() - started
    connection.close()
    return {
        "documents": n,
        "seconds": round(elapsed, 1),
        "docs_per_s": round(n / elapsed, 1),
        "size_mb": round(Path(path).stat().st_size / 2**20, 1),
    }


# ---------------------------------------------------------------- queries


def query_sets(
    n: int, seed: int = 11, per_kind: int = QUERIES_PER_KIND
) -> dict[str, list[dict[str, Any]]]:
    """Queries drawn from the corpus' own topics, the way people type them."""
    rng = random.Random(seed)
    topics = [g.topic for g in generate(min(n, 3000))]
    sectors = ["construction_housing", "business_smallbiz", "admin_welfare", "transport_env_safety"]
    sets: dict[str, list[dict[str, Any]]] = {
        "single": [],
        "multi": [],
        "filtered": [],
        "faceted": [],
    }
    for _ in range(per_kind):
        subject, target, action = rng.choice(topics)
        sets["single"].append({"q": subject.split()[0]})
        sets["multi"].append({"q": f"{target}의 {subject} {action}"})
        sets["filtered"].append({"q": f"{subject} {action}", "sector": rng.choice(sectors)})
        sets["faceted"].append({"q": f"{subject}", "facets": True})
    return sets


def ours_searcher(directory: str) -> Callable[[dict[str, Any], int], list[int]]:
    import search
    from search import Scope, SearchQuery

    def run(spec: dict[str, Any], limit: int = 10) -> list[int]:
        filters = {"sector": spec["sector"]} if spec.get("sector") else {}
        result = search.query(
            directory,
            SearchQuery(
                text=spec["q"],
                scope=Scope.PUBLIC if spec.get("sector") else Scope.OFFICE,
                filters=filters,
                per_page=limit,
                facets=bool(spec.get("facets")),
            ),
        )
        return [hit.id for hit in result.hits]

    return run


def fts_query(text: str, tokenizer: str) -> str | None:
    words = [w for w in re.findall(r"\w+", text)]
    if tokenizer == "trigram":
        words = [w for w in words if len(w) >= 3]  # trigram cannot match shorter words
    if not words:
        return None
    return " AND ".join('"' + w.replace('"', '""') + '"' for w in words)


def fts_searcher(path: str, tokenizer: str) -> Callable[[dict[str, Any], int], list[int]]:
    connection = sqlite3.connect(path)

    def run(spec: dict[str, Any], limit: int = 10) -> list[int]:
        match = fts_query(spec["q"], tokenizer)
        if match is None:
            return []
        where = "docs MATCH ?"
        params: list[Any] = [match]
        if spec.get("sector"):
            where += " AND sector = ? AND public = 1"
            params.append(spec["sector"])
        if spec.get("facets"):
            connection.execute(
                f"SELECT sector, count(*) FROM docs WHERE {where} GROUP BY sector",  # noqa: S608
                params,
            ).fetchall()
        rows = connection.execute(
            f"SELECT rowid FROM docs WHERE {where} ORDER BY rank LIMIT ?",  # noqa: S608
            [*params, limit],
        ).fetchall()
        return [row[0] for row in rows]

    return run


def latencies(run: Callable[[dict[str, Any], int], list[int]], sets: dict[str, Any]) -> dict:
    run({"q": "용적률 완화"}, 10)  # warm up
    out = {}
    for kind, specs in sets.items():
        samples = []
        for spec in specs:
            started = time.perf_counter()
            run(spec, 10)
            samples.append(time.perf_counter() - started)
        out[kind] = _percentiles(samples)
    return out


def judged_quality(run: Callable[[dict[str, Any], int], list[int]], limit: int | None = None):
    data = json.loads(JUDGED.read_text())
    recalls, precisions, misses = [], [], []
    for item in data["queries"]:
        relevant = set(item["relevant"])
        if limit is not None:
            relevant = {r for r in relevant if r <= limit}
            if not relevant:
                continue
        top = run({"q": item["query"]}, 10)
        found = relevant & set(top)
        recalls.append(len(found) / min(len(relevant), 10))
        precisions.append(len(found) / len(top) if top else 0.0)
        if len(found) < len(relevant):
            misses.append(item["query"])
    return {
        "queries": len(recalls),
        "recall_at_10": round(statistics.mean(recalls), 3) if recalls else None,
        "precision_at_10": round(statistics.mean(precisions), 3) if precisions else None,
        "queries_missing_some": misses[:10],
    }


# ---------------------------------------------------------------- memory of a web process


WEB_PROBE = """
import json, sys, tempfile
from pathlib import Path
sys.path.insert(0, {root!r})
from bench.run import _rss_mb
before = _rss_mb()
from webapp import create_app
tmp = Path(tempfile.mkdtemp())
app = create_app({{"APP_ENV": "testing", "SECRET_KEY": "b", "DATABASE_URL": f"sqlite:///{{tmp}}/x.db",
                  "SEARCH_INDEX_DIR": {index!r}, "MAIL_FILE": str(tmp / "m")}})
app_loaded = _rss_mb()
import search
from search import SearchQuery, Scope
search.query({index!r}, SearchQuery(text="용적률을 완화", scope=Scope.OFFICE))
print(json.dumps({{"python": before, "app": app_loaded, "after_search": _rss_mb()}}))
"""


def web_process_memory(index: str) -> dict[str, Any]:
    code = WEB_PROBE.format(root=str(ROOT), index=index)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _child(args: list[str]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.run", *args], capture_output=True, text=True, cwd=ROOT
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_size(
    n: int,
    work: Path,
    log: Callable[[str], None],
    per_kind: int = QUERIES_PER_KIND,
    reuse: bool = False,
) -> dict[str, Any]:
    ours_dir = str(work / f"ours-{n}")
    result: dict[str, Any] = {"documents": n}
    kept = work / f"ours-{n}.build.json"
    if reuse and kept.exists():
        log(f"[{n}] reusing our index built earlier ({kept}) …")
        result["ours_build"] = json.loads(kept.read_text())
    else:
        log(f"[{n}] building our index …")
        result["ours_build"] = _child(["build", "ours", str(n), ours_dir])
        kept.write_text(json.dumps(result["ours_build"]))
    for tokenizer in ("unicode61", "trigram"):
        log(f"[{n}] building FTS5 {tokenizer} …")
        result[f"fts5_{tokenizer}_build"] = build_fts(
            n, str(work / f"fts-{tokenizer}-{n}.db"), tokenizer
        )
    sets = query_sets(n, per_kind=per_kind)
    log(f"[{n}] querying …")
    result["ours_latency"] = latencies(ours_searcher(ours_dir), sets)
    for tokenizer in ("unicode61", "trigram"):
        searcher = fts_searcher(str(work / f"fts-{tokenizer}-{n}.db"), tokenizer)
        result[f"fts5_{tokenizer}_latency"] = latencies(searcher, sets)
    result["web_process_rss_mb"] = web_process_memory(ours_dir)
    return result


def quality(work: Path, eval_size: int) -> dict[str, Any]:
    ours_dir = str(work / f"eval-{eval_size}")
    _child(["build", "ours", str(eval_size), ours_dir])
    out = {"ours": judged_quality(ours_searcher(ours_dir), limit=eval_size)}
    for tokenizer in ("unicode61", "trigram"):
        path = str(work / f"eval-{tokenizer}.db")
        build_fts(eval_size, path, tokenizer)
        out[f"fts5_{tokenizer}"] = judged_quality(fts_searcher(path, tokenizer), limit=eval_size)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command")
    build = sub.add_parser("build")
    build.add_argument("engine", choices=["ours", "ours-kept-terms"])
    build.add_argument("n", type=int)
    build.add_argument("directory")
    build.add_argument(
        "--workers", type=int, default=None, help="analysis processes (0: in the building one)"
    )
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--eval-size", type=int, default=3_000)
    parser.add_argument("--out", default=None)
    parser.add_argument("--queries", type=int, default=QUERIES_PER_KIND, help="per query kind")
    parser.add_argument("--work", default=None, help="scratch folder (default: a temporary one)")
    parser.add_argument(
        "--reuse", action="store_true", help="reuse our indexes already built in --work"
    )
    args = parser.parse_args(argv)
    if args.command == "build":
        kept_terms = args.engine == "ours-kept-terms"
        print(
            json.dumps(
                build_ours(args.n, args.directory, kept_terms=kept_terms, workers=args.workers)
            )
        )
        return
    work = Path(args.work or tempfile.mkdtemp(prefix="search-bench-"))
    work.mkdir(parents=True, exist_ok=True)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    # The machine's load next to the figures: times on a shared machine are not idle times.
    report: dict[str, Any] = {"sizes": [], "load_average_at_start": os.getloadavg()}

    def save() -> None:
        if args.out:
            Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n")

    log("judged query set …")
    report["quality"] = quality(work, args.eval_size)
    save()
    for n in args.sizes:
        report["sizes"].append(run_size(n, work, log, args.queries, reuse=args.reuse))
        report["load_average_at_end"] = os.getloadavg()
        save()
    print(json.dumps(report, ensure_ascii=False, indent=1))
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
