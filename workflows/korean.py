"""Korean particles that depend on the word before them (을/를, 이/가, 은/는, 와/과, (으)로)."""

from __future__ import annotations

_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3
_RIEUL = 8  # the final consonant ㄹ, after which (으)로 is 로
# Digits and Latin letters as read aloud: does the reading end in a consonant (and is it ㄹ)?
_DIGIT_FINAL: dict[str, bool | str] = {
    "0": True, "1": "ㄹ", "2": False, "3": True, "4": False,
    "5": False, "6": True, "7": "ㄹ", "8": "ㄹ", "9": False,
}  # fmt: skip
_LATIN_FINAL: dict[str, bool | str] = {"l": "ㄹ", "m": True, "n": True, "r": False}


def _final(word: str) -> bool | str:
    """False when the word ends in a vowel, "ㄹ" when in ㄹ, True in another consonant."""
    word = word.rstrip(" )]\"'")
    if not word:
        return False
    last = word[-1]
    code = ord(last)
    if _HANGUL_FIRST <= code <= _HANGUL_LAST:
        final = (code - _HANGUL_FIRST) % 28
        return "ㄹ" if final == _RIEUL else final != 0
    if last in _DIGIT_FINAL:
        return _DIGIT_FINAL[last]
    return _LATIN_FINAL.get(last.lower(), False)


def particle(word: str, after_consonant: str, after_vowel: str) -> str:
    """The word with the form of the particle its last sound takes: ("제목", "을", "를") gives
    "제목을", ("개선안", "이", "가") "개선안이"; ("으로", "로") gives 로 after a vowel or ㄹ."""
    final = _final(word)
    if after_consonant == "으로":
        return word + ("으로" if final is True else "로")
    return word + (after_consonant if final else after_vowel)
