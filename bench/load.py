"""Load benchmark on loopback: gunicorn + PostgreSQL + Redis + an RQ worker, driven by wrk.

    BENCH_DATABASE_URL=postgresql://127.0.0.1:5432/bench BENCH_REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python bench/load.py [--seconds 15] [--clients 20] [--output docs/benchmark.md]

In the same run a minimal Flask app (bench/hello.py) served by the same gunicorn settings gives
the ceiling; every scenario is reported as throughput, p50/p95/p99 and errors, and as a ratio to
that ceiling. The database is migrated and, when empty, filled with the demo campaign (2,507
proposals). Submissions go through the API (token of the demo citizen), so each request stores a
proposal, records its outbox message and hands it to Redis for the worker.
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
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LUA = ROOT / "bench" / "report.lua"

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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_http(port: int, path: str = "/", timeout: float = 60.0) -> None:
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
            app,
        ],
        cwd=ROOT,
        env=env,
    )


def wrk(url: str, seconds: int, clients: int, extra_env: dict[str, str] | None = None) -> dict:  # type: ignore[type-arg]
    result = subprocess.run(
        [
            shutil.which("wrk") or "wrk",
            "-t",
            "2",
            "-c",
            str(clients),
            "-d",
            f"{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(LUA),
            url,
        ],
        env={**os.environ, **(extra_env or {})},
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in result.stdout.splitlines() if x.startswith("BENCH "))
    figures: dict = json.loads(line[len("BENCH ") :])  # type: ignore[type-arg]
    # wrk counts non-2xx/3xx answers separately from socket errors.
    for row in result.stdout.splitlines():
        if "Non-2xx or 3xx responses" in row:
            figures["errors"] += int(row.rsplit(":", 1)[1])
    return figures


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


def _ppid(stat: Path) -> int:
    try:
        return int(stat.read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


def markdown(rows: list[tuple[str, dict]], meta: dict[str, str]) -> str:  # type: ignore[type-arg]
    ceiling = rows[0][1]["rps"]
    lines = [
        "## Load benchmark (`bench/load.py`)",
        "",
        ", ".join(f"{k}: {v}" for k, v in meta.items()),
        "",
        "| scenario | requests | req/s | ratio to ceiling | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, f in rows:
        lines.append(
            f"| {name} | {f['requests']} | {f['rps']:.0f} | {f['rps'] / ceiling:.2f} | "
            f"{f['p50_ms']:.1f} | {f['p95_ms']:.1f} | {f['p99_ms']:.1f} | {f['errors']} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()

    database = os.environ.get("BENCH_DATABASE_URL", "postgresql://127.0.0.1:5432/bench")
    redis = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
    password = os.environ.get("DEMO_PASSWORD", "demo-password-2025")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TEST_")},
        "APP_ENV": "development",
        "DATABASE_URL": database,
        "REDIS_URL": redis,
        "DEMO_PASSWORD": password,
        "SECRET_KEY": "bench-secret",
    }
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True)
    subprocess.run([*flask, "demo-data", "--if-empty"], cwd=ROOT, env=env, check=True)

    hello_port, app_port = free_port(), free_port()
    processes = [
        gunicorn("bench.hello:app", hello_port, env, args.workers, args.threads),
        gunicorn("wsgi:app", app_port, env, args.workers, args.threads),
        subprocess.Popen([*flask, "worker"], cwd=ROOT, env=env, stderr=subprocess.DEVNULL),
    ]
    try:
        wait_http(hello_port)
        wait_http(app_port)
        bearer = token(app_port, password)
        rows: list[tuple[str, dict]] = []  # type: ignore[type-arg]
        rows.append(
            ("hello (ceiling)", wrk(f"http://127.0.0.1:{hello_port}/", args.seconds, args.clients))
        )
        memory_before = rss_mb(processes[1].pid)
        for path in PUBLIC_PAGES:
            url = f"http://127.0.0.1:{app_port}{path}"
            rows.append((f"GET {path}", wrk(url, args.seconds, args.clients)))
        rows.append(
            (
                "POST /api/v1/proposals (submission)",
                wrk(
                    f"http://127.0.0.1:{app_port}/api/v1/proposals",
                    args.seconds,
                    args.clients,
                    {"BENCH_BODY": json.dumps(SUBMISSION), "BENCH_TOKEN": bearer},
                ),
            )
        )
        memory_after = rss_mb(processes[1].pid)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
    meta = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} CPU, {platform.machine()}",
        "clients": str(args.clients),
        "seconds per scenario": str(args.seconds),
        "gunicorn": f"{args.workers} workers x {args.threads} threads",
        "app memory (RSS, MB) before/after": f"{memory_before:.0f}/{memory_after:.0f}",
    }
    text = markdown(rows, meta)
    print(text)
    if args.output:
        args.output.write_text(text)


if __name__ == "__main__":
    main()
