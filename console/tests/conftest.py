"""Fixtures of the console's browser tests: a server with workers, Debian's Chromium through
Playwright (one browser per module, a fresh context per test), and screenshots as artifacts.

The browser tests run on SQLite only: they test the console, and the API behaviour it relies on
is tested on PostgreSQL too by the API's own tests (server/tests/api).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from testing.fixtures.console import ASSETS, CHROMIUM
from testing.fixtures.server import ENGINE_ARGS, ENGINE_ENV, RunningServer, serving


@pytest.fixture(scope="module")
def console_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A server on SQLite running the testkit and example providers' workers, serving the console."""
    if not (ASSETS / "index.html").is_file():
        pytest.fail("the console is not built: run 'make setup-dev' (scripts/ensure-console.sh)")
    root = tmp_path_factory.mktemp("console")
    with serving(root, "sqlite", extra_args=ENGINE_ARGS, extra_env=ENGINE_ENV) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium (PRAGMA_CHROMIUM overrides the path), headless."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: run 'make setup-dev' (scripts/ensure-chromium.sh)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page in a context of its own (its own session storage), laptop-sized."""
    context = browser.new_context(viewport={"width": 1366, "height": 800})
    context.set_default_timeout(15_000)
    opened = context.new_page()
    yield opened
    context.close()
