"""The shortcuts the iCal parser takes for speed give exactly what the slow, general path gives.

- `_parse_line` reads plain content lines with one regular expression instead of icalendar's
  character-by-character Contentline parser: same name, same "bare dates" verdict, same refusals.
- A lone event without recurrence skips recurring-ical-events' Series: same start and end (DTEND,
  DURATION or the RFC 5545 defaults) as the expansion gives.
"""

from __future__ import annotations

import datetime as dt

import pytest
from icalendar import Calendar
from icalendar.parser import Contentline
from recurring_ical_events import EventAdapter, Series

from pyevents.pipeline.model import ParseContext, SourceDefaults, Window
from pyevents.pipeline.parsers.ical import parse_ical
from pyevents.pipeline.parsers.ical_text import _DATE_PROPERTIES, _DATES, _PLAIN_LINE, _parse_line

LINES = [
    "BEGIN:VEVENT",
    "END:VCALENDAR",
    "SUMMARY:PyData Berlin",
    "summary:lower-case name",
    "DTSTART:20270101T180000Z",
    "DTSTART;TZID=Europe/Berlin:20270101T180000",
    "DTSTART;TZID=US/Pacific:20060101",  # bare date with a zone: needs VALUE=DATE
    "DTSTART;VALUE=DATE:20060101",
    "DTSTART;value=date:20060101",
    "DTSTART;TZID=Eastern Standard Time:20270101T180000",
    "EXDATE:20270101,20270108",
    "RDATE:20270101\\,20270108",  # an escaped comma unescapes to a date list
    "RDATE;X-FOO=bar;VALUE=DATE:20270101",
    "RDATE;X-FOO=a=b:20270101",
    "DESCRIPTION:a\\:b\\, c\\nd",
    "URL:https://example.org/a?b=c;d",
    'X-ALT-DESC;FMTTYPE=text/html:<p class="x">Hi</p>',
    'DESCRIPTION;ALTREP="cid:part1.0001@example.org":The Fall\'98 Wild',  # quoted parameter: slow path
    "X;A=:value",  # empty parameter value: slow path decides
    "X;A=c\\d:value",  # backslash in a parameter: slow path decides
    "X;A=b,c:value",  # parameter list: slow path
    "DTSTART; TZID=Europe/Berlin:20270101T180000",  # whitespace around a delimiter: slow path
    "X-WR-CALNAME:Group",
    "NAME WITH SPACE:value",
    "NOCOLON",
    ":novalue",
    "X;:empty parameters",
    "DTSTART;TZID=Europe/Berlin",
    "ÄÖÜ:unicode name",
    "X-Ünicode;A=ü:value",
    "ATTENDEE;CN=Jane Doe;ROLE=REQ-PARTICIPANT:mailto:jane@example.org",
    "GEO:52.5;13.4",
]


def _slow(line: str) -> tuple[str, bool] | None:
    """What `_parse_line` gave before the fast path: icalendar's Contentline for every line."""
    try:
        name, params, value = Contentline(line).parts()
    except (ValueError, IndexError, KeyError):
        return None
    name = name.upper()
    return name, name in _DATE_PROPERTIES and "VALUE" not in params and _DATES.match(value) is not None


@pytest.mark.parametrize("line", LINES)
def test_plain_line_reading_matches_contentline(line: str) -> None:
    assert _parse_line(line) == _slow(line)


def test_the_fast_path_covers_the_common_lines() -> None:
    fast = [line for line in LINES if _PLAIN_LINE.match(line)]
    assert "DTSTART;TZID=Europe/Berlin:20270101T180000" in fast
    assert "ATTENDEE;CN=Jane Doe;ROLE=REQ-PARTICIPANT:mailto:jane@example.org" in fast
    assert not _PLAIN_LINE.match('DESCRIPTION;ALTREP="cid:x":y')


SINGLE_EVENTS = {
    "timed with DTEND": "DTSTART:20270110T180000Z\r\nDTEND:20270110T200000Z",
    "timed with DURATION": "DTSTART:20270110T180000Z\r\nDURATION:PT90M",
    "timed without end": "DTSTART:20270110T180000Z",
    "all-day without end": "DTSTART;VALUE=DATE:20270110",
    "all-day with DURATION": "DTSTART;VALUE=DATE:20270110\r\nDURATION:P3D",
    "all-day with hours of DURATION": "DTSTART;VALUE=DATE:20270110\r\nDURATION:PT12H",
    "date start, date-time end": "DTSTART;VALUE=DATE:20270110\r\nDTEND:20270111T120000Z",
}


@pytest.mark.parametrize("dates", SINGLE_EVENTS.values(), ids=SINGLE_EVENTS.keys())
def test_a_lone_event_spans_what_the_expansion_gives(dates: str) -> None:
    body = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:one@t\r\nSUMMARY:Python night\r\n"
        f"{dates}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()
    as_of = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    window = Window.around(as_of, 30, 400)
    ctx = ParseContext("src", "ical", "https://example.org/cal.ics", window, SourceDefaults())
    (event,) = parse_ical(body, ctx).events

    component = Calendar.from_ical(body).walk("VEVENT")[0]
    (occurrence,) = Series([EventAdapter(component)]).between(window.start, window.end)
    start, end = occurrence.start, occurrence.end
    if isinstance(start, dt.datetime):
        # the parser reads floating times in the federation's zone (UTC here) before expanding
        start, end = (t if t.tzinfo else t.replace(tzinfo=dt.UTC) for t in (start, end))
        assert (event.starts_at, event.ends_at, event.all_day) == (start, end, False)
    else:
        assert event.all_day
        assert (event.starts_at.date(), event.ends_at.date()) == (start, end)
    assert event.series_uid is None and event.source_uid == "one@t"
