"""The icalendar reader: the reference path, and the fallback for whatever `ical_plain` does not read.

icalendar 7 parses the whole document; x-wr-timezone turns Google's UTC exports with X-WR-TIMEZONE
into local times. Each VEVENT is seen through `ComponentView`, which normalizes its dates in place,
because recurring-ical-events reads the same component afterwards.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any, cast

import x_wr_timezone
from icalendar import Calendar, Component, vDDDLists, vDDDTypes
from icalendar.error import InvalidCalendar

from pyevents.pipeline.model import ParseContext
from pyevents.pipeline.normalize.text import clean_text
from pyevents.pipeline.normalize.timezones import resolve_tzid
from pyevents.pipeline.parsers.ical_view import (
    CalendarContent,
    Member,
    Zones,
    normalize_time,
    start_basis,
    valid_point,
)


def read_calendars(text: str) -> list[ComponentCalendar]:
    """Every VCALENDAR of the (repaired) text; ValueError when icalendar cannot parse it."""
    return [ComponentCalendar(calendar) for calendar in Calendar.from_ical(text, multiple=True)]


@dataclass(slots=True)
class ComponentCalendar:
    """A VCALENDAR parsed by icalendar."""

    calendar: Component

    def content(self, ctx: ParseContext, warnings: list[str]) -> CalendarContent:
        calendar = self.calendar
        declared = calendar.get("X-WR-TIMEZONE")
        zones = Zones.of(resolve_tzid(str(declared)) if declared else None, ctx)
        if zones.calendar is not None:
            calendar["X-WR-TIMEZONE"] = zones.calendar
            try:
                calendar = x_wr_timezone.to_standard(calendar)
            except (ValueError, zoneinfo.ZoneInfoNotFoundError) as exc:
                warnings.append(f"X-WR-TIMEZONE not applied: {clean_text(exc, single_line=True)[:120]}")
        cancel_all = str(calendar.get("METHOD", "")).strip().upper() == "CANCEL"
        events = [ComponentView(component) for component in calendar.subcomponents if component.name == "VEVENT"]
        return CalendarContent(zones, cancel_all, events)


@dataclass(slots=True)
class ComponentView:
    """An icalendar VEVENT; normalizing writes into it, as recurring-ical-events reads it afterwards."""

    component: Component
    basis: str = "zone"  # DTSTART's `zone_basis`

    def text(self, name: str) -> object:
        return self.component.get(name)

    def has(self, name: str) -> bool:
        return name in self.component

    def raw_start(self) -> str:
        start = self.component.get("DTSTART")
        return start.to_ical().decode("utf-8", "replace") if start is not None else ""

    def set_uid(self, uid: str) -> None:
        self.component["UID"] = uid

    def series_key(self) -> str:
        return str(self.component["UID"])

    def normalize_date(self, name: str, zones: Zones) -> str | None:
        prop = self.component[name]
        if isinstance(prop, list):  # a repeated DTSTART/DTEND: the first one counts
            prop = prop[0]
        value = _property_value(prop)
        if value is None:
            return f"has an invalid value {raw(prop)!r}"
        if name == "DTSTART":
            self.basis = start_basis(value, prop.params, zones)
        self.component[name] = vDDDTypes(normalize_time(value, prop.params, zones))
        return None

    def normalize_date_list(self, name: str, zones: Zones) -> list[str]:
        component = self.component
        listed: Any = component[name]  # any property: a broken one has no `dts`, handled below
        props = listed if isinstance(listed, list) else [listed]
        values: list[object] = []
        broken: list[str] = []
        for prop in props:
            try:
                items = prop.dts
            except (InvalidCalendar, AttributeError):
                broken.append(raw(prop))
                continue
            for item in items:
                value = item.dt
                if isinstance(value, tuple):  # PERIOD: start with an end or a duration
                    start = normalize_time(value[0], item.params, zones)
                    end = value[1] if isinstance(value[1], dt.timedelta) else normalize_time(value[1], item.params, zones)
                    values.append((start, end))
                else:
                    values.append(normalize_time(value, item.params, zones))
        if values:
            component[name] = vDDDLists(values)
        else:
            del component[name]
        return broken

    def date(self, name: str) -> dt.date:
        return when(self.component, name)

    def duration(self) -> dt.timedelta | None:
        try:
            prop: Any = self.component["DURATION"]  # any property: a broken one raises on `dt`
            value = prop.dt
        except (InvalidCalendar, AttributeError, ValueError):
            return None
        return value if isinstance(value, dt.timedelta) else None

    def coordinates(self) -> tuple[float | None, float | None]:
        geo = self.component.get("GEO")
        if geo is not None:
            point = valid_point(attribute(geo, "latitude"), attribute(geo, "longitude"))
            if point is not None:
                return point
        structured = self.component.get("X-APPLE-STRUCTURED-LOCATION")
        for value in structured if isinstance(structured, list) else [structured]:
            text = str(value or "").strip()
            if text.lower().startswith("geo:"):
                lat, _, rest = text[4:].partition(",")
                point = valid_point(lat, rest.split(";", 1)[0].split(",", 1)[0])
                if point is not None:
                    return point
        return None, None

    def zone_basis(self) -> str:
        return self.basis

    def categories(self) -> list[list[object]]:
        categories = self.component.get("CATEGORIES")
        return [list(attribute(prop, "cats") or []) for prop in (categories if isinstance(categories, list) else [categories])]

    def member(self) -> Member:
        return Member(self.component, self)


def when(component: Component, name: str) -> dt.date:
    """DTSTART, DTEND or RECURRENCE-ID once `normalize_date` rewrote it: a date or a date-time."""
    return cast(dt.date, cast(vDDDTypes, component[name]).dt)


def attribute(prop: object, name: str) -> Any:
    """An attribute of a parsed property; None when icalendar kept the property as broken."""
    try:
        return getattr(prop, name, None)
    except InvalidCalendar:
        return None


def raw(prop: object) -> str:
    """A property's value as written, for a reject's detail."""
    try:
        written = prop.to_ical()  # type: ignore[attr-defined]
    except (AttributeError, ValueError, TypeError):
        written = str(prop)
    text = written.decode("utf-8", "replace") if isinstance(written, bytes) else str(written)
    return clean_text(text, single_line=True)[:80]


def _property_value(prop: object) -> dt.date | dt.datetime | None:
    try:
        value = prop.dt  # type: ignore[attr-defined]
    except (InvalidCalendar, AttributeError):
        return None
    return value if isinstance(value, dt.date) else None
