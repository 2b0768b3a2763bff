"""A short-lived cache of the public figures, keyed by the figures generation.

The generation (``workflows.figures``) changes in the same transaction as any change to a
proposal, so an entry can only be served while no change has been committed since it was
computed: the expiry only bounds memory, never staleness. Redis holds the entries when
REDIS_URL is set (shared by every worker process); otherwise a small in-process LRU does.
"""

from __future__ import annotations

import logging
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import astuple
from time import monotonic
from typing import Any, TypeVar

import redis
from flask import current_app

from models import db
from workflows.figures import generation
from workflows.public import PublicFilter
from workflows.stats import StatsFilter

T = TypeVar("T")
log = logging.getLogger(__name__)


class FiguresCache:
    def __init__(self, redis_url: str | None, seconds: int, size: int = 256) -> None:
        self.seconds = seconds
        self.size = size
        self._redis = redis.Redis.from_url(redis_url) if redis_url else None
        self._local: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_compute(self, key: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
        if self.seconds <= 0:
            return compute()
        full = (generation(db.session), *key)
        if self._redis is not None:
            return self._via_redis(full, compute)
        with self._lock:
            found = self._local.get(full)
            if found is not None and found[0] > monotonic():
                self._local.move_to_end(full)
                return found[1]  # type: ignore[no-any-return]
        value = compute()
        with self._lock:
            self._local[full] = (monotonic() + self.seconds, value)
            while len(self._local) > self.size:
                self._local.popitem(last=False)
        return value

    def _via_redis(self, key: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
        name = "regrepeal:figures:" + ":".join(str(part) for part in key)
        assert self._redis is not None
        try:
            cached = self._redis.get(name)
        except redis.RedisError:
            log.warning("figures cache unavailable; computing the figures", exc_info=True)
            return compute()
        if cached is not None:
            # Our own figures, written below by this application; the same trust RQ gives the
            # pickled jobs it keeps in this Redis.
            return pickle.loads(cached)  # type: ignore[no-any-return]  # noqa: S301
        value = compute()
        try:
            self._redis.set(name, pickle.dumps(value), ex=self.seconds)
        except redis.RedisError:
            log.warning("figures cache unavailable; not storing the figures", exc_info=True)
        return value


def filter_key(filters: StatsFilter | PublicFilter) -> tuple[Hashable, ...]:
    if isinstance(filters, PublicFilter):
        return astuple(filters)
    campaign = filters.campaign.id if filters.campaign is not None else None
    return (campaign, filters.date_from, filters.date_to)


def cached(name: str, filters: StatsFilter | PublicFilter, compute: Callable[[], T]) -> T:
    """``compute()`` unless the same figures for the same filters are cached for this
    generation. Only plain figures are cached: labels are resolved per request, per language."""
    cache: FiguresCache = current_app.extensions["regrepeal.figures_cache"]
    return cache.get_or_compute((name, *filter_key(filters)), compute)


def cached_by_key(key: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
    """``compute()`` unless cached for this generation under ``key``: for values other than the
    public figures that change only with the rows the generation follows (the office's counts)."""
    cache: FiguresCache = current_app.extensions["regrepeal.figures_cache"]
    return cache.get_or_compute(key, compute)
