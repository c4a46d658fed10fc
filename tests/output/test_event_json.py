"""Per-event JSON (events.json lines, pages' JSON-LD): written from encoded values, it must be what the json module writes."""

from __future__ import annotations

import json
import math
from typing import Any

from markupsafe import Markup

from pyevents.output.eventpage import CardMeta, event_page_context
from pyevents.output.jsonfeed import event_line
from pyevents.output.timefmt import when_utc

BASE = "https://events.example.org/"


def _row(**overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "event_id": "0123456789abcdef",
        "series_id": None,
        "title": "PyCon",
        "description": "Talks",
        "timezone": "Europe/Berlin",
        "all_day": False,
        "kind": "conference",
        "status": "confirmed",
        "url": "https://pycon.example/",
        "venue": "Hall",
        "city": "Berlin",
        "country": "DE",
        "region": "europe",
        "latitude": 52.52,
        "longitude": 13.405,
        "online": False,
        "tags": ["python", "data"],
        "cfp_url": "https://pycon.example/cfp",
        "sequence": 2,
        "cfp_ends_z": "2026-03-01T12:00:00Z",
        "starts_z": "2026-05-04T07:00:00Z",
        "ends_z": "2026-05-06T16:00:00Z",
        "first_seen_z": "2026-01-02T03:04:05Z",
        "updated_z": "2026-02-03T04:05:06Z",
        "sources": [{"source_id": "s1", "name": "Group", "source_url": "https://group.example/cal.ics"}],
    }
    row.update(overrides)
    return row


ROWS = [
    _row(),
    _row(
        event_id="not an id",
        series_id="s-1",
        title=None,
        description=None,
        status=None,
        kind=None,
        all_day=True,
        timezone=None,
        url="javascript:alert(1)",
        venue=None,
        city=None,
        country="XX",
        region=None,
        latitude=None,
        longitude=None,
        online=True,
        tags=None,
        cfp_url=None,
        cfp_ends_z=None,
        sequence=None,
        sources=None,
        first_seen_z=None,
        updated_z=None,
    ),
    _row(
        title='"Quotes" \\ back\u2028slash </script> \x01 Café ☕ 🐍',
        description="line\nbreak\ttab",
        tags=["ü", '"'],
        latitude=-0.0,
        longitude=1e-7,
        cfp_url="data:text/html,x",
        cfp_ends_z=None,
        sources=[{"source_id": "a", "name": None, "source_url": None}, {"source_id": "b", "name": "B", "source_url": "ftp://x"}],
    ),
    _row(latitude=math.nan, longitude=math.inf, sequence=7, cfp_url=None),
]


def test_a_line_is_exactly_what_json_dumps_writes_with_sorted_keys() -> None:
    for row in ROWS:
        w = when_utc(row["starts_z"], row["ends_z"], row["timezone"], bool(row["all_day"]))
        line = event_line(row, w, BASE)
        assert json.dumps(json.loads(line), ensure_ascii=False, sort_keys=True) == line


def test_a_line_carries_the_documented_values() -> None:
    row = ROWS[0]
    value = json.loads(event_line(row, when_utc(row["starts_z"], row["ends_z"], row["timezone"], False), BASE))
    assert value["page_url"] == BASE + "events/0123456789abcdef.html"
    assert value["cfp"] == {"url": "https://pycon.example/cfp", "ends_at": "2026-03-01T12:00:00Z"}
    assert value["sources"] == [{"source_id": "s1", "name": "Group", "url": "https://group.example/cal.ics"}]
    assert (value["latitude"], value["sequence"], value["country_name"], value["online"]) == (52.52, 2, "Germany", False)
    assert (value["timezone"], value["zone_label"], value["start_local"]) == (
        "Europe/Berlin",
        "Berlin time (UTC+2)",
        "2026-05-04T09:00+02:00",
    )
    other = json.loads(event_line(ROWS[1], when_utc(ROWS[1]["starts_z"], ROWS[1]["ends_z"], None, True), BASE))
    assert (other["page_url"], other["url"], other["cfp"], other["title"], other["status"], other["kind"]) == (
        None,
        None,
        None,
        "",
        "confirmed",
        "other",
    )
    assert (other["tags"], other["sources"], other["sequence"], other["country_name"]) == ([], [], 0, "XX")
    assert other["zone_label"] is None  # all-day: dates only
    fixed = _row(timezone="UTC-05:00")
    value = json.loads(event_line(fixed, when_utc(fixed["starts_z"], fixed["ends_z"], "UTC-05:00", False), BASE))
    assert (value["zone_label"], value["start_local"]) == ("UTC−05:00", "2026-05-04T02:00-05:00")


def test_the_json_ld_is_json_dumps_with_sorted_keys_made_html_safe() -> None:
    rows = [
        *ROWS,
        _row(online=True),
        _row(online=True, venue=None, city=None, country=None, url=None),
        _row(latitude=True, longitude=3, venue=None),
        _row(description="</script><b>'&'</b>", tags=[1, "x"]),
    ]
    for row in rows:
        w = when_utc(row["starts_z"], row["ends_z"], row["timezone"], bool(row["all_day"]))
        jsonld = str(
            event_page_context(row, w, BASE, Markup("data:,"), Markup(""), CardMeta("Site", BASE + "static/card.png")).jsonld
        )
        assert not set("<>&'") & set(jsonld), jsonld
        expected = json.dumps(json.loads(jsonld), ensure_ascii=False, sort_keys=True)
        for char in "<>&'":
            expected = expected.replace(char, f"\\u{ord(char):04x}")
        assert jsonld == expected
