"""Every time string of tests/fixtures/times/local_times.tsv, read by its parser and normalized as a run does
(parse_source): the zone, the UTC instant and the city each case says."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from pyevents.pipeline.model import ParseContext, ParsedSource, SourceDefaults, Window
from pyevents.pipeline.parse import parse_source

TABLE = Path(__file__).resolve().parents[1] / "fixtures" / "times" / "local_times.tsv"
AS_OF = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
WINDOW = Window.around(AS_OF, 30, 760)
COLUMNS = ("id", "format", "start", "tzid", "place", "geo", "zone", "start_utc", "city", "why")


def _cases() -> list[dict[str, str]]:
    rows = [line.split("\t") for line in TABLE.read_text("utf-8").splitlines() if line and not line.startswith("#")]
    assert all(len(row) == len(COLUMNS) for row in rows), [row[0] for row in rows if len(row) != len(COLUMNS)]
    return [dict(zip(COLUMNS, row)) for row in rows]


CASES = _cases()


def _geo(case: dict[str, str]) -> tuple[str, str] | None:
    return tuple(case["geo"].split(",")) if case["geo"] else None  # type: ignore[return-value]


def _jsonld(case: dict[str, str]) -> tuple[str, bytes]:
    locality, region, country = case["place"].split(";")
    place: dict[str, object] = {"@type": "Place", "name": "Venue"}
    address = {k: v for k, v in (("addressLocality", locality), ("addressRegion", region), ("addressCountry", country)) if v}
    if address:
        place["address"] = {"@type": "PostalAddress", **address}
    if _geo(case):
        lat, lon = _geo(case)  # type: ignore[misc]
        place["geo"] = {"@type": "GeoCoordinates", "latitude": lat, "longitude": lon}
    event = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": case["id"],
        "startDate": case["start"],
        "location": place,
    }
    return (
        "html",
        f'<html><head><script type="application/ld+json">{json.dumps(event)}</script></head><body></body></html>'.encode(),
    )


def _hevent(case: dict[str, str]) -> tuple[str, bytes]:
    html = (
        f'<html><body><div class="h-event"><h1 class="p-name">{case["id"]}</h1>'
        f'<time class="dt-start" datetime="{case["start"]}">then</time>'
        f'<span class="p-location">{case["place"]}</span></div></body></html>'
    )
    return "html", html.encode()


def _ics(case: dict[str, str]) -> tuple[str, bytes]:
    tzid = f';TZID="{case["tzid"]}"' if case["tzid"] else ""
    geo = f"GEO:{case['geo'].replace(',', ';')}\r\n" if case["geo"] else ""
    location = f"LOCATION:{case['place'].replace(',', chr(92) + ',')}\r\n" if case["place"] else ""
    text = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN\r\n"
        f"BEGIN:VEVENT\r\nUID:{case['id']}@example.org\r\nSUMMARY:{case['id']}\r\nDTSTART{tzid}:{case['start']}\r\n"
        f"{location}{geo}END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    return "ical", text.encode()


def _confs_tech(case: dict[str, str]) -> tuple[str, bytes]:
    city, country = case["place"].split(";")
    record = {
        "name": case["id"],
        "url": f"https://{case['id']}.example.org/",
        "startDate": case["start"],
        "endDate": case["start"],
        "city": city,
        "country": country,
    }
    return "listing", json.dumps([record]).encode()


def _rss(case: dict[str, str]) -> tuple[str, bytes]:
    text = (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:ev="http://purl.org/rss/1.0/modules/event/">'
        f"<channel><title>t</title><link>https://example.org/</link><item><title>{case['id']}</title>"
        f"<link>https://example.org/{case['id']}</link><ev:startdate>{case['start']}</ev:startdate>"
        f"<ev:location>{case['place']}</ev:location></item></channel></rss>"
    )
    return "feed", text.encode()


DOCUMENTS = {"jsonld": _jsonld, "hevent": _hevent, "ics": _ics, "confs-tech": _confs_tech, "rss": _rss}


def test_the_table_is_wide_enough() -> None:
    assert len(CASES) >= 60
    assert {case["format"] for case in CASES} == set(DOCUMENTS)
    assert len({case["id"] for case in CASES}) == len(CASES)
    zones = {case["zone"] for case in CASES}
    assert len(zones) >= 40 and {"UTC-05:00", "UTC+05:30", "UTC"} <= zones


def _parse(case: dict[str, str]) -> ParsedSource:
    source_type, body = DOCUMENTS[case["format"]](case)
    ctx = ParseContext(
        "src",
        source_type,
        "https://example.org/source",
        WINDOW,
        SourceDefaults(),
        "UTC",
        listing_format="confs-tech" if source_type == "listing" else None,
    )
    return parse_source(body, ctx)


def test_the_cases_come_from_thirty_countries() -> None:
    countries = {ev.country for case in CASES for ev in _parse(case).events if ev.country}
    assert len(countries) >= 30, sorted(countries)


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_a_time_lands_in_its_place(case: dict[str, str]) -> None:
    parsed = _parse(case)
    assert parsed.error is None and len(parsed.events) == 1, (parsed.error, parsed.rejects)
    ev = parsed.events[0]
    assert ev.timezone == case["zone"], case["why"]
    assert ev.starts_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") == case["start_utc"], case["why"]
    assert (ev.city or "") == case["city"]
    assert ev.starts_at.utcoffset() == ev.starts_at.astimezone(dt.UTC).astimezone(ev.starts_at.tzinfo).utcoffset()
    noted = [r.reason for r in parsed.rejects]
    assert ("floating-time" in noted) is (case["id"] == "floating-no-place")
