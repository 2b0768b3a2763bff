"""RQ worker processes (`flask --app wsgi worker`) for the tests that go through Redis: started
with the test's own database, Redis, mailbox and index folder; run in burst mode, or kept
running and killed the way a crash would."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]


def worker_env(config: dict[str, object], redis_url: str, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEST_")}
    env.update(
        {
            "APP_ENV": "testing",
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": str(config["DATABASE_URL"]),
            "REDIS_URL": redis_url,
            "MAIL_FILE": str(config["MAIL_FILE"]),
            # The worker's index jobs write the test's own index, never the checkout's.
            "SEARCH_INDEX_DIR": str(config["SEARCH_INDEX_DIR"]),
            **settings,
        }
    )
    return env


def run_worker(
    config: dict[str, object], redis_url: str, *extra: str
) -> subprocess.CompletedProcess[str]:
    """A worker in burst mode: it sweeps the outbox, runs what is queued and stops."""
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst", *extra],
        cwd=ROOT,
        env=worker_env(config, redis_url),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def start_worker(
    config: dict[str, object], redis_url: str, log: IO[str], **settings: str
) -> subprocess.Popen[str]:
    """A worker that keeps running (its log to ``log``), sweeping the outbox every second;
    ``settings`` are further environment settings (short heartbeats, say)."""
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
        cwd=ROOT,
        env=worker_env(config, redis_url, WORKER_SWEEP_SECONDS="1", **settings),
        stdout=subprocess.DEVNULL,
        stderr=log,
        text=True,
    )


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def kill_worker(process: subprocess.Popen[str]) -> int:
    """SIGKILL a worker and its children: the work-horse (RQ puts it in a session of its own)
    and the scheduler. Returns how many children were killed."""
    horses = _children(process.pid)
    for pid in [process.pid, *horses]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    process.wait(timeout=10)
    return len(horses)


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
