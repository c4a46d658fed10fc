"""A real browser on the published index: instant filtering by country, viewer-local times, no console errors."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import CHROMIUM, published_site
from tests.output.eventdb import sample_federation

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with published_site(tmp_path_factory.mktemp("browser"), sample_federation) as base:
        yield base


def visible_titles(page: Any) -> list[str]:
    return page.eval_on_selector_all("li.event:not([hidden]) h4", "els => els.map(e => e.textContent.trim())")


def test_index_filters_by_country_without_console_errors(served: str, browser: Any, tmp_path: Path) -> None:
    context = browser.new_context(locale="en-GB", timezone_id="Asia/Tokyo", viewport={"width": 1100, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console", lambda msg: problems.append(f"console {msg.type}: {msg.text}") if msg.type in ("error", "warning") else None
    )
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("requestfailed", lambda req: problems.append(f"request failed: {req.url}"))

    page.goto(served + "index.html")
    page.wait_for_selector("#filters:not([hidden])", state="attached")
    page.click("#refine > summary")  # the filters fold away until asked for
    page.wait_for_selector("#filters:not([hidden])")
    everything = visible_titles(page)
    assert len(everything) == 7 and "PyData Tokyo" in everything  # the four Berlin meetups are one series

    page.select_option("select[name=country]", "JP")
    assert visible_titles(page) == ["PyData Tokyo"]
    assert page.inner_text("#filter-status") == "1 of 7 events shown"
    assert page.eval_on_selector_all("section.month:not([hidden]) h3", "els => els.map(e => e.textContent)") == ["April 2025"]
    assert page.url.endswith("?country=JP")

    page.select_option("select[name=country]", "")
    page.fill("input[name=q]", "pycon")
    assert sorted(visible_titles(page)) == ["PyCon AR", "PyCon DE"]
    page.fill("input[name=q]", "")
    page.check("input[name=online]")
    assert visible_titles(page) == ["Python Online Sprint"]
    page.uncheck("input[name=online]")

    page.check("input[name=mytime]")
    nyc = page.locator("li.event", has_text="NYC Python")
    assert "Your time:" in nyc.inner_text() and "08:00" in nyc.inner_text()  # 19:00 in New York is 08:00 in Tokyo

    shot = tmp_path / "index.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    if os.environ.get("PYEVENTS_SCREENSHOT_DIR"):  # keep a copy to look at
        page.screenshot(path=str(Path(os.environ["PYEVENTS_SCREENSHOT_DIR"]) / "index.png"), full_page=True)
    assert problems == []
    context.close()


def test_a_shared_filter_link_opens_filtered_on_a_phone(served: str, browser: Any, tmp_path: Path) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(served + "index.html?country=DE&kind=conference")
    page.wait_for_selector("#filters:not([hidden])")
    assert visible_titles(page) == ["PyCon DE"]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scrolling
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.screenshot(path=str(tmp_path / "phone.png"), full_page=True)
    if os.environ.get("PYEVENTS_SCREENSHOT_DIR"):
        page.screenshot(path=str(Path(os.environ["PYEVENTS_SCREENSHOT_DIR"]) / "phone.png"), full_page=True)
    assert errors == []
    context.close()
