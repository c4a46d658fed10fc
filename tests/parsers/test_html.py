"""parse_html over fixtures written for each schema.org / microformats variant and for hostile pages."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from pyevents.pipeline.model import ParseContext, SourceDefaults, SourceEvent, Window
from pyevents.pipeline.normalize import finish_event
from pyevents.pipeline.parsers.html import parse_html

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "html"
UTC = dt.timezone.utc


def ctx(timezone: str | None = "Europe/Berlin", url: str = "https://pyberlin.example/events/") -> ParseContext:
    window = Window.around(dt.datetime(2025, 3, 1, tzinfo=UTC), 30, 365)
    return ParseContext("pyberlin", "html", url, window, SourceDefaults(timezone=timezone))


def by_title(events: list[SourceEvent]) -> dict[str, SourceEvent]:
    return {ev.title: ev for ev in events}


def test_jsonld_graph_arrays_places_and_statuses() -> None:
    result = parse_html((FIXTURES / "jsonld_variants.html").read_bytes(), ctx())
    events = by_title(result.events)
    assert sorted(events) == [
        "<script>alert(1)</script>PyBerlin Online",
        "PyBerlin Sprint & Workshop",
        "PyBerlin Stammtisch",
        "Sponsor breakfast with tab",
    ]
    assert result.warnings == ["JSON-LD block 4 is not valid JSON; skipped"]

    sprint = events["PyBerlin Sprint & Workshop"]
    assert sprint.source_uid == "https://pyberlin.example/events/sprint-2025#event"
    assert sprint.url == "https://pyberlin.example/events/sprint-2025"  # relative URL resolved against the page
    assert sprint.starts_at == dt.datetime(2025, 3, 15, 9, 0, tzinfo=UTC)
    assert (sprint.timezone, sprint.zone_basis) == ("UTC+01:00", "offset") and not sprint.all_day  # as the page says
    assert finish_event(sprint, SourceDefaults(timezone="Europe/Berlin")).timezone == "Europe/Berlin"  # Berlin has +01:00
    assert (sprint.venue, sprint.city, sprint.country) == ("Factory Berlin", "Berlin", "Germany")
    assert sprint.location == "Factory Berlin, Rheinsberger Str. 76, Berlin, 10115, Germany"
    assert (sprint.latitude, sprint.longitude) == (52.5373, 13.3958)
    assert sprint.online is True  # MixedEventAttendanceMode and a VirtualLocation: hybrid
    assert sprint.description == "Bring a laptop."  # script dropped, markup turned into text

    stammtisch = events["PyBerlin Stammtisch"]
    assert stammtisch.status == "cancelled"  # said only by eventStatus
    assert stammtisch.starts_at == dt.datetime(2025, 4, 2, 17, 0, tzinfo=UTC)  # naive: the source's zone
    assert stammtisch.location == "c-base, Rungestraße 20, Berlin"

    online = events["<script>alert(1)</script>PyBerlin Online"]  # plain text, never markup
    assert online.online is True and online.all_day is True
    assert (online.starts_at, online.ends_at) == (
        dt.datetime(2025, 5, 7, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        dt.datetime(2025, 5, 8, tzinfo=dt.timezone(dt.timedelta(hours=2))),
    )
    assert online.source_uid.startswith("sha256:")  # no id, no url: hash of title and date

    breakfast = events["Sponsor breakfast with tab"]  # comments and a trailing comma in the block
    assert breakfast.starts_at == dt.datetime(2025, 3, 14, 2, 30, tzinfo=UTC)  # +5.5:00 is +05:30
    assert breakfast.ends_at == dt.datetime(2025, 3, 14, 3, 30, tzinfo=UTC)


def test_microformats_hcalendar_and_microdata_on_one_page() -> None:
    result = parse_html((FIXTURES / "hcalendar_and_microdata.html").read_bytes(), ctx("Europe/Zurich", "https://py.example/zh/"))
    events = by_title(result.events)
    assert set(events) == {"Packaging in 2025", "Django Zürich", "Python Meetup Zürich"}
    packaging = events["Packaging in 2025"]
    assert packaging.url == "https://py.example/zh/talks/packaging"
    assert packaging.starts_at == dt.datetime(2025, 6, 12, 16, 30, tzinfo=UTC)
    assert packaging.ends_at == dt.datetime(2025, 6, 12, 19, 0, tzinfo=UTC)
    assert (packaging.venue, packaging.city, packaging.country) == ("Impact Hub", "Zürich", "Switzerland")
    assert (packaging.latitude, packaging.longitude) == (47.3769, 8.5417)
    assert packaging.description == "Wheels, sdists and lock files."
    assert events["Django Zürich"].starts_at == dt.datetime(2025, 7, 3, 16, 30, tzinfo=UTC)  # compact 20250703T183000
    assert events["Django Zürich"].location == "ETH Zentrum, Zürich"
    meetup = events["Python Meetup Zürich"]
    assert meetup.status == "cancelled" and meetup.country == "CH" and meetup.venue == "Google Zürich"


def test_deep_nesting_does_not_stop_other_blocks() -> None:
    deep = "[" * 1000 + "]" * 1000
    very_deep = '{"a":' * 5000 + "1" + "}" * 5000
    good = json.dumps({"@type": "Event", "name": "Still here", "startDate": "2025-04-01T19:00:00+02:00"})
    page = "".join(f'<script type="application/ld+json">{b}</script>' for b in (deep, very_deep, good))
    result = parse_html(f"<html><head>{page}</head></html>".encode(), ctx())
    assert [e.title for e in result.events] == ["Still here"]
    assert any("nested too deeply" in w for w in result.warnings)


def test_raw_control_characters_inside_jsonld() -> None:
    block = '{"@type": "Event",\x0b "name": "PyData\x01 Night", "startDate": "2025-04-03T18:00:00Z"}'
    result = parse_html(f'<html><script type="application/ld+json">{block}</script></html>'.encode(), ctx())
    assert [(e.title, e.starts_at) for e in result.events] == [("PyData Night", dt.datetime(2025, 4, 3, 18, tzinfo=UTC))]


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


def test_window_and_bad_events() -> None:
    blocks = [
        {"@type": "Event", "name": "Long ago", "startDate": "2001-01-01T10:00:00Z"},
        {"@type": "Event", "name": "No start"},
        {"@type": "Event", "name": "Backwards", "startDate": "2025-04-02T10:00:00Z", "endDate": "2025-04-01T10:00:00Z"},
        {"@type": "Event", "name": "Bad date", "startDate": "2025-13-45"},
    ]
    result = parse_html(f'<script type="application/ld+json">{json.dumps(blocks)}</script>'.encode(), ctx())
    assert result.events == []
    assert sorted(r.reason for r in result.rejects) == ["end-before-start", "no-dtstart", "no-dtstart"]


def test_http_headers_and_non_utf8_page() -> None:
    body = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"
        + '<html><head><meta charset="windows-1252"></head><body><div class="h-event">'
        '<span class="p-name">Caf\xe9 Python</span><time class="dt-start" datetime="2025-04-09T19:00:00+02:00">x</time>'
        "</div></body></html>".encode("latin-1")
    )
    result = parse_html(body, ctx())
    assert [e.title for e in result.events] == ["Café Python"]


def test_empty_and_non_html_bodies() -> None:
    assert parse_html(b"", ctx()).events == []
    assert parse_html(b"   \n", ctx()).error is None
    assert parse_html(b"\x00\x01\x02 binary", ctx()).events == []
