"""The particle after a word follows the word's last sound."""

from __future__ import annotations

import pytest

from workflows.korean import particle


@pytest.mark.parametrize(
    ("word", "pair", "expected"),
    [
        ("제목", ("을", "를"), "제목을"),
        ("문제점", ("을", "를"), "문제점을"),
        ("이름", ("을", "를"), "이름을"),
        ("규제의 목적", ("을", "를"), "규제의 목적을"),
        ("기대효과", ("을", "를"), "기대효과를"),
        ("분야", ("이", "가"), "분야가"),
        ("개선안", ("이", "가"), "개선안이"),
        ("서울", ("으로", "로"), "서울로"),  # ㄹ takes 로
        ("부산", ("으로", "로"), "부산으로"),
        ("대구", ("으로", "로"), "대구로"),
        ("33", ("을", "를"), "33을"),  # 삼십삼
        ("2", ("을", "를"), "2를"),  # 이
        ("7", ("으로", "로"), "7로"),  # 칠
        ("URL", ("을", "를"), "URL을"),  # 엘
        ("(API)", ("이", "가"), "(API)가"),  # 아이
        ("", ("을", "를"), "를"),
    ],
)
def test_the_particle_follows_the_last_sound(
    word: str, pair: tuple[str, str], expected: str
) -> None:
    assert particle(word, *pair) == expected
