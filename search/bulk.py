"""Analysing many documents at once (a rebuild): kept terms reused, the rest analysed here or,
with ``workers``, in spawned processes while the single Whoosh writer indexes the batch before.

Kiwi is about 60 % of a rebuild and Whoosh's writer (one per index) the rest; with ``workers``
the analysis of a batch runs in other processes while this one indexes the previous batch. It is
off by default: on the shared two-core machine (load average 6) two workers made a 10k rebuild
slower, not faster (docs/search-benchmark.md); it may pay where cores are idle. The processes
are *spawned*, not forked: Kiwi's calls hang in a forked child of a process that has used it,
and a spawned one loads its own model (about 440 MB resident each, for the rebuild's
duration). Small amounts are analysed in this process: starting a worker costs a few seconds.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Iterator
from dataclasses import replace
from itertools import islice
from typing import Any

from .analysis import ANALYSER_VERSION, index_terms, warm_up
from .schema import AnalysedTexts, SearchDocument

BATCH = 256
# A pool is started only for a batch with at least this many documents to analyse: below it,
# the workers' start (Python, the model, its first call) costs more than it saves.
POOL_MINIMUM = 128
DEFAULT_WORKERS = 0  # measured: no gain on the shared two-core machine (docs/search-benchmark.md)


def fits(document: SearchDocument) -> bool:
    """Whether the document's kept terms were analysed by this analyser from these texts."""
    known = document.analysed
    return (
        known is not None
        and known.version == ANALYSER_VERSION
        and known.digest == document.digest()
    )


def _needing(documents: list[SearchDocument]) -> int:
    return sum(1 for d in documents if not fits(d))


def _analyse_texts(texts: list[tuple[str, str]]) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """In a worker: the title and body terms of each (title, body)."""
    return [(index_terms(title), index_terms(body)) for title, body in texts]


def _split(items: list[Any], parts: int) -> list[list[Any]]:
    size = -(-len(items) // parts)
    return [items[i : i + size] for i in range(0, len(items), size)]


class _Batch:
    """Documents of one batch, with the analysis of those that needed one (maybe running)."""

    def __init__(self, documents: list[SearchDocument], pool: Any, workers: int) -> None:
        self.documents = documents
        self.missing = [i for i, d in enumerate(documents) if not fits(d)]
        texts = [(documents[i].title, documents[i].body()) for i in self.missing]
        self.pending = (
            pool.map_async(_analyse_texts, _split(texts, workers)) if pool and texts else None
        )
        self.done = None if self.pending is not None else _analyse_texts(texts)

    def result(self) -> list[SearchDocument]:
        analysed = self.done
        if analysed is None and self.pending is not None:
            analysed = [terms for part in self.pending.get() for terms in part]
        out = list(self.documents)
        for i, (title, body) in zip(self.missing, analysed or [], strict=True):
            document = out[i]
            out[i] = replace(
                document, analysed=AnalysedTexts(ANALYSER_VERSION, document.digest(), title, body)
            )
        return out


def with_terms(
    documents: Iterable[SearchDocument], workers: int = DEFAULT_WORKERS, batch: int = BATCH
) -> Iterator[SearchDocument]:
    """Every document with terms of this analyser version: kept ones that fit are reused, the
    others analysed (in ``workers`` spawned processes when a batch has many; 0: here)."""
    iterator = iter(documents)
    pool: Any = None
    previous: _Batch | None = None
    try:
        while chunk := list(islice(iterator, batch)):
            if pool is None and workers > 0 and _needing(chunk) >= POOL_MINIMUM:
                pool = multiprocessing.get_context("spawn").Pool(workers, initializer=warm_up)
            current = _Batch(chunk, pool, workers)
            if previous is not None:
                yield from previous.result()
            previous = current
        if previous is not None:
            yield from previous.result()
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
