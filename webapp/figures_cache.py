"""The public figures, recomputed off the request path after a change.

Each filter's figures are stored with the figures generation (``workflows.figures``) they were
computed at and the time they were computed ("as of"). A request whose stored figures belong to
the current generation serves them. After a change (the generation moved on) a request serves the
figures it has, flagged as older than the last change, while the ``refresh_figures`` job (put in
the outbox by the changing transaction itself) computes the current generation's: at a million
proposals that takes about a minute, which no visitor should wait for.

The job first computes the per-day parts of every figure (``workflows.figure_days``: per
campaign and Seoul submission day) and stores them too; a filter with nothing stored (a date
range nobody asked for) is then summed from the parts of its days, in milliseconds: from the
current generation's, or, while a refresh is on its way, from the previous ones, flagged like
the other stale figures. Only a filter with nothing stored when no parts were ever stored, or
whose stale figures no refresh is coming for (the change was made where no cache is in use,
the queue is down for longer than ``_PENDING_SECONDS``), is computed in the request, as before.

Which filters the job stores: the unfiltered figures and each campaign's (what the home page,
the dashboard and the API are asked for without dates), plus the few filters with dates that
visitors asked for lately (``_WANTED_*``), all summed from the parts it has just computed.

One refresh runs at a time (a lock); a change during a refresh sets the ``pending`` flag, and the
holder runs one more pass when it ends, so a burst of changes costs one or two recomputes, not
one per change. Redis holds the figures and the flags when REDIS_URL is set (shared by every
worker process); otherwise this process does (embedded mode, where jobs run in-process).
"""

from __future__ import annotations

import logging
import pickle
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from dataclasses import astuple, dataclass
from datetime import date, datetime
from time import time
from typing import Any, Generic, TypeVar

import redis
from flask import current_app, has_app_context, has_request_context, request
from markupsafe import Markup
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from models import Campaign, db, utcnow
from models.base import writing_apart
from workflows import figures, outbox, tally
from workflows.figure_days import (
    DayFigures,
    campaign_stats_from,
    compute_day_figures,
    dashboard_from,
    repeal_cells_from,
)
from workflows.jobs import reading_job
from workflows.public import PublicFilter
from workflows.stats import StatsFilter

T = TypeVar("T")
log = logging.getLogger(__name__)

REFRESH_JOB = "refresh_figures"
# Its own queue: at a million proposals a refresh takes ~20 s, which exports, imports and the
# other default jobs must not wait behind (one worker serves it; one refresh runs at a time).
REFRESH_QUEUE = "figures"
_PREFIX = "regrepeal:figures:"  # one key per name and filter
_CONTROL = "regrepeal:figures-refresh:"  # the refresh's lock and flags
_LOCK_SECONDS = 900  # a refresh whose worker died frees the lock after this long
_PENDING_SECONDS = 900  # a refresh asked for but never run stops holding stale figures back
_WANTED_SECONDS = 3600  # filters with dates refreshed by the job if asked within this time
_WANTED_MAX = 8  # … at most this many of them, the most recently asked
_RENDERED_MAX = 64  # rendered figures kept per process (tens of kB each)
# Stored together by one refresh: the same computation gives all three.
_NAMES = ("dashboard", "stats", "home.cells")
# The per-day parts every filter's figures are merged from (``workflows.figure_days``).
_DAY_FIGURES = "day-figures"
# Each stored figure from the per-day parts, for a filter.
_MERGES: dict[str, Callable[[DayFigures, StatsFilter], Any]] = {
    "dashboard": dashboard_from,
    "stats": campaign_stats_from,
    "home.cells": repeal_cells_from,
}


@dataclass(frozen=True)
class Figures(Generic[T]):
    """Figures with the time they were computed; ``updating`` when a change was committed after
    that (the new figures are being computed)."""

    value: T
    as_of: datetime
    updating: bool = False
    # Which stored figures these are, under which generation (None: not stored, cache off).
    identity: tuple[Hashable, ...] | None = None


@dataclass(frozen=True)
class _Entry:
    generation: int
    as_of: datetime
    value: Any


# Sets the key only if what it holds is not newer: a slow computation that started before a
# faster one must not replace its result.
_STORE_IF_NEWER = """
local held = redis.call('HGET', KEYS[1], 'stamp')
if held and tonumber(held) > tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'stamp', ARGV[1], 'entry', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
"""
_UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class FiguresCache:
    """Stored figures per name and filter, with the refresh's lock and flags."""

    def __init__(
        self, redis_url: str | None, seconds: int, size: int = 256, refresh_every: float = 0.0
    ) -> None:
        self.seconds = seconds
        self.size = size
        self.refresh_every = refresh_every
        self._redis = redis.Redis.from_url(redis_url) if redis_url else None
        self._local: OrderedDict[Hashable, tuple[float, _Entry]] = OrderedDict()
        self._lock = threading.Lock()
        self._refreshing = threading.Lock()
        self._pending_until = 0.0
        self._used = False
        self._wanted: dict[tuple[Any, ...], float] = {}
        self._rendered: OrderedDict[Hashable, Markup] = OrderedDict()
        # The per-day parts: without Redis, (expiry, parts), kept apart from the filters' LRU
        # (one entry, about 1.3 MB at 200,000 proposals); with Redis, (stamp, parts) of the last
        # ones read, so that they are not read and unpickled again for every request.
        self._day_figures: tuple[float, _Entry] | None = None

    @property
    def enabled(self) -> bool:
        return self.seconds > 0

    # --- reading and computing --------------------------------------------------------------

    def get(
        self,
        session: Session,
        key: tuple[Hashable, ...],
        compute: Callable[[], T],
        *,
        stale_ok: bool,
        wanted: tuple[Any, ...] | None = None,
        merge: Callable[[DayFigures], T] | None = None,
    ) -> Figures[T]:
        """The stored figures of the current generation; else ``merge()`` of the stored per-day
        parts of the current generation; else, when ``stale_ok`` and a refresh is on its way,
        the stored older figures (or the older parts merged) flagged ``updating``; else
        ``compute()`` here."""
        if not self.enabled:
            return Figures(compute(), utcnow())
        if wanted is not None:
            self._want(wanted)
        current = _generation(session)
        entry = self._load(key)
        if entry is not None and entry.generation == current:
            return Figures(entry.value, entry.as_of, identity=(*key, current, entry.as_of))
        parts = self._load_day_figures() if merge is not None else None
        if merge is not None and parts is not None and parts.generation == current:
            # A filter nobody asked for at this generation: milliseconds of sums, not the
            # dashboard's queries; kept like computed figures (same generation and time).
            value = merge(parts.value)
            self._store(key, _Entry(current, parts.as_of, value))
            return Figures(value, parts.as_of, identity=(*key, current, parts.as_of))
        if stale_ok and (entry is not None or parts is not None) and self.refresh_coming():
            if entry is not None:
                identity = (*key, current, entry.generation, entry.as_of)
                return Figures(entry.value, entry.as_of, updating=True, identity=identity)
            assert merge is not None and parts is not None
            identity = (*key, current, parts.generation, parts.as_of)
            return Figures(merge(parts.value), parts.as_of, updating=True, identity=identity)
        # Marked before the generation is read: a change committed after this read finds the
        # mark and asks for a refresh, so what is stored below cannot stay stale unnoticed.
        # Values never served stale (registers' totals, office counts) need no refresh job.
        if stale_ok:
            self._mark_used()
        as_of, generation = utcnow(), figures.generation(session)
        value = compute()
        self._store(key, _Entry(generation, as_of, value))
        return Figures(value, as_of, identity=(*key, generation, as_of))

    def rendered(self, found: Figures[Any], part: Hashable, render: Callable[[], Markup]) -> Markup:
        """``render()`` (HTML from ``found`` alone: no visitor, no request in it) once per stored
        figures, current generation (labels of the reference lists) and ``part`` (the template
        and the language); kept in this process. Rendering eight charts and a few hundred
        translated cells is most of a cache hit's time."""
        if found.identity is None:
            return render()
        key = (*found.identity, part)
        with self._lock:
            held = self._rendered.get(key)
            if held is not None:
                self._rendered.move_to_end(key)
                return held
        html = render()
        with self._lock:
            self._rendered[key] = html
            while len(self._rendered) > _RENDERED_MAX:
                self._rendered.popitem(last=False)
        return html

    # --- the refresh --------------------------------------------------------------------------

    def change_committing(self, session: Session) -> None:
        """Called in a transaction that changes the figures, before it commits: ask for a
        refresh, unless no figures were ever stored (nothing to refresh; tests, CLI loads)."""
        if not self.enabled or not outbox.recording(session) or not self._in_use():
            return
        self._set_pending()
        outbox.enqueue_once(session, REFRESH_JOB, queue=REFRESH_QUEUE)

    def refresh(self, session: Session) -> int:
        """Compute the current generation's figures of the refreshed filters; returns how many
        filters were computed. Only one refresh runs at a time; a refresh asked for meanwhile
        makes the running one go once more."""
        if not self.enabled:
            return 0
        try:
            return self._refresh(session)
        except redis.RedisError:
            # Nowhere to store the figures: requests compute them until Redis is back.
            log.warning("figures cache unavailable; figures not refreshed", exc_info=True)
            return 0

    def leave_to_queued_refresh(self) -> bool:
        """Whether the running refresh job may leave its work to a refresh job still waiting on
        the queue behind it: that one starts later, so it sees every change committed before
        this job started. Only while the stored figures are younger than ``refresh_every``
        seconds, so that a burst of changes (one job each) is one refresh every few seconds
        instead of one per change, and never none for longer than that. The figures queue
        carries refresh jobs only."""
        if self._redis is None or self.refresh_every <= 0:
            return False
        from rq import Queue, get_current_job  # not at import: the embedded web app needs no RQ

        job = get_current_job()
        if job is None or job.origin != REFRESH_QUEUE:
            return False  # run in-process, or by hand
        try:
            stamp = self._redis.hget(self._name((_DAY_FIGURES,)), "stamp")
            if stamp is None or time() - float(stamp) >= self.refresh_every:
                return False
            return bool(Queue(REFRESH_QUEUE, connection=job.connection).count)
        except redis.RedisError:
            return False

    def fill(self, session: Session) -> int:
        """Compute the refreshed filters' figures now, and ask for refreshes from now on (after a
        deploy or with an empty Redis, so that no visitor's request computes them)."""
        self._mark_used()
        return self.refresh(session)

    def _refresh(self, session: Session) -> int:
        self._set_pending()
        computed = 0
        while True:
            token = self._try_lock()
            if token is None:
                return computed  # the holder sees the pending flag and goes again
            try:
                self._clear_pending()
                parts = self._refresh_day_figures(session)
                for filters in self._refreshed_filters(session):
                    self._extend_lock(token)
                    computed += self._refresh_one(filters, parts)
            finally:
                self._unlock(token)
            if not self._is_pending():
                return computed

    def _refresh_day_figures(self, session: Session) -> _Entry:
        """The current generation's per-day parts: those stored, or computed and stored now."""
        generation = figures.generation(session)
        parts = self._load_day_figures()
        if parts is not None and parts.generation == generation:
            return parts
        parts = _Entry(generation, utcnow(), compute_day_figures(session))
        self._store_day_figures(parts)
        return parts

    def _refresh_one(self, filters: StatsFilter, parts: _Entry) -> int:
        """A refreshed filter's figures, merged from the per-day parts (the same figures as
        ``build_dashboard``: tests/unit/workflows/test_figure_days.py)."""
        part = filter_key(filters)
        entries = [self._load((name, *part)) for name in _NAMES]
        if all(e is not None and e.generation == parts.generation for e in entries):
            return 0
        board = dashboard_from(parts.value, filters)
        values = {
            "dashboard": board,
            "stats": board.stats,
            "home.cells": repeal_cells_from(parts.value, filters),
        }
        for name, value in values.items():
            self._store((name, *part), _Entry(parts.generation, parts.as_of, value))
        return 1

    def _refreshed_filters(self, session: Session) -> Iterator[StatsFilter]:
        yield StatsFilter()
        for campaign in session.scalars(select(Campaign).order_by(Campaign.starts_on.desc())):
            yield StatsFilter(campaign=campaign)
        for campaign_id, date_from, date_to in self._recently_wanted():
            campaign = session.get(Campaign, campaign_id) if campaign_id is not None else None
            if campaign_id is None or campaign is not None:
                yield StatsFilter(campaign=campaign, date_from=date_from, date_to=date_to)

    def refresh_coming(self) -> bool:
        """A refresh is running or asked for, so stale figures will be replaced without the
        visitor's request computing them."""
        if self._redis is None:
            return self._refreshing.locked() or self._pending_until > time()
        try:
            return bool(self._redis.exists(_CONTROL + "lock", _CONTROL + "pending"))
        except redis.RedisError:
            return False

    # --- storage: Redis or this process -------------------------------------------------------

    def _name(self, key: tuple[Hashable, ...]) -> str:
        return _PREFIX + ":".join(str(part) for part in key)

    def _load(self, key: tuple[Hashable, ...]) -> _Entry | None:
        if self._redis is None:
            with self._lock:
                found = self._local.get(key)
                if found is None or found[0] <= time():
                    return None
                self._local.move_to_end(key)
                return found[1]
        try:
            raw = self._redis.hget(self._name(key), "entry")
        except redis.RedisError:
            log.warning("figures cache unavailable; computing the figures", exc_info=True)
            return None
        # Our own figures, written below by this application; the same trust RQ gives the
        # pickled jobs it keeps in this Redis.
        return pickle.loads(raw) if raw is not None else None  # type: ignore[no-any-return]  # noqa: S301

    def _store(self, key: tuple[Hashable, ...], entry: _Entry) -> None:
        stamp = entry.as_of.timestamp()
        if self._redis is None:
            with self._lock:
                held = self._local.get(key)
                if held is not None and held[1].as_of > entry.as_of:
                    return
                self._local[key] = (time() + self.seconds, entry)
                self._local.move_to_end(key)
                while len(self._local) > self.size:
                    self._local.popitem(last=False)
            return
        try:
            self._redis.eval(
                _STORE_IF_NEWER, 1, self._name(key), repr(stamp), pickle.dumps(entry), self.seconds
            )
        except redis.RedisError:
            log.warning("figures cache unavailable; not storing the figures", exc_info=True)

    def _load_day_figures(self) -> _Entry | None:
        if self._redis is None:
            with self._lock:
                held = self._day_figures
            return held[1] if held is not None and held[0] > time() else None
        name = self._name((_DAY_FIGURES,))
        try:
            stamp = self._redis.hget(name, "stamp")
            if stamp is None:
                return None
            held = self._day_figures
            if held is not None and held[0] == float(stamp):
                return held[1]
            raw = self._redis.hget(name, "entry")
        except redis.RedisError:
            log.warning("figures cache unavailable; computing the figures", exc_info=True)
            return None
        if raw is None:
            return None
        # Our own parts, as in ``_load``.
        entry: _Entry = pickle.loads(raw)  # noqa: S301
        self._day_figures = (entry.as_of.timestamp(), entry)
        return entry

    def _store_day_figures(self, entry: _Entry) -> None:
        if self._redis is None:
            with self._lock:
                held = self._day_figures
                if held is None or held[1].as_of <= entry.as_of:
                    self._day_figures = (time() + self.seconds, entry)
            return
        self._store((_DAY_FIGURES,), entry)

    def _mark_used(self) -> None:
        if self._redis is None:
            self._used = True
            return
        try:
            self._redis.set(_CONTROL + "used", 1, ex=self.seconds)
        except redis.RedisError:
            log.warning("figures cache unavailable", exc_info=True)

    def _in_use(self) -> bool:
        if self._redis is None:
            return self._used
        try:
            return bool(self._redis.exists(_CONTROL + "used"))
        except redis.RedisError:
            return False

    def _set_pending(self) -> None:
        if self._redis is None:
            self._pending_until = time() + _PENDING_SECONDS
            return
        try:
            self._redis.set(_CONTROL + "pending", 1, ex=_PENDING_SECONDS)
        except redis.RedisError:
            log.warning("figures cache unavailable; no refresh asked for", exc_info=True)

    def _clear_pending(self) -> None:
        if self._redis is None:
            self._pending_until = 0.0
        else:
            self._redis.delete(_CONTROL + "pending")

    def _is_pending(self) -> bool:
        if self._redis is None:
            return self._pending_until > time()
        return bool(self._redis.exists(_CONTROL + "pending"))

    def _try_lock(self) -> str | None:
        token = secrets.token_hex(8)
        if self._redis is None:
            return token if self._refreshing.acquire(blocking=False) else None
        acquired = self._redis.set(_CONTROL + "lock", token, nx=True, ex=_LOCK_SECONDS)
        return token if acquired else None

    def _extend_lock(self, token: str) -> None:
        if self._redis is not None:
            self._redis.expire(_CONTROL + "lock", _LOCK_SECONDS)

    def _unlock(self, token: str) -> None:
        if self._redis is None:
            self._refreshing.release()
        else:
            self._redis.eval(_UNLOCK, 1, _CONTROL + "lock", token)

    def _want(self, wanted: tuple[Any, ...]) -> None:
        member = repr(tuple(v.isoformat() if isinstance(v, date) else v for v in wanted))
        if self._redis is None:
            with self._lock:
                self._wanted[wanted] = time()
                if len(self._wanted) > 4 * _WANTED_MAX:
                    for old in sorted(self._wanted, key=self._wanted.__getitem__)[:_WANTED_MAX]:
                        del self._wanted[old]
            return
        try:
            pipe = self._redis.pipeline()
            pipe.zadd(_CONTROL + "wanted", {member: time()})
            pipe.zremrangebyscore(_CONTROL + "wanted", "-inf", time() - _WANTED_SECONDS)
            pipe.execute()
        except redis.RedisError:
            log.warning("figures cache unavailable", exc_info=True)

    def _recently_wanted(self) -> list[tuple[Any, ...]]:
        since = time() - _WANTED_SECONDS
        if self._redis is None:
            with self._lock:
                recent = [k for k, at in self._wanted.items() if at >= since]
                recent.sort(key=self._wanted.__getitem__, reverse=True)
            return recent[:_WANTED_MAX]
        members = self._redis.zrevrangebyscore(
            _CONTROL + "wanted", "+inf", since, start=0, num=_WANTED_MAX
        )
        return [_parse_wanted(m.decode()) for m in members]


def _parse_wanted(member: str) -> tuple[Any, ...]:
    from ast import literal_eval

    campaign_id, date_from, date_to = literal_eval(member)
    return (
        campaign_id,
        date.fromisoformat(date_from) if date_from else None,
        date.fromisoformat(date_to) if date_to else None,
    )


def filter_key(filters: StatsFilter | PublicFilter) -> tuple[Hashable, ...]:
    if isinstance(filters, PublicFilter):
        return astuple(filters)
    campaign = filters.campaign.id if filters.campaign is not None else None
    return (campaign, filters.date_from, filters.date_to)


def _cache() -> FiguresCache:
    return current_app.extensions["regrepeal.figures_cache"]  # type: ignore[no-any-return]


def figures_for(name: str, filters: StatsFilter, compute: Callable[[], T]) -> Figures[T]:
    """The public figures ``name`` for ``filters``: the current ones, or while a refresh is on
    its way the last ones computed, with their time. Only plain figures are stored: labels are
    resolved per request, per language."""
    part = filter_key(filters)
    on_demand = filters.date_from is not None or filters.date_to is not None
    merge = _MERGES[name]
    return _cache().get(
        db.session,
        (name, *part),
        compute,
        stale_ok=True,
        wanted=part if on_demand else None,
        merge=lambda parts: merge(parts, filters),
    )


def rendered(found: Figures[Any], part: Hashable, render: Callable[[], Markup]) -> Markup:
    return _cache().rendered(found, part, render)


def cached(name: str, filters: StatsFilter | PublicFilter, compute: Callable[[], T]) -> T:
    """``compute()`` unless the same figures for the same filters are stored for this
    generation (the registers' totals: never served older than the page's rows)."""
    key = (name, *filter_key(filters))
    return _cache().get(db.session, key, compute, stale_ok=False).value


def cached_by_key(key: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
    """``compute()`` unless stored for this generation under ``key``: for values other than the
    public figures that change only with the rows the generation follows (the office's counts)."""
    return _cache().get(db.session, key, compute, stale_ok=False).value


_MEMO = "regrepeal.figures_generation"


def _generation(session: Session) -> int:
    """The generation, read once per request (a register page asks the cache twice, the
    dashboard more); forgotten at a commit, the only moment it can change for this session.
    Kept in the request's environ: ``g`` outlives a request run inside an app context."""
    if not has_request_context() or session is not db.session():
        return figures.generation(session)
    environ = request.environ
    if _MEMO not in environ:
        environ[_MEMO] = figures.generation(session)
    return environ[_MEMO]  # type: ignore[no-any-return]


@event.listens_for(Session, "after_commit")
def _forget_generation(session: Session) -> None:
    if has_request_context():
        request.environ.pop(_MEMO, None)


def _change_committing(session: Session) -> None:
    if has_app_context() and "regrepeal.figures_cache" in current_app.extensions:
        _cache().change_committing(session)


figures.on_change(_change_committing)


@reading_job
def refresh_figures() -> None:
    """Compute the current generation's public figures for the refreshed filters (stored in
    Redis or this process: nothing is written to the database, see ``reading_job``)."""
    cache = _cache()
    if cache.leave_to_queued_refresh():
        log.info("figures refresh left to the refresh queued behind it")
        return
    computed = cache.refresh(db.session)
    log.info("figures refreshed for %s filter(s)", computed)
    compact_tally(db.session)


def compact_tally(session: Session) -> int:
    """Sum the registers' tally deltas written since the last time (``workflows.tally``): a
    write of its own in a job that otherwise only reads."""
    with writing_apart(session):
        summed = tally.compact(session.connection())
        session.commit()
    return summed
