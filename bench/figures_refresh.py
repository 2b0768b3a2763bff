"""How long the figures refresh takes (``flask figures fill``: the unfiltered figures, each
campaign's, and the per-day parts where the code has them) on a database filled by
``bench.million``, and how large the stored per-day parts are. Not part of the tests.

    python -m bench.figures_refresh --database-url postgresql://127.0.0.1:5432/bench --runs 3

Each run is a fresh application (an empty in-process figures cache), so every run computes
everything; the database is only read.
"""

from __future__ import annotations

import argparse
import json
import pickle
import statistics
import time

from models import db
from webapp import create_app

from .million import BENCH_SECRET_KEY


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    seconds, filters, size = [], 0, None
    for _ in range(args.runs):
        app = create_app(
            {
                "APP_ENV": "testing",
                "SECRET_KEY": BENCH_SECRET_KEY,
                "DATABASE_URL": args.database_url,
                "FIGURES_CACHE_SECONDS": 300,
            }
        )
        cache = app.extensions["regrepeal.figures_cache"]
        with app.app_context():
            started = time.perf_counter()
            filters = cache.fill(db.session)
            seconds.append(time.perf_counter() - started)
            db.session.remove()
            db.engine.dispose()
        held = getattr(cache, "_day_figures", None)
        if held is not None:
            # What Redis holds: the pickled entry (generation, time, parts).
            size = len(pickle.dumps(held[1]))
    print(
        json.dumps(
            {
                "runs_s": [round(s, 2) for s in seconds],
                "median_s": round(statistics.median(seconds), 2),
                "filters": filters,
                "day_figures_bytes": size,
            }
        )
    )


if __name__ == "__main__":
    main()
