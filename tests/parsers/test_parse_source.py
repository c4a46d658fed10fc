"""parse_source reports, never raises: not even when a normalizer fails after the parser succeeded."""

from __future__ import annotations

import datetime as dt

import pytest

from pyevents.pipeline import parse
from pyevents.pipeline.model import ParseContext, SourceDefaults, SourceEvent, Window

WINDOW = Window.around(dt.datetime(2027, 1, 1, tzinfo=dt.UTC), 30, 400)
CALENDAR = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n"
    b"BEGIN:VEVENT\r\nUID:e1@t\r\nSUMMARY:Python night\r\nDTSTART:20270110T180000Z\r\n"
    b"DTEND:20270110T200000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def _context() -> ParseContext:
    return ParseContext("s1", "ical", "https://example.org/s1.ics", WINDOW, SourceDefaults())


def test_a_calendar_is_parsed_and_normalized() -> None:
    parsed = parse.parse_source(CALENDAR, _context())
    assert parsed.error is None
    assert [ev.title for ev in parsed.events] == ["Python night"]


def test_a_normalizer_failure_becomes_the_sources_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(events: list[SourceEvent], *args: object) -> list[SourceEvent]:
        raise ValueError(f"cannot normalize {events[0].source_uid}")

    monkeypatch.setattr(parse, "finish_events", broken)
    parsed = parse.parse_source(CALENDAR, _context())
    assert parsed.error is not None
    assert parsed.error.startswith("parser failed: ValueError: cannot normalize e1@t")
