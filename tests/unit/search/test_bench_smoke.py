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
