"""What an iCalendar reader gives the parser, whichever reader it is: the interface and what it shares.

Two readers implement it: `ical_component` (icalendar, the reference) and `ical_plain` (the fast path
for plain text). `ical` chooses one per document and only ever sees these types: a `CalendarView`
per VCALENDAR, an `EventView` per VEVENT, and for each prepared event its `Member` of a series (a
component recurring-ical-events expands) or a `Lone` span. The date normalizing both readers share
lives here too, so they read every time the same way.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from icalendar import Component

from pyevents.pipeline.model import ParseContext
from pyevents.pipeline.normalize.timezones import canonical_zone, resolve_tzid, tzid_basis

_UTC = zoneinfo.ZoneInfo("UTC")


@dataclass(slots=True)
class Zones:
    """Which zone a time is read in when the calendar does not say it precisely."""

    floating: str  # times without zone: the source's default zone, then the federation's
    calendar: str | None  # X-WR-TIMEZONE, resolved
    default: str | None  # the source's configured zone
    unknown: dict[str, str] = field(default_factory=dict)  # unresolvable TZID -> how it was read

    @classmethod
    def of(cls, calendar_zone: str | None, ctx: ParseContext) -> Zones:
        """The zones of a calendar that declares `calendar_zone` (X-WR-TIMEZONE, resolved)."""
        floating = ctx.defaults.timezone or calendar_zone or ctx.federation_timezone
        return cls(floating=floating, calendar=calendar_zone, default=ctx.defaults.timezone)

    def label_for(self, series_zone: str | None) -> str:
        """The local zone named for an instant given in UTC or in a zone without IANA name."""
        return series_zone or self.calendar or self.default or "UTC"


class EventView(Protocol):
    """A VEVENT as the preparation and the SourceEvent need it, whichever reader read it."""

    def text(self, name: str) -> object:
        """The property's value (None when absent); `clean_text` makes it a string."""

    def has(self, name: str) -> bool: ...

    def raw_start(self) -> str:
        """DTSTART as icalendar writes it back ("" when absent)."""

    def set_uid(self, uid: str) -> None: ...

    def series_key(self) -> str:
        """The UID the event is grouped by (before cleaning)."""

    def normalize_date(self, name: str, zones: Zones) -> str | None:
        """Read the date property in its IANA zone; a problem when its value is invalid. DTSTART's
        reading also records how the event states its zone (`zone_basis`)."""

    def normalize_date_list(self, name: str, zones: Zones) -> list[str]:
        """Normalize every EXDATE/RDATE value; broken ones are dropped and returned."""

    def date(self, name: str) -> dt.date:
        """A normalized date property."""

    def duration(self) -> dt.timedelta | None:
        """DURATION, None when it is invalid."""

    def coordinates(self) -> tuple[float | None, float | None]: ...

    def zone_basis(self) -> str:
        """How DTSTART stated its zone (`SourceEvent.zone_basis`), as recorded when it was normalized."""

    def categories(self) -> list[list[object]]:
        """The values of every CATEGORIES property."""

    def member(self) -> Member | Lone:
        """The prepared event as its series takes it: a component for recurring-ical-events, or one span."""


@dataclass(slots=True)
class Member:
    """A component recurring-ical-events expands with its series, and the view its details are read from."""

    component: Component
    view: EventView


@dataclass(slots=True)
class Lone:
    """A prepared event without recurrence that needs no expansion: its one span."""

    view: EventView
    start: dt.date
    end: dt.date


@dataclass(slots=True)
class CalendarContent:
    """One VCALENDAR as the parser reads it."""

    zones: Zones
    cancel_all: bool  # METHOD:CANCEL
    events: Iterable[EventView]


class CalendarView(Protocol):
    """One VCALENDAR as a reader read it."""

    def content(self, ctx: ParseContext, warnings: list[str]) -> CalendarContent:
        """Its zones, METHOD and events; what the reader had to give up on goes to `warnings`."""


def derived_uid(raw_start: str, summary: str) -> str:
    """A UID that survives re-crawls of a source that sends none: a hash of DTSTART and SUMMARY."""
    digest = hashlib.sha256(f"{raw_start}\x1f{summary}".encode()).hexdigest()[:24]
    return f"pyevents-derived-{digest}"


def normalize_time(value: dt.date, params: dict[str, str], zones: Zones) -> dt.date:
    """Dates stay dates; date-times become aware in their IANA zone (wall time kept)."""
    if not isinstance(value, dt.datetime):
        return value
    if str(params.get("VALUE", "")).upper() == "DATE":
        return value.date()  # TZID;VALUE=DATE (Japan holidays): icalendar makes midnight of it
    tzid = params.get("TZID")
    if tzid:
        resolved = resolve_tzid(str(tzid))
        if resolved is not None:
            return value.replace(tzinfo=zoneinfo.ZoneInfo(resolved))
        if value.tzinfo is not None:
            zones.unknown.setdefault(str(tzid), "times read with the calendar's VTIMEZONE rules")
            return value
        zones.unknown.setdefault(str(tzid), f"times read in {zones.floating}")
        return value.replace(tzinfo=zoneinfo.ZoneInfo(zones.floating))
    if value.tzinfo is None:
        return value.replace(tzinfo=zoneinfo.ZoneInfo(zones.floating))
    if isinstance(value.tzinfo, zoneinfo.ZoneInfo) and value.tzinfo.key != canonical_zone(value.tzinfo.key):
        return value.replace(tzinfo=zoneinfo.ZoneInfo(canonical_zone(value.tzinfo.key)))
    return value


def start_basis(value: dt.date, params: dict[str, str], zones: Zones) -> str:
    """How a DTSTART states its zone: a named zone, an alias, an offset (UTC included) or none (floating)."""
    tzid = params.get("TZID")
    if not isinstance(value, dt.datetime) or str(params.get("VALUE", "")).upper() == "DATE":
        return "floating"
    if tzid and resolve_tzid(str(tzid)) is not None:
        return tzid_basis(str(tzid))
    if value.tzinfo is not None:
        # UTC, or a VTIMEZONE of a name no table knows: only its offsets are sure
        return "zone" if isinstance(value.tzinfo, zoneinfo.ZoneInfo) and value.tzinfo.key != "UTC" else "offset"
    # X-WR-TIMEZONE names where a calendar's wall times are, unless it is only Google's UTC default
    return "zone" if zones.calendar and zones.calendar != "UTC" else "floating"


def valid_point(lat: object, lon: object) -> tuple[float, float] | None:
    try:
        latitude, longitude = float(str(lat)), float(str(lon))
    except ValueError:
        return None
    if -90 <= latitude <= 90 and -180 <= longitude <= 180:
        return latitude, longitude
    return None


def as_instant(value: dt.date, like: dt.date) -> dt.datetime:
    """Dates and date-times made comparable: a date is midnight in the zone of the other value."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=_UTC)
    tz = like.tzinfo if isinstance(like, dt.datetime) and like.tzinfo is not None else _UTC
    return dt.datetime.combine(value, dt.time(), tz)
