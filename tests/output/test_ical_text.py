"""The hand-written iCalendar text: escaping, folding, dates, zones — checked against icalendar's reading."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import icalendar
import pytest

from pyevents.output.ical import calendar_text, escape_text, fold, serialize_cfp_vevent, serialize_vevent, span_of, vtimezone
from tests.output.eventdb import T0, make_event

BASE = "https://events.example.org/"
UTC = dt.UTC


def parse(events: list[dict], tzids: set[str] | None = None) -> icalendar.Calendar:
    vevents = [serialize_vevent(ev, BASE) for ev in events]
    used = tzids if tzids is not None else {ev["timezone"] for ev in events if not ev["all_day"]} - {"UTC"}
    return icalendar.Calendar.from_ical("".join(calendar_text("Test", vevents, used, span_of(events))))


def test_escape_text_escapes_specials_and_turns_every_break_into_backslash_n() -> None:
    assert escape_text("a\\b;c,d") == "a\\\\b\\;c\\,d"
    assert escape_text("one\r\ntwo\rthree\nfour") == "one\\ntwo\\nthree\\nfour"
    escaped = escape_text("x\x00y\x0bz\x85w\u2028v\u2029u\x1bt\x7f")
    assert all(ch not in escaped for ch in "\x00\x0b\x85\u2028\u2029\x1b\x7f\r\n")


def test_escape_text_leaves_plain_text_alone_and_changes_every_lone_special() -> None:
    assert escape_text("PyCon DE 2026 – Café ☕ e0f1@events.example.org") == "PyCon DE 2026 – Café ☕ e0f1@events.example.org"
    for char in [*map(chr, range(0x20)), "\x7f", "\x85", "\x9f", "\u2028", "\u2029", "\ud800", "\udfff", "\\", ";", ","]:
        assert escape_text(char) in {" ", "\\n", "\\" + char}, repr(char)


def test_fold_keeps_lines_within_75_octets_and_never_splits_a_character() -> None:
    line = "SUMMARY:" + "Zürich Python 🐍 Übersicht " * 12
    folded = fold(line)
    physical = folded.split("\r\n")[:-1]
    assert len(physical) > 3
    assert all(len(p.encode("utf-8")) <= 75 for p in physical)
    assert all(p.startswith(" ") for p in physical[1:])
    assert "".join([physical[0]] + [p[1:] for p in physical[1:]]) == line  # unfolds to the original
    assert fold("SHORT:x") == "SHORT:x\r\n"


def _ends_mid_escape(physical: str) -> bool:
    """Whether a physical line, read on its own, ends with a backslash that escapes nothing."""
    index = 0
    while index < len(physical):
        index += 2 if physical[index] == "\\" else 1
    return index > len(physical)


@pytest.mark.parametrize("text", [r"a\nb", r"C:\\Users", r"x\\\nb", r"a\;b\,c", r"\\\\\\"])
def test_fold_never_splits_a_backslash_escape_at_any_offset(text: str) -> None:
    for pad in range(160):
        line = "DESCRIPTION:" + "é" * (pad % 3) + "x" * pad + text * 40
        physical = fold(line).split("\r\n")[:-1]
        assert all(len(p.encode("utf-8")) <= 75 for p in physical)
        assert not any(_ends_mid_escape(p.removeprefix(" ") if i else p) for i, p in enumerate(physical)), (pad, physical)
        assert "".join([physical[0]] + [p[1:] for p in physical[1:]]) == line


def test_fold_cuts_at_75_octets_where_no_escape_is_in_the_way() -> None:
    line = "DESCRIPTION:" + "x" * 62 + "\\nb" + "y" * 100  # 74 octets, then the escape: cut before it
    assert fold(line).split("\r\n")[0] == "DESCRIPTION:" + "x" * 62
    line = "DESCRIPTION:" + "x" * 61 + "\\nb"  # the escape ends exactly at 75 octets
    assert fold(line).split("\r\n")[0] == "DESCRIPTION:" + "x" * 61 + "\\n"
    assert [len(p) for p in fold("SUMMARY:" + "z" * 200).split("\r\n")[:-1]] == [75, 75, 60]


def test_timed_event_round_trips_through_icalendar_with_its_zone() -> None:
    ev = make_event("Zoned", starts_at=dt.datetime(2025, 3, 9, 23, 0, tzinfo=UTC), timezone="America/New_York")
    cal = parse([ev])
    (vevent,) = cal.walk("VEVENT")
    assert vevent["UID"] == f"{ev['event_id']}@events.example.org"
    start = vevent.decoded("DTSTART")
    assert start == ev["starts_at"] and start.utcoffset() == dt.timedelta(hours=-4)  # EDT began that morning
    assert vevent["DTSTART"].params["TZID"] == "America/New_York"
    assert vevent.decoded("DTEND") == ev["ends_at"]
    assert vevent.decoded("DTSTAMP") == ev["updated_at"] == vevent.decoded("LAST-MODIFIED")
    assert vevent["SEQUENCE"] == 0 and vevent["STATUS"] == "CONFIRMED"
    assert str(vevent["LOCATION"]) == "Bars Hub, Berlin, Germany"
    assert vevent.decoded("GEO") == (52.52, 13.405) or tuple(vevent["GEO"].to_ical().decode().split(";")) == (
        "52.520000",
        "13.405000",
    )
    assert [str(c) for c in vevent["CATEGORIES"].cats] == ["meetup", "python"]


def test_all_day_event_is_written_as_dates_with_exclusive_end() -> None:
    ev = make_event(
        "Conf",
        all_day=True,
        timezone="Europe/Berlin",
        starts_at=dt.datetime(2025, 4, 22, 22, 0, tzinfo=UTC),
        ends_at=dt.datetime(2025, 4, 25, 22, 0, tzinfo=UTC),
    )
    text = serialize_vevent(ev, BASE)
    assert "DTSTART;VALUE=DATE:20250423\r\n" in text and "DTEND;VALUE=DATE:20250426\r\n" in text
    (vevent,) = parse([ev], set()).walk("VEVENT")
    assert vevent.decoded("DTSTART") == dt.date(2025, 4, 23)
    assert "TZID" not in text


def test_utc_and_unknown_zones_are_written_in_utc_without_tzid() -> None:
    for zone in ("UTC", "Not/AZone", "Europe/Berlin\r\nX-EVIL:1", None):
        ev = make_event(f"utc {zone}", timezone=zone, starts_at=dt.datetime(2025, 5, 1, 10, 0, tzinfo=UTC))
        text = serialize_vevent(ev, BASE)
        assert "DTSTART:20250501T100000Z\r\n" in text and "TZID" not in text, zone
        assert not any(line.startswith("X-EVIL") for line in text.split("\r\n"))


def test_cancelled_event_keeps_status_cancelled() -> None:
    ev = make_event("Gone", status="cancelled", sequence=3)
    (vevent,) = parse([ev]).walk("VEVENT")
    assert vevent["STATUS"] == "CANCELLED" and vevent["SEQUENCE"] == 3


def test_only_http_urls_become_url_properties() -> None:
    for bad in (
        "javascript:alert(1)",
        " JaVaScRiPt:alert(1)",
        "data:text/html,<b>x</b>",
        "vbscript:x",
        "file:///etc/passwd",
        "/relative",
    ):
        assert "URL:" not in serialize_vevent(make_event("u", url=bad), BASE), bad
    assert "URL:https://ok.example/x?a=1\r\n" in serialize_vevent(make_event("u", url="https://ok.example/x?a=1"), BASE)


def test_cfp_deadline_is_all_day_on_its_local_date_or_timed_at_its_hour() -> None:
    midnight = make_event("CFP day", cfp_ends_at=dt.datetime(2025, 3, 20, 23, 0, tzinfo=UTC), cfp_url="https://c.example/cfp")
    text = serialize_cfp_vevent(midnight, BASE)
    assert "DTSTART;VALUE=DATE:20250321\r\n" in text and "URL:https://c.example/cfp\r\n" in text
    assert text.startswith("BEGIN:VEVENT\r\nUID:cfp-")
    timed = make_event("CFP hour", cfp_ends_at=dt.datetime(2025, 3, 20, 11, 0, tzinfo=UTC))
    text = serialize_cfp_vevent(timed, BASE)
    assert "DTSTART;TZID=Europe/Berlin:20250320T120000\r\n" in text and "DTEND" not in text


@pytest.mark.parametrize(
    "zone", ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "America/Sao_Paulo", "Africa/Casablanca"]
)
def test_vtimezone_agrees_with_zoneinfo_at_every_hour_including_transitions(zone: str) -> None:
    """Read our VTIMEZONE under a made-up TZID, so icalendar must use our rules, not its own zone database."""
    custom = "Custom-" + zone.replace("/", "-")  # icalendar caches zones by TZID: one name per case
    text = vtimezone(zone, dt.date(2024, 1, 1), dt.date(2026, 1, 1)).replace(f"TZID:{zone}", f"TZID:{custom}")
    probes = [dt.datetime(2024, 1, 1, 12, tzinfo=UTC) + dt.timedelta(hours=7 * i) for i in range(2400)]
    lines = [
        f"BEGIN:VEVENT\r\nUID:{i}\r\nDTSTAMP:20240101T000000Z\r\n"
        f"DTSTART;TZID={custom}:{p.astimezone(zoneinfo.ZoneInfo(zone)):%Y%m%dT%H%M%S}\r\nEND:VEVENT\r\n"
        for i, p in enumerate(probes)
        if not _ambiguous(p.astimezone(zoneinfo.ZoneInfo(zone)))  # a repeated wall time names no single instant
    ]
    cal = icalendar.Calendar.from_ical(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\n" + text + "".join(lines) + "END:VCALENDAR\r\n"
    )
    by_uid = {str(v["UID"]): v.decoded("DTSTART") for v in cal.walk("VEVENT")}
    wrong = [(probes[int(uid)], got) for uid, got in by_uid.items() if got != probes[int(uid)]]
    assert len(by_uid) > 2000 and not wrong[:5]


def _ambiguous(local: dt.datetime) -> bool:
    naive = local.replace(tzinfo=None)
    zone = local.tzinfo
    return naive.replace(tzinfo=zone, fold=0).utcoffset() != naive.replace(tzinfo=zone, fold=1).utcoffset()


def test_vtimezone_puts_daylight_onset_in_the_wall_time_before_the_change() -> None:
    text = vtimezone("Europe/Berlin", dt.date(2025, 1, 1), dt.date(2026, 1, 1))
    assert "BEGIN:DAYLIGHT\r\nDTSTART:20250330T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n" in text
    assert "BEGIN:STANDARD\r\nDTSTART:20251026T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n" in text


def test_calendar_header_carries_rfc7986_properties_and_one_vtimezone_per_tzid() -> None:
    events = [make_event("a"), make_event("b", timezone="Asia/Tokyo"), make_event("c", timezone="UTC")]
    text = "".join(
        calendar_text("My, cal", (serialize_vevent(e, BASE) for e in events), {"Europe/Berlin", "Asia/Tokyo"}, span_of(events))
    )
    for line in (
        "VERSION:2.0",
        "METHOD:PUBLISH",
        "CALSCALE:GREGORIAN",
        "NAME:My\\, cal",
        "X-WR-CALNAME:My\\, cal",
        "REFRESH-INTERVAL;VALUE=DURATION:PT12H",
        "X-PUBLISHED-TTL:PT12H",
    ):
        assert f"\r\n{line}\r\n" in text
    assert text.count("BEGIN:VTIMEZONE") == 2 and "TZID:Asia/Tokyo\r\n" in text
    assert text.endswith("END:VCALENDAR\r\n")
    assert all(line for line in text.split("\r\n")[:-1])  # no empty line anywhere


def test_span_covers_every_event_in_whole_years() -> None:
    events = [make_event("a", starts_at=T0), make_event("b", starts_at=dt.datetime(2026, 12, 31, 23, tzinfo=UTC))]
    assert span_of(events) == (dt.date(2024, 1, 1), dt.date(2028, 1, 1))
