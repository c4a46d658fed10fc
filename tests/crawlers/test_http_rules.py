"""Pure HTTP rules of the crawler: Retry-After, permanent moves, robots.txt answers, conditional GET jobs."""

from __future__ import annotations

import datetime as dt

from scrapy.http import Request

from pyevents.config import SourceConfig
from pyevents.crawlers.jobs import SourceJob
from pyevents.crawlers.middlewares import retry_after_seconds
from pyevents.crawlers.outcome import permanent_target
from pyevents.crawlers.robots import rules_from_response
from pyevents.pipeline.model import SourceState

NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert retry_after_seconds(b"120", NOW) == 120.0
    assert retry_after_seconds(b"Mon, 02 Mar 2026 10:01:30 GMT", NOW) == 90.0
    assert retry_after_seconds(b"Mon, 02 Mar 2026 09:00:00 GMT", NOW) == 0.0  # already past
    assert retry_after_seconds(b"soon", NOW) is None
    assert retry_after_seconds(None, NOW) is None


def test_permanent_target_follows_only_the_leading_permanent_hops() -> None:
    assert permanent_target(["http://a/"], [301], "http://b/") == "http://b/"
    assert permanent_target(["http://a/", "http://b/"], [308, 301], "http://c/") == "http://c/"
    assert permanent_target(["http://a/", "http://b/"], [301, 302], "http://c/") == "http://b/"
    assert permanent_target(["http://a/", "http://b/"], [302, 301], "http://c/") is None
    assert permanent_target(["http://a/"], ["meta refresh"], "http://b/") is None
    assert permanent_target([], [], "http://a/") is None


def test_robots_answers_per_rfc_9309() -> None:
    page = Request("http://example.org/private/x.ics")
    assert rules_from_response(200, b"User-agent: pyevents\nDisallow: /private/\n").refusal(page, "pyevents") == (
        "robots.txt disallows /private/x.ics"
    )
    assert rules_from_response(200, b"User-agent: other\nDisallow: /\n").refusal(page, "pyevents") is None
    assert rules_from_response(404, b"").refusal(page, "pyevents") is None  # unavailable: no rules
    assert rules_from_response(401, b"").refusal(page, "pyevents") is None
    assert rules_from_response(500, b"").refusal(page, "pyevents") == "robots.txt answered 500: not fetching this run"
    assert rules_from_response(429, b"").refusal(page, "pyevents") == "robots.txt answered 429: not fetching this run"


def test_jobs_carry_validators_but_always_the_configured_url() -> None:
    source = SourceConfig(id="cal", name="Cal", type="ical", url="https://example.org/cal.ics")
    state = SourceState(
        "cal", url="https://moved.example.org/cal.ics", http_etag='"x"', http_last_modified="Mon, 02 Mar 2026 10:00:00 GMT"
    )
    assert SourceJob.for_source(source, state) == SourceJob(
        "cal", "ical", "https://example.org/cal.ics", '"x"', "Mon, 02 Mar 2026 10:00:00 GMT"
    )
    assert SourceJob.for_source(source, None) == SourceJob("cal", "ical", "https://example.org/cal.ics")
