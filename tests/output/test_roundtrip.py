"""Federation of federations: our published calendar.ics and event pages are pyevents sources themselves."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest

from pyevents.config import Config
from pyevents.pipeline.model import ParseContext, SourceDefaults, Window
from pyevents.pipeline.parse import parse_source
from pyevents.pipeline.store.reader import Snapshot
from tests.output.eventdb import T0, published_events, sample_federation
from tests.sites import publish

CONFIG = Config.model_validate({"federation": {"name": "Python Events", "base_url": "https://events.example.org/"}})
WINDOW = Window.around(T0, CONFIG.federation.window.past_days, CONFIG.federation.window.future_days)


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("roundtrip")
    sample_federation(root / "events.duckdb")
    publish(root / "events.duckdb", root / "public", CONFIG, T0)
    with Snapshot(root / "events.duckdb") as snap:
        events = published_events(snap, WINDOW)
    return {"out": root / "public", "events": {ev["event_id"]: ev for ev in events}}


def context(source_type: str, url: str) -> ParseContext:
    return ParseContext(source_id="ourselves", source_type=source_type, url=url, window=WINDOW, defaults=SourceDefaults())


def span(starts: dt.datetime, ends: dt.datetime, zone: str, all_day: bool) -> tuple:
    """Instants for timed events; local dates for all-day ones (a DATE value carries no zone)."""
    if not all_day:
        return starts, ends
    local = zoneinfo.ZoneInfo(zone)
    return starts.astimezone(local).date(), ends.astimezone(local).date()


def essentials(ev: Any) -> tuple:
    return (ev.title, *span(ev.starts_at, ev.ends_at, ev.timezone, ev.all_day), ev.all_day, ev.status, ev.url, ev.country)


def stored(ev: dict[str, Any]) -> tuple:
    when = span(ev["starts_at"], ev["ends_at"], ev["timezone"], ev["all_day"])
    return (ev["title"], *when, ev["all_day"], ev["status"], ev["url"], ev["country"])


def test_calendar_ics_parses_back_into_the_same_events(published: dict[str, Any]) -> None:
    body = (published["out"] / "calendar.ics").read_bytes()
    parsed = parse_source(body, context("ical", "https://events.example.org/calendar.ics"))
    assert parsed.error is None and parsed.rejects == []
    by_uid = {ev.source_uid: ev for ev in parsed.events}
    expected = {f"{event_id}@events.example.org": ev for event_id, ev in published["events"].items()}
    assert by_uid.keys() == expected.keys()
    for uid, ev in expected.items():
        back = by_uid[uid]
        assert essentials(back) == stored(ev), uid
        if not ev["all_day"] and ev["timezone"] != "UTC":
            assert back.timezone == ev["timezone"], uid
        assert (back.latitude, back.longitude) == (ev["latitude"], ev["longitude"]), uid


def test_event_pages_json_ld_parses_back_into_the_same_event(published: dict[str, Any]) -> None:
    """On its own page, or on its series' page for an upcoming date of a series (found by its anchor)."""
    checked = 0
    for event_id, ev in published["events"].items():
        page = published["out"] / "events" / f"{event_id}.html"
        if not page.exists():
            page = published["out"] / "series" / f"{ev['series_id']}.html"
        parsed = parse_source(page.read_bytes(), context("html", f"https://events.example.org/{page.parent.name}/{page.name}"))
        assert parsed.error is None, parsed.error
        start = span(ev["starts_at"], ev["ends_at"], ev["timezone"], ev["all_day"])[0]
        (back,) = [b for b in parsed.events if span(b.starts_at, b.ends_at, b.timezone, b.all_day)[0] == start]
        back_start = span(back.starts_at, back.ends_at, back.timezone, back.all_day)[0]
        status = "confirmed" if ev["status"] == "tentative" else ev["status"]  # schema.org has no tentative
        assert (back.title, back_start, back.status, back.all_day) == (ev["title"], start, status, ev["all_day"]), event_id
        checked += 1
    assert checked == len(published["events"])
