"""What readers see of an event's zone: the page's label, events.json's zone_label and the iCal times."""

from __future__ import annotations

import datetime as dt

import icalendar

from pyevents.output.ical import serialize_vevent
from pyevents.output.timefmt import when
from tests.output.eventdb import make_event

UTC = dt.timezone.utc


def _at(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)


def test_labels_name_the_city_of_the_zone_with_a_true_minus_sign() -> None:
    cases = [
        ("America/Lima", _at(2026, 12, 12, 14), _at(2026, 12, 12, 22, 30), "Sat 12 Dec 2026, 09:00–17:30", "Lima time (UTC−5)"),
        ("Europe/Amsterdam", _at(2027, 1, 12, 18), _at(2027, 1, 12, 20), "Tue 12 Jan 2027, 19:00–21:00", "Amsterdam time (UTC+1)"),
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
    tromso = make_event("Tromsø", timezone="Europe/Oslo", all_day=True, starts_at=_at(2027, 5, 31, 22), ends_at=_at(2027, 6, 1, 22))
    text = serialize_vevent(tromso, "https://events.example.org/")
    vevent = icalendar.Event.from_ical(text)
    assert vevent["DTSTART"].dt == dt.date(2027, 6, 1) and vevent["DTEND"].dt == dt.date(2027, 6, 2)
    w = when(tromso)
    assert (w.text, w.start_iso) == ("Tue 1 Jun 2027 (all day)", "2027-06-01")
