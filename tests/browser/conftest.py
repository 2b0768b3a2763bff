"""The browser walks' fixtures: the machine's Chromium, started once per run (each test gets its
own contexts, closed after it, so no cookie or storage passes from one test to the next), and
the app served on a free port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, sync_playwright

from tests.browser.support import ARGS, CHROMIUM, serving


@pytest.fixture(scope="session")
def _chromium() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("browser tests need Debian's Chromium: apt-get install chromium fonts-nanum")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def browser(_chromium: Browser) -> Iterator[Browser]:
    """Chromium for one test; the contexts and pages the test opens are closed after it."""
    before = set(_chromium.contexts)
    yield _chromium
    for context in _chromium.contexts:
        if context not in before:
            context.close()


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The test's ``app`` served on a free port: its base URL. (Modules that share one app for
    all their tests serve it with ``tests.browser.support.serving``.)"""
    with serving(app) as base:
        yield base
