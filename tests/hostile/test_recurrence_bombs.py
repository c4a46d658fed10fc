"""Recurrence bombs are refused before they are expanded, with the calendar's good events kept and a reject recorded.

Without the budget in `pipeline.parsers.ical_recurrence`, each of these runs for seconds to minutes
inside dateutil (an impossible DAILY rule from 1900, FREQ=SECONDLY from 1900 far longer). The tests
record every series handed to recurring-ical-events for expansion and assert that no bomb is among
them, and that what was expanded stays within the work budget.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import icalendar
import pytest

from pyevents.pipeline.model import ParseContext, SourceDefaults, Window
from pyevents.pipeline.parsers import ical_occurrences
from pyevents.pipeline.parsers.ical import parse_ical
from pyevents.pipeline.parsers.ical_recurrence import CALENDAR_WORK_LIMIT, rule_cost

AS_OF = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
GOOD_EVENT = """BEGIN:VEVENT
UID:good-meetup@example.org
DTSTART;TZID=Europe/Berlin:20260310T190000
DTEND;TZID=Europe/Berlin:20260310T210000
SUMMARY:PyBerlin March meetup
END:VEVENT
"""
GOOD_SERIES = """BEGIN:VEVENT
UID:good-weekly@example.org
DTSTART;TZID=Europe/Berlin:20250106T183000
DTEND;TZID=Europe/Berlin:20250106T200000
RRULE:FREQ=WEEKLY;BYDAY=MO
SUMMARY:Weekly Python study group
END:VEVENT
"""


def _calendar(*vevents: str) -> bytes:
    body = "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\n" + "".join(vevents) + "END:VCALENDAR\n"
    return body.replace("\n", "\r\n").encode()


def _bomb(uid: str, start: str, rule: str) -> str:
    return f"BEGIN:VEVENT\nUID:{uid}\nDTSTART:{start}\nDURATION:PT1H\nRRULE:{rule}\nSUMMARY:bomb {uid}\nEND:VEVENT\n"


def _ctx(max_per_series: int = 1000) -> ParseContext:
    window = Window.around(AS_OF, past_days=30, future_days=400)
    return ParseContext(
        "hostile", "ical", "https://example.org/hostile.ics", window, SourceDefaults(), "UTC", None, max_per_series
    )


@pytest.fixture
def expanded(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The UID of every series handed to recurring-ical-events for expansion, in order."""
    uids: list[str] = []
    between = ical_occurrences._SourcedSeries.between

    def recording_between(series: ical_occurrences._SourcedSeries, start: dt.datetime, end: dt.datetime) -> object:
        uids.append(str(series.uid))
        return between(series, start, end)

    monkeypatch.setattr(ical_occurrences._SourcedSeries, "between", recording_between)
    yield uids


def _parse(body: bytes, ctx: ParseContext) -> tuple[list[str], dict[str, str]]:
    parsed = parse_ical(body, ctx)
    assert parsed.error is None
    titles = sorted(e.title for e in parsed.events)
    return titles, {r.detail.split(":", 1)[0]: r.reason for r in parsed.rejects}


# Weekly Mondays from 2025-01-06: Mondays in [2026-01-30, 2027-04-05) = 2026-02-02 … 2027-03-29 = 61.
GOOD_WEEKLY_IN_WINDOW = 61


@pytest.mark.parametrize(
    ("uid", "start", "rule"),
    [
        ("secondly-1900", "19000101T000000Z", "FREQ=SECONDLY"),
        ("minutely-count", "20260101T000000Z", "FREQ=MINUTELY;COUNT=1000000000"),
        ("impossible-daily-1900", "19000101T000000Z", "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31"),
        ("impossible-weekly-0001", "00010101T000000Z", "FREQ=WEEKLY;BYMONTH=2;BYMONTHDAY=30"),
        ("hourly-by-lists", "19000101T000000Z", "FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12;BYMINUTE=0,5,10,15,20,25,30"),
    ],
)
def test_bomb_is_refused_unexpanded_and_good_events_stay(uid: str, start: str, rule: str, expanded: list[str]) -> None:
    body = _calendar(GOOD_EVENT, _bomb(uid, start, rule), GOOD_SERIES)
    titles, rejects = _parse(body, _ctx())
    assert expanded == ["good-weekly@example.org"]  # the bomb never reached the expansion
    assert rejects == {uid: "rule-too-large"}
    assert titles.count("PyBerlin March meetup") == 1
    assert titles.count("Weekly Python study group") == GOOD_WEEKLY_IN_WINDOW
    assert not any(t.startswith("bomb") for t in titles)


def test_huge_count_is_capped_per_series(expanded: list[str]) -> None:
    """COUNT=1000000000 daily: dateutil stops at the window's end; the series cap cuts the window."""
    body = _calendar(GOOD_EVENT, _bomb("daily-billion", "20200101T090000Z", "FREQ=DAILY;COUNT=1000000000"))
    titles, rejects = _parse(body, _ctx(max_per_series=100))
    assert expanded == ["daily-billion"]  # a dense rule up to the window's end is within the budget
    assert titles.count("bomb daily-billion") == 100
    assert titles.count("PyBerlin March meetup") == 1
    assert rejects == {"daily-billion": "rule-too-large"}


def test_many_bombs_in_one_calendar_stay_within_the_calendar_budget(expanded: list[str]) -> None:
    """Each never-matching MONTHLY rule is allowed alone; 200 of them would take a minute.

    The first few are expanded (to nothing) until the source's budget is spent; the rest are refused.
    """
    rule = "FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30"
    bombs = [_bomb(f"monthly-{i}", "17000101T000000Z", rule) for i in range(200)]
    ctx = _ctx()
    parsed = parse_ical(_calendar(GOOD_EVENT, *bombs), ctx)
    assert [e.title for e in parsed.events] == ["PyBerlin March meetup"]
    # one bomb's work estimate: a rule that never matches is costed up to the year 9999, whatever the window
    each = rule_cost(icalendar.vRecur.from_ical(rule), dt.date(1700, 1, 1), ctx.window.end.date()).work
    assert 0 < each <= CALENDAR_WORK_LIMIT
    assert expanded == [f"monthly-{i}" for i in range(CALENDAR_WORK_LIMIT // each)]
    assert len(expanded) * each <= CALENDAR_WORK_LIMIT
    assert len(parsed.rejects) == 200 - len(expanded)
    assert {r.reason for r in parsed.rejects} == {"rule-too-large"}
    assert all("budget is spent" in r.detail for r in parsed.rejects)


def test_vtimezone_with_a_secondly_rule_is_defused(expanded: list[str]) -> None:
    """Zone definitions recur yearly; a finer rule in a VTIMEZONE would be walked on every offset lookup."""
    vtimezone = (
        "BEGIN:VTIMEZONE\nTZID:Hostile Zone\nBEGIN:STANDARD\nDTSTART:19000101T000000\n"
        "RRULE:FREQ=SECONDLY\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0100\nEND:STANDARD\nEND:VTIMEZONE\n"
    )
    event = "BEGIN:VEVENT\nUID:z@example.org\nDTSTART;TZID=Hostile Zone:20260310T190000\nSUMMARY:In a hostile zone\nEND:VEVENT\n"
    body = _calendar(GOOD_EVENT).replace(
        b"PRODID:-//test//EN\r\n", ("PRODID:-//test//EN\n" + vtimezone + event).replace("\n", "\r\n").encode()
    )
    parsed = parse_ical(body, _ctx())
    assert parsed.warnings == ["1 unparsable or misplaced line(s) dropped"]  # the zone's RRULE, before any lookup
    assert expanded == []  # two lone events: nothing recurs
    titles = sorted(e.title for e in parsed.events)
    rejects = {r.detail: r.reason for r in parsed.rejects}
    assert titles == ["In a hostile zone", "PyBerlin March meetup"]
    assert rejects == {"TZID 'Hostile Zone' is not a known zone; times read with the calendar's VTIMEZONE rules": "unknown-tzid"}
