"""Load benchmark on loopback: gunicorn + PostgreSQL + Redis + an RQ worker, driven by wrk.

    BENCH_DATABASE_URL=postgresql://127.0.0.1:5432/bench BENCH_REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python bench/load.py [--seconds 15] [--clients 20] [--output docs/benchmark.md]
    ... bench/load.py --soak 600 [--soak-csv docs/soak-last.csv] [--output docs/soak-last.md]

In the same run a minimal Flask app (bench/hello.py) served by the same gunicorn settings gives
the ceiling; every scenario is reported as throughput, p50/p95/p99 and errors, and as a ratio to
that ceiling. The database is migrated and, when empty, filled with the demo campaign (2,507
proposals). Submissions go through the API (token of the demo citizen), so each request stores a
proposal, records its outbox message and hands it to Redis for the worker. Votes go through the
ballot form of signed-in, identity-checked citizens (sessions prepared by bench/voters.py before
anything is measured), one ballot per (voter, round).

With ``--soak SECONDS`` it runs mixed traffic instead (public pages, submissions and votes side
by side, a few connections each) and samples the resident memory of every gunicorn worker and of
the RQ worker (with its work-horses) every 10 s, into a CSV and a summary (start, end, maximum,
slope per minute of a least-squares line).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LUA = ROOT / "bench" / "report.lua"
VOTE_LUA = ROOT / "bench" / "vote.lua"
MIXED_LUA = ROOT / "bench" / "mixed.lua"
AGENT = "regrepeal-bench"  # the voters' sessions are bound to it (strong session protection)

SUBMISSION = {
    "title": "부하 시험 제안",
    "current_regulation": "부하 시험용 현행 규제 설명",
    "problem": "부하 시험용 문제점",
    "proposed_change": "부하 시험용 개선안",
    "expected_effect": "부하 시험용 기대 효과",
    "sector": "business_smallbiz",
    "regulation_type": "economic",
    "consent": True,
}

PUBLIC_PAGES = ["/", "/proposals", "/repeals", "/dashboard", "/api/v1/stats"]
# The soak asks every public page: the figures pages (/dashboard, /api/v1/stats) are served from
# their stored figures since those are recomputed off the request path (they were left out while
# every request recomputed them and held the worker threads for seconds).
SOAK_PAGES = PUBLIC_PAGES


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_http(port: int, path: str = "/", timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", path)
            if connection.getresponse().status < 500:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"nothing answered on port {port}")


def gunicorn(app: str, port: int, env: dict[str, str], workers: int, threads: int):  # type: ignore[no-untyped-def]
    return subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--graceful-timeout",
            "10",
            app,
        ],
        cwd=ROOT,
        env=env,
    )


def settle(port: int, timeout: float = 180.0) -> None:
    """Wait until the app has worked off what wrk left in flight: a scenario's slow requests keep
    running after wrk stops and would otherwise be measured in the next scenario."""
    deadline = time.monotonic() + timeout
    quick = 0
    while time.monotonic() < deadline and quick < 3:
        started = time.monotonic()
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
            connection.request("GET", "/healthz")
            connection.getresponse().read()
        except OSError:
            pass
        quick = quick + 1 if time.monotonic() - started < 0.1 else 0
        time.sleep(0.5)


def jobs_waiting(redis_url: str) -> int:
    """Jobs queued or running on the app's RQ queues (0 once the worker has caught up)."""
    from redis import Redis
    from rq import Queue
    from rq.registry import StartedJobRegistry

    from workflows.dispatch import QUEUES

    connection = Redis.from_url(redis_url)
    try:
        return sum(
            Queue(name, connection=connection).count
            + StartedJobRegistry(name, connection=connection).count
            for name in QUEUES
        )
    finally:
        connection.close()


def drain(redis_url: str, timeout: float = 600.0) -> float:
    """Seconds until the worker has run every job a scenario left queued (the scenarios after
    it would otherwise be measured beside that backlog)."""
    started = time.monotonic()
    while jobs_waiting(redis_url) and time.monotonic() - started < timeout:
        time.sleep(0.2)
    return time.monotonic() - started


def _cpu_seconds(pid: int) -> float:
    """CPU time of a process and of the children it has reaped (utime+stime+cutime+cstime)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def cpu_by_part(app_pid: int, worker_pid: int) -> dict[str, float]:
    """CPU seconds used so far by each part of the system: the app's gunicorn workers, the job
    worker with its work-horses, PostgreSQL, Redis, and the whole machine (wrk is the rest)."""
    pids = [int(p.name) for p in Path("/proc").glob("[0-9]*")]
    parts = {
        "app": sum(_cpu_seconds(pid) for pid in [app_pid, *children(app_pid)]),
        "jobs": sum(_cpu_seconds(pid) for pid in [worker_pid, *children(worker_pid)]),
        "postgres": sum(_cpu_seconds(pid) for pid in pids if _comm(pid) == "postgres"),
        "redis": sum(_cpu_seconds(pid) for pid in pids if _comm(pid) == "redis-server"),
    }
    with open("/proc/stat") as stat:
        user, nice, system = (int(x) for x in stat.readline().split()[1:4])
    parts["machine"] = (user + nice + system) / os.sysconf("SC_CLK_TCK")
    return parts


def wrk_command(
    url: str, seconds: int, clients: int, script: Path = LUA, threads: int = 2
) -> list[str]:
    return [
        shutil.which("wrk") or "wrk",
        "-t",
        str(threads),
        "-c",
        str(clients),
        "-d",
        f"{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        url,
    ]


def wrk_figures(stdout: str) -> dict:  # type: ignore[type-arg]
    line = next(x for x in stdout.splitlines() if x.startswith("BENCH "))
    figures: dict = json.loads(line[len("BENCH ") :])  # type: ignore[type-arg]
    # wrk counts non-2xx/3xx answers separately from socket errors.
    for row in stdout.splitlines():
        if "Non-2xx or 3xx responses" in row:
            figures["errors"] += int(row.rsplit(":", 1)[1])
        if row.startswith("BALLOTS "):
            figures["ballots"] = int(row.split()[1])
    return figures


def wrk_env(extra_env: dict[str, str] | None = None) -> dict[str, str]:
    return {**os.environ, "BENCH_REPORT": str(LUA), "BENCH_AGENT": AGENT, **(extra_env or {})}


def wrk(
    url: str,
    seconds: int,
    clients: int,
    extra_env: dict[str, str] | None = None,
    script: Path = LUA,
) -> dict:  # type: ignore[type-arg]
    result = subprocess.run(
        wrk_command(url, seconds, clients, script),
        env=wrk_env(extra_env),
        capture_output=True,
        text=True,
        check=True,
    )
    return wrk_figures(result.stdout)


def token(port: int, password: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    body = json.dumps({"email": "citizen@demo.example", "password": password})
    connection.request("POST", "/api/v1/tokens", body, {"Content-Type": "application/json"})
    response = connection.getresponse()
    payload = json.loads(response.read())
    if response.status != 201:
        raise RuntimeError(f"no API token for the demo citizen: {response.status} {payload}")
    return str(payload["token"])


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (the gunicorn workers), in MB."""
    total = 0
    pids = [pid] + [
        int(p.parent.name) for p in Path("/proc").glob("[0-9]*/stat") if _ppid(p) == pid
    ]
    for each in pids:
        try:
            for row in Path(f"/proc/{each}/status").read_text().splitlines():
                if row.startswith("VmRSS:"):
                    total += int(row.split()[1])
        except OSError:
            continue
    return total / 1024


def children(pid: int) -> list[int]:
    return [int(p.parent.name) for p in Path("/proc").glob("[0-9]*/stat") if _ppid(p) == pid]


def own_rss_mb(pid: int) -> float:
    try:
        for row in Path(f"/proc/{pid}/status").read_text().splitlines():
            if row.startswith("VmRSS:"):
                return int(row.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _ppid(stat: Path) -> int:
    try:
        return int(stat.read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


def markdown(rows: list[tuple[str, dict]], meta: dict[str, str]) -> str:  # type: ignore[type-arg]
    """The result table; the ratio column only when the first row is the ceiling (hello)."""
    ceiling = rows[0][1]["rps"] if rows[0][0].startswith("hello") else None
    lines = [
        "## Load benchmark (`bench/load.py`)",
        "",
        ", ".join(f"{k}: {v}" for k, v in meta.items()),
        "",
        "| scenario | requests | req/s | ratio to ceiling | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, f in rows:
        ratio = f"{f['rps'] / ceiling:.2f}" if ceiling else "–"
        if "ballots" in f:
            name += f" ({f['ballots']} ballots)"
        lines.append(
            f"| {name} | {f['requests']} | {f['rps']:.0f} | {ratio} | "
            f"{f['p50_ms']:.1f} | {f['p95_ms']:.1f} | {f['p99_ms']:.1f} | {f['errors']} |"
        )
    measured = [(name, f) for name, f in rows if "cpu" in f]
    if measured:
        lines += [
            "",
            "CPU per request (ms), from the scenario's start until its jobs were done, and how",
            "long the job worker needed after the scenario to catch up:",
            "",
            "| scenario | app | jobs | PostgreSQL | Redis | rest (wrk, system) "
            "| jobs done after s |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for name, f in measured:
            cpu, n = f["cpu"], max(f["requests"], 1)
            rest = cpu["machine"] - cpu["app"] - cpu["jobs"] - cpu["postgres"] - cpu["redis"]
            lines.append(
                f"| {name} | {1000 * cpu['app'] / n:.1f} | {1000 * cpu['jobs'] / n:.1f} | "
                f"{1000 * cpu['postgres'] / n:.1f} | {1000 * cpu['redis'] / n:.1f} | "
                f"{1000 * rest / n:.1f} | {f['drain_s']:.1f} |"
            )
    return "\n".join(lines) + "\n"


def prepare_voters(env: dict[str, str], voters: int, rounds: int, path: Path) -> None:
    """Open ``rounds`` vote rounds and write ``voters`` signed-in sessions (bench/voters.py)."""
    subprocess.run(
        [sys.executable, "-m", "bench.voters", str(voters), str(rounds), str(path), AGENT],
        cwd=ROOT,
        env=env,
        check=True,
    )


def slope_per_minute(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MB) points, in MB per minute."""
    if len(points) < 2:
        return 0.0
    mean_t = sum(t for t, _ in points) / len(points)
    mean_v = sum(v for _, v in points) / len(points)
    spread = sum((t - mean_t) ** 2 for t, _ in points)
    if not spread:
        return 0.0
    return 60 * sum((t - mean_t) * (v - mean_v) for t, v in points) / spread


def soak(
    args: argparse.Namespace, app_port: int, gunicorn_pid: int, worker_pid: int, voters: Path
) -> tuple[list[tuple[str, dict]], str, list[str]]:  # type: ignore[type-arg]
    """Mixed traffic for ``args.soak`` seconds; memory sampled every ``args.sample`` seconds.
    Returns the traffic rows, the memory summary (markdown) and the CSV lines."""
    base = f"http://127.0.0.1:{app_port}"
    share = max(args.clients // 3, 1)
    streams = {
        "GET public pages (mixed)": (
            wrk_command(base + "/", args.soak, share, MIXED_LUA, threads=1),
            {"BENCH_PATHS": ",".join(SOAK_PAGES)},
        ),
        "POST /api/v1/proposals (submission)": (
            wrk_command(base + "/api/v1/proposals", args.soak, share, LUA, threads=1),
            {"BENCH_BODY": json.dumps(SUBMISSION), "BENCH_TOKEN": args.bearer},
        ),
        "POST /votes/<round>/ballot (vote)": (
            wrk_command(base + "/", args.soak, share, VOTE_LUA, threads=1),
            {"BENCH_VOTERS": str(voters), "BENCH_THREADS": "1"},
        ),
    }
    running = {
        name: subprocess.Popen(
            command, env=wrk_env(extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for name, (command, extra) in streams.items()
    }
    csv = ["seconds,process,pid,rss_mb"]
    series: dict[str, list[tuple[float, float]]] = {}
    started = time.monotonic()
    while True:
        elapsed = time.monotonic() - started
        sample = [
            (f"gunicorn worker {pid}", pid, own_rss_mb(pid)) for pid in children(gunicorn_pid)
        ]
        # The worker's children: RQ's scheduler (a fork of the worker), and with --worker-fork
        # the work-horse, forked per job and living only while the job runs.
        horses = children(worker_pid)
        sample.append(("rq worker", worker_pid, own_rss_mb(worker_pid)))
        sample.append(("rq worker's children", 0, sum(map(own_rss_mb, horses))))
        for name, pid, mb in sample:
            csv.append(f"{elapsed:.0f},{name},{pid},{mb:.1f}")
            series.setdefault(name, []).append((elapsed, mb))
        if all(process.poll() is not None for process in running.values()):
            break
        time.sleep(max(0.0, args.sample - (time.monotonic() - started - elapsed)))
    rows = []
    for name, process in running.items():
        stdout, _stderr = process.communicate()
        rows.append((name, wrk_figures(stdout)))
    lines = [
        "| process | samples | start MB | end MB | max MB | slope MB/min | slope, 2nd half |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, points in series.items():
        values = [v for _, v in points]
        # The second half's slope leaves out the warm-up (imports, caches, first pool use).
        later = [p for p in points if p[0] >= points[-1][0] / 2]
        lines.append(
            f"| {name} | {len(points)} | {values[0]:.1f} | {values[-1]:.1f} | {max(values):.1f} | "
            f"{slope_per_minute(points):+.2f} | {slope_per_minute(later):+.2f} |"
        )
    return rows, "\n".join(lines) + "\n", csv


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--voters", type=int, default=2000, help="citizen sessions prepared")
    parser.add_argument("--rounds", type=int, default=4, help="vote rounds opened for the run")
    parser.add_argument("--soak", type=int, default=0, help="seconds of mixed traffic instead")
    parser.add_argument("--sample", type=float, default=10.0, help="soak: seconds between samples")
    parser.add_argument("--soak-csv", type=Path, default=None)
    parser.add_argument("--output", type=Path, default=None)
    parser.add_argument(
        "--compare-fork",
        type=int,
        default=0,
        metavar="ROUNDS",
        help="then the first scenario ROUNDS times more with each kind of job worker, alternately",
    )
    parser.add_argument(
        "--worker-fork", action="store_true", help="the job worker forks a work-horse per job"
    )
    parser.add_argument(
        "--worker-nice", type=int, default=0, help="CPU priority of the job worker (nice)"
    )
    parser.add_argument(
        "--only", action="append", default=[], help="run the scenarios whose name has this text"
    )
    args = parser.parse_args()

    database = os.environ.get("BENCH_DATABASE_URL", "postgresql://127.0.0.1:5432/bench")
    redis = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
    password = os.environ.get("DEMO_PASSWORD", "demo-password-2025")
    mail_dir = Path(tempfile.mkdtemp(prefix="bench-mail-"))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TEST_")},
        "APP_ENV": "development",
        "DATABASE_URL": database,
        "REDIS_URL": redis,
        "DEMO_PASSWORD": password,
        "SECRET_KEY": "bench-secret",
        # The run's own mailbox (the notices of its submissions), not the checkout's.
        "MAIL_FILE": str(mail_dir / "outbox.mbox"),
    }
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True)
    subprocess.run([*flask, "demo-data", "--if-empty"], cwd=ROOT, env=env, check=True)
    voters = ROOT / "instance" / "bench-voters.txt"
    voters.parent.mkdir(exist_ok=True)
    prepare_voters(env, args.voters, args.rounds, voters)

    hello_port, app_port = free_port(), free_port()

    def job_worker(fork: bool = False) -> subprocess.Popen:  # type: ignore[type-arg]
        return subprocess.Popen(
            [*flask, "worker", "--fork" if fork else "--no-fork"],
            cwd=ROOT,
            env=env,
            stderr=subprocess.DEVNULL,
            # Below the web processes, as a deployment on one machine would run it (`nice`).
            preexec_fn=(lambda: os.nice(args.worker_nice)) if args.worker_nice else None,
        )

    processes = [
        gunicorn("wsgi:app", app_port, env, args.workers, args.threads),
        job_worker(args.worker_fork),
    ]
    if not args.soak:
        processes.append(gunicorn("bench.hello:app", hello_port, env, args.workers, args.threads))
    memory_summary = ""
    try:
        wait_http(app_port)
        args.bearer = token(app_port, password)
        rows: list[tuple[str, dict]] = []  # type: ignore[type-arg]
        memory_before = rss_mb(processes[0].pid)
        if args.soak:
            rows, memory_summary, csv = soak(
                args, app_port, processes[0].pid, processes[1].pid, voters
            )
            if args.soak_csv:
                args.soak_csv.write_text("\n".join(csv) + "\n")
        else:
            wait_http(hello_port)
            rows.append(
                (
                    "hello (ceiling)",
                    wrk(f"http://127.0.0.1:{hello_port}/", args.seconds, args.clients),
                )
            )
            # The writes first, each after the app has settled: a slow page's requests still
            # running after its scenario would be measured in the next one.
            base = f"http://127.0.0.1:{app_port}"
            scenarios: list[tuple[str, str, dict[str, str], Path]] = [
                (
                    "POST /api/v1/proposals (submission)",
                    "/api/v1/proposals",
                    {"BENCH_BODY": json.dumps(SUBMISSION), "BENCH_TOKEN": args.bearer},
                    LUA,
                ),
                (
                    "POST /votes/<round>/ballot (vote)",
                    "/",
                    {"BENCH_VOTERS": str(voters), "BENCH_THREADS": "2"},
                    VOTE_LUA,
                ),
                *((f"GET {path}", path, {}, LUA) for path in PUBLIC_PAGES),
            ]
            if args.only:
                scenarios = [s for s in scenarios if any(text in s[0] for text in args.only)]

            def measure(path: str, extra: dict[str, str], script: Path) -> dict:  # type: ignore[type-arg]
                settle(app_port)
                warm = wrk(base + path, 2, 4, extra, script)  # each worker's first requests
                extra = {**extra, "BENCH_VOTE_START": str(warm.get("ballots", 0))}
                settle(app_port)
                drain(redis)
                before = cpu_by_part(processes[0].pid, processes[1].pid)
                figures = wrk(base + path, args.seconds, args.clients, extra, script)
                settle(app_port)
                figures["drain_s"] = drain(redis)
                after = cpu_by_part(processes[0].pid, processes[1].pid)
                figures["cpu"] = {part: after[part] - before[part] for part in after}
                return figures

            for name, path, extra, script in scenarios:
                rows.append((name, measure(path, extra, script)))
            # The submissions again, alternately with a worker that runs its jobs itself and
            # one that forks a work-horse per job (`flask worker --fork`).
            name, path, extra, script = scenarios[0]
            for _round in range(args.compare_fork):
                for fork in (False, True):
                    processes[1].terminate()
                    processes[1].wait(timeout=60)
                    processes[1] = job_worker(fork)
                    kind = "a work-horse per job" if fork else "jobs in the worker"
                    rows.append((f"{name}, {kind}", measure(path, extra, script)))
        memory_after = rss_mb(processes[0].pid)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=45)
            except subprocess.TimeoutExpired:  # a worker slow to stop on a busy machine
                process.kill()
                process.wait()
        shutil.rmtree(mail_dir, ignore_errors=True)
    meta = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} CPU, {platform.machine()}",
        "load average at the end": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "clients": str(args.clients),
        ("soak seconds" if args.soak else "seconds per scenario"): str(args.soak or args.seconds),
        "gunicorn": f"{args.workers} workers x {args.threads} threads",
        "app memory (RSS, MB) before/after": f"{memory_before:.0f}/{memory_after:.0f}",
    }
    text = markdown(rows, meta) + ("\n" + memory_summary if memory_summary else "")
    print(text)
    if args.output:
        args.output.write_text(text)


if __name__ == "__main__":
    main()
