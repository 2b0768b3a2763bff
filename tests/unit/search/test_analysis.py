"""Korean analysis: particles, endings and spacing do not change what a text is about."""

from __future__ import annotations

import pickle

import pytest

from search.analysis import KoreanTokenizer, analyse, unit_terms


def terms(text: str, kind: str | None = None) -> set[str]:
    return {t.text for t in analyse(text) if kind is None or t.kind == kind}


@pytest.mark.parametrize(
    "variant",
    [
        "용적률을 완화하여",
        "용적률 완화",
        "용적률완화",
        "용적률의 완화가 필요합니다",
        "용적률을 완화해야",
    ],
)
def test_particles_endings_and_spacing_give_the_same_units(variant):
    assert {"용적률", "완화"} <= set(unit_terms(variant))


def test_particles_and_endings_are_not_terms():
    found = terms("용적률을 완화하여 주십시오")
    assert not found & {"을", "하", "여", "주", "십시오"}


def test_a_compound_without_spaces_is_split_into_the_words_people_search_for():
    written_together = set(unit_terms("마을버스이용시간"))
    assert written_together == {"마을버스", "이용", "시간"}
    assert written_together <= set(unit_terms("마을버스 최대이용가능 시간 완화 (1시간 → 2시간)"))
    assert "마을버스이용시간" in terms("마을버스이용시간", "compound")


def test_a_noun_keeps_its_suffix_and_its_bare_stem_as_a_part():
    assert "용적률" in terms("용적률을", "unit")
    assert "용적" in terms("용적률을", "part")
    assert "소규모" in terms("소규모 건축물", "unit") and "규모" in terms("소규모 건축물", "part")


def test_verb_stems_are_kept_and_empty_ones_are_not():
    assert "늘리" in unit_terms("주차면을 늘려야 합니다")
    assert "하" not in unit_terms("주차면을 늘려야 합니다")


def test_english_words_are_lower_cased_and_stemmed():
    assert {"ai", "regul"} <= set(unit_terms("AI Regulations를 완화"))
    assert unit_terms("regulation") == unit_terms("Regulations")


def test_empty_and_symbol_only_text_has_no_terms():
    assert analyse("") == [] and analyse("   ") == [] and analyse("*** → ···") == []


def test_term_offsets_point_into_the_text():
    text = "소규모 건축물의 용적률을 완화"
    for term in analyse(text):
        if term.kind == "unit" and term.text == "용적률":
            assert text[term.start : term.end] == "용적률"
            break
    else:
        pytest.fail("용적률 not found")


def test_the_whoosh_tokenizer_survives_pickling_with_the_schema():
    tokenizer = pickle.loads(pickle.dumps(KoreanTokenizer()))  # noqa: S301 - our own bytes
    assert tokenizer == KoreanTokenizer()
    tokens = [(t.text, t.startchar, t.endchar) for t in tokenizer("용적률을 완화", chars=True)]
    assert ("용적률", 0, 3) in tokens and ("완화", 5, 7) in tokens


def test_a_ten_kilobyte_text_is_analysed():
    assert "완화" in unit_terms("용적률 완화 " * 1500)
