"""The plain reader: the common VEVENT read in one pass of content lines, behind `ical_view`'s interface.

Why it exists: icalendar builds an object per property and parameter (Contentline, Parameters,
CaselessDict, a value type each), which makes it most of a nightly's parse time. Most calendars are
plain: unquoted parameters, IANA zones, UTC or local date-times. This module reads such text directly
and decodes only the properties the parser uses, with icalendar's own value functions
(`unescape_backslash`, `split_on_unescaped_comma`, `vDDDTypes.from_ical`, `vGeo`).

icalendar stays the reference and the fallback: `read_plain_calendars` answers None for any document
it cannot prove it reads exactly as icalendar does (an odd line or parameter, a zone `resolve_tzid`
does not know, X-WR-TIMEZONE, a VALUE= it does not handle, a repeated property, an unknown
component…), and the caller then parses the whole document with icalendar (`ical_component`).
VTIMEZONE and VALARM blocks, which it does not read, are handed to icalendar once to check that they
parse, because icalendar refuses a whole document over a broken one. The text may come unrepaired:
whatever `repair_structure` would change is refused, and the caller repairs and reads again.

Events are given to the parser as `PlainView`s: a lone event is one span, an event whose one
recurrence property is its RRULE goes to recurring-ical-events as a component built from this
reading (`_ruled_component`). Other series (RDATE, EXDATE, RECURRENCE-ID, a UID used twice) keep
their raw lines, and their components are parsed by icalendar and read through `ComponentView`.
tests/parsers/test_ical_plain_equivalence.py proves both readers give the same events.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections import Counter
from dataclasses import dataclass, field
from typing import cast

from icalendar import Calendar, Event
from icalendar.parser.property import split_on_unescaped_comma, unescape_backslash
from icalendar.prop import vCategory, vDDDTypes, vGeo, vRecur, vText

from pyevents.pipeline.model import ParseContext
from pyevents.pipeline.normalize.text import clean_text
from pyevents.pipeline.normalize.timezones import resolve_tzid
from pyevents.pipeline.parsers.ical_component import ComponentView
from pyevents.pipeline.parsers.ical_text import logical_lines, only_dates, yearly_rule
from pyevents.pipeline.parsers.ical_view import (
    CalendarContent,
    EventView,
    Lone,
    Member,
    Zones,
    derived_uid,
    normalize_time,
    start_basis,
    valid_point,
)

# A parameter value icalendar reads verbatim: no quotes, separators, escapes (`\`, RFC 6868 `^`) or
# surrounding blanks.
_PARAM_VALUE = r"[^\x00-\x20\x7f\",:;\\=^](?:[^\x00-\x1f\x7f\",:;\\=^]*[^\x00-\x20\x7f\",:;\\=^])?"
_LINE = re.compile(rf"([A-Za-z0-9-]+)((?:;[A-Za-z0-9-]+={_PARAM_VALUE})*):(.*)", re.DOTALL)
_PARAM = re.compile(rf";([A-Za-z0-9-]+)=({_PARAM_VALUE})")
_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})", re.ASCII)
_DATE_TIME = re.compile(r"(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z?)", re.ASCII)
_UTC = zoneinfo.ZoneInfo("UTC")  # what icalendar attaches to a time written with Z

# What the parser reads of a VEVENT, each at most once.
TEXT_PROPERTIES = frozenset({"UID", "SUMMARY", "DESCRIPTION", "LOCATION", "STATUS", "METHOD", "URL"})
DATE_PROPERTIES = frozenset({"DTSTART", "DTEND", "RECURRENCE-ID"})
# Only recurring-ical-events reads these: their component goes to icalendar with its series.
SERIES_PROPERTIES = frozenset({"RRULE", "RDATE", "EXDATE", "EXRULE"})
# Read by the icalendar path in ways this reader does not reproduce.
_REFUSED_PROPERTIES = frozenset({"X-APPLE-STRUCTURED-LOCATION"})
_CALENDAR_PROPERTIES = frozenset({"VERSION", "PRODID", "CALSCALE", "METHOD"})
# Components read here, and those only checked by icalendar (they may not hold anything else).
_CHILDREN = {
    None: frozenset({"VCALENDAR"}),
    "VCALENDAR": frozenset({"VEVENT", "VTIMEZONE"}),
    "VEVENT": frozenset({"VALARM"}),
    "VTIMEZONE": frozenset({"STANDARD", "DAYLIGHT"}),
}
_CHECKED_COMPONENTS = frozenset({"VTIMEZONE", "STANDARD", "DAYLIGHT", "VALARM"})


@dataclass(slots=True)
class PlainEvent:
    """One VEVENT as read: decoded dates, raw text values and, for series, its content lines."""

    texts: dict[str, str] = field(default_factory=dict)  # name -> value as written (still escaped)
    dates: dict[str, dt.date] = field(default_factory=dict)  # dates; naive (floating) or UTC date-times
    tzids: dict[str, str] = field(default_factory=dict)  # date property -> its TZID
    start_text: str = ""  # DTSTART as written (a derived UID hashes it)
    duration: dt.timedelta | None = None
    geo: tuple[float, float] | None = None
    categories: list[str] = field(default_factory=list)  # raw values of every CATEGORIES line
    recurrence: list[str] = field(default_factory=list)  # names of its recurrence properties, RECURRENCE-ID included
    rule: vRecur | None = None  # its RRULE as icalendar reads it, when written without parameters or escapes
    lines: list[str] = field(default_factory=list)  # BEGIN:VEVENT … END:VEVENT

    @property
    def in_series(self) -> bool:
        """Has a recurrence property: recurring-ical-events must see it."""
        return bool(self.recurrence)

    def only_rule(self) -> vRecur | None:
        """The RRULE when it is the event's one recurrence property (no RDATE, EXDATE, RECURRENCE-ID…)."""
        return self.rule if self.recurrence == ["RRULE"] else None

    def text(self, name: str) -> str | None:
        """The property's TEXT value unescaped as icalendar gives it, or None when absent."""
        raw = self.texts.get(name)
        if raw is None or "\\" not in raw:
            return raw
        return cast(str, unescape_backslash(raw))


@dataclass(slots=True)
class PlainCalendar:
    """One VCALENDAR as read (a `CalendarView`)."""

    method: str | None = None  # raw METHOD of the VCALENDAR
    events: list[PlainEvent] = field(default_factory=list)

    def content(self, ctx: ParseContext, warnings: list[str]) -> CalendarContent:
        """Lone events and events whose one recurrence is their RRULE as `PlainView`s; the components of
        other series parsed by icalendar, in one call for the calendar."""
        cancel_all = unescape_backslash(self.method or "").strip().upper() == "CANCEL"
        keys = [_series_key(event) for event in self.events]
        counts = Counter(keys)
        listed = [counts[key] > 1 or (event.in_series and event.only_rule() is None) for event, key in zip(self.events, keys)]
        series_events = [event for event, in_series in zip(self.events, listed) if in_series]
        components = iter(Calendar.from_ical(series_text(series_events)).subcomponents if series_events else [])
        views: list[EventView] = [
            ComponentView(next(components)) if in_series else PlainView(event) for event, in_series in zip(self.events, listed)
        ]
        return CalendarContent(Zones.of(None, ctx), cancel_all, views)


def _series_key(event: PlainEvent) -> str:
    """The UID the event is grouped by: as written, else the one the preparation derives."""
    uid = event.text("UID")
    if uid is not None and clean_text(uid, single_line=True):
        return uid
    return derived_uid(event.start_text, clean_text(event.text("SUMMARY"), single_line=True))


@dataclass(slots=True)
class PlainView:
    """A VEVENT read here without a series for icalendar: valid dates only, no X-APPLE-STRUCTURED-LOCATION."""

    event: PlainEvent
    uid: str | None = None  # set when derived
    dates: dict[str, dt.date] = field(default_factory=dict)  # normalized
    basis: str = "zone"  # DTSTART's `zone_basis`

    def text(self, name: str) -> object:
        if name == "UID" and self.uid is not None:
            return self.uid
        return self.event.text(name)

    def has(self, name: str) -> bool:
        if name in DATE_PROPERTIES:
            return name in self.event.dates
        if name == "DURATION":
            return self.event.duration is not None
        return (name == "UID" and self.uid is not None) or name in self.event.texts

    def raw_start(self) -> str:
        return self.event.start_text

    def set_uid(self, uid: str) -> None:
        self.uid = uid

    def series_key(self) -> str:
        return str(self.text("UID"))

    def normalize_date(self, name: str, zones: Zones) -> str | None:
        tzid = self.event.tzids.get(name)
        params = {"TZID": tzid} if tzid else {}
        if name == "DTSTART":
            self.basis = start_basis(self.event.dates[name], params, zones)
        self.dates[name] = normalize_time(self.event.dates[name], params, zones)
        return None

    def normalize_date_list(self, name: str, zones: Zones) -> list[str]:
        raise AssertionError(f"{name} makes a series, which icalendar reads")

    def date(self, name: str) -> dt.date:
        return self.dates[name]

    def duration(self) -> dt.timedelta | None:
        return self.event.duration

    def coordinates(self) -> tuple[float | None, float | None]:
        return (valid_point(*self.event.geo) if self.event.geo is not None else None) or (None, None)

    def zone_basis(self) -> str:
        return self.basis

    def categories(self) -> list[list[object]]:
        return [list(vCategory(split_on_unescaped_comma(raw)).cats) for raw in self.event.categories] or [[]]

    def member(self) -> Member | Lone:
        rule = self.event.only_rule()
        if rule is None:
            return Lone(self, *self._span())
        return Member(_ruled_component(self, rule), self)

    def _span(self) -> tuple[dt.date, dt.date]:
        """The span recurring-ical-events' EventAdapter gives a lone event (end from DTEND, DURATION or
        RFC 5545's default), for the dates this reader admits: start and end of one kind, no all-day
        start with hours of DURATION."""
        start = self.dates["DTSTART"]
        if "DTEND" in self.dates:
            end = self.dates["DTEND"]
        elif self.event.duration is not None:
            end = start + self.event.duration  # the preparation saw a valid one
        else:
            end = start if isinstance(start, dt.datetime) else start + dt.timedelta(days=1)
        return (end, start) if start > end else (start, end)


def _ruled_component(view: PlainView, rule: vRecur) -> Event:
    """A prepared event whose one recurrence property is its RRULE, as recurring-ical-events needs it:
    UID, the normalized times, DURATION and the rule, each as icalendar would hold it. (Without
    SEQUENCE: a one-component series only puts it on its occurrences, which are not read.)"""
    component = Event()
    component["UID"] = vText(view.series_key())
    for name, value in view.dates.items():
        component[name] = vDDDTypes(value)
    if view.event.duration is not None:
        component["DURATION"] = vDDDTypes(view.event.duration)
    component["RRULE"] = rule
    return component


class _NotPlain(Exception):
    """The document holds something only icalendar reads exactly."""


def read_plain_calendars(text: str) -> list[PlainCalendar] | None:
    """Every VCALENDAR of the text, or None to use icalendar.

    The text may be decoded but not repaired: anything `repair_structure` would change (a line it
    drops, an unclosed component, a bare VEVENT, bare dates it marks VALUE=DATE…) is refused, so
    what is read is what repair would have given; repaired text reads the same.
    """
    try:
        return _Reader().read(text)
    except _NotPlain:
        return None


class _Reader:
    def __init__(self) -> None:
        self.calendars: list[PlainCalendar] = []
        self.stack: list[str] = []
        self.event: PlainEvent | None = None
        self.checked_lines: list[str] = []  # VTIMEZONE and VALARM blocks, for icalendar to check

    def read(self, text: str) -> list[PlainCalendar]:
        lines = logical_lines(text)
        for line in lines[:-1] if lines and not lines[-1] else lines:
            match = _LINE.fullmatch(line)
            if match is None:
                raise _NotPlain
            name, params, value = match.groups()
            name = name.upper()
            if name in ("BEGIN", "END"):
                if params:
                    raise _NotPlain  # repair rewrites the line without them
                if name == "BEGIN":
                    self._begin(value)
                else:
                    self._end(value)
            else:
                self._property(name, params, value, line)
        if self.stack:
            raise _NotPlain  # repair_structure closes every component; anything else is not ours
        if self.checked_lines and not _icalendar_accepts("\r\n".join(self.checked_lines)):
            raise _NotPlain
        return self.calendars

    def _begin(self, value: str) -> None:
        component = value.upper()
        line = f"BEGIN:{component}"  # as repair writes it
        if component not in _CHILDREN.get(self.stack[-1] if self.stack else None, ()):
            raise _NotPlain
        if component == "VCALENDAR":
            self.calendars.append(PlainCalendar())
        elif component == "VEVENT":
            self.event = PlainEvent()
        else:
            self.checked_lines.append(line)
        if self.event is not None:
            self.event.lines.append(line)
        self.stack.append(component)

    def _end(self, value: str) -> None:
        component = value.upper()
        line = f"END:{component}"
        if not self.stack or self.stack[-1] != component:
            raise _NotPlain
        self.stack.pop()
        if component in _CHECKED_COMPONENTS:
            self.checked_lines.append(line)
        if self.event is not None:
            self.event.lines.append(line)
            if component == "VEVENT":
                _check_event(self.event)
                self.calendars[-1].events.append(self.event)
                self.event = None

    def _property(self, name: str, params: str, value: str, line: str) -> None:
        if not self.stack:
            raise _NotPlain
        where = self.stack[-1]
        if where in _CHECKED_COMPONENTS:
            if name == "RRULE" and "VTIMEZONE" in self.stack and not yearly_rule(line):
                raise _NotPlain  # repair drops it
            self.checked_lines.append(line)
            if self.event is not None:
                self.event.lines.append(line)
        elif where == "VEVENT" and self.event is not None:
            self.event.lines.append(line)
            _read_event_property(self.event, name, _parameters(params), value)
        elif where == "VCALENDAR":
            _read_calendar_property(self.calendars[-1], name, params, value)
        else:
            raise _NotPlain


def _parameters(params: str) -> dict[str, str]:
    if not params:
        return {}
    found: dict[str, str] = {}
    for key, value in _PARAM.findall(params):
        key = key.upper()
        if key in found:
            raise _NotPlain
        found[key] = value
    return found


def _read_calendar_property(calendar: PlainCalendar, name: str, params: str, value: str) -> None:
    """The calendar's own lines: icalendar raises on a broken standard property, so only safe ones pass."""
    if name == "X-WR-TIMEZONE" or not (name.startswith("X-") or (name in _CALENDAR_PROPERTIES and not params)):
        raise _NotPlain
    if name == "METHOD":
        if calendar.method is not None:
            raise _NotPlain
        calendar.method = value


def _read_event_property(event: PlainEvent, name: str, params: dict[str, str], value: str) -> None:
    if name in SERIES_PROPERTIES:
        event.recurrence.append(name)
        if name == "RRULE" and not params and "\\" not in value:
            event.rule = _rule(value)
        if name in ("EXDATE", "RDATE") and "VALUE" not in params and only_dates(value):
            raise _NotPlain  # repair marks them VALUE=DATE
        tzid = params.get("TZID")
        if tzid is not None and not plain_tzid(tzid):
            raise _NotPlain  # an unknown zone is read with the calendar's VTIMEZONE: icalendar's work
    elif name in DATE_PROPERTIES:
        if name in event.dates:
            raise _NotPlain
        event.dates[name] = _date_value(params, value)
        if "TZID" in params:
            event.tzids[name] = params["TZID"]
        if name == "DTSTART":
            event.start_text = value
        if name == "RECURRENCE-ID":
            event.recurrence.append(name)
    elif name in TEXT_PROPERTIES:
        if name in event.texts or "VALUE" in params:
            raise _NotPlain  # a repeated property is a list to icalendar; VALUE= changes its type
        event.texts[name] = value
    elif name in ("DURATION", "GEO"):
        if "VALUE" in params or (event.duration if name == "DURATION" else event.geo) is not None:
            raise _NotPlain
        if name == "DURATION":
            event.duration = _duration(value)
        else:
            event.geo = _geo(value)
    elif name == "CATEGORIES":
        if "VALUE" in params:
            raise _NotPlain
        event.categories.append(value)
    elif name in _REFUSED_PROPERTIES:
        raise _NotPlain


def _date_value(params: dict[str, str], value: str) -> dt.date:
    """DATE with VALUE=DATE, or DATE-TIME (UTC, floating, or with a TZID resolve_tzid knows)."""
    tzid = params.get("TZID")
    if set(params) - {"TZID", "VALUE"} or (tzid is not None and not plain_tzid(tzid)):
        raise _NotPlain
    try:
        if params.get("VALUE") == "DATE" and tzid is None:
            match = _DATE.fullmatch(value)
            if match is not None:
                return dt.date(*map(int, match.groups()))
        elif "VALUE" not in params:
            match = _DATE_TIME.fullmatch(value)
            if match is not None and not (tzid and match.group(7)):
                *parts, utc = match.groups()
                year, month, day, hour, minute, second = map(int, parts)
                return dt.datetime(year, month, day, hour, minute, second, tzinfo=_UTC if utc else None)
    except ValueError:
        pass  # out of range: the icalendar path rejects it with icalendar's words
    raise _NotPlain


def _duration(value: str) -> dt.timedelta:
    try:
        duration = vDDDTypes.from_ical(unescape_backslash(value))
    except (ValueError, TypeError) as exc:
        raise _NotPlain from exc
    if not isinstance(duration, dt.timedelta):
        raise _NotPlain
    return duration


def _rule(value: str) -> vRecur | None:
    """The RRULE value icalendar makes of the line; None where it keeps the property as broken."""
    try:
        return vRecur(vRecur.from_ical(value))
    except (ValueError, TypeError):
        return None


def _geo(value: str) -> tuple[float, float]:
    try:
        latitude, longitude = vGeo.from_ical(unescape_backslash(value))
    except (ValueError, TypeError) as exc:
        raise _NotPlain from exc
    return latitude, longitude


def _check_event(event: PlainEvent) -> None:
    """Refuse the spans and identities only recurring-ical-events and icalendar compute exactly."""
    start, end = event.dates.get("DTSTART"), event.dates.get("DTEND")
    if start is not None and end is not None and isinstance(start, dt.datetime) != isinstance(end, dt.datetime):
        raise _NotPlain  # a date and a date-time: the library converts one to the other
    all_day = isinstance(start, dt.date) and not isinstance(start, dt.datetime)
    if all_day and event.duration is not None and (event.duration.seconds or event.duration.microseconds):
        raise _NotPlain  # an all-day start with hours: the library makes it a floating time
    uid = event.text("UID")
    if "DTSTART" in event.tzids and (uid is None or not clean_text(uid, single_line=True)):
        raise _NotPlain  # a derived UID hashes DTSTART as icalendar writes it back, which depends on the zone


def plain_tzid(tzid: str) -> bool:
    """A TZID whose times the parser reads in the zone resolve_tzid names, whatever VTIMEZONE says."""
    return resolve_tzid(tzid) is not None


def _icalendar_accepts(text: str) -> bool:
    try:
        Calendar.from_ical(f"BEGIN:VCALENDAR\r\n{text}\r\nEND:VCALENDAR\r\n")
    except Exception:  # noqa: BLE001 - whatever it is, the icalendar path meets it again and reports it
        return False
    return True


def series_text(events: list[PlainEvent]) -> str:
    """One VCALENDAR holding these events' lines, for icalendar."""
    body = "\r\n".join(line for event in events for line in event.lines)
    return f"BEGIN:VCALENDAR\r\n{body}\r\nEND:VCALENDAR\r\n"
