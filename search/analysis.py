"""Korean analysis with Kiwi (kiwipiepy): morphemes, not words.

Korean attaches particles and endings to words and writes compounds with or without spaces, so a
word-based analyzer cannot match "용적률을 완화하여" to "용적률 완화". Kiwi splits text into
morphemes; this module keeps the content ones (nouns, verb and adjective stems, roots, foreign
words, numbers), glues derivational affixes back on ("용적"+"률" → "용적률", "소"+"규모" →
"소규모"), and also emits compounds written without spaces ("마을버스이용시간") and their parts.

The same function analyses documents and whole queries, because Kiwi's split depends on context:
a query analysed word by word splits differently from the same words inside a sentence.

The model (about 80 MB on disk) is loaded lazily, once per process, on first use; ``warm_up``
loads it ahead of time (in a worker before it forks its work-horses, or in gunicorn's master with
``--preload``) so that forked children share its pages. Only the single-text call is used: Kiwi's
batch call, which runs on a thread pool, hangs in a forked child.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib.metadata import version as _package_version
from typing import Any

from whoosh.analysis import Token, Tokenizer
from whoosh.lang.porter import stem as english_stem

# Content morphemes kept as terms (Kiwi's Sejong-style tags; irregular variants like "VV-R" are
# reduced to their base tag first).
NOUN_TAGS = frozenset({"NNG", "NNP", "NR", "XR", "SH"})
STEM_TAGS = frozenset({"VV", "VA"})
FOREIGN_TAGS = frozenset({"SL"})
NUMBER_TAGS = frozenset({"SN"})
SUFFIX_TAGS = frozenset({"XSN"})
PREFIX_TAGS = frozenset({"XPN"})
# Verb and adjective stems that carry no meaning of their own ("하다", "되다", "있다" …).
STOP_STEMS = frozenset({"하", "되", "있", "없", "않", "같", "이", "보", "주", "받", "싶", "드리"})
STOP_NOUNS = frozenset({"것", "등", "수", "때", "및", "중", "경우"})
MAX_TEXT = 20_000  # characters analysed per field; longer text is cut (a 10 kB query is fine)

# Changes whenever the terms ``analyse`` produces for a text may change: Kiwi's release (its
# model ships with it) or this module's rules (bump RULES). Analysed terms kept outside the
# index (``PreAnalysed``) are used only when written with this version.
RULES = 1
ANALYSER_VERSION = f"kiwi-{_package_version('kiwipiepy')}/rules-{RULES}"

_kiwi: Any = None
_lock = threading.Lock()


def kiwi() -> Any:
    """The process's Kiwi instance, loaded on first use."""
    global _kiwi
    if _kiwi is None:
        with _lock:
            if _kiwi is None:
                from kiwipiepy import Kiwi

                # The multi-word dictionary adds ~180 MB resident and ~2 s of loading for
                # multi-word proper names that search does not need (measured in bench/).
                # num_workers=0: a single thread and no pool, so a forked child (an RQ
                # work-horse, a gunicorn worker) can use the instance. Kiwi warns that 0 meant
                # something else before 0.21; 0 is what is meant here.
                with warnings.catch_warnings():
                    warnings.filterwarnings("ignore", "behavior of `num_workers=0`")
                    _kiwi = Kiwi(num_workers=0, load_multi_dict=False)
    return _kiwi


def warm_up() -> None:
    """Load the model and run its first (slow) call now rather than in the first request."""
    analyse("용적률을 완화하여 주십시오")


@dataclass(frozen=True)
class Term:
    """One indexed term: its text, what it is, where it came from in the input."""

    text: str
    kind: str  # "unit" (a content morpheme), "part" (inside a unit) or "compound"
    start: int
    end: int
    position: int


@dataclass
class _Unit:
    text: str
    tag: str
    start: int
    end: int
    parts: list[str]


def _normalise(form: str, tag: str) -> str:
    if tag in FOREIGN_TAGS:
        return english_stem(form.lower())
    return form


def _units(text: str) -> list[_Unit]:
    units: list[_Unit] = []
    pending_prefix: tuple[str, int] | None = None
    for token in kiwi().tokenize(text[:MAX_TEXT]):
        tag = token.tag.split("-")[0]
        form = token.form
        start, end = token.start, token.start + token.len
        if tag in PREFIX_TAGS:
            pending_prefix = (form, start)
            continue
        if tag in SUFFIX_TAGS:
            previous = units[-1] if units else None
            if previous is not None and previous.end == start and previous.tag in NOUN_TAGS:
                # "용적"+"률" → "용적률"; the bare noun stays findable as a part.
                previous.parts.append(previous.text)
                previous.text += form
                previous.end = end
            pending_prefix = None
            continue
        if tag in NOUN_TAGS or tag in FOREIGN_TAGS or tag in NUMBER_TAGS:
            parts: list[str] = []
            word = _normalise(form, tag)
            if pending_prefix is not None and pending_prefix[1] + len(pending_prefix[0]) == start:
                parts.append(word)
                word = pending_prefix[0] + word
                start = pending_prefix[1]
            pending_prefix = None
            if tag in NOUN_TAGS and word in STOP_NOUNS:
                continue
            units.append(_Unit(word, tag, start, end, parts))
            continue
        pending_prefix = None
        if tag in STEM_TAGS and form not in STOP_STEMS:
            units.append(_Unit(form, tag, start, end, []))
    return units


def analyse(text: str) -> list[Term]:
    """The terms of ``text``: content morphemes, their parts, and compounds written together."""
    if not text or not text.strip():
        return []
    terms: list[Term] = []
    units = _units(text)
    run: list[_Unit] = []

    def close_run() -> None:
        if len(run) > 1:
            terms.append(
                Term(
                    "".join(u.text for u in run),
                    "compound",
                    run[0].start,
                    run[-1].end,
                    len(terms),
                )
            )
        run.clear()

    for unit in units:
        if run and not (unit.tag in NOUN_TAGS and run[-1].end == unit.start):
            close_run()
        terms.append(Term(unit.text, "unit", unit.start, unit.end, len(terms)))
        for part in unit.parts:
            if part != unit.text and part not in STOP_NOUNS:
                terms.append(Term(part, "part", unit.start, unit.end, len(terms)))
        if unit.tag in NOUN_TAGS:
            run.append(unit)
        else:
            close_run()
    close_run()
    return terms


def unit_terms(text: str) -> list[str]:
    """The distinct content units of ``text`` in order (what a query requires)."""
    seen: dict[str, None] = {}
    for term in analyse(text):
        if term.kind == "unit":
            seen.setdefault(term.text, None)
    return list(seen)


def index_terms(text: str) -> tuple[str, ...]:
    """Every term ``analyse`` indexes for ``text``, in order (what ``PreAnalysed`` carries)."""
    return tuple(term.text for term in analyse(text))


class PreAnalysed(str):
    """A text handed to the index together with its terms, analysed earlier (for instance kept
    beside the proposal): the tokenizer uses the terms and does not call Kiwi. Used for indexed
    fields only; what is stored is always the plain text."""

    terms: tuple[str, ...]

    def __new__(cls, text: str, terms: Iterable[str]) -> PreAnalysed:
        obj = super().__new__(cls, text)
        obj.terms = tuple(terms)
        return obj


class KoreanTokenizer(Tokenizer):
    """Whoosh tokenizer over ``analyse``. Whoosh pickles the schema with the index, so this class
    must stay importable at this path (``search.analysis.KoreanTokenizer``)."""

    def __eq__(self, other: object) -> bool:
        return other.__class__ is self.__class__

    def __hash__(self) -> int:
        return hash(self.__class__.__name__)

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = value
            token.boost = 1.0
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar = start_char
                token.endchar = start_char + len(value)
            yield token
            return
        known = getattr(value, "terms", None)
        if known is not None:
            for position, text in enumerate(known):
                token.text = text
                token.boost = 1.0
                token.stopped = False
                if keeporiginal:
                    token.original = text
                if positions:
                    token.pos = start_pos + position
                if chars:  # no character offsets are kept: the whole text
                    token.startchar = start_char
                    token.endchar = start_char + len(value)
                yield token
            return
        for term in analyse(value):
            token.text = term.text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = value[term.start : term.end]
            if positions:
                token.pos = start_pos + term.position
            if chars:
                token.startchar = start_char + term.start
                token.endchar = start_char + term.end
            yield token


def korean_analyzer() -> KoreanTokenizer:
    return KoreanTokenizer()
