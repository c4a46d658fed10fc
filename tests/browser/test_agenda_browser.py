"""A real browser on the agenda: a phone's first screen shows events, the compact list (remembered, and
working without the script), reading and browsing with JavaScript off."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import CHROMIUM, published_site
from tests.output.seriesdb import AMSTERDAM, series_federation

PHONE = {"width": 390, "height": 844}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with published_site(tmp_path_factory.mktemp("agenda-browser"), series_federation) as base:
        yield base


def cards_in_view(page: Any) -> int:
    """Entries whose card lies wholly inside the viewport, as the reader sees it before scrolling."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('li.event')).filter(li => {
               const r = li.getBoundingClientRect();
               return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight;
           }).length"""
    )


def keep(page: Any, name: str) -> None:
    if os.environ.get("PYEVENTS_SCREENSHOT_DIR"):  # keep a copy to look at
        page.screenshot(path=str(Path(os.environ["PYEVENTS_SCREENSHOT_DIR"]) / name))


@pytest.mark.parametrize("javascript", [True, False])
@pytest.mark.parametrize("path", ["index.html", "regions/europe.html", "countries/us.html"])
def test_a_phone_first_screen_shows_at_least_two_events(served: str, browser: Any, path: str, javascript: bool) -> None:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, java_script_enabled=javascript)
    page = context.new_page()
    page.goto(served + path)
    assert page.evaluate("document.getElementById('refine').open") is False  # the filters fold away
    assert cards_in_view(page) >= 2, path
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scrolling
    keep(page, f"phone-{path.replace('/', '-')}-{'js' if javascript else 'nojs'}.png")
    context.close()


def test_the_compact_list_is_one_line_per_entry_and_remembered(served: str, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(served + "index.html")
    card_heights = page.eval_on_selector_all("li.event", "els => els.map(e => e.getBoundingClientRect().height)")
    line = page.evaluate("parseFloat(getComputedStyle(document.body).lineHeight)")
    assert min(card_heights) > 2 * line
    page.check("#view-compact")
    compact_heights = page.eval_on_selector_all("li.event", "els => els.map(e => e.getBoundingClientRect().height)")
    assert max(compact_heights) < 2 * line  # one line each
    keep(page, "index-compact-1280.png")
    page.goto(served + "regions/europe.html")  # another page, the same reader: still compact
    assert page.is_checked("#view-compact")
    assert max(page.eval_on_selector_all("li.event", "els => els.map(e => e.getBoundingClientRect().height)")) < 2 * line
    page.check("#view-cards")
    page.reload()
    assert page.is_checked("#view-cards")
    assert errors == []
    context.close()


def test_without_javascript_the_agenda_reads_switches_and_browses_by_page(served: str, browser: Any) -> None:
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(served + "index.html")
    assert page.locator("li.event").count() == 4 and page.is_hidden("#filters")  # no dead controls
    page.check("#view-compact")  # a radio button and CSS: no script needed
    line = page.evaluate("parseFloat(getComputedStyle(document.body).lineHeight)")
    assert max(page.eval_on_selector_all("li.event", "els => els.map(e => e.getBoundingClientRect().height)")) < 2 * line
    page.click("#refine > summary")
    page.click("a[href='countries/nl.html']")
    assert page.inner_text("h1") == "Python events in the Netherlands"
    page.click(f"a[href='../series/{AMSTERDAM}.html']")
    assert page.locator("ol.occurrences > li").count() == 6
    page.click("ol.occurrences > li:nth-child(2) a.occurrence-date")  # a date is read at its anchor
    assert page.url.endswith("#" + page.get_attribute("ol.occurrences > li:nth-child(2)", "id"))
    context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_series_and_country_pages_fit_the_screen(served: str, browser: Any, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    for path, name in ((f"series/{AMSTERDAM}.html", "series"), ("countries/nl.html", "country"), ("index.html", "index")):
        page.goto(served + path)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
        keep(page, f"{name}-{width}.png")
    context.close()
