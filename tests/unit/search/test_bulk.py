"""Analysing many documents for a rebuild: kept terms that fit are reused, the rest analysed
here or in spawned worker processes, in the documents' order."""

from __future__ import annotations

from dataclasses import replace

import pytest

import search
import search.bulk
from search import AnalysedTexts, SearchDocument

TEXTS = [
    "용적률을 완화하여 주십시오",
    "마을버스 최대이용가능 시간 완화",
    "노상주차장 야간 개방 허용",
    "청년 창업 보조금 정산 기준 개선",
    "도매시장임차인공원내상행위",
]


def documents() -> list[SearchDocument]:
    return [
        SearchDocument(id=n, receipt_no=f"2025-{n:06d}", title=t, problem=f"{t} 요청합니다.")
        for n, t in enumerate(TEXTS * 2, start=1)
    ]


def fake_terms(document: SearchDocument) -> AnalysedTexts:
    """Terms that fit the document (version, digest) but that Kiwi would never produce."""
    return AnalysedTexts(search.ANALYSER_VERSION, document.digest(), ("가짜",), ("가짜",))


@pytest.mark.parametrize("workers", [0, 1])
def test_fitting_terms_are_reused_and_the_others_analysed_in_order(workers, monkeypatch):
    monkeypatch.setattr(search.bulk, "POOL_MINIMUM", 1)  # a pool even for a few documents
    given = documents()
    given[0] = replace(given[0], analysed=fake_terms(given[0]))
    stale = AnalysedTexts("kiwi-0/rules-0", given[1].digest(), ("낡은",), ())
    given[1] = replace(given[1], analysed=stale)
    out = list(search.bulk.with_terms(given, workers=workers, batch=3))
    assert [d.id for d in out] == [d.id for d in given]
    assert out[0].analysed == fake_terms(given[0])
    for before, after in zip(given[1:], out[1:], strict=True):
        assert after.analysed == before.analyse()
        assert search.fits(after)


def test_terms_of_other_texts_do_not_fit():
    document = documents()[0]
    kept = replace(document, analysed=fake_terms(document))
    assert search.fits(kept)
    assert not search.fits(replace(kept, title="다른 제목"))
    assert not search.fits(document)
