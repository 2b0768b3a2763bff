"""Server time of the pages issue #7 names, on a database filled by ``bench.million``.

    python -m bench.server_time --database-url postgresql://127.0.0.1:5432/bench --rounds 3

In-process: each request goes through the whole WSGI app (routing, session, queries, template,
response) with Flask's test client, timed around the call; no network, no gunicorn. Every page
is asked with varied filters and pages. The public figures are measured three times: with their
cache off (the SQL a filter's first request runs, when nothing was ever computed for it), with it
on (the steady state between two changes) and after a change (the stored figures are of an older
generation and a refresh is pending: visitors get them, flagged, while the job recomputes).
A fourth time for date ranges nobody asked for before, after ``flask figures fill`` (what the
refresh job stores): each measured request is its filter's first, answered from whatever the
stored figures allow (the per-day parts where they exist; otherwise computed in the request).
Prints p50 / p95 / max in milliseconds per page and writes them as JSON.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pyotp
from flask import Flask
from flask.testing import FlaskClient

from models import db
from models.encryption import EncryptedString
from webapp import create_app
from webapp.filters import encode_number_key, encode_time_key
from workflows import public

from .million import BENCH_PASSWORD, BENCH_SECRET_KEY, BENCH_TOTP_SECRET

SECTORS = ("construction_housing", "business_smallbiz", "admin_welfare", "transport_env_safety")
TYPES = ("economic", "excessive_standard", "citizen_inconvenience")
FIGURE_FILTERS = (
    "",
    "?campaign=2025-100days",
    "?campaign=2026-100days",
    "?from=2025-07-01&to=2025-12-31",
    "?from=2026-01-01",
)


def _read_the_plain_bench_secret() -> None:
    """A database filled by ``bench.million`` before it encrypted the staff's authenticator
    secret holds the bench's own (public, above) in plain text, which the application refuses
    to read. Read that one value as it is, in this process only; every other value is decrypted
    as usual. The database is left as it is (other runs may share it)."""
    decrypt = EncryptedString.process_result_value

    def read(self: EncryptedString, value: Any, dialect: Any) -> str | None:
        if value == BENCH_TOTP_SECRET:
            return value  # type: ignore[no-any-return]
        return decrypt(self, value, dialect)

    EncryptedString.process_result_value = read  # type: ignore[method-assign]


def _app(url: str, cache_seconds: int) -> Flask:
    return create_app(
        {
            "APP_ENV": "testing",
            "SECRET_KEY": BENCH_SECRET_KEY,
            "DATABASE_URL": url,
            "FIGURES_CACHE_SECONDS": cache_seconds,
        }
    )


def _new_ranges(count: int, salt: int) -> list[str]:
    """``count`` distinct date ranges within the generated data (2025-01 … 2026-11), none of
    them asked before in this run (``salt`` shifts them): open-ended ones, a day, a week, a
    quarter, a campaign's period and more."""
    ranges = []
    for i in range(count):
        start = date(2025, 1, 1) + timedelta(days=(i * 47 + salt * 13) % 680)
        length = (0, 6, 30, 90, 365)[i % 5]
        end = start + timedelta(days=length)
        if i % 7 == 3:
            ranges.append(f"?from={start.isoformat()}")
        elif i % 7 == 5:
            ranges.append(f"?to={end.isoformat()}")
        elif i % 4 == 1:
            ranges.append(f"?campaign=2025-100days&from={start.isoformat()}&to={end.isoformat()}")
        else:
            ranges.append(f"?from={start.isoformat()}&to={end.isoformat()}")
    return ranges


def _home(query: str, page: str) -> str:
    """The home page shows the latest campaign's figures unless asked for all of them."""
    if page != "/ home" or "campaign=" in query:
        return query
    return query.replace("?", "?campaign=all&", 1)


def _filled(app: Flask) -> Flask:
    """``app`` after ``flask figures fill``: what the refresh job stores at a change."""
    with app.app_context():
        app.extensions["regrepeal.figures_cache"].fill(db.session)
        db.session.remove()
    return app


def _as_if_changed(app: Flask) -> None:
    """What visitors meet after a change until the refresh job has run: every stored figure is
    of an older generation and a refresh is pending. Done in the cache, not by writing to the
    database (it may be shared with other measurements)."""
    cache = app.extensions["regrepeal.figures_cache"]
    with cache._lock:
        for key, (expiry, entry) in list(cache._local.items()):
            cache._local[key] = (expiry, replace(entry, generation=entry.generation ^ 1))
        # The per-day parts, where the code has them: of no generation ever current (done once
        # per page measured, so not by flipping a bit).
        parts = getattr(cache, "_day_figures", None)
        if parts is not None:
            cache._day_figures = (parts[0], replace(parts[1], generation=-1))
    cache._set_pending()


def _csrf(client: FlaskClient, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def _reviewer(app: Flask) -> FlaskClient:
    """A reviewer logged in with password and authenticator code, as in a browser."""
    client = app.test_client()
    email = "reviewer0@bench.example"
    client.post(
        "/login",
        data={"email": email, "password": BENCH_PASSWORD, "csrf_token": _csrf(client, "/login")},
    )
    step = int(time.time()) // 30
    response = client.post(
        "/login/second-factor",
        data={
            "code": pyotp.TOTP(BENCH_TOTP_SECRET).at(step * 30),
            "csrf_token": _csrf(client, "/login/second-factor"),
        },
    )
    assert response.status_code == 303, response.status_code
    assert client.get("/office/").status_code == 200
    return client


def _same_login(client: FlaskClient, app: Flask) -> FlaskClient:
    """A client of ``app`` in the session ``client`` logged into (same secret key, same database):
    a second login would reuse the authenticator code, which the server refuses."""
    if client.application is app:
        return client
    other = app.test_client()
    cookie = client.get_cookie("session")
    assert cookie is not None, "not logged in"
    other.set_cookie("session", cookie.value)
    return other


def _time(client: FlaskClient, paths: Iterable[str]) -> list[float]:
    samples = []
    for path in paths:
        started = time.perf_counter()
        response = client.get(path)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, (path, response.status_code)
        samples.append(elapsed * 1000)
    return samples


def _summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, -(-95 * len(ordered) // 100) - 1)]
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(ordered[-1], 1),
    }


def _follow(client: FlaskClient, path: str, steps: int, rel: str = "next") -> list[str]:
    """The pages reached from ``path`` by its own ``rel`` links, as a visitor would."""
    paths = []
    for _ in range(steps):
        page = client.get(path).get_data(as_text=True)
        match = re.search(rf'href="([^"]+)"[^>]*rel="{rel}"', page)
        if not match:
            break
        path = html.unescape(match.group(1))
        paths.append(path)
    return paths


def _queue_paths(client: FlaskClient, rounds: int) -> list[str]:
    """Every named queue and sort, some filters, and the next pages by the queue's own links."""
    paths = []
    for queue in ("all", "new", "mine", "waiting", "in_review", "ready", "overdue"):
        for sort in ("newest", "oldest", "updated"):
            paths.append(f"/office/?queue={queue}&sort={sort}")
    for sector in SECTORS:
        paths.append(f"/office/?sector={sector}&stage=review")
        paths.append(f"/office/?regulation_type={TYPES[0]}&sector={sector}&source=citizen")
    paths += _follow(client, "/office/?queue=all", 10)
    return paths * rounds


def _far_paths(client: FlaskClient, base: str, pages: tuple[int, ...]) -> list[str]:
    """The links to what were pages ``pages`` (50 rows each): a cursor on the row ending the
    page before, found once with an OFFSET (not timed), as a visitor who followed every
    "next" link would hold it. A page past the end of a smaller database is left out."""
    with client.application.app_context():
        paths = []
        for number in pages:
            probe = public.Keyset(offset=(number - 1) * 50 - 1)
            if base == "/proposals":
                rows = public.public_proposals(
                    db.session, public.PublicFilter(), probe, per_page=1, total=1
                )
                if not rows.items:
                    continue
                key = encode_time_key(public.PUBLIC_ORDER.key(rows.items[0]))
            else:
                rows = public.repeal_register_page(
                    db.session, public.PublicFilter(), probe, per_page=1, total=1
                )
                if not rows.items:
                    continue
                key = encode_number_key(public.REPEAL_ORDER.key(rows.items[0]))
            paths.append(f"{base}?after={quote(key)}")
        db.session.remove()
    return paths


def _register_paths(
    client: FlaskClient, base: str, rounds: int, far: tuple[int, ...]
) -> dict[str, list[str]]:
    """First pages with filters; deeper pages by the "next" links (unfiltered and filtered),
    back by "previous", and the far pages the old page numbers reached."""
    first = [base, *(f"{base}?sector={s}" for s in SECTORS), f"{base}?regulation_type={TYPES[1]}"]
    if base == "/proposals":
        first += [f"{base}?stage=review", f"{base}?source=official&sector={SECTORS[0]}"]
    onwards = _follow(client, base, 10) + _follow(client, f"{base}?sector={SECTORS[2]}", 5)
    back = _follow(client, onwards[9], 3, rel="prev") if len(onwards) > 9 else []
    return {
        f"{base} first pages, filters": first * rounds,
        f"{base} deep pages": (onwards + back + _far_paths(client, base, far)) * rounds,
    }


def _api_repeal_paths(client: FlaskClient, rounds: int) -> dict[str, list[str]]:
    """``/api/v1/repeals``: first slices (100 and 500, filters), the next ones by their ``Link``
    headers as a client reading the register would, and slices far down (``after`` a number)."""
    base = "/api/v1/repeals"
    first = [base, f"{base}?limit=500", *(f"{base}?sector={s}" for s in SECTORS)]
    onwards: list[str] = []
    for path, steps in ((f"{base}?limit=500", 10), (f"{base}?sector={SECTORS[2]}", 5)):
        for _ in range(steps):
            link = client.get(path).headers.get("Link")
            if not link:
                break
            path = link[1 : link.index(">")]
            onwards.append(path)
    with client.application.app_context():
        total = public.count_repeals(db.session, public.PublicFilter())
        db.session.remove()
    far = [f"{base}?after={total * n // 4}" for n in (1, 2, 3)]
    return {
        f"{base} first slices, filters": first * rounds,
        f"{base} by Link and far slices": (onwards + far) * rounds,
    }


def run(url: str, rounds: int, only: str | None = None) -> dict[str, Any]:
    results: dict[str, Any] = {}
    _read_the_plain_bench_secret()
    cold = _app(url, cache_seconds=0)
    warm = _app(url, cache_seconds=300)
    suites: list[tuple[str, FlaskClient, list[str]]] = []
    changed = _app(url, cache_seconds=300)
    prepare: dict[str, Callable[[], None]] = {}
    for name, client in (
        ("cache off", cold.test_client()),
        ("cache on", warm.test_client()),
        ("after a change", changed.test_client()),
    ):
        suites += [
            (f"/dashboard, {name}", client, [f"/dashboard{f}" for f in FIGURE_FILTERS] * rounds),
            (
                f"/api/v1/stats, {name}",
                client,
                [f"/api/v1/stats{f}" for f in FIGURE_FILTERS] * rounds,
            ),
            (f"/ home, {name}", client, ["/", "/?campaign=2025-100days"] * rounds),
        ]
    for page in ("/dashboard", "/api/v1/stats", "/ home"):
        prepare[f"{page}, after a change"] = lambda: _as_if_changed(changed)
    # Date ranges nobody asked for: the warm-up asks other ranges (templates compiled, plans
    # warm), the measured requests are each their filter's first.
    # After a change as well: the stored figures and parts are of an older generation.
    unasked: dict[str, tuple[list[str], list[str]]] = {}
    for phase, when in enumerate(("after a fill", "after a fill and a change")):
        clients: list[tuple[str, list[str], list[str]]] = []
        for index, (page, base) in enumerate(
            (("/dashboard", "/dashboard"), ("/api/v1/stats", "/api/v1/stats"), ("/ home", "/"))
        ):
            salt = 6 * phase + 2 * index
            measured = [base + _home(r, page) for r in _new_ranges(5 * rounds, salt=salt)]
            warm_up = [base + _home(r, page) for r in _new_ranges(3, salt=salt + 1)]
            label = f"{page}, never computed, {when}"
            unasked[label] = (warm_up, measured)
            clients.append((label, warm_up, measured))
        if not only or any(only in label for label, _w, _m in clients):
            filled = _filled(_app(url, cache_seconds=300))
            for label, _warm_up, measured in clients:
                suites.append((label, filled.test_client(), measured))
                if phase:
                    prepare[label] = lambda app=filled: _as_if_changed(app)  # type: ignore[misc]
    for name, client in (("cache off", cold.test_client()), ("cache on", warm.test_client())):
        for label, paths in {
            **_register_paths(client, "/proposals", rounds, (100, 1000, 5000, 10000)),
            **_register_paths(client, "/repeals", rounds, (100, 500, 1000, 1600)),
            **_api_repeal_paths(client, rounds),
        }.items():
            suites.append((f"{label}, {name}", client, paths))
    # Last: the slowest at a million rows (see docs/faults-and-load.md). The reviewer logs in
    # only when the queue is measured (``--only /proposals`` needs no staff account). The
    # queue's counts are cached like the figures: with the cache off every request counts.
    office = "/office reviewer queue (2FA)"
    if not only or only in office or office in only:
        reviewer = _reviewer(warm)
        queue_paths = _queue_paths(reviewer, rounds)
        for name, app in (("cache off", cold), ("cache on", warm)):
            suites.append((f"{office}, {name}", _same_login(reviewer, app), queue_paths))
    if only:
        suites = [suite for suite in suites if only in suite[0]]
    for label, client, paths in suites:
        # Every distinct request once first: templates compiled, plans and caches filled (the
        # steady state; with the cache off every request still runs all its SQL).
        _time(client, unasked[label][0] if label in unasked else sorted(set(paths)))
        if label in prepare:
            prepare[label]()
        results[label] = _summary(_time(client, paths))
        print(f"{label:45} {json.dumps(results[label])}", flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--only", help="time only the pages whose label contains this text")
    args = parser.parse_args()
    results = run(args.database_url, args.rounds, args.only)
    if args.out:
        args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
