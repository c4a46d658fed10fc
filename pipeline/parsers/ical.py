"""iCalendar sources (Google, Meetup, Outlook, pretalx, Luma … exports) → one SourceEvent per occurrence.

This module chooses a reader and prepares what it read. A reader gives each VCALENDAR as a
`CalendarView` and each VEVENT as an `EventView` (`ical_view`): `ical_plain` for plain documents,
before any repair when they need none, else `ical_component` (icalendar 7 and x-wr-timezone, the
reference) on the text `ical_text` repaired. Every event then gets a UID, IANA zones on its times
(`normalize.timezones`) and its dates checked, or a reject with a reason; `ical_occurrences` expands
the series within a work budget (`ical_recurrence`), so a hostile calendar ends in bounded time while
its good events are kept. Pure function: bytes and a context in, a ParsedSource out.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Sequence

from pyevents.pipeline.model import ParseContext, ParsedSource, Reject
from pyevents.pipeline.normalize.text import clean_text, safe_url
from pyevents.pipeline.parsers.ical_component import read_calendars
from pyevents.pipeline.parsers.ical_occurrences import Budget, read_series, untitled_title
from pyevents.pipeline.parsers.ical_plain import read_plain_calendars
from pyevents.pipeline.parsers.ical_text import decode_calendar, not_a_calendar, repair_structure
from pyevents.pipeline.parsers.ical_view import CalendarView, EventView, Lone, Member, Zones, as_instant, derived_uid

MAX_CALENDARS = 50  # VCALENDARs in one file
_DATE_PROPERTIES = ("DTSTART", "DTEND", "RECURRENCE-ID")
_DATE_LIST_PROPERTIES = ("EXDATE", "RDATE")


def parse_ical(body: bytes, ctx: ParseContext, *, icalendar_only: bool = False) -> ParsedSource:
    """Every occurrence overlapping ctx.window, rejects with reasons, or an error for a non-calendar.

    Plain documents are read by `ical_plain`; `icalendar_only` forces the reference reader (icalendar
    for every line), which gives the same result.
    """
    result = ParsedSource(ctx.source_id)
    decoded = decode_calendar(body)
    problem = not_a_calendar(decoded.text)
    if problem is not None:
        result.error = problem
        return result
    result.warnings.extend(decoded.warnings)
    with warnings.catch_warnings():
        # icalendar warns when it guesses a vendor-prefixed TZID; resolve_tzid decides those itself.
        warnings.simplefilter("ignore")
        calendars = _calendars(decoded.text, icalendar_only, result)
        if calendars is None:
            return result
        if len(calendars) > MAX_CALENDARS:
            result.warnings.append(f"{len(calendars)} VCALENDARs in one file; read the first {MAX_CALENDARS}")
        budget = Budget()
        for calendar in calendars[:MAX_CALENDARS]:
            _read_calendar(calendar, ctx, result, budget)
    return result


def _calendars(text: str, icalendar_only: bool, result: ParsedSource) -> Sequence[CalendarView] | None:
    """The plain reading of the text when repair would change nothing in it, else the repaired text's,
    plain or by icalendar; None (and `result.error`) when icalendar cannot parse it."""
    plain = None if icalendar_only else read_plain_calendars(text)
    if plain is not None:
        return plain
    repaired = repair_structure(text)
    result.warnings.extend(repaired.warnings)
    plain = None if icalendar_only else read_plain_calendars(repaired.text)
    if plain is not None:
        return plain
    try:
        return read_calendars(repaired.text)
    except ValueError as exc:
        result.error = f"unparsable iCalendar: {clean_text(exc, single_line=True)[:200]}"
        return None


def _read_calendar(calendar: CalendarView, ctx: ParseContext, result: ParsedSource, budget: Budget) -> None:
    content = calendar.content(ctx, result.warnings)
    series: dict[str, list[Member] | Lone] = {}
    for view in content.events:
        reject = _prepare_event(view, content.zones, ctx, result)
        if reject is not None:
            result.rejects.append(reject)
            continue
        member = view.member()
        key = view.series_key()
        if isinstance(member, Lone):
            series[key] = member
        else:
            members = series.setdefault(key, [])
            assert isinstance(members, list)  # a lone event's key is used once: its reader counted
            members.append(member)
    read_series(series, ctx, content.zones, content.cancel_all, result, budget)


def _prepare_event(view: EventView, zones: Zones, ctx: ParseContext, result: ParsedSource) -> Reject | None:
    """Give the event a UID, IANA zones on every date-time and check its dates; a Reject if unusable.

    An unsafe URL only costs the event its link (noted in `result.rejects`).
    """
    summary = clean_text(view.text("SUMMARY"), single_line=True)
    if not view.has("UID") or not clean_text(view.text("UID"), single_line=True):
        view.set_uid(derived_uid(view.raw_start(), summary))
    uid = clean_text(view.text("UID"), single_line=True)
    label = f"{summary or '(no title)'} [{uid}]"
    if not view.has("DTSTART"):
        return Reject(ctx.source_id, "no-dtstart", label)
    for name in _DATE_PROPERTIES:
        if view.has(name):
            problem = view.normalize_date(name, zones)
            if problem is not None:
                return Reject(ctx.source_id, "bad-date", f"{label}: {name} {problem}")
    for name in _DATE_LIST_PROPERTIES:
        if view.has(name):
            for value in view.normalize_date_list(name, zones):
                result.rejects.append(Reject(ctx.source_id, "bad-date", f"{label}: {name} value {value!r} ignored"))
    if not summary:  # kept: an event without a title still happens; noted for the operator
        title = untitled_title(ctx, clean_text(view.text("LOCATION"), single_line=True))
        result.rejects.append(Reject(ctx.source_id, "untitled", f"{label}: no SUMMARY; titled {title!r}"))
    raw_url = clean_text(view.text("URL"), single_line=True)
    if raw_url and safe_url(raw_url, ctx.url) is None:
        result.rejects.append(Reject(ctx.source_id, "unsafe-url", f"{label}: {raw_url[:120]}"))
    return _check_span(view, label, ctx)


def _check_span(view: EventView, label: str, ctx: ParseContext) -> Reject | None:
    start = view.date("DTSTART")
    if view.has("DTEND"):
        end = view.date("DTEND")
        if as_instant(end, start) < as_instant(start, start):
            return Reject(ctx.source_id, "end-before-start", f"{label}: DTEND {end.isoformat()} < DTSTART {start.isoformat()}")
    elif view.has("DURATION"):
        duration = view.duration()
        if duration is None:
            return Reject(ctx.source_id, "bad-date", f"{label}: DURATION has an invalid value")
        if duration < dt.timedelta(0):
            return Reject(ctx.source_id, "end-before-start", f"{label}: negative DURATION {duration}")
    return None
