"""Pages with the templates' gettext of ``webapp/i18n.py`` and with Flask-Babel's own, side by
side, in-process.

    .venv/bin/python -m bench.template_gettext --database-url postgresql://127.0.0.1:5432/bench \\
        [--rounds 10]

The reviewer's queue (logged in with the second factor, counts cached) and the public pages of
a database ``bench.million`` filled, each asked in turn with one installation of the templates'
``_``/``ngettext`` and then the other, alternating which goes first per round. Reported: the
median server time of each way over all requests, and the ratio.
"""

from __future__ import annotations

import argparse
import statistics

from flask_babel import get_translations

from webapp.i18n import install_template_gettext

from .server_time import _app, _read_the_plain_bench_secret, _reviewer, _time

PATHS = [
    "/office/?queue=all&sort=newest",
    "/office/?queue=waiting&sort=newest",
    "/office/?queue=overdue&sort=oldest",
    "/office/?sector=admin_welfare&stage=review",
    "/",
    "/proposals",
    "/repeals",
    "/dashboard",
]


def _flask_babel_s(app) -> None:  # type: ignore[no-untyped-def]
    """What Flask-Babel installs: a lookup of the domain and the locale at every call."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: get_translations().ugettext(s),
        ngettext=lambda s, p, n: get_translations().ungettext(s, p, n),
        pgettext=lambda c, s: get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: get_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    _read_the_plain_bench_secret()
    app = _app(args.database_url, cache_seconds=300)
    client = _reviewer(app)
    _time(client, PATHS * 2)  # compiled templates, warm plans, filled caches
    ways = {"webapp.i18n": install_template_gettext, "Flask-Babel": _flask_babel_s}
    samples: dict[str, list[float]] = {name: [] for name in ways}
    for round_no in range(args.rounds):
        order = list(ways) if round_no % 2 == 0 else list(reversed(ways))
        for name in order:
            ways[name](app)
            samples[name] += _time(client, PATHS)
    medians = {name: statistics.median(values) for name, values in samples.items()}
    for name, median in medians.items():
        print(f"{name:12} median {median:6.1f} ms over {len(samples[name])} requests")
    print(f"ratio Flask-Babel / webapp.i18n: {medians['Flask-Babel'] / medians['webapp.i18n']:.3f}")


if __name__ == "__main__":
    main()
