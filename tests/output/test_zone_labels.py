"""What readers see of an event's zone: the page's label, events.json's zone_label and the iCal times."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest

from pyevents.output.ical import serialize_vevent
from pyevents.output.timefmt import ZONE_CITIES, deadline_text, when, when_of_row
from pyevents.pipeline.normalize import gazetteer
from tests.output.eventdb import make_event

UTC = dt.UTC


def _at(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)


def test_labels_name_the_city_of_the_zone_with_a_true_minus_sign() -> None:
    cases = [
        ("America/Lima", _at(2026, 12, 12, 14), _at(2026, 12, 12, 22, 30), "Sat 12 Dec 2026, 09:00–17:30", "Lima time (UTC−5)"),
        (
            "Europe/Amsterdam",
            _at(2027, 1, 12, 18),
            _at(2027, 1, 12, 20),
            "Tue 12 Jan 2027, 19:00–21:00",
            "Amsterdam time (UTC+1)",
        ),
        ("Asia/Kolkata", _at(2027, 3, 6, 4, 30), _at(2027, 3, 6, 6), "Sat 6 Mar 2027, 10:00–11:30", "Kolkata time (UTC+5:30)"),
        ("UTC-05:00", _at(2027, 1, 16), _at(2027, 1, 16, 2), "Fri 15 Jan 2027, 19:00–21:00", "UTC−05:00"),
        ("UTC", _at(2027, 1, 16, 14), _at(2027, 1, 16, 20), "Sat 16 Jan 2027, 14:00–20:00", "UTC"),
    ]
    for zone, starts, ends, text, label in cases:
        w = when({"starts_at": starts, "ends_at": ends, "timezone": zone, "all_day": False})
        assert (w.text, w.zone) == (text, label), zone


def test_a_fixed_offset_is_written_as_utc_times_and_a_zone_as_its_tzid() -> None:
    fixed = make_event("Fixed", timezone="UTC-05:00", starts_at=_at(2027, 1, 16), ends_at=_at(2027, 1, 16, 2))
    text = serialize_vevent(fixed, "https://events.example.org/")
    assert "DTSTART:20270116T000000Z" in text and "TZID" not in text
    lima = make_event("Lima", timezone="America/Lima", starts_at=_at(2026, 12, 12, 14), ends_at=_at(2026, 12, 12, 22, 30))
    text = serialize_vevent(lima, "https://events.example.org/")
    assert "DTSTART;TZID=America/Lima:20261212T090000" in text
    assert "DTEND;TZID=America/Lima:20261212T173000" in text


def test_an_all_day_event_keeps_its_local_dates() -> None:
    tromso = make_event(
        "Tromsø", timezone="Europe/Oslo", all_day=True, starts_at=_at(2027, 5, 31, 22), ends_at=_at(2027, 6, 1, 22)
    )
    text = serialize_vevent(tromso, "https://events.example.org/")
    vevent = icalendar.Event.from_ical(text)
    assert vevent["DTSTART"].dt == dt.date(2027, 6, 1) and vevent["DTEND"].dt == dt.date(2027, 6, 2)
    w = when(tromso)
    assert (w.text, w.start_iso) == ("Tue 1 Jun 2027 (all day)", "2027-06-01")


WINTER = (_at(2027, 1, 12, 18), _at(2027, 1, 12, 20))


@pytest.mark.parametrize(
    ("zone", "city", "country", "label"),
    [
        ("Africa/Johannesburg", "Cape Town", "ZA", "Cape Town time (UTC+2)"),  # Cape Town keeps Johannesburg's zone
        ("Africa/Johannesburg", None, "ZA", "Johannesburg time (UTC+2)"),
        ("America/Bogota", "Bogotá", "CO", "Bogotá time (UTC−5)"),
        ("America/Bogota", None, None, "Bogotá time (UTC−5)"),  # the zone's city as GeoNames writes it
        ("America/Sao_Paulo", "Campinas", "BR", "Campinas time (UTC−3)"),
        ("America/Sao_Paulo", None, "BR", "São Paulo time (UTC−3)"),
        ("America/St_Johns", None, "CA", "St. John's time (UTC−3:30)"),
        ("Europe/Zurich", "Geneva", "CH", "Geneva time (UTC+1)"),
        ("Europe/Zurich", None, "CH", "Zürich time (UTC+1)"),
        ("Europe/Amsterdam", "Amsterdam", "NL", "Amsterdam time (UTC+1)"),
        ("Europe/Berlin", "Amsterdam", "NL", "Berlin time (UTC+1)"),  # a city in another zone is not named
        ("Europe/Berlin", "Amsterdam", None, "Berlin time (UTC+1)"),
        ("America/Los_Angeles", "Portland", "US", "Portland time (UTC−8)"),  # Portland, Oregon
        ("America/New_York", "Portland", "US", "Portland time (UTC−5)"),  # Portland, Maine
        ("America/New_York", "Portland", "AU", "New York time (UTC−5)"),  # no Portland of that country keeps it
        ("Australia/Sydney", "Smalltown", "AU", "Sydney time (UTC+11)"),  # a city the gazetteer does not know
        ("Asia/Kolkata", "Bengaluru", "IN", "Bengaluru time (UTC+5:30)"),
        ("UTC-05:00", "Lima", "PE", "UTC−05:00"),  # a fixed offset names no city
        ("UTC", "London", "GB", "UTC"),
    ],
)  # fmt: skip
def test_a_label_names_the_events_city_when_it_keeps_the_zone_else_the_zones_city(
    zone: str, city: str | None, country: str | None, label: str
) -> None:
    starts, ends = WINTER
    event = {"starts_at": starts, "ends_at": ends, "timezone": zone, "all_day": False, "city": city, "country": country}
    assert when(event).zone == label
    row = {"starts_z": "2027-01-12T18:00:00Z", "ends_z": "2027-01-12T20:00:00Z", "timezone": zone, "all_day": False,
           "city": city, "country": country}  # fmt: skip
    assert when_of_row(row).zone == label  # the reader's rows: pages, events.json, agenda, series pages


def test_a_deadline_names_the_same_city() -> None:
    deadline = _at(2027, 1, 12, 16)
    assert deadline_text(deadline, "Africa/Johannesburg", "Cape Town") == "Tue 12 Jan 2027, 18:00 Cape Town time (UTC+2)"
    assert deadline_text(deadline, "Africa/Johannesburg") == "Tue 12 Jan 2027, 18:00 Johannesburg time (UTC+2)"


def test_the_zone_cities_are_the_gazetteers_spelling_of_each_zones_city() -> None:
    """ZONE_CITIES derived again: for every zone of tzdata's tables, the most populous GeoNames city keeping
    it whose name folds to the zone's city, when GeoNames writes that name otherwise."""
    zones = {zone for _, zone in gazetteer._zone_rows("zone.tab") + gazetteer._zone_rows("zone1970.tab")}
    derived: dict[str, str] = {}
    for zone in zones:
        written = zone.rsplit("/", 1)[-1].replace("_", " ")
        key = gazetteer.fold(written)
        namesakes = [c for c in gazetteer._gazetteer().named(key) if c.timezone == zone and gazetteer.fold(c.name) == key]
        if namesakes and (name := max(namesakes, key=lambda c: c.population).name) != written:
            derived[zone] = name
    assert derived == ZONE_CITIES
