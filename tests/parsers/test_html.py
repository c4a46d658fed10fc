"""parse_html where a case file (tests/parsers/cases/html, run by test_cases.py) does not fit: generated
pages, bodies too small to be a file, what normalization makes of a parsed event."""

from __future__ import annotations

import datetime as dt
import json

from pyevents.pipeline.model import ParseContext, SourceDefaults, Window
from pyevents.pipeline.normalize import finish_event
from pyevents.pipeline.parsers.html import parse_html
from tests.parsers.casefiles import CASES, read_case

UTC = dt.UTC


def ctx(timezone: str | None = "Europe/Berlin", url: str = "https://pyberlin.example/events/") -> ParseContext:
    window = Window.around(dt.datetime(2025, 3, 1, tzinfo=UTC), 30, 365)
    return ParseContext("pyberlin", "html", url, window, SourceDefaults(timezone=timezone))


def test_an_offset_only_time_gets_the_zone_of_its_place() -> None:
    case = read_case(CASES / "html" / "jsonld_variants.html")
    sprint = next(e for e in parse_html(case.body, case.context("html")).events if e.title == "PyBerlin Sprint & Workshop")
    assert (sprint.timezone, sprint.zone_basis) == ("UTC+01:00", "offset")  # as the page says
    assert finish_event(sprint, SourceDefaults(timezone="Europe/Berlin")).timezone == "Europe/Berlin"  # Berlin has +01:00


def test_deep_nesting_does_not_stop_other_blocks() -> None:
    deep = "[" * 1000 + "]" * 1000
    very_deep = '{"a":' * 5000 + "1" + "}" * 5000
    good = json.dumps({"@type": "Event", "name": "Still here", "startDate": "2025-04-01T19:00:00+02:00"})
    page = "".join(f'<script type="application/ld+json">{b}</script>' for b in (deep, very_deep, good))
    result = parse_html(f"<html><head>{page}</head></html>".encode(), ctx())
    assert [e.title for e in result.events] == ["Still here"]
    assert any("nested too deeply" in w for w in result.warnings)


def test_dozens_of_events_with_one_shared_url_stay_distinct() -> None:
    items = [
        {"@type": "Event", "name": "Python Hour", "url": "/calendar", "startDate": f"2025-03-{day:02d}T18:00:00+01:00"}
        for day in range(1, 29)
    ] + [{"@type": "Event", "name": f"Talk {n}", "startDate": "2025-04-01"} for n in range(40)]
    block = json.dumps({"@type": "ItemList", "itemListElement": [{"@type": "ListItem", "item": i} for i in items]})
    result = parse_html(f'<script type="application/ld+json">{block}</script>'.encode(), ctx())
    assert len(result.events) == 68
    assert len({e.source_uid for e in result.events}) == 68
    hours = [e for e in result.events if e.title == "Python Hour"]
    assert hours[1].source_uid == "https://pyberlin.example/calendar/2025-03-02T18:00:00+01:00"


def test_empty_and_non_html_bodies() -> None:
    assert parse_html(b"", ctx()).events == []
    assert parse_html(b"   \n", ctx()).error is None
    assert parse_html(b"\x00\x01\x02 binary", ctx()).events == []
