"""Full-text search over proposals. The only package that imports whoosh.

The interface takes and returns plain values (``SearchDocument``, ``SearchQuery``, ``Hit``,
``SearchResult``, ids and the index directory), so a second backend can replace Whoosh without
touching its callers. The index is a rebuildable cache of the database: the caller builds the
documents (masked, public flag decided) and re-checks every hit against the database.

    index(directory, documents)           add or replace documents
    remove(directory, ids)                drop documents
    query(directory, SearchQuery)         ranked, highlighted, faceted hits
    matching_ids(directory, text, scope, limit)     ids only, best first (for filters)
    similar(directory, proposal_id, limit, scope)   more-like-this, for duplicate checks
    rebuild(directory, documents, progress, workers)   a fresh index, swapped in at the end
                                          (documents carrying ``analysed`` terms of this
                                          analyser version skip Kiwi: ``SearchDocument.analyse``;
                                          the others are analysed in ``workers`` processes)
    with_terms(documents, workers)        each document with its terms (kept ones reused), to
                                          keep them beside the proposals
    status(directory)                     ok | missing | stale | corrupt
    stored(directory)                     every document's stored fields (checks and audits)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from .analysis import ANALYSER_VERSION, analyse, warm_up
from .bulk import DEFAULT_WORKERS, fits
from .bulk import with_terms as _with_terms
from .query import (
    MAX_QUERY,
    NO_WORD,
    NOTHING_TYPED,
    TOO_LONG,
    Hit,
    Scope,
    SearchQuery,
    SearchResult,
    build_query,
    empty_result,
    lookup_number,
)
from .query import matching_ids as _matching_ids
from .query import search as _search
from .query import similar as _similar
from .schema import FACET_FIELDS, SCHEMA_VERSION, AnalysedTexts, SearchDocument
from .store import (
    IndexUnavailable,
    _forget,
    document_count,
    size_bytes,
    status,
    stored_documents,
)
from .store import rebuild as _rebuild
from .store import write as _write

__all__ = [
    "ANALYSER_VERSION",
    "DEFAULT_WORKERS",
    "FACET_FIELDS",
    "MAX_QUERY",
    "NOTHING_TYPED",
    "NO_WORD",
    "SCHEMA_VERSION",
    "TOO_LONG",
    "AnalysedTexts",
    "Hit",
    "IndexUnavailable",
    "Scope",
    "SearchDocument",
    "SearchQuery",
    "SearchResult",
    "analyse",
    "build_query",
    "close",
    "document_count",
    "empty_result",
    "fits",
    "index",
    "lookup_number",
    "matching_ids",
    "query",
    "rebuild",
    "remove",
    "similar",
    "size_bytes",
    "status",
    "stored",
    "warm_up",
    "with_terms",
]


def close(directory: str) -> None:
    """Forget this process's open index and searcher (the next use checks the index again)."""
    _forget(directory)


def index(directory: str, documents: Iterable[SearchDocument]) -> int:
    """Add or replace ``documents``; raises ``IndexUnavailable`` when the index needs a rebuild."""
    return _write(directory, documents)


def remove(directory: str, ids: Iterable[int]) -> None:
    """Remove the documents of these proposal ids (absent ones are ignored)."""
    _write(directory, (), deletions=ids)


def query(directory: str, request: SearchQuery) -> SearchResult:
    """Search; raises ``IndexUnavailable`` when the index needs a rebuild."""
    return _search(directory, request)


def matching_ids(directory: str, text: str, scope: Scope, limit: int) -> list[int] | None:
    """Ids matching ``text`` like ``query`` would, best first; ``None``: nothing to search for.
    Raises ``IndexUnavailable`` like ``query``."""
    return _matching_ids(directory, text, scope, limit)


def similar(
    directory: str, proposal_id: int, limit: int = 5, scope: Scope = Scope.OFFICE
) -> list[Hit]:
    """The proposals most like ``proposal_id`` (itself excluded), best first."""
    return _similar(directory, proposal_id, limit, scope)


def stored(directory: str) -> list[dict[str, object]]:
    """Every indexed document's stored fields; raises ``IndexUnavailable`` like ``query``."""
    return stored_documents(directory)


def with_terms(
    documents: Iterable[SearchDocument], workers: int = DEFAULT_WORKERS
) -> Iterator[SearchDocument]:
    """Each document with ``analysed`` terms of this analyser version: kept ones that still fit
    its texts are reused, the others analysed (in ``workers`` spawned processes for many)."""
    return _with_terms(documents, workers)


def rebuild(
    directory: str,
    documents: Iterable[SearchDocument],
    progress: Callable[[int], None] | None = None,
    workers: int = DEFAULT_WORKERS,
) -> int:
    """Index ``documents`` into a fresh index and swap it in; returns how many were indexed.
    Documents without fitting terms are analysed in ``workers`` spawned processes (0: here)."""
    return _rebuild(directory, _with_terms(documents, workers), progress)
