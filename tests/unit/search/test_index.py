"""The index on plain documents: queries, visibility, number lookups, facets, similar proposals,
bad input, and an unusable index detected and rebuilt."""

from __future__ import annotations

import importlib
import os
from dataclasses import replace
from pathlib import Path

import pytest

import search
from search import Scope, SearchDocument, SearchQuery

ANALYSIS_MODULE = importlib.import_module("search.analysis")
QUERY_MODULE = importlib.import_module("search.query")  # `search.query` is also a function
FAR = "전통시장 정비사업 허용 대상을 확대하여 주십시오"


def doc(n: int, title: str, change: str = "", **values: object) -> SearchDocument:
    defaults: dict[str, object] = {
        "current_regulation": "현재 조례로 제한합니다.",
        "problem": "현실과 맞지 않아 불편이 큽니다.",
        "proposed_change": change or title,
        "sector": "construction_housing",
        "regulation_type": "economic",
        "source": "citizen",
        "channel": "online",
        "stage": "review",
        "state": "in_review",
        "submitted_on": "2025-01-10",
        "public": True,
    }
    defaults.update(values)
    return SearchDocument(id=n, receipt_no=f"2025-{n:06d}", title=title, **defaults)  # type: ignore[arg-type]


CORPUS = [
    doc(
        1,
        "소규모 건축물 용적률 완화",
        "소규모 건축물에 한해 용적률을 250%까지 완화합니다.",
        repeal_no=33,
        stage="decision",
        state="announced",
        outcome="relax",
    ),
    doc(2, "용적률완화 건의", "용적률 기준을 완화해야 합니다."),
    doc(
        3,
        "마을버스 최대이용가능 시간 완화 (1시간 → 2시간)",
        "마을버스 이용 시간을 늘려 주십시오.",
        sector="transport_env_safety",
        regulation_type="citizen_inconvenience",
        repeal_no=66,
        stage="decision",
        state="announced",
        outcome="repeal",
    ),
    doc(
        4,
        "공원 내 상행위 제한적 허용",
        "공원에서 푸드트럭 영업을 허용해야 합니다.",
        sector="business_smallbiz",
        source="agency",
    ),
    doc(
        5,
        "노상주차장 용적률 특례 <b>검토</b>",
        "접수만 된 비공개 제안의 용적률 이야기",
        stage="intake",
        state="submitted",
        public=False,
    ),
    doc(
        6,
        "심의 중인 용적률 완화 제안",
        "위원회 심의 중",
        stage="deliberation",
        state="in_deliberation",
        public=False,
    ),
    doc(
        7,
        "전통시장 정비사업 허용 대상 확대",
        FAR,
        sector="business_smallbiz",
        submitted_on="2024-11-02",
    ),
]


@pytest.fixture
def directory(tmp_path: Path) -> str:
    path = str(tmp_path / "index")
    assert search.status(path) == "missing"
    assert search.rebuild(path, CORPUS) == len(CORPUS)
    assert search.status(path) == "ok"
    return path


def ids(directory: str, text: str, scope: Scope = Scope.PUBLIC, **kw: object) -> list[int]:
    result = search.query(directory, SearchQuery(text=text, scope=scope, **kw))  # type: ignore[arg-type]
    return [hit.id for hit in result.hits]


def test_particles_and_spacing_in_the_query_find_the_same_proposals(directory):
    assert set(ids(directory, "용적률을 완화하여")) == {1, 2}
    assert set(ids(directory, "용적률완화")) == {1, 2}
    assert set(ids(directory, "용적률 완화가")) == {1, 2}


def test_a_compound_typed_without_spaces_finds_the_spaced_text(directory):
    assert ids(directory, "마을버스이용시간") == [3]


def test_the_public_sees_only_public_proposals_and_staff_see_more(directory):
    assert 5 not in ids(directory, "용적률") and 6 not in ids(directory, "용적률")
    assert {5, 6} <= set(ids(directory, "용적률", Scope.OFFICE))
    panel = set(ids(directory, "용적률", Scope.PANEL))
    assert 6 in panel and 5 not in panel


def test_receipt_and_repeal_numbers_are_looked_up(directory):
    for text in ("33호", "규제철폐 33호", "규제철폐33호", "제33호", " 33 호 "):
        result = search.query(directory, SearchQuery(text=text))
        assert [h.id for h in result.hits] == [1] and result.lookup == "repeal", text
    assert ids(directory, "2025-000004") == [4]
    assert ids(directory, "2025-4") == [4]
    assert ids(directory, "2025-000005") == []  # not public
    assert ids(directory, "2025-000005", Scope.OFFICE) == [5]
    assert ids(directory, "99호") == []


def test_facets_count_the_matches_and_filters_narrow_them(directory):
    result = search.query(directory, SearchQuery(text="완화", scope=Scope.OFFICE))
    assert result.facets["sector"] == {"construction_housing": 3, "transport_env_safety": 1}
    assert result.facets["outcome"] == {"none": 2, "relax": 1, "repeal": 1}
    assert result.facets["year"] == {"2025": 4}
    narrowed = ids(directory, "완화", Scope.OFFICE, filters={"sector": "transport_env_safety"})
    assert narrowed == [3]
    assert ids(directory, "", filters={"sector": "business_smallbiz"}) == [4, 7]  # newest first
    dated = ids(directory, "허용", submitted_from="2025-01-01", submitted_to="2025-12-31")
    assert dated == [4]


def test_snippets_mark_the_matches_and_escape_the_text(directory):
    result = search.query(directory, SearchQuery(text="용적률 특례", scope=Scope.OFFICE))
    assert [h.id for h in result.hits] == [5]
    hit = result.hits[0]
    assert "<mark>용적률</mark>" in hit.snippet
    office = search.query(directory, SearchQuery(text="검토 특례", scope=Scope.OFFICE))
    assert office.hits[0].title == "노상주차장 용적률 특례 <b>검토</b>"  # a plain value
    assert "<b>" not in office.hits[0].snippet


def test_paging(directory):
    first = search.query(directory, SearchQuery(text="완화", scope=Scope.OFFICE, per_page=2))
    second = search.query(
        directory, SearchQuery(text="완화", scope=Scope.OFFICE, per_page=2, page=2)
    )
    assert first.total == second.total == 4 and first.pages == 2
    assert not {h.id for h in first.hits} & {h.id for h in second.hits}


def test_a_query_with_one_unmatched_word_is_relaxed(directory):
    result = search.query(directory, SearchQuery(text="마을버스 이용 시간 연장"))
    assert result.relaxed and [h.id for h in result.hits] == [3]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", True),
        ("   ", True),
        ("용적률 " * 2000, True),  # 12 kB
        ("을 를", True),
        ('"용적률 완화', False),
        ("용적률 AND OR NOT ((", False),
        ("'; DROP TABLE proposal; --", False),
        ("<script>alert(1)</script>", False),
        ("*:* title:용적률 ~^", False),
    ],
)
def test_bad_input_gives_a_message_or_a_plain_result(directory, text, message):
    result = search.query(directory, SearchQuery(text=text))
    assert (result.message is not None) is message
    if message:
        assert result.hits == [] and result.total == 0


def test_build_query_requires_units_and_only_scores_asking_words():
    built = search.build_query("용적률 완화 요청")
    assert built.units == ["용적률"]  # "완화" and "요청" only add score
    assert search.build_query("을를").strict is not None or search.build_query("을를").units == []


def test_similar_finds_a_duplicate_in_other_words_and_not_itself(tmp_path):
    path = str(tmp_path / "index")
    duplicate = doc(8, "소규모건축물용적률 완화 요청", "작은 건축물의 용적률을 올려 주십시오.")
    search.rebuild(path, [*CORPUS, duplicate])
    similar = [h.id for h in search.similar(path, 8, limit=3)]
    assert similar[0] == 1 and 8 not in similar
    assert 5 not in [h.id for h in search.similar(path, 8, limit=10, scope=Scope.PUBLIC)]
    assert search.similar(path, 999) == []


def test_index_and_remove_update_single_documents(directory):
    search.index(directory, [doc(9, "양재대로 자동차 전용도로 해제")])
    assert ids(directory, "양재대로") == [9]
    search.index(directory, [doc(9, "양재대로 자동차 전용도로 해제", public=False)])
    assert ids(directory, "양재대로") == []
    search.remove(directory, [9])
    assert ids(directory, "양재대로", Scope.OFFICE) == []
    assert search.document_count(directory) == len(CORPUS)


def test_a_stale_or_corrupt_index_is_reported_and_rebuilt(directory):
    marker = Path(directory) / "regrepeal-schema.json"
    marker.write_text('{"version": "proposals-0"}')  # as if written by an older release
    search.close(directory)  # a process starting with this release
    assert search.status(directory) == "stale"
    with pytest.raises(search.IndexUnavailable):
        search.query(directory, SearchQuery(text="용적률"))
    search.rebuild(directory, CORPUS)
    assert search.status(directory) == "ok" and ids(directory, "용적률완화") in ([1, 2], [2, 1])
    for toc in Path(directory).glob("_MAIN_*.toc"):
        toc.write_bytes(b"not an index")
    search.close(directory)
    assert search.status(directory) == "corrupt"
    with pytest.raises(search.IndexUnavailable):
        search.index(directory, [doc(10, "x")])
    search.rebuild(directory, CORPUS)
    assert search.status(directory) == "ok"


CORRUPT_UNDER_A_SEARCHER = """
import os, sys
import os
from pathlib import Path
import search
from search import SearchQuery
from tests.unit.search.test_index import CORPUS

directory, how = sys.argv[1], sys.argv[2]
search.rebuild(directory, CORPUS)
assert search.query(directory, SearchQuery(text="용적률")).total == 2  # a searcher is now open
for segment in Path(directory).glob("*.seg"):
    size = segment.stat().st_size
    with segment.open("r+b") as handle:
        if how == "truncate":
            handle.truncate(size // 3)
        else:
            handle.seek(size // 4)
            handle.write((b"\\xffgarbage\\x00" * size)[: size // 2])
for text in ("용적률", "주차장"):
    try:
        search.query(directory, SearchQuery(text=text))
    except search.IndexUnavailable as exc:
        print(exc.status)
try:
    search.index(directory, [CORPUS[0]])
except search.IndexUnavailable as exc:
    print("write", exc.status)
"""


@pytest.mark.parametrize("how", ["truncate", "garbage"])
def test_a_segment_damaged_under_an_open_searcher_is_reported_not_fatal(tmp_path, how):
    """Run in a process of its own: a segment truncated under a memory-mapped reader used to
    kill the whole process (SIGBUS), a garbled one failed each search with a Whoosh error."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[3]
    script = tmp_path / "damage.py"
    script.write_text(CORRUPT_UNDER_A_SEARCHER)
    result = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "index"), how],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, (result.returncode, result.stderr[-2000:])
    lines = result.stdout.split()
    # The write always finds the damage; a search reports it when it reads the damaged bytes
    # (a truncated segment always; garbage may fall in parts this searcher already holds).
    assert lines[-1:] == ["corrupt"] and "write" in lines
    searches = lines[: lines.index("write")]
    assert searches == ["corrupt", "corrupt"] if how == "truncate" else set(searches) <= {"corrupt"}
    assert search.status(str(tmp_path / "index")) == "corrupt"
    search.rebuild(str(tmp_path / "index"), CORPUS)
    assert ids(str(tmp_path / "index"), "용적률완화") in ([1, 2], [2, 1])


def _garble(directory: str, at: float) -> None:
    """Overwrite bytes inside every segment in place: same size, header intact."""
    for segment in Path(directory).glob("*.seg"):
        size = segment.stat().st_size
        with segment.open("r+b") as handle:
            handle.seek(int(size * at))
            handle.write(b"\xffgarbage\x00" * 4)


@pytest.mark.parametrize("at", [0.1, 0.3, 0.5, 0.7, 0.9, 0.97])
def test_a_segment_garbled_in_place_is_found_at_open_and_before_a_write(directory, at):
    """Whoosh keeps no checksums: without the seals, most of these garblings opened as "ok" and
    some failed a query later with a Whoosh error (a 500 in the pages)."""
    search.close(directory)
    _garble(directory, at)
    assert search.status(directory) == "corrupt"  # a process opening the index
    with pytest.raises(search.IndexUnavailable) as raised:
        search.query(directory, SearchQuery(text="용적률"))
    assert raised.value.status == "corrupt"
    search.rebuild(directory, CORPUS)
    assert ids(directory, "용적률완화") in ([1, 2], [2, 1])
    # Garbled under a process that has checked and opened it: the next write notices.
    _garble(directory, at)
    with pytest.raises(search.IndexUnavailable):
        search.index(directory, [doc(10, "양재대로 자동차 전용도로 해제")])
    assert search.status(directory) == "corrupt"


def test_a_whoosh_failure_on_a_garbled_index_is_corrupt_and_on_a_sound_one_an_error(
    directory, monkeypatch
):
    """The searcher this process holds may read garbled bytes it checked before: the failure
    is checked again thoroughly (every file hashed, every posting read)."""
    import struct

    from whoosh.searching import Searcher

    assert ids(directory, "용적률완화") in ([1, 2], [2, 1])  # the searcher is open, checked

    def failing(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise struct.error("unpack requires a buffer of 4 bytes")

    monkeypatch.setattr(Searcher, "search", failing)
    with pytest.raises(struct.error):  # a sound index: the error is not hidden
        search.query(directory, SearchQuery(text="용적률완화"))
    _garble(directory, 0.5)
    with pytest.raises(search.IndexUnavailable) as raised:
        search.query(directory, SearchQuery(text="용적률완화"))
    assert raised.value.status == "corrupt"


def test_a_whoosh_failure_with_a_segment_without_a_seal_reads_that_segment_through(
    directory, monkeypatch
):
    """A segment written by an older release has no seal: after a failure, its documents and
    postings are read through, and a failure there (a damaged segment) means "corrupt"."""
    import struct

    from whoosh.reading import SegmentReader
    from whoosh.searching import Searcher

    for seal in Path(directory).glob("*.sha256"):
        seal.unlink()
    search.close(directory)
    assert search.status(directory) == "ok"
    assert ids(directory, "용적률완화") in ([1, 2], [2, 1])

    def failing(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise struct.error("unpack requires a buffer of 4 bytes")

    monkeypatch.setattr(Searcher, "search", failing)
    with pytest.raises(struct.error):  # every posting reads: not the index's fault
        search.query(directory, SearchQuery(text="용적률완화"))
    monkeypatch.setattr(SegmentReader, "iter_postings", failing)  # as damaged postings fail
    with pytest.raises(search.IndexUnavailable) as raised:
        search.query(directory, SearchQuery(text="용적률완화"))
    assert raised.value.status == "corrupt"


def test_every_segment_is_sealed_and_a_seal_goes_with_its_segment(tmp_path):
    from whoosh.filedb.filestore import FileStorage

    path = tmp_path / "index"
    search.rebuild(str(path), CORPUS[:2])
    for n in range(20, 32):  # small commits, merged by Whoosh as they pile up
        search.index(str(path), [doc(n, f"마을버스 노선 {n}번 조정")])
    segments = {s.segment_id() for s in FileStorage(str(path)).open_index()._segments()}
    assert {p.name.removesuffix(".sha256") for p in path.glob("*.sha256")} == segments
    assert search.status(str(path)) == "ok" and search.document_count(str(path)) == 14


def test_a_segment_merged_away_while_it_is_checked_is_not_damage(tmp_path, monkeypatch):
    """Another process's commit may merge segments and delete their files between reading the
    table of contents and hashing them: that is not a corrupt index."""
    from whoosh.filedb.filestore import FileStorage

    store = importlib.import_module("search.store")
    path = tmp_path / "index"
    search.rebuild(str(path), CORPUS[:2])
    search.index(str(path), [doc(20, "마을버스 노선 조정")])
    search.close(str(path))
    assert len(list(path.glob("*.sha256"))) == 2
    store._checked.clear()  # as a process starting now
    real = store._digest

    def merging_first(file: Path) -> str:
        monkeypatch.setattr(store, "_digest", real)
        FileStorage(str(path)).open_index().optimize()  # one segment; the others deleted
        return real(file)

    monkeypatch.setattr(store, "_digest", merging_first)
    assert search.status(str(path)) == "ok"
    assert search.document_count(str(path)) == 3


def test_totals_are_exact_up_to_the_cap_and_a_lower_bound_beyond(directory, monkeypatch):
    exact = search.query(directory, SearchQuery(text="완화", scope=Scope.OFFICE, per_page=2))
    assert exact.total == 4 and exact.total_exact and exact.pages == 2
    monkeypatch.setattr(QUERY_MODULE, "COUNT_CAP", 3)
    capped = search.query(directory, SearchQuery(text="완화", scope=Scope.OFFICE, per_page=2))
    assert capped.total == 3 and not capped.total_exact
    # Facets are counted over the same capped set of matches.
    assert sum(capped.facets["sector"].values()) == 3
    # Paging goes on past the counted matches: page 2 and a further page are offered.
    assert capped.pages == 2
    last = search.query(directory, SearchQuery(text="완화", scope=Scope.OFFICE, per_page=2, page=2))
    assert len(last.hits) == 2 and last.pages == 3
    every = {h.id for h in capped.hits} | {h.id for h in last.hits}
    assert every == {
        h.id
        for h in search.query(
            directory, SearchQuery(text="완화", scope=Scope.OFFICE, per_page=10)
        ).hits
    }
    monkeypatch.setattr(QUERY_MODULE, "COUNT_CAP", 4)  # exactly the cap is still exact
    assert search.query(directory, SearchQuery(text="완화", scope=Scope.OFFICE)).total_exact


def test_counts_and_facets_hold_over_several_segments(directory):
    search.index(directory, [doc(20, "옥상 용적률 완화", sector="admin_welfare")])
    result = search.query(directory, SearchQuery(text="용적률 완화", scope=Scope.OFFICE))
    assert 20 in [h.id for h in result.hits] and result.total == len(result.hits)
    assert result.facets["sector"]["admin_welfare"] == 1
    narrowed = ids(directory, "용적률", Scope.OFFICE, filters={"sector": "admin_welfare"})
    assert narrowed == [20]


def test_a_repeated_query_is_analysed_once(directory, monkeypatch):
    text = "반려동물 놀이터 설치 기준을 완화"
    search.query(directory, SearchQuery(text=text))
    calls: list[str] = []
    monkeypatch.setattr(QUERY_MODULE, "analyse", lambda t: calls.append(t) or [])
    search.query(directory, SearchQuery(text=text))
    assert calls == []  # answered from the cache of analysed queries
    search.query(directory, SearchQuery(text=text + " 요청"))
    assert calls == [text + " 요청"]


def test_kept_terms_index_without_kiwi_and_only_while_they_fit(tmp_path, monkeypatch):
    analysed = [replace(d, analysed=d.analyse()) for d in CORPUS]
    assert all(d.analysed.version == search.ANALYSER_VERSION for d in analysed)
    calls: list[str] = []
    real = ANALYSIS_MODULE.analyse
    monkeypatch.setattr(ANALYSIS_MODULE, "analyse", lambda t: calls.append(t) or real(t))
    path = str(tmp_path / "kept")
    search.rebuild(path, analysed)
    assert calls == []  # every text came with its terms
    kept = search.query(path, SearchQuery(text="용적률 완화", scope=Scope.OFFICE))
    plain = search.query(
        tmp_index(tmp_path, CORPUS), SearchQuery(text="용적률 완화", scope=Scope.OFFICE)
    )
    assert [h.id for h in kept.hits] == [h.id for h in plain.hits] and kept.hits
    assert kept.hits[0].title == plain.hits[0].title  # the stored title is the plain text
    # Terms of another analyser version, or of a text changed since, are not used.
    stale = replace(analysed[0], analysed=replace(analysed[0].analysed, version="kiwi-0/rules-0"))
    edited = replace(analysed[1], title="마을버스 노선 신설", analysed=analysed[1].analysed)
    calls.clear()
    search.rebuild(str(tmp_path / "again"), [stale, edited])
    assert len(calls) == 4  # title and body of both analysed afresh
    assert ids(str(tmp_path / "again"), "노선 신설", Scope.OFFICE) == [2]


def tmp_index(tmp_path: Path, documents: list[SearchDocument]) -> str:
    path = str(tmp_path / "plain")
    search.rebuild(path, documents)
    return path


def test_an_empty_index_answers_with_nothing(tmp_path):
    path = str(tmp_path / "empty")
    search.rebuild(path, [])
    result = search.query(path, SearchQuery(text="용적률", scope=Scope.OFFICE))
    assert result.total == 0 and result.total_exact and result.hits == []
    assert search.query(path, SearchQuery(filters={"sector": "admin_welfare"})).total == 0


def test_matches_are_read_lazily_in_index_order_as_whoosh_lists_them(directory):
    search.index(directory, [doc(20, "옥상 용적률 완화", sector="admin_welfare")])  # 2 segments
    search.remove(directory, [2])  # a deleted document is not a match
    queries = [
        search.build_query(text).strict
        for text in ("용적률", "용적률 완화", "마을버스 이용 시간", "없는낱말")
    ]
    with importlib.import_module("search.store").searching(directory) as searcher:
        assert len(searcher.subsearchers or []) == 2
        relaxed = search.build_query("마을버스 이용 시간").relaxed
        assert relaxed is not None and None not in queries
        for q in [*queries, relaxed]:
            expected = list(searcher.docs_for_query(q))
            assert list(QUERY_MODULE._matching(searcher, q)) == expected
        assert list(QUERY_MODULE._matching(searcher, queries[0])) != []
        assert list(QUERY_MODULE._matching(searcher, queries[-1])) == []


def test_counting_reads_no_further_than_one_match_past_the_cap(directory, monkeypatch):
    pulled: list[int] = []
    lazy = QUERY_MODULE._matching

    def counting(searcher, q):
        for docnum in lazy(searcher, q):
            pulled.append(docnum)
            yield docnum

    monkeypatch.setattr(QUERY_MODULE, "_matching", counting)
    monkeypatch.setattr(QUERY_MODULE, "COUNT_CAP", 2)
    result = search.query(directory, SearchQuery(text="완화", scope=Scope.OFFICE))
    assert result.total == 2 and not result.total_exact and len(pulled) == 3
    assert len(result.hits) == 4  # ranking still sees every match


def test_facet_columns_are_opened_once_per_searcher_and_follow_changes(directory, monkeypatch):
    store = importlib.import_module("search.store")
    opened: list[str] = []
    with store.searching(directory) as searcher:
        reader_class = type(searcher.reader())
    original = reader_class.column_reader

    def spy(self, name, *args, **kwargs):
        opened.append(name)
        return original(self, name, *args, **kwargs)

    monkeypatch.setattr(reader_class, "column_reader", spy)
    request = SearchQuery(text="완화", scope=Scope.OFFICE, facets=True)
    first = search.query(directory, request)
    second = search.query(directory, request)
    assert sorted(opened) == sorted(search.FACET_FIELDS)  # the second search reused them
    assert first.facets == second.facets and first.facets["sector"]["construction_housing"] == 3
    search.index(directory, [doc(21, "옥상 용적률 완화", sector="admin_welfare")])
    after = search.query(directory, request)
    assert after.facets["sector"] == {**first.facets["sector"], "admin_welfare": 1}
    assert after.facets["year"] == {"2025": first.total + 1}
