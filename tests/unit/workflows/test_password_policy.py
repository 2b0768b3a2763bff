"""The password rules of OWASP ASVS 4 V2.1: at least 12 characters with runs of spaces counted
as one, pass-phrases of 64 characters and more accepted, more than 128 refused."""

from __future__ import annotations

import pytest

from workflows.accounts import MAX_PASSWORD, MIN_PASSWORD, _password_problem


@pytest.mark.parametrize(
    "password",
    ["abcdefghijk", "spaced    out", " " * 20 + "abc", "한국어비밀번호는열두"],
)
def test_too_short_once_runs_of_spaces_count_as_one(password):
    assert _password_problem(password) == f"비밀번호는 {MIN_PASSWORD}자 이상이어야 합니다"


@pytest.mark.parametrize(
    "password",
    [
        "twelve chars",
        "열두 글자 한국어 비밀번호",
        "a long pass-phrase " * 3 + "x" * 7,
        "My cat Nabi sleeps on the warm laptop while 7 buses pass by the window; "
        "the 3rd floor smells of rain; where are my keys?",
    ],
)
def test_long_enough_passwords_and_pass_phrases_are_accepted(password):
    assert len(password) <= MAX_PASSWORD
    assert _password_problem(password) is None


@pytest.mark.parametrize(
    "password",
    ["password1234", "qwertyuiop12", "iloveyou2024!", "1q2w3e4r5t6y", "admin1234567", "x1y2" * 32],
)
def test_breached_and_common_passwords_are_refused(password):
    assert "유출되었거나 흔히 쓰여" in (_password_problem(password) or "")


def test_a_password_made_of_the_accounts_own_name_is_refused():
    assert _password_problem("hong gildong 2025", name="hong gildong") is not None
    assert _password_problem("hong gildong 2025") is None


def test_more_than_128_characters_are_refused():
    assert _password_problem("ab" * 64 + "c") == f"비밀번호는 {MAX_PASSWORD}자 이하여야 합니다"
