"""The search benchmark: our Whoosh + Kiwi index next to SQLite FTS5 (unicode61 and trigram) on
the same synthetic corpus. Not part of the test suite.

    python -m bench.run --sizes 10000 100000 --out bench/results.json
    python -m bench.run --sizes 1000000 --replicate-from 100000 --eval-size 0 --queries 30 \
        --work DIR --out bench/results-1m.json

For each size: build rate (documents/s) and index size; query latency p50/p95 for single-term,
multi-term, filtered and faceted queries; peak resident memory of the indexing process; and
the resident memory of a web process that has answered a search. Then recall@10 and
precision@10 of the judged query set (``bench/judged_queries.json``) on the evaluation corpus.

With ``--replicate-from N`` a size of M documents is built from N distinct generated documents
analysed once (Kiwi, timed apart): document k carries the texts and kept terms of base document
((k - 1) mod N) + 1 and its own id, receipt number, stage, state, outcome, source and date (the
sector and regulation type stay the base document's: its texts were written for them). Our index
is then built from kept terms (no Kiwi call), streamed; FTS5 indexes the same replicated texts.
The first build's Kiwi rate at M is not measured this way, only the base's.
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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from .corpus import SOURCES, STATES, generate

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


def _build_figures(directory: str, count: int, elapsed: float) -> dict[str, Any]:
    """What every timed build reports: load, time, rate, index size, peak memory."""
    import search

    return {
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "seconds": round(elapsed, 1),
        "docs_per_s": round(count / elapsed, 1),
        "size_mb": round(search.size_bytes(directory) / 2**20, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def build_ours(
    n: int, directory: str, kept_terms: bool = False, workers: int | None = None
) -> dict[str, Any]:
    """A timed rebuild. With ``kept_terms`` every document carries its analysed terms (as a
    rebuild reading terms kept beside the proposals would get them); analysing them is not
    timed. ``workers``: analysis processes (``None``: the search package's default)."""
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
        **_build_figures(directory, n, elapsed),
        "workers_peak_rss_mb": round(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
        ),
    }


def replicated(base: list[Any], n: int, seed: int = 7) -> Iterator[Any]:
    """``n`` documents from the ``base`` ones: document k carries the texts (and kept terms,
    if any) of base document ((k - 1) mod len(base)) + 1 with its own id, receipt number and
    codes drawn as ``bench.corpus`` draws them. Sector and regulation type stay the base
    document's: the generator wrote its texts for them."""
    rng = random.Random(seed)
    start = date(2023, 1, 1)
    for k in range(1, n + 1):
        doc = base[(k - 1) % len(base)]
        stage, state, outcome, public = rng.choice(STATES)
        day = start + timedelta(days=rng.randrange(3 * 365))
        yield replace(
            doc,
            id=k,
            receipt_no=f"{day.year}-{k:06d}",
            repeal_no=k if state == "announced" else None,
            source=rng.choice(SOURCES),
            stage=stage,
            state=state,
            outcome=outcome,
            submitted_on=day.isoformat(),
            public=public,
        )


VOCABULARY_AT = (1_000, 10_000, 50_000, 100_000, 200_000, 500_000)


def analysed_base(
    n: int, cache: Path | None = None, workers: int = 0
) -> tuple[list[Any], dict[str, Any]]:
    """The first ``n`` generated documents with their terms (Kiwi, ``search.with_terms`` with
    ``workers``), the time it took and the vocabulary's growth (distinct terms after 1k, 10k …
    documents). With ``cache``, both are kept in that file and read from it when it is there."""
    import pickle

    import search

    if cache is not None and cache.exists():
        with cache.open("rb") as f:
            base, stats = pickle.load(f)  # noqa: S301 (our own scratch file)
        return base, {**stats, "from_cache": str(cache)}
    search.warm_up()
    base = []
    title_terms: set[str] = set()
    body_terms: set[str] = set()
    document_frequency: dict[str, int] = {}
    growth = {}
    started = time.perf_counter()
    documents = search.with_terms((g.document for g in generate(n)), workers=workers)
    for i, doc in enumerate(documents, start=1):
        base.append(doc)
        assert doc.analysed is not None
        title_terms.update(doc.analysed.title)
        body_terms.update(doc.analysed.body)
        for term in {*doc.analysed.title, *doc.analysed.body}:
            document_frequency[term] = document_frequency.get(term, 0) + 1
        if i in VOCABULARY_AT or i == n:
            growth[str(i)] = {
                "distinct_terms": len(document_frequency),
                "title_terms": len(title_terms),
                "body_terms": len(body_terms),
                "seconds": round(time.perf_counter() - started, 1),
            }
            print(f"analysed {i} {growth[str(i)]}", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - started
    frequencies = sorted(document_frequency.values())
    stats = {
        "documents": n,
        "workers": workers,
        "seconds": round(elapsed, 1),
        "docs_per_s": round(n / elapsed, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "vocabulary_growth": growth,
        "terms_in_one_document": sum(1 for f in frequencies if f == 1),
        "terms_in_at_most_10_documents": sum(1 for f in frequencies if f <= 10),
        "median_document_frequency": frequencies[len(frequencies) // 2] if frequencies else 0,
    }
    if cache is not None:
        with cache.open("wb") as f:
            pickle.dump((base, stats), f, protocol=pickle.HIGHEST_PROTOCOL)
    return base, stats


def build_replicated(
    n: int, base_n: int, directory: str, cache: Path | None = None, workers: int = 0
) -> dict[str, Any]:
    """Our index of ``n`` documents replicated from ``base_n`` analysed ones (the analysis
    timed apart), built from kept terms and streamed into ``search.rebuild``."""
    import search

    base, analysis = analysed_base(base_n, cache, workers)
    started = time.perf_counter()

    def progress(count: int) -> None:
        if count % 50_000 == 0:
            rate = count / (time.perf_counter() - started)
            print(
                f"indexed {count} ({rate:.0f}/s) load {os.getloadavg()}",
                file=sys.stderr,
                flush=True,
            )

    count = search.rebuild(directory, replicated(base, n), progress=progress, workers=0)
    elapsed = time.perf_counter() - started
    return {
        "documents": count,
        "replicated_from": base_n,
        "kept_terms": True,
        "base_analysis": analysis,
        **_build_figures(directory, count, elapsed),
    }


def _fts_text(doc: Any) -> str:
    fields = (doc.current_regulation, doc.legal_basis, doc.problem, doc.proposed_change)
    return "\n".join((*fields, doc.expected_effect))


def build_fts(
    n: int, path: str, tokenizer: str, documents: Iterable[Any] | None = None
) -> dict[str, Any]:
    """An FTS5 table of the first ``n`` generated documents (or of ``documents``)."""
    if documents is None:
        documents = (g.document for g in generate(n))
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
            ((doc.id, doc.title, _fts_text(doc), doc.sector, int(doc.public)) for doc in documents),
        )
    elapsed = time.perf_counter() - started
    connection.close()
    return {
        "documents": n,
        "seconds": round(elapsed, 1),
        "docs_per_s": round(n / elapsed, 1),
        "size_mb": round(Path(path).stat().st_size / 2**20, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
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
    out: dict[str, Any] = {}
    for kind, specs in sets.items():
        samples = []
        for spec in specs:
            started = time.perf_counter()
            run(spec, 10)
            samples.append(time.perf_counter() - started)
        out[kind] = {**_percentiles(samples), "load_average": round(os.getloadavg()[0], 2)}
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


def _child(args: list[str], show_progress: bool = False) -> dict[str, Any]:
    """Run ``bench.run`` with ``args`` in a child process; its last output line, as JSON.
    With ``show_progress`` its standard error is this process's (not kept for the error)."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.run", *args],
        stdout=subprocess.PIPE,
        stderr=None if show_progress else subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    if out.returncode != 0:
        raise RuntimeError((out.stderr or "see the standard error above")[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_size(
    n: int,
    work: Path,
    log: Callable[[str], None],
    per_kind: int = QUERIES_PER_KIND,
    reuse: bool = False,
    replicate_from: int | None = None,
    checkpoint: Callable[[dict[str, Any]], None] | None = None,
    workers: int = 0,
) -> dict[str, Any]:
    """Every figure of one size. ``replicate_from``: our index built from that many analysed
    documents replicated (``build_replicated``), FTS5 from the same replicated texts.
    ``checkpoint`` is called with the figures so far after each stage; ``workers``: Kiwi
    processes for the replicated base's analysis."""
    replicating = replicate_from is not None and replicate_from < n
    suffix = f"-from-{replicate_from}" if replicating else ""
    ours_dir = str(work / f"ours-{n}{suffix}")
    result: dict[str, Any] = {"documents": n}
    if replicating:
        result["replicated_from"] = replicate_from

    def done() -> None:
        if checkpoint is not None:
            checkpoint(result)

    kept = work / f"ours-{n}{suffix}.build.json"
    if reuse and kept.exists():
        log(f"[{n}] reusing our index built earlier ({kept}) …")
        result["ours_build"] = json.loads(kept.read_text())
    elif replicating:
        log(f"[{n}] analysing {replicate_from} documents, building our index from them …")
        cache = str(work / f"base-{replicate_from}.pickle")
        args = ["build", "ours-replicated", str(n), ours_dir]
        args += ["--base", str(replicate_from), "--cache", cache, "--workers", str(workers)]
        result["ours_build"] = _child(args, show_progress=True)
        kept.write_text(json.dumps(result["ours_build"]))
    else:
        log(f"[{n}] building our index …")
        result["ours_build"] = _child(["build", "ours", str(n), ours_dir])
        kept.write_text(json.dumps(result["ours_build"]))
    done()
    sets = query_sets(n, per_kind=per_kind)
    log(f"[{n}] querying our index …")
    result["ours_latency"] = latencies(ours_searcher(ours_dir), sets)
    done()
    log(f"[{n}] memory of a web process …")
    result["web_process_rss_mb"] = web_process_memory(ours_dir)
    done()
    base = [g.document for g in generate(replicate_from)] if replicating else []
    for tokenizer in ("unicode61", "trigram"):
        log(f"[{n}] building FTS5 {tokenizer} …")
        documents = replicated(base, n) if replicating else None
        result[f"fts5_{tokenizer}_build"] = build_fts(
            n, str(work / f"fts-{tokenizer}-{n}{suffix}.db"), tokenizer, documents
        )
        done()
    for tokenizer in ("unicode61", "trigram"):
        log(f"[{n}] querying FTS5 {tokenizer} …")
        searcher = fts_searcher(str(work / f"fts-{tokenizer}-{n}{suffix}.db"), tokenizer)
        result[f"fts5_{tokenizer}_latency"] = latencies(searcher, sets)
        done()
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
    build.add_argument("engine", choices=["ours", "ours-kept-terms", "ours-replicated"])
    build.add_argument("n", type=int)
    build.add_argument("directory")
    build.add_argument(
        "--workers", type=int, default=None, help="analysis processes (0: in the building one)"
    )
    build.add_argument("--base", type=int, default=100_000, help="ours-replicated: analysed")
    build.add_argument("--cache", default=None, help="ours-replicated: keep the analysis here")
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument(
        "--eval-size", type=int, default=3_000, help="judged set's corpus (0: no judged set)"
    )
    parser.add_argument(
        "--replicate-from",
        type=int,
        default=None,
        help="build larger sizes from this many analysed documents, replicated",
    )
    parser.add_argument(
        "--analysis-workers", type=int, default=0, help="Kiwi processes for --replicate-from"
    )
    parser.add_argument("--out", default=None)
    parser.add_argument("--queries", type=int, default=QUERIES_PER_KIND, help="per query kind")
    parser.add_argument("--work", default=None, help="scratch folder (default: a temporary one)")
    parser.add_argument(
        "--reuse", action="store_true", help="reuse our indexes already built in --work"
    )
    args = parser.parse_args(argv)
    if args.command == "build" and args.engine == "ours-replicated":
        cache = Path(args.cache) if args.cache else None
        workers = args.workers or 0
        print(json.dumps(build_replicated(args.n, args.base, args.directory, cache, workers)))
        return
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

    if args.eval_size:
        log("judged query set …")
        report["quality"] = quality(work, args.eval_size)
        save()
    for n in args.sizes:
        sizes = report["sizes"]

        def checkpoint(figures: dict[str, Any], sizes: list[Any] = sizes, at: int = len(sizes)):
            del sizes[at:]
            sizes.append(figures)
            report["load_average_at_end"] = os.getloadavg()
            save()

        run_size(
            n,
            work,
            log,
            args.queries,
            args.reuse,
            args.replicate_from,
            checkpoint,
            args.analysis_workers,
        )
        report["load_average_at_end"] = os.getloadavg()
        save()
    print(json.dumps(report, ensure_ascii=False, indent=1))
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
