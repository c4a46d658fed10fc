"""The browser for tests/browser: Debian's Chromium through Playwright, once per module."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with sync_api.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield instance
        finally:
            instance.close()


@contextmanager
def published_site(root: Path, build: Callable[[Path], object]) -> Iterator[str]:
    """The site published from a database `build` writes, served on 127.0.0.1: its base URL."""
    from pyevents.config import Config
    from tests.output.eventdb import T0
    from tests.sites import publish, serve_in_background

    build(root / "events.duckdb")
    publish(root / "events.duckdb", root / "public", Config(), T0)
    server, base = serve_in_background(root / "public")
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()
