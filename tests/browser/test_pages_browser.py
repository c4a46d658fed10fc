"""A real browser on cfp.html (the reader's zone, a live countdown) and on the agenda's topic filter and feed link."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import published_site
from tests.output.eventdb import sample_federation

pytestmark = pytest.mark.browser
BASE = "https://events.example.org/"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with published_site(tmp_path_factory.mktemp("pages-browser"), sample_federation) as base:
        yield base


def watched(context: Any) -> tuple[Any, list[str]]:
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console", lambda msg: problems.append(f"console {msg.type}: {msg.text}") if msg.type in ("error", "warning") else None
    )
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    return page, problems


def test_cfp_deadlines_in_the_readers_zone_with_a_live_countdown(served: str, browser: Any) -> None:
    context = browser.new_context(locale="en-GB", timezone_id="America/New_York", viewport={"width": 390, "height": 844})
    page, problems = watched(context)
    page.clock.set_fixed_time(dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC))  # T0: the publish time
    page.goto(served + "cfp.html")
    call = page.locator("li.cfp", has_text="PyCon DE")
    page.wait_for_function("document.querySelector('li.cfp .viewer-deadline').textContent !== ''")
    assert "20 Mar 2025" in call.inner_text() and "19:00" in call.locator(".viewer-deadline").inner_text()  # 23:00 UTC, New York
    assert call.locator(".countdown").inner_text() == "closes in 19 days, 11 h"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert problems == []
    context.close()


def test_topic_filter_and_the_feed_link_that_follows_the_selection(served: str, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page, problems = watched(context)
    page.goto(served + "index.html")
    page.wait_for_selector("#filters:not([hidden])", state="attached")
    page.click("#refine > summary")  # the filters fold away until asked for
    page.wait_for_selector("#filters:not([hidden])")
    assert page.get_attribute("#filter-feed-https", "href") == BASE + "calendar.ics"
    page.select_option("select[name=country]", "DE")
    page.select_option("select[name=kind]", "conference")
    assert page.get_attribute("#filter-feed-https", "href") == BASE + "countries/de/conferences.ics"
    assert page.get_attribute("#filter-feed-webcal", "href") == "webcal://events.example.org/countries/de/conferences.ics"
    page.select_option("select[name=country]", "")
    page.select_option("select[name=kind]", "")
    page.select_option("select[name=topic]", "pydata")
    assert page.eval_on_selector_all("li.event:not([hidden]) h4", "els => els.map(e => e.textContent.trim())") == ["PyCon DE"]
    assert page.url.endswith("?topic=pydata") and "no feed narrows by topic" in page.inner_text("#filter-feed-note")
    page.goto(served + "index.html?topic=pydata")  # an event page's topic link opens the agenda filtered
    page.wait_for_selector("#filters:not([hidden])")
    assert page.eval_on_selector_all("li.event:not([hidden]) h4", "els => els.map(e => e.textContent.trim())") == ["PyCon DE"]
    assert problems == []
    context.close()
