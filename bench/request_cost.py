"""What one submission and one ballot cost, in-process: wall time, CPU time and SQL statements.

    BENCH_DATABASE_URL=postgresql://127.0.0.1:5432/bench BENCH_REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python bench/request_cost.py [--requests 200] [--rounds 3] \\
        [--tree ../other-checkout] [--profile submission|ballot]

The database is migrated and, when empty, filled with the demo campaign (as bench/load.py does).
Each round runs, in a fresh process per code tree, ``--requests`` submissions through the API
(``POST /api/v1/proposals`` with the demo citizen's Bearer token) and as many ballots (``POST
/votes/<round>/ballot``, the ballot form of signed-in, identity-checked citizens, one ballot per
voter), with the Flask test client: no HTTP server, no other clients, so the figures are what
the application itself spends on a request (its Python, its statements and their round trips
to PostgreSQL, its enqueues on Redis). Setup (the token, the vote round, the voters' sessions)
and each kind's first requests (a warm-up) are not measured.

Per request: wall time (``time.perf_counter``), CPU time of this process (``time.process_time``:
the database server's work is not in it) and SQL statements (every cursor execution, savepoints
included; the commit is one more round trip). Reported: median and p95 of each.

``--tree DIR`` (repeatable) measures the application code of another checkout (a worktree of
another branch, whose schema must be the same) with this same measuring code: each round runs
every tree in turn (this one first unless ``--tree`` lists it), alternating, so that a change
in the machine's load falls on both; the report gives each tree's figures over all rounds and
the ratio of its medians to the first tree's. ``--profile KIND`` prints the cProfile of that
kind's measured requests (this tree only, one round).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
AGENT = "regrepeal-bench"
PASSWORD_ENV = "DEMO_PASSWORD"  # noqa: S105 - the name of a variable, not a password
SUBMISSION = {
    "title": "요청 비용 측정 제안",
    "current_regulation": "요청 비용 측정용 현행 규제 설명",
    "problem": "요청 비용 측정용 문제점",
    "proposed_change": "요청 비용 측정용 개선안",
    "expected_effect": "요청 비용 측정용 기대 효과",
    "sector": "business_smallbiz",
    "regulation_type": "economic",
    "consent": True,
}
KINDS = ("submission", "ballot")
WARM_UP = 5


def environment() -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("TEST_")},
        "APP_ENV": "development",
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", "postgresql://127.0.0.1:5432/bench"),
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9"),
        PASSWORD_ENV: os.environ.get(PASSWORD_ENV, "demo-password-2025"),
        "SECRET_KEY": "bench-secret",
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


# --- the measuring process (run with the code tree under test first on sys.path) ---------------


class Meter:
    """Counts the statements sent to the database (every engine of the process)."""

    def __init__(self) -> None:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        self.statements = 0
        self.last: list[str] = []
        event.listen(Engine, "before_cursor_execute", self._count)

    def _count(self, connection: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements += 1
        self.last.append(" ".join(statement.split())[:160])


def prepare_ballots(app: Any, count: int) -> tuple[int, int, list[tuple[str, str]]]:
    """A vote round open now and ``count`` signed-in citizens verified for it (cookie, CSRF)."""
    from datetime import timedelta

    from flask import session
    from flask_wtf.csrf import generate_csrf
    from sqlalchemy import select

    from models import Proposal, Role, State, User, db, utcnow
    from webapp.auth import sign_in
    from webapp.identity import vote_secret
    from workflows import voting

    with app.app_context():
        admin = db.session.scalar(select(User).where(User.role == Role.ADMIN).limit(1))
        picks = list(
            db.session.scalars(
                select(Proposal)
                .where(Proposal.state == State.ANNOUNCED)
                .order_by(Proposal.id)
                .limit(3)
            )
        )
        if admin is None or len(picks) < 3:
            raise SystemExit("the bench database needs an administrator and announced repeals")
        now = utcnow()
        vote_round = voting.open_round(
            db.session,
            admin,
            title=f"요청 비용 측정 {now:%m%d%H%M%S}",
            opens_at=now - timedelta(minutes=1),
            closes_at=now + timedelta(days=1),
            max_picks=1,
            candidates=picks,
        )
        stamp = f"{now:%Y%m%d%H%M%S%f}"
        users = [
            User(email=f"cost-{stamp}-{n}@bench.example", name="측정", role=Role.CITIZEN)
            for n in range(count)
        ]
        db.session.add_all(users)
        db.session.commit()
        round_id, candidate_id = vote_round.id, vote_round.candidates[0].id
        serializer = app.session_interface.get_signing_serializer(app)
        secret = vote_secret()
        sessions = []
        for user in users:
            with (
                app.app_context(),
                app.test_request_context(
                    "/", environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers={"User-Agent": AGENT}
                ),
            ):
                sign_in(user)
                session[f"vote_key:{round_id}"] = voting.voter_key(secret, user.email)
                csrf = generate_csrf()
                sessions.append((serializer.dumps(dict(session)), csrf))
    return round_id, candidate_id, sessions


def measure(count: int, profile: str | None) -> dict[str, Any]:
    import webapp
    from webapp import create_app

    app = create_app()
    meter = Meter()
    client = app.test_client()
    response = client.post(
        "/api/v1/tokens",
        json={"email": "citizen@demo.example", "password": os.environ[PASSWORD_ENV]},
    )
    if response.status_code != 201:
        raise SystemExit(f"no API token for the demo citizen: {response.status_code}")
    bearer = {"Authorization": f"Bearer {response.get_json()['token']}"}
    round_id, candidate_id, voters = prepare_ballots(app, count + WARM_UP)

    def submission(number: int) -> int:
        return client.post(
            "/api/v1/proposals",
            json=SUBMISSION,
            headers={**bearer, "Idempotency-Key": f"cost-{os.getpid()}-{time.time_ns()}-{number}"},
        ).status_code

    def ballot(number: int) -> int:
        cookie, csrf = voters[number]
        client.set_cookie("session", cookie)
        return client.post(
            f"/votes/{round_id}/ballot",
            data={"csrf_token": csrf, "picks": str(candidate_id)},
            headers={"User-Agent": AGENT},
        ).status_code

    expected = {"submission": (submission, 201), "ballot": (ballot, 303)}
    figures: dict[str, Any] = {"code": str(Path(webapp.__file__).resolve().parents[1])}
    for kind in KINDS:
        send, status = expected[kind]
        for number in range(WARM_UP):
            if send(count + number) != status:
                raise SystemExit(f"{kind}: the warm-up request was refused")
        walls, cpus, statements = [], [], []
        profiler = cProfile.Profile() if profile == kind else None
        for number in range(count):
            before = meter.statements
            meter.last = []
            cpu, wall = time.process_time(), time.perf_counter()
            if profiler:
                profiler.enable()
            answered = send(number)
            if profiler:
                profiler.disable()
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
            statements.append(meter.statements - before)
            if answered != status:
                raise SystemExit(f"{kind}: answered {answered}, expected {status}")
        figures[kind] = {"wall_ms": walls, "cpu_ms": cpus, "statements": statements}
        figures.setdefault("sql", {})[kind] = list(meter.last)
        if profiler:
            text = io.StringIO()
            order = os.environ.get("BENCH_PROFILE_SORT", "cumulative")  # or tottime
            pstats.Stats(profiler, stream=text).sort_stats(order).print_stats(90)
            figures["profile"] = text.getvalue()
    return figures


# --- the driver ---------------------------------------------------------------------------------


def run_tree(tree: Path, count: int, profile: str | None) -> dict[str, Any]:
    """One round in a fresh process whose imports come from ``tree``."""
    env = {**environment(), "PYTHONPATH": str(tree)}
    command = [sys.executable, str(Path(__file__).resolve()), "--measure", str(count)]
    if profile:
        command += ["--profile", profile]
    result = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{tree}: {result.stderr[-3000:]}")
    line = result.stdout.strip().splitlines()[-1]
    return json.loads(line)  # type: ignore[no-any-return]


def report(trees: list[Path], samples: dict[Path, dict[str, dict[str, list[float]]]]) -> str:
    lines = [
        "| code | request | median wall ms | p95 wall ms | median CPU ms | p95 CPU ms "
        "| median statements | max statements | wall ratio | CPU ratio |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    base = trees[0]
    for tree in trees:
        for kind in KINDS:
            got = samples[tree][kind]
            ratio = {
                name: statistics.median(got[name]) / statistics.median(samples[base][kind][name])
                for name in ("wall_ms", "cpu_ms")
            }
            cells = [
                f"{statistics.median(got['wall_ms']):.1f}",
                f"{percentile(got['wall_ms'], 0.95):.1f}",
                f"{statistics.median(got['cpu_ms']):.1f}",
                f"{percentile(got['cpu_ms'], 0.95):.1f}",
                f"{statistics.median(got['statements']):.0f}",
                f"{max(got['statements']):.0f}",
                f"{ratio['wall_ms']:.2f}",
                f"{ratio['cpu_ms']:.2f}",
            ]
            lines.append(f"| {tree.name} | {kind} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="of each kind, per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tree", type=Path, action="append", default=[])
    parser.add_argument("--profile", choices=KINDS, default=None)
    parser.add_argument("--measure", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.profile)))
        return

    env = environment()
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True)
    subprocess.run([*flask, "demo-data", "--if-empty"], cwd=ROOT, env=env, check=True)
    trees = [t.resolve() for t in args.tree]
    if ROOT not in trees:
        trees.insert(0, ROOT)
    if args.profile:
        figures = run_tree(ROOT, args.requests, args.profile)
        print(figures["profile"])
        print("\n".join(figures["sql"][args.profile]))  # the last request's statements
        return
    samples: dict[Path, dict[str, dict[str, list[float]]]] = {
        t: {k: {"wall_ms": [], "cpu_ms": [], "statements": []} for k in KINDS} for t in trees
    }
    for number in range(args.rounds):
        for tree in trees:
            figures = run_tree(tree, args.requests, None)
            if Path(figures["code"]) != tree:
                raise SystemExit(f"{tree}: the application was imported from {figures['code']}")
            for kind in KINDS:
                for name, values in figures[kind].items():  # wall_ms, cpu_ms, statements
                    samples[tree][kind][name].extend(values)
            print(f"round {number + 1}: {tree} done", file=sys.stderr)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average {load}, "
        f"{args.rounds} round(s) x {args.requests} requests of each kind per tree"
    )
    print(report(trees, samples))


if __name__ == "__main__":
    main()
