"""From what a person types to ranked, highlighted, faceted hits.

The whole query is analysed at once (Kiwi splits words differently out of context), its content
units are all required, compounds and parts only raise the score. When nothing matches every
unit, the query is relaxed to all units but one. "2025-000123" looks up a receipt number and
"33호" / "규제철폐 33호" / "제33호" a repeal number before any text search.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from html import escape
from typing import Any

from whoosh import query as wq
from whoosh import sorting
from whoosh.idsets import BitSet
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher

from .analysis import analyse
from .schema import FACET_FIELDS, FIELD_BOOSTS, FILTER_FIELDS
from .store import searching

MAX_QUERY = 200  # characters; longer input is refused with a message, not searched
MAX_UNITS = 12
MAX_PAGE = 500
RECEIPT = re.compile(r"^\s*(\d{4})\s*-\s*(\d{1,6})\s*$")
REPEAL = re.compile(r"^\s*(?:규제\s*철폐\s*)?(?:제\s*)?(\d{1,6})\s*호\s*$")
# Words of asking and of complaint ("… 요청", "완화해 주세요", "너무 엄격합니다"): nearly every
# proposal asks to relax or abolish something, so these say little about which proposal is
# meant. They only add score; the subject's words are what a match requires.
SOFT_UNITS = frozenset(
    {
        *("요청", "건의", "제안", "필요", "부탁", "바라", "관련", "검토", "대하"),
        *("완화", "폐지", "허용", "개선", "확대", "축소", "간소화", "해제", "규제"),
        *("엄격", "불편", "바꾸", "고치", "늘리", "줄이", "없애", "풀"),
    }
)
# Particles typed on their own: Kiwi, given nothing else, reads them as words.
_PARTICLE_LIST = "이 가 을 를 은 는 의 에 에서 에게 께 로 으로 와 과 도 만 까지 부터 보다 처럼"
PARTICLES = frozenset(
    f"{_PARTICLE_LIST} 이나 나 이랑 랑 하고 에게서 한테 이며 며 요 다 고 서".split(" ")
)
SNIPPET_FIELDS = ("proposed_change", "problem", "current_regulation", "expected_effect")


class Scope(StrEnum):
    """Whose view of the index a search runs in."""

    PUBLIC = "public"  # what the publication policy shows; texts masked
    PANEL = "panel"  # public, plus everything that reached deliberation or decision
    OFFICE = "office"  # every submitted proposal


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    scope: Scope = Scope.PUBLIC
    filters: Mapping[str, str] = field(default_factory=dict)
    submitted_from: str | None = None  # YYYY-MM-DD
    submitted_to: str | None = None
    page: int = 1
    per_page: int = 20
    facets: bool = True  # count matches per facet value (costs time on large result sets)


@dataclass(frozen=True)
class Hit:
    id: int
    receipt_no: str
    repeal_no: int | None
    title: str
    snippet: str  # HTML-escaped text with <mark> around the matched terms
    score: float
    sector: str | None
    regulation_type: str | None
    stage: str | None
    state: str | None
    outcome: str | None


@dataclass
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    page: int
    per_page: int
    lookup: str | None = None  # "receipt" or "repeal" when the query was a number
    message: str | None = None  # why nothing was searched, in Korean
    message_en: str | None = None
    relaxed: bool = False  # matched all query units but one
    terms: list[str] = field(default_factory=list)
    # False when counting stopped at COUNT_CAP: ``total`` is then a lower bound ("1,000건 이상")
    # and the facet counts are over those first matches only.
    total_exact: bool = True

    @property
    def pages(self) -> int:
        """Pages of results; when the total is a lower bound, at least one past this page."""
        counted = max(1, -(-self.total // self.per_page))
        return counted if self.total_exact else max(counted, self.page + 1)


# Why nothing was searched (Korean, English), the same from the index and the database.
NOTHING_TYPED = ("검색어를 입력해 주십시오", "Type something to search for")
TOO_LONG = (
    f"검색어가 너무 깁니다. {MAX_QUERY}자 이내로 입력해 주십시오",
    f"The query is too long; use at most {MAX_QUERY} characters",
)
NO_WORD = (
    "검색어에서 찾을 만한 낱말을 찾지 못했습니다. 조사나 기호만 입력하지 않았는지 확인해 주십시오",
    "The query has no word to search for (only particles or symbols?)",
)


def empty_result(
    request: SearchQuery, ko: str | None = None, en: str | None = None
) -> SearchResult:
    return SearchResult(0, [], {}, request.page, request.per_page, message=ko, message_en=en)


def scope_filter(scope: Scope) -> wq.Query | None:
    if scope is Scope.PUBLIC:
        return wq.Term("public", "1")
    if scope is Scope.PANEL:
        return wq.Or(
            [
                wq.Term("public", "1"),
                wq.Term("stage", "deliberation"),
                wq.Term("stage", "decision"),
            ]
        )
    return None


def _filters(request: SearchQuery) -> wq.Query | None:
    parts: list[wq.Query] = []
    visible = scope_filter(request.scope)
    if visible is not None:
        parts.append(visible)
    for name, value in request.filters.items():
        if name in FILTER_FIELDS and value:
            parts.append(wq.Term(name, value))
    if request.submitted_from or request.submitted_to:
        parts.append(
            wq.TermRange("submitted_on", request.submitted_from, request.submitted_to, True, True)
        )
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else wq.And(parts)


def _any_field(term: str, boost: float = 1.0) -> wq.Query:
    return wq.Or([wq.Term(name, term, boost=boost * FIELD_BOOSTS[name]) for name, _ in _FIELDS])


_FIELDS = tuple(FIELD_BOOSTS.items())


@dataclass(frozen=True)
class BuiltQuery:
    strict: wq.Query | None
    relaxed: wq.Query | None
    units: list[str]
    marks: tuple[str, ...] = ()  # every term of the query, for highlighting
    required: tuple[wq.Query, ...] = ()  # one query per required unit (any field)


def _soft(unit: str) -> bool:
    # Asking words, and one-digit numbers ("1시간"), only add score.
    return unit in SOFT_UNITS or (unit.isdigit() and len(unit) < 2)


def build_query(text: str) -> BuiltQuery:
    """The Whoosh query for ``text``: every content unit required, the rest for ranking.

    Analysing a query costs a Kiwi call; the last ``QUERY_CACHE`` distinct queries are kept
    (the result is a pure function of the text and the analyser, both fixed in a process).
    """
    return _build_query(text)


QUERY_CACHE = 1024


@functools.lru_cache(maxsize=QUERY_CACHE)
def _build_query(text: str) -> BuiltQuery:
    words = [w.strip(".,!?\"'()[]{}<>-+*/~^:;") for w in text.split()]
    if all(not w or w in PARTICLES for w in words):
        return BuiltQuery(None, None, [])
    terms = analyse(text)
    units: list[str] = []
    extras: list[str] = []
    for term in terms:
        if term.kind == "unit":
            if term.text not in units:
                units.append(term.text)
        elif term.text not in extras:
            extras.append(term.text)
    required = [u for u in units if not _soft(u)][:MAX_UNITS]
    soft = [u for u in units if _soft(u)] + [e for e in extras if e not in units]
    if not required:
        required, soft = soft[:1], soft[1:]
    if not required:
        return BuiltQuery(None, None, [])
    must = [_any_field(u) for u in required]
    strict: wq.Query = must[0] if len(must) == 1 else wq.And(must)
    relaxed: wq.Query | None = None
    if len(must) > 1:
        # Ranks the documents that have every unit but one (``_relaxed_docs`` picks them): one
        # matcher per unit, rather than one And per left-out unit (Whoosh's Or(minmatch=…) is
        # not implemented).
        relaxed = wq.Or(must)
    if soft:
        bonus = wq.Or([_any_field(s, 0.5) for s in soft])
        strict = wq.AndMaybe(strict, bonus)
        relaxed = wq.AndMaybe(relaxed, bonus) if relaxed is not None else None
    return BuiltQuery(strict, relaxed, required, tuple(units + extras), tuple(must))


# Totals are counted exactly up to this many matches; beyond it the result says "at least"
# (``SearchResult.total_exact`` is False) instead of running the query over every match a
# second time. Facets are counted over the same capped set of matches.
COUNT_CAP = 1000
SNIPPET_CHARS = 160
SNIPPET_CONTEXT = 40
_FILTER_SETS_KEPT = 32


def _filter_set(searcher: Searcher, flt: wq.Query | None) -> Any:
    """The documents ``flt`` allows, as a bit set kept with the searcher.

    Whoosh turns a filter query into a set of every allowed document on each search (for the
    public scope that is most of the index); the few filters in use are kept per searcher, which
    is replaced whenever the index changes.
    """
    if flt is None:
        return None
    kept: dict[wq.Query, Any] = searcher.__dict__.setdefault("_regrepeal_filters", {})
    allowed = kept.get(flt)
    if allowed is None:
        if len(kept) >= _FILTER_SETS_KEPT:
            kept.clear()
        allowed = BitSet(searcher.docs_for_query(flt), size=searcher.doc_count_all())
        kept[flt] = allowed
    return allowed


def _matching(searcher: Searcher, q: wq.Query) -> Iterator[int]:
    """The documents matching ``q``, in index order, read lazily from the matcher.

    Whoosh's ``docs_for_query`` reads an ``And``'s posting lists whole into two sets before the
    first document comes out; ``_count`` stops after ``COUNT_CAP`` allowed matches, so the rest
    of the lists need not be read (at a million documents a common word has ~100,000 postings).
    """
    for sub, offset in searcher.subsearchers or [(searcher, 0)]:
        try:
            matcher = q.matcher(sub, sub.boolean_context())
        except TermNotFound:
            continue
        while matcher.is_active():
            yield matcher.id() + offset
            matcher.next()


def _column_readers(searcher: Searcher) -> dict[str, Any]:
    """The facet fields' column readers, kept with the searcher like the filter sets.

    Opening one reads the offsets of every document's value (a million at a million
    documents); the searcher is replaced whenever the index changes, and used under the store's
    lock (one search at a time per process), so the readers' shared file position is safe.
    """
    readers: dict[str, Any] | None = searcher.__dict__.get("_regrepeal_columns")
    if readers is None:
        readers = {name: searcher.reader().column_reader(name) for name in FACET_FIELDS}
        searcher.__dict__["_regrepeal_columns"] = readers
    return readers


def _count(
    searcher: Searcher, docnums: Iterable[int], allowed: Any, facets: bool
) -> tuple[int, bool, dict[str, dict[str, int]]]:
    """(matches up to ``COUNT_CAP``, whether that is all of them, facet counts over them)."""
    # Column readers are opened at the first match (an empty index has none to open).
    readers: dict[str, Any] | None = None
    counts: dict[str, dict[str, int]] = {name: {} for name in FACET_FIELDS} if facets else {}
    total = 0
    exact = True
    for docnum in docnums:
        if allowed is not None and docnum not in allowed:
            continue
        if total == COUNT_CAP:
            exact = False
            break
        total += 1
        if readers is None:
            readers = _column_readers(searcher) if facets else {}
        for name, reader in readers.items():
            value = reader[docnum]
            if value:
                bucket = counts[name]
                bucket[value] = bucket.get(value, 0) + 1
    ordered = {
        name: dict(sorted(values.items(), key=lambda kv: (-kv[1], kv[0])))
        for name, values in counts.items()
    }
    return total, exact, ordered


def _marker(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    words = sorted({t for t in terms if t}, key=len, reverse=True)
    if not words:
        return None
    return re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)


def _highlight(text: str, marker: re.Pattern[str]) -> str:
    """Up to ``SNIPPET_CHARS`` of ``text`` around its first matches, escaped, with ``<mark>``.

    The query's terms are looked for as written in the text (a stem such as "바꾸" is not
    found in "바꿔"): the snippet no longer re-analyses every hit's text with Kiwi.
    """
    matches = list(marker.finditer(text))
    if not matches:
        return ""
    start = max(0, matches[0].start() - SNIPPET_CONTEXT)
    end = min(len(text), start + SNIPPET_CHARS)
    out = ["…" if start else ""]
    cursor = start
    for match in matches:
        if match.start() < cursor or match.end() > end:
            continue
        out.append(escape(text[cursor : match.start()]))
        out.append(f"<mark>{escape(match.group())}</mark>")
        cursor = match.end()
    out.append(escape(text[cursor:end]))
    if end < len(text):
        out.append("…")
    return "".join(out)


def _snippet(stored: Mapping[str, Any], marker: re.Pattern[str] | None) -> str:
    if marker is not None:
        for name in SNIPPET_FIELDS:
            value = stored.get(name)
            if value:
                text = _highlight(value, marker)
                if text:
                    return text
    for name in SNIPPET_FIELDS:
        value = stored.get(name)
        if value:
            cut = value[:SNIPPET_CHARS] + ("…" if len(value) > SNIPPET_CHARS else "")
            return escape(cut)
    return ""


def _hit(stored: Mapping[str, Any], score: float, marker: re.Pattern[str] | None) -> Hit:
    outcome = stored.get("outcome")
    return Hit(
        id=int(stored["id"]),
        receipt_no=stored.get("receipt_no", ""),
        repeal_no=int(stored["repeal_no"]) if stored.get("repeal_no") else None,
        title=stored.get("title", ""),
        snippet=_snippet(stored, marker),
        score=float(score or 0.0),
        sector=stored.get("sector"),
        regulation_type=stored.get("regulation_type"),
        stage=stored.get("stage"),
        state=stored.get("state"),
        outcome=None if outcome in (None, "none") else outcome,
    )


def _relaxed_docs(searcher: Searcher, required: tuple[wq.Query, ...], allowed: Any) -> set[int]:
    """The allowed documents that have every required unit but one."""
    counts: Counter[int] = Counter()
    for unit in required:
        counts.update(searcher.docs_for_query(unit))
    need = len(required) - 1
    return {
        docnum
        for docnum, count in counts.items()
        if count >= need and (allowed is None or docnum in allowed)
    }


def _run(
    searcher: Searcher,
    q: wq.Query,
    request: SearchQuery,
    allowed: Any,
    *,
    only: set[int] | None = None,
    marks: tuple[str, ...] = (),
    newest_first: bool = False,
) -> SearchResult:
    """Count (capped) and facet the matches, then rank only as many as the page needs.

    ``allowed`` is the filter's set of documents (None: all); ``only``, when given, is the
    exact set of documents to rank (already filtered).
    """
    page = min(max(request.page, 1), MAX_PAGE)
    if only is not None:
        total, exact, facets = _count(searcher, sorted(only), None, request.facets)
        allowed = only
    else:
        total, exact, facets = _count(searcher, _matching(searcher, q), allowed, request.facets)
    result = SearchResult(total, [], facets, page, request.per_page, total_exact=exact)
    first = (page - 1) * request.per_page
    if total <= first and exact:
        return result
    kwargs: dict[str, Any] = {"filter": allowed}
    if newest_first:
        kwargs["sortedby"] = sorting.FieldFacet("submitted_on", reverse=True)
    ranked = searcher.search(q, limit=first + request.per_page, **kwargs)
    marker = _marker(marks)
    for i in range(first, min(first + request.per_page, ranked.scored_length())):
        result.hits.append(_hit(ranked[i].fields(), ranked.score(i) or 0.0, marker))
    return result


def lookup_number(text: str) -> tuple[str, str] | None:
    """A receipt number ("2025-000123", "2025-123") or a repeal number ("33호", "규제철폐 33호",
    "제33호") typed as the whole query: ("receipt", "2025-000123") or ("repeal", "33")."""
    receipt = RECEIPT.match(text)
    if receipt:
        return "receipt", f"{receipt.group(1)}-{int(receipt.group(2)):06d}"
    repeal = REPEAL.match(text)
    if repeal:
        return "repeal", str(int(repeal.group(1)))
    return None


def search(directory: str, request: SearchQuery) -> SearchResult:
    """Run ``request`` on the index in ``directory`` (raises ``IndexUnavailable``)."""
    text = (request.text or "").strip()
    if len(text) > MAX_QUERY:
        return empty_result(request, *TOO_LONG)
    flt = _filters(request)
    with searching(directory) as searcher:
        allowed = _filter_set(searcher, flt)
        if not text:
            if not request.filters and not (request.submitted_from or request.submitted_to):
                return empty_result(request, *NOTHING_TYPED)
            return _run(searcher, wq.Every(), request, allowed, newest_first=True)
        found = lookup_number(text)
        if found is not None:
            kind, value = found
            field_name = "receipt_no" if kind == "receipt" else "repeal_no"
            result = _run(searcher, wq.Term(field_name, value), request, allowed)
            result.lookup = kind
            return result
        built = build_query(text)
        if built.strict is None:
            return empty_result(request, *NO_WORD)
        result = _run(searcher, built.strict, request, allowed, marks=built.marks)
        if result.total == 0 and built.relaxed is not None:
            only = _relaxed_docs(searcher, built.required, allowed)
            result = _run(searcher, built.relaxed, request, None, only=only, marks=built.marks)
            result.relaxed = True
        result.terms = built.units
        return result


def matching_ids(directory: str, text: str, scope: Scope, limit: int) -> list[int] | None:
    """Ids of the proposals in ``scope`` that match ``text`` the way ``search`` matches it (a
    receipt or repeal number, else every unit of the text), best first, at most ``limit``;
    ``None`` when the text has nothing to search for. No snippets, no facets: for filters."""
    text = (text or "").strip()
    if not text or len(text) > MAX_QUERY:
        return None
    found = lookup_number(text)
    if found is not None:
        kind, value = found
        q: wq.Query | None = wq.Term("receipt_no" if kind == "receipt" else "repeal_no", value)
    else:
        q = build_query(text).strict
    if q is None:
        return None
    with searching(directory) as searcher:
        results = searcher.search(q, limit=limit, filter=_filters(SearchQuery(scope=scope)))
        return [int(hit["id"]) for hit in results]


def similar(directory: str, proposal_id: int, limit: int, scope: Scope) -> list[Hit]:
    """Proposals that say much the same as ``proposal_id`` (more-like-this), best first.

    The proposal's own title and texts are analysed; its most distinctive terms (by the index's
    inverse document frequency) are looked for in other proposals, titles weighing most.
    """
    with searching(directory) as searcher:
        own = searcher.document(id=str(proposal_id))
        if own is None:
            return []
        weights: dict[str, float] = {}
        sources = (
            ("title", 3.0),
            ("current_regulation", 1.0),
            ("problem", 0.7),
            ("proposed_change", 1.5),
        )
        for name, weight in sources:
            for term in analyse(own.get(name, "")):
                if term.kind == "part":
                    continue
                weights[term.text] = weights.get(term.text, 0.0) + weight
        scored = []
        for text, weight in weights.items():
            idf = max(searcher.idf("title", text), searcher.idf("body", text))
            scored.append((weight * idf, text))
        scored.sort(reverse=True)
        key_terms = [(text, score) for score, text in scored[:24] if score > 0]
        if not key_terms:
            return []
        q = wq.Or(
            [
                wq.Or(
                    [
                        wq.Term("title", text, boost=score * 2.0),
                        wq.Term("body", text, boost=score),
                    ]
                )
                for text, score in key_terms
            ]
        )
        flt = scope_filter(scope)
        results = searcher.search(
            q, limit=limit + 1, filter=flt, mask=wq.Term("id", str(proposal_id))
        )
        return [_hit(hit.fields(), hit.score or 0.0, None) for hit in results][:limit]
