"""The plain reader (`ical_plain`) gives exactly what the icalendar path gives, field by field.

Every document is parsed twice, once as usual and once with `icalendar_only=True`; the events (with
the zone object of every time), rejects, warnings and error must be equal. The documents live in the
repository: the iCal case files (tests/parsers/cases/ical, each saying which reader takes it), the
other .ics fixtures, generated calendars shaped like the benchmark's groups, and small documents at
the edges of what the plain reader admits. The real-world calendars of the shared corpus are an
extra run when ../shared is beside the checkout.

The proof holds for the icalendar the project pins (pyproject.toml); widen the pin only after this
passes with the new version.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from pathlib import Path

import pytest

from pyevents.pipeline.model import ParseContext, ParsedSource, SourceDefaults, Window
from pyevents.pipeline.parsers.ical import parse_ical
from pyevents.pipeline.parsers.ical_plain import read_plain_calendars
from pyevents.pipeline.parsers.ical_text import decode_calendar, repair_structure
from tests.parsers.casefiles import case_params, case_paths, read_case
from tests.shared_corpus import corpus_files, file_params, require

TESTS = Path(__file__).resolve().parents[1]
FIXTURES = sorted((TESTS / "fixtures").rglob("*.ics"))
CASES = case_paths("ical")
WINDOW = Window.around(dt.datetime(2026, 12, 15, 6, tzinfo=dt.UTC), 30, 800)
WIDE = Window.around(dt.datetime(2015, 1, 1, tzinfo=dt.UTC), 20 * 365, 20 * 365)


def _ctx(window: Window, defaults: SourceDefaults | None = None) -> ParseContext:
    return ParseContext("src", "ical", "https://example.org/cal.ics", window, defaults or SourceDefaults(), "Europe/Berlin")


def _comparable(parsed: ParsedSource) -> dict[str, object]:
    events = []
    # recurring-ical-events yields a series' modifications in set order, which varies between runs
    for event in sorted(parsed.events, key=lambda e: (e.source_uid, e.starts_at.isoformat(), e.title)):
        fields = dataclasses.asdict(event)
        # aware datetimes compare by instant; the zone they carry must be the same object too
        fields["zones"] = (repr(event.starts_at.tzinfo), repr(event.ends_at.tzinfo), event.starts_at.isoformat())
        events.append(fields)
    return {
        "events": events,
        "rejects": [dataclasses.astuple(reject) for reject in parsed.rejects],
        "warnings": parsed.warnings,
        "error": parsed.error,
    }


def _is_plain(body: bytes) -> bool:
    return read_plain_calendars(repair_structure(decode_calendar(body).text).text) is not None


def _assert_same(body: bytes, ctx: ParseContext) -> None:
    assert _comparable(parse_ical(body, ctx)) == _comparable(parse_ical(body, ctx, icalendar_only=True))


@pytest.mark.parametrize("path", file_params("ics", "*.ics"))
@pytest.mark.parametrize("defaults", [SourceDefaults(), SourceDefaults(timezone="America/Chicago")], ids=["no-zone", "zone"])
def test_corpus_calendars_read_the_same(path: Path, defaults: SourceDefaults) -> None:
    require(path)
    _assert_same(path.read_bytes(), _ctx(WIDE, defaults))


@pytest.mark.parametrize("path", case_params("ical"))
def test_case_files_take_their_reader_and_read_the_same(path: Path) -> None:
    case = read_case(path)
    reader = case.expect["reader"]
    assert reader in ("plain", "icalendar", "none"), f"{path.name}: reader is plain, icalendar or none"
    if reader != "none":
        assert _is_plain(case.body) == (reader == "plain"), f"{path.name}: not read by {reader}"
    _assert_same(case.body, case.context("ical"))
    _assert_same(case.body, _ctx(WIDE))


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture_calendars_read_the_same(path: Path) -> None:
    body = path.read_bytes()
    _assert_same(body, _ctx(WINDOW))
    _assert_same(body, _ctx(WIDE))


def _generated_group(seed: int) -> bytes:
    """A calendar like a Meetup group's export: timed events in a zone, some weekly series, an override."""
    rng = random.Random(seed)
    zone = rng.choice(["America/Sao_Paulo", "Europe/Berlin", "Asia/Tokyo", "US/Pacific", "W. Europe Standard Time"])
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//gen//EN", f"X-WR-CALNAME:Group {seed}", "METHOD:PUBLISH"]
    for n in range(40):
        day = dt.date(2026, 11, 1) + dt.timedelta(days=rng.randrange(400))
        start = f"{day:%Y%m%d}T{rng.randrange(8, 21):02d}0000"
        lines += ["BEGIN:VEVENT", f"UID:gen{seed}-{n}@example.org", "DTSTAMP:20261101T000000Z"]
        shape = rng.randrange(6)
        if shape == 0:
            lines += [f"DTSTART;VALUE=DATE:{day:%Y%m%d}", f"DTEND;VALUE=DATE:{day + dt.timedelta(days=2):%Y%m%d}"]
        elif shape == 1:
            lines += [f"DTSTART:{start}Z", "DURATION:PT90M", "GEO:52.52;13.40", "STATUS:TENTATIVE"]
        elif shape == 2:
            lines += [f"DTSTART:{start}", "CATEGORIES:Python,Data\\, Science", "CATEGORIES:meetup"]
        else:
            lines += [f"DTSTART;TZID={zone}:{start}", f"DTEND;TZID={zone}:{start[:9]}{int(start[9:11]) + 2:02d}0000"]
        if shape == 3 and n % 2:
            lines += ["RRULE:FREQ=WEEKLY;COUNT=6", f"EXDATE;TZID={zone}:{(day + dt.timedelta(days=7)):%Y%m%d}{start[8:]}"]
        elif shape in (0, 1, 4) and n % 3 == 0:  # a series with its rule only
            lines.append(
                rng.choice(
                    ["RRULE:FREQ=WEEKLY;COUNT=10", "RRULE:FREQ=MONTHLY;BYDAY=2TU", "RRULE:FREQ=DAILY;UNTIL=20270301T000000Z"]
                )
            )
        lines += [
            f"SUMMARY;LANGUAGE=en:Python night {n}\\, talks\\; pizza",
            "DESCRIPTION:Line one\\nLine two <b>bold</b> &amp; more\\n\\n\\n\\nend",
            f"LOCATION:Venue {n}\\, Berlin\\, Germany",
            f"URL:{rng.choice(['https://example.org/e/', '/relative/e/', 'javascript:alert(1)//'])}{n}",
        ]
        if n == 7:
            lines += ["BEGIN:VALARM", "ACTION:DISPLAY", "TRIGGER:-PT15M", "END:VALARM"]
        lines.append("END:VEVENT")
    lines += [  # an override of a series occurrence, and an event without UID
        "BEGIN:VEVENT",
        f"UID:gen{seed}-3@example.org",
        f"RECURRENCE-ID;TZID={zone}:20261201T190000",
        f"DTSTART;TZID={zone}:20261202T190000",
        "SUMMARY:Moved",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "DTSTART:20270105T180000Z",
        "SUMMARY:No UID here",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return ("\r\n".join(lines) + "\r\n").encode()


@pytest.mark.parametrize("seed", range(12))
def test_generated_groups_take_the_plain_reader_and_read_the_same(seed: int) -> None:
    body = _generated_group(seed)
    assert _is_plain(body)
    _assert_same(body, _ctx(WINDOW))
    _assert_same(body, _ctx(WINDOW, SourceDefaults(timezone="Asia/Kolkata", country="IN")))


def _one_event(*lines: str, calendar: tuple[str, ...] = ()) -> bytes:
    body = ["BEGIN:VCALENDAR", "VERSION:2.0", *calendar, "BEGIN:VEVENT", *lines, "END:VEVENT", "END:VCALENDAR"]
    return ("\r\n".join(body) + "\r\n").encode()


PLAIN = {
    "floating time": _one_event("UID:a", "SUMMARY:x", "DTSTART:20270101T100000"),
    "utc and end before start": _one_event("UID:a", "SUMMARY:x", "DTSTART:20270101T100000Z", "DTEND:20270101T090000Z"),
    "negative duration": _one_event("UID:a", "SUMMARY:x", "DTSTART:20270101T100000Z", "DURATION:-PT1H"),
    "all day with days of duration": _one_event("UID:a", "SUMMARY:x", "DTSTART;VALUE=DATE:20270101", "DURATION:P2D"),
    "bare date gets VALUE=DATE": _one_event("UID:a", "SUMMARY:x", "DTSTART:20270101"),
    "no title": _one_event("UID:a", "DTSTART:20270101T100000Z"),
    "no start": _one_event("UID:a", "SUMMARY:x"),
    "blank UID": _one_event("UID: \\n", "SUMMARY:x", "DTSTART:20270101T100000Z"),
    "method cancel": _one_event("UID:a", "SUMMARY:x", "DTSTART:20270101T100000Z", calendar=("METHOD:CANCEL",)),
    "event method": _one_event("UID:a", "SUMMARY:x", "DTSTART:20270101T100000Z", "METHOD:cancel "),
    "geo out of range": _one_event("UID:a", "SUMMARY:x", "DTSTART:20270101T100000Z", "GEO:95;13"),
    "legacy zone": _one_event("UID:a", "SUMMARY:x", "DTSTART;TZID=US/Eastern:20270101T100000"),
    "vendor zone": _one_event("UID:a", "SUMMARY:x", "DTSTART;TZID=/mozilla.org/20050126_1/Europe/Paris:20270101T100000"),
    "injection attempt": _one_event(
        "UID:a", "SUMMARY:x\\nEND:VEVENT\u202e", "DTSTART:20270101T100000Z", 'URL:https://e.org/"><script>'
    ),
    "weekly rule": _one_event("UID:a", "SUMMARY:x", "DTSTART;TZID=Europe/Berlin:20261201T190000", "RRULE:FREQ=WEEKLY;COUNT=5"),
    "all-day rule with duration": _one_event(
        "UID:a", "SUMMARY:x", "DTSTART;VALUE=DATE:20261201", "DURATION:P2D", "RRULE:FREQ=DAILY;INTERVAL=3"
    ),
    "rule with a floating time": _one_event(
        "UID:a", "SUMMARY:x", "DTSTART:20261201T190000", "DTEND:20261201T180000", "RRULE:FREQ=WEEKLY"
    ),
    "lower-case rule": _one_event("UID:a", "SUMMARY:x", "DTSTART:20261201T190000Z", "rrule:freq=weekly;count=3"),
    "broken rule": _one_event("UID:a", "SUMMARY:x", "DTSTART:20261201T190000Z", "RRULE:FREQ=WEEKLY;COUNT=x"),
    "empty rule": _one_event("UID:a", "SUMMARY:x", "DTSTART:20261201T190000Z", "RRULE:FOO"),
    "rule too large": _one_event("UID:a", "SUMMARY:x", "DTSTART:19000101T000000Z", "RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31"),
    "rule with a parameter": _one_event("UID:a", "SUMMARY:x", "DTSTART:20261201T190000Z", "RRULE;X-A=b:FREQ=WEEKLY;COUNT=3"),
    "two rules": _one_event(
        "UID:a", "SUMMARY:x", "DTSTART:20261201T190000Z", "RRULE:FREQ=WEEKLY;COUNT=3", "RRULE:FREQ=DAILY;COUNT=2"
    ),
    "derived UID and a rule": _one_event("SUMMARY:x", "DTSTART:20261201T190000Z", "RRULE:FREQ=WEEKLY;COUNT=3"),
    "two events one UID": _one_event(
        "UID:a",
        "SUMMARY:x",
        "DTSTART:20270101T100000Z",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:a",
        "SUMMARY:y",
        "DTSTART:20270102T100000Z",
    ),
}
NOT_PLAIN = {
    "quoted parameter": _one_event("UID:a", 'SUMMARY;ALTREP="cid:x":x', "DTSTART:20270101T100000Z"),
    "unknown zone": _one_event("UID:a", "SUMMARY:x", "DTSTART;TZID=Mars/Olympus:20270101T100000"),
    "X-WR-TIMEZONE": _one_event("UID:a", "SUMMARY:x", "DTSTART:20270101T100000Z", calendar=("X-WR-TIMEZONE:Europe/Berlin",)),
    "repeated summary": _one_event("UID:a", "SUMMARY:x", "SUMMARY:y", "DTSTART:20270101T100000Z"),
    "invalid date": _one_event("UID:a", "SUMMARY:x", "DTSTART:20271301T100000Z"),
    "period rdate value": _one_event("UID:a", "SUMMARY:x", "DTSTART:20270101T100000Z", "DTEND;VALUE=PERIOD:x"),
    "date start, time end": _one_event("UID:a", "SUMMARY:x", "DTSTART;VALUE=DATE:20270101", "DTEND:20270102T100000Z"),
    "all day with hours": _one_event("UID:a", "SUMMARY:x", "DTSTART;VALUE=DATE:20270101", "DURATION:PT5H"),
    "zone and Z": _one_event("UID:a", "SUMMARY:x", "DTSTART;TZID=Europe/Berlin:20270101T100000Z"),
    "a VTODO": _one_event("UID:a", "SUMMARY:x", "DTSTART:20270101T100000Z", calendar=("BEGIN:VTODO", "END:VTODO")),
    "broken VTIMEZONE": _one_event(
        "UID:a",
        "SUMMARY:x",
        "DTSTART:20270101T100000Z",
        calendar=("BEGIN:VTIMEZONE", "TZID:X", "BEGIN:STANDARD", "TZOFFSETFROM:+9999", "END:STANDARD", "END:VTIMEZONE"),
    ),
    "structured location": _one_event("UID:a", "SUMMARY:x", "DTSTART:20270101T100000Z", "X-APPLE-STRUCTURED-LOCATION:geo:1,2"),
    "escape in a parameter": _one_event("UID:a", "SUMMARY;X-A=c\\d:x", "DTSTART:20270101T100000Z"),
    "blank around a delimiter": _one_event("UID:a", "SUMMARY:x", "DTSTART; TZID=Europe/Berlin:20270101T100000"),
}


@pytest.mark.parametrize("body", PLAIN.values(), ids=PLAIN.keys())
def test_edge_documents_the_plain_reader_takes(body: bytes) -> None:
    assert _is_plain(body)
    _assert_same(body, _ctx(WINDOW))


@pytest.mark.parametrize("body", NOT_PLAIN.values(), ids=NOT_PLAIN.keys())
def test_documents_the_plain_reader_leaves_to_icalendar(body: bytes) -> None:
    assert not _is_plain(body)
    _assert_same(body, _ctx(WINDOW))


# Documents `repair_structure` changes: the plain reader, given them unrepaired, must refuse them or
# read exactly what it reads after repair (parse_ical tries the unrepaired text first).
NEEDS_REPAIR = {
    "folded lines": (
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nSUMMARY:long\r\n  title\r\n"
        b"DTSTART:20270101T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ),
    "LF line breaks": _one_event("UID:a", "SUMMARY:x", "DTSTART:20270101T100000Z").replace(b"\r\n", b"\n"),
    "CR line breaks": _one_event("UID:a", "SUMMARY:x", "DTSTART:20270101T100000Z").replace(b"\r\n", b"\r"),
    "blank line": _one_event("UID:a", "", "SUMMARY:x", "DTSTART:20270101T100000Z"),
    "garbage line": _one_event("UID:a", "this is no content line", "SUMMARY:x", "DTSTART:20270101T100000Z"),
    "unclosed event": b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nSUMMARY:x\r\nDTSTART:20270101T100000Z\r\nEND:VCALENDAR\r\n",
    "bare event": b"BEGIN:VEVENT\r\nUID:a\r\nSUMMARY:x\r\nDTSTART:20270101T100000Z\r\nEND:VEVENT\r\n",
    "stray END": _one_event("UID:a", "END:VTODO", "SUMMARY:x", "DTSTART:20270101T100000Z"),
    "lower-case BEGIN": (
        b"begin:vcalendar\r\nBegin:VEvent\r\nUID:a\r\nSUMMARY:x\r\nDTSTART:20270101T100000Z\r\n"
        b"RRULE:FREQ=WEEKLY;COUNT=2\r\nEXDATE:20270108T100000Z\r\nend:vevent\r\nEND:vcalendar\r\n"
    ),
    "BEGIN with a parameter": _one_event(
        "UID:a", "SUMMARY:x", "DTSTART:20270101T100000Z", "BEGIN;X-A=b:VALARM", "ACTION:DISPLAY", "END:VALARM"
    ),
    "bare EXDATE dates": _one_event(
        "UID:a", "SUMMARY:x", "DTSTART;VALUE=DATE:20270101", "RRULE:FREQ=DAILY;COUNT=4", "EXDATE:20270102,20270103"
    ),
    "hourly zone rule": _one_event(
        "UID:a",
        "SUMMARY:x",
        "DTSTART;TZID=Europe/Berlin:20270101T100000",
        calendar=(
            "BEGIN:VTIMEZONE",
            "TZID:Europe/Berlin",
            "BEGIN:STANDARD",
            "DTSTART:19701025T030000",
            "TZOFFSETFROM:+0200",
            "TZOFFSETTO:+0100",
            "RRULE:FREQ=HOURLY",
            "END:STANDARD",
            "END:VTIMEZONE",
        ),
    ),
    "property outside a component": b"X-STRAY:1\r\n" + _one_event("UID:a", "SUMMARY:x", "DTSTART:20270101T100000Z"),
    "two calendars, the first unclosed": b"BEGIN:VCALENDAR\r\n" + _one_event("UID:a", "SUMMARY:x", "DTSTART:20270101T100000Z"),
}


@pytest.mark.parametrize("body", NEEDS_REPAIR.values(), ids=NEEDS_REPAIR.keys())
def test_unrepaired_text_is_refused_or_read_as_repaired(body: bytes) -> None:
    text = decode_calendar(body).text
    repaired = repair_structure(text)
    assert repaired.text != text  # the case needs repair indeed
    unrepaired_reading = read_plain_calendars(text)
    assert unrepaired_reading is None or unrepaired_reading == read_plain_calendars(repaired.text)
    _assert_same(body, _ctx(WINDOW))


@pytest.mark.parametrize("path", [*corpus_files("ics", "*.ics"), *FIXTURES, *CASES], ids=lambda p: p.name)
def test_real_calendars_read_unrepaired_as_repaired(path: Path) -> None:
    body = read_case(path).body if path in CASES else path.read_bytes()
    text = decode_calendar(body).text
    repaired = repair_structure(text)
    unrepaired_reading = read_plain_calendars(text)
    if repaired.warnings or repaired.text != text:
        assert unrepaired_reading is None or unrepaired_reading == read_plain_calendars(repaired.text)
    else:
        assert unrepaired_reading == read_plain_calendars(repaired.text)
