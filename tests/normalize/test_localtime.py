"""settle_zone, the zone order and the basis each parser records: a table per rule."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from pyevents.pipeline.model import SourceEvent
from pyevents.pipeline.normalize.localtime import settle_zone
from pyevents.pipeline.normalize.timezones import offset_zone_name, resolve_tzid, tzid_basis, zone_info

UTC = dt.UTC


def _event(start: dt.datetime, zone: str, basis: str, *, hours: int = 2, all_day: bool = False) -> SourceEvent:
    end = start + (dt.timedelta(days=1) if all_day else dt.timedelta(hours=hours))
    return SourceEvent("s", "u", "t", start, end, zone, all_day=all_day, zone_basis=basis)


def _at(text: str, zone: str) -> dt.datetime:
    """An aware offset as written, or a wall time in the parser's provisional zone."""
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone_info(zone))


# parser's start (wall time in its provisional zone, or an aware offset), provisional zone, basis,
# place zone, source default, federation -> zone, start in UTC
CASES = [
    (
        "floating in Portland",
        "2027-03-18T18:30",
        "UTC",
        "floating",
        "America/Los_Angeles",
        None,
        "UTC",
        "America/Los_Angeles",
        "2027-03-19T01:30",
    ),
    (
        "floating, place beats default",
        "2027-03-18T18:30",
        "Europe/Berlin",
        "floating",
        "Europe/Lisbon",
        "Europe/Berlin",
        "UTC",
        "Europe/Lisbon",
        "2027-03-18T18:30",
    ),
    (
        "floating, default",
        "2027-03-18T18:30",
        "Europe/Berlin",
        "floating",
        None,
        "Europe/Berlin",
        "UTC",
        "Europe/Berlin",
        "2027-03-18T17:30",
    ),
    (
        "floating, nothing: federation",
        "2027-03-18T18:30",
        "Europe/Paris",
        "floating",
        None,
        None,
        "Europe/Paris",
        "Europe/Paris",
        "2027-03-18T17:30",
    ),
    (
        "offset matches the place",
        "2026-12-12T09:00-05:00",
        "UTC-05:00",
        "offset",
        "America/Lima",
        None,
        "UTC",
        "America/Lima",
        "2026-12-12T14:00",
    ),
    (
        "offset, place lacks it",
        "2027-01-15T19:00-05:00",
        "UTC-05:00",
        "offset",
        "Europe/Berlin",
        "America/New_York",
        "UTC",
        "UTC-05:00",
        "2027-01-16T00:00",
    ),
    (
        "offset, default has it",
        "2027-01-15T19:00-05:00",
        "UTC-05:00",
        "offset",
        None,
        "America/New_York",
        "UTC",
        "America/New_York",
        "2027-01-16T00:00",
    ),
    (
        "offset, federation has it",
        "2027-01-15T19:00+01:00",
        "UTC+01:00",
        "offset",
        None,
        None,
        "Europe/Berlin",
        "Europe/Berlin",
        "2027-01-15T18:00",
    ),
    ("offset, half hour", "2027-03-06T10:00+05:30", "UTC+05:30", "offset", None, None, "UTC", "UTC+05:30", "2027-03-06T04:30"),
    (
        "Z takes the place",
        "2027-02-01T14:00+00:00",
        "UTC",
        "offset",
        "America/Lima",
        None,
        "Europe/Berlin",
        "America/Lima",
        "2027-02-01T14:00",
    ),
    (
        "Z without place stays UTC",
        "2027-02-01T14:00+00:00",
        "UTC",
        "offset",
        None,
        None,
        "Europe/Berlin",
        "UTC",
        "2027-02-01T14:00",
    ),
    (
        "alias to the city",
        "2027-01-12T19:00",
        "Europe/Berlin",
        "alias",
        "Europe/Amsterdam",
        None,
        "UTC",
        "Europe/Amsterdam",
        "2027-01-12T18:00",
    ),
    (
        "alias, other offset: kept",
        "2027-01-12T19:00",
        "Europe/Berlin",
        "alias",
        "Europe/London",
        None,
        "UTC",
        "Europe/Berlin",
        "2027-01-12T18:00",
    ),
    (
        "alias, default",
        "2027-02-10T18:00",
        "America/New_York",
        "alias",
        None,
        "America/Toronto",
        "UTC",
        "America/Toronto",
        "2027-02-10T23:00",
    ),
    (
        "named zone kept",
        "2027-01-12T19:00",
        "Europe/Berlin",
        "zone",
        "Europe/Lisbon",
        None,
        "UTC",
        "Europe/Berlin",
        "2027-01-12T18:00",
    ),
]


@pytest.mark.parametrize(
    ("why", "start", "provisional", "basis", "place", "default", "federation", "zone", "utc"), CASES, ids=[c[0] for c in CASES]
)
def test_settle_zone(
    why: str,
    start: str,
    provisional: str,
    basis: str,
    place: str | None,
    default: str | None,
    federation: str,
    zone: str,
    utc: str,
) -> None:
    ev = settle_zone(_event(_at(start, provisional), provisional, basis), place, default, federation)
    assert ev.timezone == zone, why
    assert ev.starts_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M") == utc, why
    assert ev.ends_at - ev.starts_at == dt.timedelta(hours=2)
    assert ev.starts_at.utcoffset() == zone_info(zone).utcoffset(ev.starts_at.replace(tzinfo=None))  # type: ignore[union-attr]


def test_an_all_day_event_starts_at_local_midnight_of_its_place() -> None:
    ev = _event(dt.datetime(2027, 6, 1, tzinfo=zoneinfo.ZoneInfo("UTC")), "UTC", "floating", all_day=True)
    settled = settle_zone(ev, "Europe/Oslo", None, "UTC")
    assert (settled.timezone, settled.starts_at.astimezone(UTC)) == ("Europe/Oslo", dt.datetime(2027, 5, 31, 22, tzinfo=UTC))
    assert settled.ends_at.astimezone(UTC) == dt.datetime(2027, 6, 1, 22, tzinfo=UTC)


def test_settling_twice_changes_nothing_and_nothing_placed_is_marked() -> None:
    ev = _event(dt.datetime(2027, 3, 18, 18, 30, tzinfo=zoneinfo.ZoneInfo("UTC")), "UTC", "floating")
    once = settle_zone(ev, None, None, "UTC")
    assert once.zone_basis == "federation" and once.starts_at == ev.starts_at
    placed = settle_zone(ev, "Asia/Tokyo", None, "UTC")
    assert settle_zone(placed, "Asia/Tokyo", None, "UTC") == placed


TZIDS = [
    ("Europe/Berlin", "Europe/Berlin", "zone"),
    ("US/Eastern", "America/New_York", "zone"),
    ("/softwarestudio.org/Olson_20011030_5/America/Chicago", "America/Chicago", "zone"),
    ("W. Europe Standard Time", "Europe/Berlin", "alias"),
    ("Romance Standard Time", "Europe/Paris", "alias"),
    ("AUS Eastern Standard Time", "Australia/Sydney", "alias"),
    ("(UTC-03:00) Brasília", "America/Sao_Paulo", "alias"),
    ("Eastern", "America/New_York", "alias"),
    ("UTC", "UTC", "offset"),
    ("GMT", "UTC", "offset"),
    ("UTC+2", "Etc/GMT-2", "offset"),
    ("Coordinated Universal Time-11", "Etc/GMT+11", "offset"),
]


@pytest.mark.parametrize(("tzid", "zone", "basis"), TZIDS)
def test_how_a_tzid_names_its_zone(tzid: str, zone: str, basis: str) -> None:
    assert (resolve_tzid(tzid), tzid_basis(tzid)) == (zone, basis)


def test_fixed_offset_names_round_trip() -> None:
    for minutes, name in ((-300, "UTC-05:00"), (330, "UTC+05:30"), (345, "UTC+05:45"), (0, "UTC"), (-570, "UTC-09:30")):
        assert offset_zone_name(dt.timedelta(minutes=minutes)) == name
        assert zone_info(name).utcoffset(None) == dt.timedelta(minutes=minutes)  # type: ignore[union-attr]
    assert zone_info("Mars/Olympus") is None and zone_info("") is None
