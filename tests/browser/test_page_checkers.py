"""The published pages pass the Nu HTML Checker and axe-core, and about.html's code sample scrolls by keyboard.

Both checkers come from the npm registry, pinned in tests/browser/checkers/package.json
(`npm ci --prefix tests/browser/checkers --ignore-scripts`; .ci/run does it). Nothing from them is published.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pyevents.config import Config
from tests.output.eventdb import T0, sample_federation, site_files, write_db
from tests.output.seriesdb import AMSTERDAM, series_federation
from tests.sites import publish, serve_in_background

CHECKERS = Path(__file__).resolve().parent / "checkers" / "node_modules"
VNU = CHECKERS / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE = CHECKERS / "axe-core" / "axe.min.js"
CONFIG = Config.model_validate({"federation": {"name": "Python Events", "base_url": "https://events.example.org/"}})

pytestmark = [pytest.mark.browser]


def need(available: bool, what: str) -> None:
    """Skip on a developer's machine without the tool; fail in CI, where .ci/run installs it."""
    if not available:
        message = f"{what} is missing: run `npm ci --prefix tests/browser/checkers --ignore-scripts` (and install a Java runtime)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("checked")
    sample_federation(root / "sample.duckdb")
    fed = series_federation(root / "series.duckdb")
    write_db(root / "alone.duckdb", [fed["events"]["ams_1"]])  # a date with its own page, before its series had one
    publish(root / "sample.duckdb", root / "sample", CONFIG, T0)
    publish(root / "alone.duckdb", root / "series", CONFIG, T0)
    publish(root / "series.duckdb", root / "series", CONFIG, T0)  # that page now sends readers to the series page
    assert 'http-equiv="refresh"' in (root / "series" / "events" / f"{fed['events']['ams_1']['event_id']}.html").read_text(
        encoding="utf-8"
    )
    return {"sample": root / "sample", "series": root / "series"}


def test_every_page_passes_the_nu_html_checker(sites: dict[str, Path]) -> None:
    java = shutil.which("java")
    need(VNU.is_file() and java is not None, "the Nu HTML Checker (vnu-jar) or Java")
    pages = [str(p) for site in sites.values() for p in site_files(site, ".html")]
    assert len(pages) > 30 and any("/series/" in p for p in pages) and any("/events/" in p for p in pages)
    result = subprocess.run(
        [str(java), "-jar", str(VNU), "--errors-only", "--format", "json", *pages],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    assert [f"{m.get('url', '').rsplit('/', 2)[-2:]}: {m.get('message')}" for m in messages] == []
    assert result.returncode == 0


@pytest.fixture(scope="module")
def served(sites: dict[str, Path]) -> Iterator[dict[str, str]]:
    servers = {name: serve_in_background(path) for name, path in sites.items()}
    try:
        yield {name: base for name, (_server, base) in servers.items()}
    finally:
        for server, _base in servers.values():
            server.shutdown()
            server.server_close()


def violations(page: Any, axe_source: str) -> list[str]:
    """axe-core's violations on the page as loaded (injected through the browser's devtools protocol,
    so the page's CSP, which allows no inline script, stays as it is)."""
    page.evaluate(axe_source)
    return page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
               .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"""
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [1280, 390])
def test_axe_core_finds_no_violation(
    served: dict[str, str], browser: Any, width: int, scheme: str, sites: dict[str, Path]
) -> None:
    need(AXE.is_file(), "axe-core")
    axe_source = AXE.read_text(encoding="utf-8")
    event = next(
        p for p in site_files(sites["series"], ".html") if "/events/" in str(p) and "event-title" in p.read_text(encoding="utf-8")
    ).name
    pages = [
        ("series", "index.html"),
        ("series", "regions/europe.html"),
        ("series", "countries/nl.html"),
        ("series", f"series/{AMSTERDAM}.html"),
        ("series", f"events/{event}"),
        ("sample", "index.html"),
        ("sample", "countries/jp.html"),
        ("sample", "sources.html"),
        ("sample", "about.html"),
    ]
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    found: dict[str, list[str]] = {}
    for site, path in pages:
        page.goto(served[site] + path)
        found[f"{site}/{path}"] = violations(page, axe_source)
    page.goto(served["series"] + "index.html")
    page.check("#view-compact")
    page.click("#refine > summary")
    found["series/index.html (compact, filters open)"] = violations(page, axe_source)
    context.close()
    assert {name: v for name, v in found.items() if v} == {}


def test_the_code_sample_on_the_about_page_scrolls_by_keyboard_at_375_px(served: dict[str, str], browser: Any) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(served["sample"] + "about.html")
    assert page.evaluate("(() => { const p = document.querySelector('pre'); return p.scrollWidth > p.clientWidth; })()")
    for _ in range(60):  # Tab through the page as a keyboard user does, until the sample has the focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('pre') !== null"):
            break
    else:
        pytest.fail("the code sample never takes the keyboard focus")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('pre').scrollLeft > 0", timeout=5000)  # scrolling may be smooth
    context.close()
