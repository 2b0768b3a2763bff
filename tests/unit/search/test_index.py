"""The index on plain documents: queries, visibility, number lookups, facets, similar proposals,
bad input, and an unusable index detected and rebuilt."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import search
from search import Scope, SearchDocument, SearchQuery

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
    assert result.stdout.split("\n")[:3] == ["corrupt", "corrupt", "write corrupt"]
    assert search.status(str(tmp_path / "index")) == "corrupt"
    search.rebuild(str(tmp_path / "index"), CORPUS)
    assert ids(str(tmp_path / "index"), "용적률완화") in ([1, 2], [2, 1])
