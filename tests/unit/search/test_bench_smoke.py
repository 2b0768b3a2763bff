"""The benchmark script runs end to end on a tiny corpus (the real run is not part of the suite)."""

from __future__ import annotations

import json

from bench import judged, run


def test_the_benchmark_runs_on_200_documents(tmp_path):
    out = tmp_path / "results.json"
    args = ["--sizes", "200", "--eval-size", "200", "--queries", "5", "--out", str(out)]
    run.main([*args, "--work", str(tmp_path)])
    report = json.loads(out.read_text())
    size = report["sizes"][0]
    assert size["documents"] == 200 and size["ours_build"]["docs_per_s"] > 0
    assert set(size["ours_latency"]) == {"single", "multi", "filtered", "faceted"}
    assert size["web_process_rss_mb"]["after_search"]["VmRSS"] > 0
    ours = report["quality"]["ours"]
    assert (
        ours["queries"] > 0
        and ours["recall_at_10"] > report["quality"]["fts5_unicode61"]["recall_at_10"]
    )


def test_the_committed_judged_set_is_what_the_generator_writes():
    committed = json.loads(judged.PATH.read_text())
    assert len(committed["queries"]) >= 60
    assert committed["queries"] == json.loads(json.dumps(judged.build(), ensure_ascii=False))


def test_the_replicated_benchmark_runs_from_50_to_200_documents(tmp_path):
    out = tmp_path / "results.json"
    args = ["--sizes", "200", "--replicate-from", "50", "--eval-size", "0", "--queries", "3"]
    run.main([*args, "--out", str(out), "--work", str(tmp_path)])
    report = json.loads(out.read_text())
    assert "quality" not in report
    size = report["sizes"][0]
    build = size["ours_build"]
    assert size["replicated_from"] == 50 and build["documents"] == 200 and build["kept_terms"]
    assert build["base_analysis"]["documents"] == 50
    assert build["base_analysis"]["vocabulary_growth"]["50"]["distinct_terms"] > 0
    assert set(size["ours_latency"]) == {"single", "multi", "filtered", "faceted"}
    assert size["fts5_trigram_build"]["documents"] == 200
    assert set(size["fts5_unicode61_latency"]) == {"single", "multi", "filtered", "faceted"}
    assert size["web_process_rss_mb"]["after_search"]["VmRSS"] > 0
    # The analysis was kept: a second build reads it instead of calling Kiwi again.
    cached = run.analysed_base(50, tmp_path / "base-50.pickle")[1]
    assert cached["from_cache"] and cached["documents"] == 50


def test_replicated_documents_carry_their_base_texts_and_their_own_numbers():
    base = [g.document for g in run.generate(3)]
    docs = list(run.replicated(base, 7))
    assert [d.id for d in docs] == list(range(1, 8))
    assert [d.title for d in docs] == [base[(k - 1) % 3].title for k in range(1, 8)]
    assert len({d.receipt_no for d in docs}) == 7
    assert all(d.receipt_no.endswith(f"-{d.id:06d}") for d in docs)
    assert [d.sector for d in docs] == [base[(k - 1) % 3].sector for k in range(1, 8)]
    assert all(d.digest() == base[(d.id - 1) % 3].digest() for d in docs)
    assert docs == list(run.replicated(base, 7))  # deterministic
