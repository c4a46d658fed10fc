"""parse_ical on small fixtures of our own (tests/fixtures/ics): zones, series, all-day, rejects, text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pyevents.pipeline.model import ParseContext, ParsedSource, SourceDefaults, SourceEvent, Window
from pyevents.pipeline.normalize.timezones import resolve_tzid
from pyevents.pipeline.parsers.ical import parse_ical

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ics"
WINDOW = Window(
    dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc),
    dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc),
    dt.datetime(2027, 1, 1, tzinfo=dt.timezone.utc),
)


def _parse(name: str, default_zone: str | None = None, federation_zone: str = "UTC") -> ParsedSource:
    return _parse_bytes((FIXTURES / name).read_bytes(), default_zone, federation_zone)


def _parse_bytes(body: bytes, default_zone: str | None = None, federation_zone: str = "UTC") -> ParsedSource:
    ctx = ParseContext(
        "test-source", "ical", "https://example.org/calendar.ics", WINDOW, SourceDefaults(timezone=default_zone), federation_zone
    )
    return parse_ical(body, ctx)


def _by_uid(parsed: ParsedSource) -> dict[str, SourceEvent]:
    return {e.source_uid: e for e in parsed.events}


def _utc(event: SourceEvent) -> str:
    return event.starts_at.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.parametrize(
    ("tzid", "zone"),
    [
        ("W. Europe Standard Time", "Europe/Berlin"),
        ("GMT Standard Time", "Europe/London"),
        ("(UTC-03:00) Brasília", "America/Sao_Paulo"),
        ("Canberra, Melbourne, Sydney", "Australia/Sydney"),
        ("Canberra\\, Melbourne\\, Sydney", "Australia/Sydney"),
        ("Kuala Lumpur, Singapore", "Asia/Singapore"),
        ("(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna", "Europe/Berlin"),
        ("/softwarestudio.org/Olson_20011030_5/America/Chicago", "America/Chicago"),
        ("/mozilla.org/20070129_1/Europe/Paris", "Europe/Paris"),
        ("US/Pacific", "America/Los_Angeles"),
        ("Japan", "Asia/Tokyo"),
        ("Eastern", "America/New_York"),
        ('"Europe/Vienna"', "Europe/Vienna"),
        ("europe/berlin", "Europe/Berlin"),
        ("Etc/GMT", "UTC"),
        ("UTC+2", "Etc/GMT-2"),
    ],
)
def test_resolve_tzid_known_dialects(tzid: str, zone: str) -> None:
    assert resolve_tzid(tzid) == zone


@pytest.mark.parametrize("tzid", ["", "Olympus Mons Time", "../../etc/passwd", "(UTC+01:00) Atlantis", "x" * 500])
def test_resolve_tzid_unknown(tzid: str) -> None:
    assert resolve_tzid(tzid) is None


def test_windows_zone_names_become_iana_zones() -> None:
    parsed = _parse("windows_zones.ics")
    events = _by_uid(parsed)
    assert parsed.rejects == []
    assert (events["win-berlin@example.org"].timezone, _utc(events["win-berlin@example.org"])) == ("Europe/Berlin", "2026-04-15T17:00")
    assert (events["win-brasilia@example.org"].timezone, _utc(events["win-brasilia@example.org"])) == ("America/Sao_Paulo", "2026-04-15T22:00")
    # January in Sydney is summer time (UTC+11)
    assert (events["win-sydney@example.org"].timezone, _utc(events["win-sydney@example.org"])) == ("Australia/Sydney", "2026-01-15T07:00")
    assert (events["win-kl@example.org"].timezone, _utc(events["win-kl@example.org"])) == ("Asia/Singapore", "2026-04-15T11:00")
    # "GMT Standard Time" is London, with British Summer Time in July
    assert (events["win-london@example.org"].timezone, _utc(events["win-london@example.org"])) == ("Europe/London", "2026-07-01T17:30")


def test_vendor_prefixed_lotus_and_unknown_tzids() -> None:
    parsed = _parse("vendor_and_unknown_tzids.ics", default_zone="Europe/Madrid")
    events = _by_uid(parsed)
    assert (events["vendor-chicago@example.org"].timezone, _utc(events["vendor-chicago@example.org"])) == ("America/Chicago", "2026-03-10T23:00")
    paris = events["vendor-mozilla@example.org"]
    assert (paris.timezone, _utc(paris), paris.ends_at - paris.starts_at) == ("Europe/Paris", "2026-03-10T18:00", dt.timedelta(hours=2))
    assert (events["lotus@example.org"].timezone, _utc(events["lotus@example.org"])) == ("America/New_York", "2026-03-10T22:00")
    # unknown TZID without VTIMEZONE: the source's default zone, and a reject saying so
    mars = events["unknown@example.org"]
    assert (mars.timezone, _utc(mars)) == ("Europe/Madrid", "2026-03-10T17:00")
    assert [(r.reason, "Olympus Mons Time" in r.detail, "Europe/Madrid" in r.detail) for r in parsed.rejects] == [
        ("unknown-tzid", True, True)
    ]


@pytest.mark.parametrize(
    ("default_zone", "federation_zone", "zone", "utc"),
    [("Europe/Berlin", "UTC", "Europe/Berlin", "2026-07-05T17:00"), (None, "America/Toronto", "America/Toronto", "2026-07-05T23:00")],
)
def test_floating_times_use_source_then_federation_zone(default_zone: str | None, federation_zone: str, zone: str, utc: str) -> None:
    parsed = _parse("floating.ics", default_zone, federation_zone)
    (event,) = parsed.events
    assert (event.timezone, _utc(event)) == (zone, utc)
    assert event.location == "Bars Hub (Torstr. 1, Berlin, de)"


def test_weekly_series_across_dst_with_exdate_moved_and_cancelled_occurrences() -> None:
    parsed = _parse("dst_weekly_series.ics")
    assert parsed.rejects == []
    events = sorted(parsed.events, key=lambda e: e.starts_at)
    # Wednesdays 19:00 Berlin, COUNT=6 from Mar 11: Mar 25 excluded, Apr 1 moved to Thu Apr 2 (its
    # RECURRENCE-ID written in UTC), Apr 8 cancelled; CET until Mar 29, CEST after.
    assert [(_utc(e), e.status) for e in events] == [
        ("2026-03-11T18:00", "confirmed"),
        ("2026-03-18T18:00", "confirmed"),
        ("2026-04-02T17:00", "confirmed"),
        ("2026-04-08T17:00", "cancelled"),
        ("2026-04-15T17:00", "confirmed"),
    ]
    assert [e.source_uid for e in events] == [
        "weekly-dst@example.org/2026-03-11T18:00:00Z",
        "weekly-dst@example.org/2026-03-18T18:00:00Z",
        "weekly-dst@example.org/2026-04-01T17:00:00Z",
        "weekly-dst@example.org/2026-04-08T17:00:00Z",
        "weekly-dst@example.org/2026-04-15T17:00:00Z",
    ]
    assert {e.series_uid for e in events} == {"weekly-dst@example.org"}
    assert {e.timezone for e in events} == {"Europe/Berlin"}
    assert events[2].title == "Python Users Berlin (moved to Thursday)"
    first = events[0]
    assert (first.latitude, first.longitude, first.tags, first.url) == (52.52, 13.405, ["Python", "Meetup"], "https://example.org/pub")
    assert first.starts_at.utcoffset() == dt.timedelta(hours=1) and events[-1].starts_at.utcoffset() == dt.timedelta(hours=2)


def test_all_day_defaults_and_rejects() -> None:
    parsed = _parse("all_day_and_defaults.ics", default_zone="Europe/Prague")
    events = {e.title: e for e in parsed.events}
    conf = events["EuroPython 2026"]
    prague = dt.timezone(dt.timedelta(hours=2))
    assert conf.all_day and conf.timezone == "Europe/Prague" and conf.series_uid is None
    assert (conf.starts_at, conf.ends_at) == (dt.datetime(2026, 7, 13, tzinfo=prague), dt.datetime(2026, 7, 20, tzinfo=prague))
    assert conf.location == "Prague, Czechia"
    sprint = events["Sprint day (no DTEND)"]
    assert sprint.all_day and sprint.ends_at - sprint.starts_at == dt.timedelta(days=1)
    workshop = events["Workshop (DURATION)"]
    assert workshop.ends_at - workshop.starts_at == dt.timedelta(hours=3, minutes=30)
    deadline = events["Deadline (no DTEND)"]
    assert deadline.ends_at == deadline.starts_at
    no_uid = events["No UID here"]
    assert no_uid.source_uid.startswith("pyevents-derived-")
    assert _parse("all_day_and_defaults.ics", default_zone="Europe/Prague").events[-1].source_uid == no_uid.source_uid
    assert "Long past" not in events and "Ends before it starts" not in events
    assert sorted(r.reason for r in parsed.rejects) == ["end-before-start", "no-dtstart"]


def test_derived_uid_changes_with_the_event() -> None:
    body = (FIXTURES / "all_day_and_defaults.ics").read_bytes()
    first = {e.title: e.source_uid for e in _parse_bytes(body).events}["No UID here"]
    renamed = {e.title: e.source_uid for e in _parse_bytes(body.replace(b"No UID here", b"No UID here either")).events}
    assert renamed["No UID here either"].startswith("pyevents-derived-")
    assert renamed["No UID here either"] != first


def test_method_cancel_marks_events_cancelled() -> None:
    parsed = _parse("method_cancel.ics")
    assert [(e.title, e.status) for e in parsed.events] == [("PyCon Nowhere", "cancelled")]


def test_html_login_page_is_an_error_not_an_empty_calendar() -> None:
    parsed = _parse("login_page.html")
    assert parsed.error == "looks like an HTML page, not an iCalendar file (a login page?)"
    assert parsed.events == []


@pytest.mark.parametrize(
    ("body", "message"),
    [(b"", "empty document"), (b'{"events": []}', "looks like JSON"), (b"Hello world\n", "no BEGIN:VCALENDAR")],
)
def test_other_non_calendars_are_errors(body: bytes, message: str) -> None:
    assert message in (_parse_bytes(body).error or "")


def test_empty_calendar_is_not_an_error() -> None:
    parsed = _parse_bytes(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nEND:VCALENDAR\r\n")
    assert (parsed.error, parsed.events, parsed.rejects) == (None, [], [])


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"])
def test_utf16_and_bom_bodies(encoding: str) -> None:
    text = (FIXTURES / "floating.ics").read_text(encoding="utf-8").replace("Floating-time meetup", "Zürich Python – Café")
    parsed = _parse_bytes(text.encode(encoding), default_zone="Europe/Zurich")
    assert [e.title for e in parsed.events] == ["Zürich Python – Café"]


def test_invalid_utf8_is_replaced_and_charset_parameter_honoured() -> None:
    body = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a@x\r\nDTSTART:20260505T180000Z\r\n"
        b"SUMMARY;CHARSET=ISO-8859-1:M\xfcnchen Python\r\nLOCATION:Caf\xe9 \xff\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    parsed = _parse_bytes(body)
    (event,) = parsed.events
    assert event.title == "München Python"
    assert event.location == "Caf\ufffd \ufffd"
    assert parsed.warnings == ["invalid UTF-8 replaced on 1 line(s)"]


def test_broken_structure_is_repaired() -> None:
    body = (
        "garbage before\nBEGIN:VEVENT\nUID:bare@x\nDTSTART:20260505T180000Z\nSUMMARY:Bare VEVENT\nMETHOD:PUBLISH\nEND:VEVENT\n"
        "BEGIN:VCALENDAR\nVERSION:1.0\nBEGIN:VEVENT\nUID:unclosed@x\nDTSTART:20260506T180000Z\nSUMMARY:Unclosed VEVENT\n"
        "this line is junk\nEND:VCALENDAR\n"
        "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:second@x\nDTSTART:20260507T180000Z\nSUMMARY:Second calendar\nEND:VEVENT\n"
    ).encode()
    parsed = _parse_bytes(body)
    assert sorted(e.title for e in parsed.events) == ["Bare VEVENT", "Second calendar", "Unclosed VEVENT"]
    assert parsed.warnings == ["2 unparsable or misplaced line(s) dropped", "2 unclosed component(s) closed"]


def test_crlf_injection_stays_inside_one_field() -> None:
    parsed = _parse("injection.ics")
    (event,) = parsed.events
    # "\\n" is an escaped line break (folded to a space in titles); "\\r" is no escape and stays literal
    assert event.title == "Innocent\\r END:VEVENT\\r BEGIN:VEVENT\\r SUMMARY:Injected URL:javascript:alert(1)"
    assert "\n" not in event.title and "\r" not in event.title
    assert event.url is None
    assert event.location == "Room 1 Line two"
    assert event.description == "Talks & pizza"
    assert [r.reason for r in parsed.rejects] == ["unsafe-url"]


def test_a_broken_rrule_rejects_its_series_and_keeps_the_other_events() -> None:
    body = (
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:broken\r\nSUMMARY:x\r\nDTSTART:20260601T100000Z\r\n"
        "RRULE:FREQ=WEEKLY;COUNT=x\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:fine\r\nSUMMARY:y\r\n"
        "DTSTART:20260601T100000Z\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()
    parsed = _parse_bytes(body)
    assert parsed.error is None
    assert [(r.reason, r.detail.split("'")[0]) for r in parsed.rejects] == [("bad-rule", "broken: unparsable RRULE ")]
    assert sorted(e.source_uid for e in parsed.events) == [
        "fine/2026-06-01T10:00:00Z", "fine/2026-06-08T10:00:00Z", "fine/2026-06-15T10:00:00Z"
    ]
