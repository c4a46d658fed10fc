"""iCalendar sources (Google, Meetup, Outlook, pretalx, Luma … exports) → one SourceEvent per occurrence.

icalendar 7 parses, x-wr-timezone fixes Google's UTC exports, recurring-ical-events expands series
inside the window. Around them this module: repairs the text first (`ical_text`), maps every TZID to
an IANA zone (`normalize.timezones`), rejects what cannot be used with a reason, and bounds
recurrence expansion (`ical_recurrence`), so a hostile calendar ends in bounded time while its good
events are kept. Pure function: bytes and a context in, a ParsedSource out.

icalendar's reading is most of a nightly's parse time, so plain documents are read by `ical_plain`, before any
repair when they need none; an event whose one recurrence is its RRULE goes to recurring-ical-events
as a component built from that reading, the events of other series still go to icalendar first. Both readers feed the same
preparation and occurrence code through `_EventView`; icalendar stays the reference and the fallback.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import warnings
import zoneinfo
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

import x_wr_timezone
from icalendar import Calendar, Component, Event, vCategory, vDDDLists, vDDDTypes, vRecur, vText
from icalendar.error import InvalidCalendar
from icalendar.parser.property import split_on_unescaped_comma, unescape_backslash
from recurring_ical_events import EventAdapter, Series
from recurring_ical_events.occurrence import Occurrence

from pyevents.pipeline.model import ParseContext, ParsedSource, Reject, SourceEvent
from pyevents.pipeline.normalize.text import clean_text, html_to_text, safe_url
from pyevents.pipeline.normalize.timezones import canonical_zone, resolve_tzid, tzid_basis
from pyevents.pipeline.parsers.ical_plain import (
    PlainCalendar,
    PlainEvent,
    read_plain_calendars,
    series_text,
)
from pyevents.pipeline.parsers.ical_recurrence import (
    CALENDAR_WORK_LIMIT,
    SERIES_WORK_LIMIT,
    rule_cost,
)
from pyevents.pipeline.parsers.ical_text import decode_calendar, not_a_calendar, repair_structure
from pyevents.pipeline.parsers.markup_event import (  # one length limit for every parser
    MAX_DESCRIPTION,
    MAX_TITLE,
)

MAX_CALENDARS = 50  # VCALENDARs in one file
MAX_OCCURRENCES_PER_CALENDAR = 100_000
MAX_TAGS = 30
# recurring-ical-events compares all-day dates in UTC; widen its span and filter exactly afterwards.
_SPAN_MARGIN = dt.timedelta(days=2)
_OUT_OF_WINDOW_ALLOWANCE = 1_000  # occurrences of one series in the margins, before it counts as hostile
_STATUSES = {"CONFIRMED": "confirmed", "TENTATIVE": "tentative", "CANCELLED": "cancelled"}
_DATE_PROPERTIES = ("DTSTART", "DTEND", "RECURRENCE-ID")
_DATE_LIST_PROPERTIES = ("EXDATE", "RDATE")
_UTC = zoneinfo.ZoneInfo("UTC")


def parse_ical(body: bytes, ctx: ParseContext, *, icalendar_only: bool = False) -> ParsedSource:
    """Every occurrence overlapping ctx.window, rejects with reasons, or an error for a non-calendar.

    Plain documents are read by `ical_plain`; `icalendar_only` forces the reference path (icalendar
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
        budget = _Budget()
        for calendar in calendars[:MAX_CALENDARS]:
            if isinstance(calendar, PlainCalendar):
                _read_plain_calendar(calendar, ctx, result, budget)
            else:
                _read_calendar(calendar, ctx, result, budget)
    return result


def _calendars(text: str, icalendar_only: bool, result: ParsedSource) -> list[Component] | list[PlainCalendar] | None:
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
        return Calendar.from_ical(repaired.text, multiple=True)  # type: ignore[no-any-return]
    except ValueError as exc:
        result.error = f"unparsable iCalendar: {clean_text(exc, single_line=True)[:200]}"
        return None


@dataclass(slots=True)
class _Budget:
    """Work spent on one source across its VCALENDARs."""

    rule_work: int = 0
    occurrences: int = 0


@dataclass(slots=True)
class _Zones:
    """Which zone a time is read in when the calendar does not say it precisely."""

    floating: str  # times without zone: the source's default zone, then the federation's
    calendar: str | None  # X-WR-TIMEZONE, resolved
    default: str | None  # the source's configured zone
    unknown: dict[str, str] = field(default_factory=dict)  # unresolvable TZID -> how it was read

    def label_for(self, series_zone: str | None) -> str:
        """The local zone named for an instant given in UTC or in a zone without IANA name."""
        return series_zone or self.calendar or self.default or "UTC"


def _read_calendar(calendar: Component, ctx: ParseContext, result: ParsedSource, budget: _Budget) -> None:
    zones = _calendar_zones(calendar, ctx)
    if zones.calendar is not None:
        calendar["X-WR-TIMEZONE"] = zones.calendar
        try:
            calendar = x_wr_timezone.to_standard(calendar)
        except (ValueError, zoneinfo.ZoneInfoNotFoundError) as exc:
            result.warnings.append(f"X-WR-TIMEZONE not applied: {clean_text(exc, single_line=True)[:120]}")
    cancel_all = str(calendar.get("METHOD", "")).strip().upper() == "CANCEL"
    series: dict[str, list[Component] | _Lone] = {}
    for component in calendar.subcomponents:
        if component.name != "VEVENT":
            continue
        _add_prepared(_ComponentView(component), series, zones, ctx, result)
    _read_series(series, ctx, zones, cancel_all, result, budget)


def _read_plain_calendar(calendar: PlainCalendar, ctx: ParseContext, result: ParsedSource, budget: _Budget) -> None:
    """As `_read_calendar`. Lone events skip recurring-ical-events; an event whose only recurrence is
    its RRULE goes to it as a component built from the plain reading; other series' components are
    parsed by icalendar."""
    zones = _Zones(floating=ctx.defaults.timezone or ctx.federation_timezone, calendar=None, default=ctx.defaults.timezone)
    cancel_all = unescape_backslash(calendar.method or "").strip().upper() == "CANCEL"
    keys = [_plain_series_key(event) for event in calendar.events]
    counts = Counter(keys)
    in_series = [
        counts[key] > 1 or (event.in_series and event.only_rule() is None) for event, key in zip(calendar.events, keys)
    ]
    series_events = [event for event, listed in zip(calendar.events, in_series) if listed]
    components = iter(Calendar.from_ical(series_text(series_events)).subcomponents if series_events else [])
    series: dict[str, list[Component] | _Lone] = {}
    for event, listed in zip(calendar.events, in_series):
        view = _ComponentView(next(components)) if listed else _PlainView(event)
        _add_prepared(view, series, zones, ctx, result)
    _read_series(series, ctx, zones, cancel_all, result, budget)


def _plain_series_key(event: PlainEvent) -> str:
    """The UID the event is grouped by: as written, else the one `_prepare_event` derives."""
    uid = event.text("UID")
    if uid is not None and clean_text(uid, single_line=True):
        return uid
    return _derived_uid(event.start_text, clean_text(event.text("SUMMARY"), single_line=True))


def _add_prepared(
    view: _EventView, series: dict[str, list[Component] | _Lone], zones: _Zones, ctx: ParseContext, result: ParsedSource
) -> None:
    reject = _prepare_event(view, zones, ctx, result)
    if reject is not None:
        result.rejects.append(reject)
        return
    key = view.series_key()
    if isinstance(view, _PlainView):
        rule = view.event.only_rule()
        series[key] = _Lone(view, *_lone_span(view)) if rule is None else [_RuledEvent.of(view, rule)]
    else:
        members = series.setdefault(key, [])
        assert isinstance(members, list)  # a lone event's key is used once: `_read_plain_calendar` counted
        members.append(view.component)


def _read_series(
    series: dict[str, list[Component] | _Lone],
    ctx: ParseContext,
    zones: _Zones,
    cancel_all: bool,
    result: ParsedSource,
    budget: _Budget,
) -> None:
    for tzid, how in zones.unknown.items():
        result.rejects.append(Reject(ctx.source_id, "unknown-tzid", f"TZID {tzid!r} is not a known zone; {how}"))
    for uid, members in series.items():
        if budget.occurrences >= MAX_OCCURRENCES_PER_CALENDAR:
            result.rejects.append(
                Reject(ctx.source_id, "rule-too-large", f"{uid}: source exceeds {MAX_OCCURRENCES_PER_CALENDAR} occurrences")
            )
            continue
        if isinstance(members, _Lone):
            details = _details(members.view, ctx, cancel_all)
            occurrences: Iterable[_Occurrence] = [(details, members.start, members.end, members.start)]
            _keep_occurrences(uid, occurrences, False, _series_zone(members.start), ctx, zones, result, budget)
            continue
        refusal = _refuse_rules(uid, members, ctx, budget)
        if refusal is not None:
            result.rejects.append(refusal)
            continue
        _expand_series(uid, members, ctx, zones, cancel_all, result, budget)


def _calendar_zones(calendar: Component, ctx: ParseContext) -> _Zones:
    declared = calendar.get("X-WR-TIMEZONE")
    calendar_zone = resolve_tzid(str(declared)) if declared else None
    floating = ctx.defaults.timezone or calendar_zone or ctx.federation_timezone
    return _Zones(floating=floating, calendar=calendar_zone, default=ctx.defaults.timezone)


# --- one VEVENT, read by icalendar or by `ical_plain`: validate and normalize its dates ----------------


class _EventView(Protocol):
    """A VEVENT as the preparation and the SourceEvent need it, whichever reader read it."""

    def text(self, name: str) -> object:
        """The property's value (None when absent); `clean_text` makes it a string."""

    def has(self, name: str) -> bool: ...

    def raw_start(self) -> str:
        """DTSTART as icalendar writes it back ("" when absent)."""

    def set_uid(self, uid: str) -> None: ...

    def series_key(self) -> str:
        """The UID the event is grouped by (before cleaning)."""

    def normalize_date(self, name: str, zones: _Zones) -> str | None:
        """Read the date property in its IANA zone; a problem when its value is invalid. DTSTART's
        reading also records how the event states its zone (`zone_basis`)."""

    def normalize_date_list(self, name: str, zones: _Zones) -> list[str]:
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


@dataclass(slots=True)
class _ComponentView:
    """An icalendar VEVENT; normalizing writes into it, as recurring-ical-events reads it afterwards."""

    component: Component

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

    def normalize_date(self, name: str, zones: _Zones) -> str | None:
        prop = self.component[name]
        if isinstance(prop, list):  # a repeated DTSTART/DTEND: the first one counts
            prop = prop[0]
        value = _property_value(prop)
        if value is None:
            return f"has an invalid value {_raw(prop)!r}"
        if name == "DTSTART":
            # kept on the component: recurring-ical-events hands the component back with each occurrence
            self.component.pyevents_zone_basis = _basis(value, prop.params, zones)  # type: ignore[attr-defined]
        self.component[name] = vDDDTypes(_normalize_time(value, prop.params, zones))
        return None

    def normalize_date_list(self, name: str, zones: _Zones) -> list[str]:
        component = self.component
        props = component[name] if isinstance(component[name], list) else [component[name]]
        values: list[object] = []
        broken: list[str] = []
        for prop in props:
            try:
                items = prop.dts
            except (InvalidCalendar, AttributeError):
                broken.append(_raw(prop))
                continue
            for item in items:
                value = item.dt
                if isinstance(value, tuple):  # PERIOD: start with an end or a duration
                    start = _normalize_time(value[0], item.params, zones)
                    end = value[1] if isinstance(value[1], dt.timedelta) else _normalize_time(value[1], item.params, zones)
                    values.append((start, end))
                else:
                    values.append(_normalize_time(value, item.params, zones))
        if values:
            component[name] = vDDDLists(values)
        else:
            del component[name]
        return broken

    def date(self, name: str) -> dt.date:
        return self.component[name].dt

    def duration(self) -> dt.timedelta | None:
        try:
            value = self.component["DURATION"].dt
        except (InvalidCalendar, AttributeError, ValueError):
            return None
        return value if isinstance(value, dt.timedelta) else None

    def coordinates(self) -> tuple[float | None, float | None]:
        geo = self.component.get("GEO")
        if geo is not None:
            point = _valid_point(_attribute(geo, "latitude"), _attribute(geo, "longitude"))
            if point is not None:
                return point
        structured = self.component.get("X-APPLE-STRUCTURED-LOCATION")
        for value in structured if isinstance(structured, list) else [structured]:
            text = str(value or "").strip()
            if text.lower().startswith("geo:"):
                lat, _, rest = text[4:].partition(",")
                point = _valid_point(lat, rest.split(";", 1)[0].split(",", 1)[0])
                if point is not None:
                    return point
        return None, None

    def zone_basis(self) -> str:
        return getattr(self.component, "pyevents_zone_basis", "zone")

    def categories(self) -> list[list[object]]:
        categories = self.component.get("CATEGORIES")
        return [list(_attribute(prop, "cats") or []) for prop in (categories if isinstance(categories, list) else [categories])]


@dataclass(slots=True)
class _PlainView:
    """A VEVENT read by `ical_plain`: no series, no X-APPLE-STRUCTURED-LOCATION, valid dates only."""

    event: PlainEvent
    uid: str | None = None  # set when derived
    dates: dict[str, dt.date] = field(default_factory=dict)  # normalized
    basis: str = "zone"  # DTSTART's `zone_basis`

    def text(self, name: str) -> object:
        if name == "UID" and self.uid is not None:
            return self.uid
        return self.event.text(name)

    def has(self, name: str) -> bool:
        if name in ("DTSTART", "DTEND", "RECURRENCE-ID"):
            return name in self.event.dates
        if name == "DURATION":
            return self.event.duration is not None
        return name == "UID" and self.uid is not None or name in self.event.texts

    def raw_start(self) -> str:
        return self.event.start_text

    def set_uid(self, uid: str) -> None:
        self.uid = uid

    def series_key(self) -> str:
        return str(self.text("UID"))

    def normalize_date(self, name: str, zones: _Zones) -> str | None:
        tzid = self.event.tzids.get(name)
        params = {"TZID": tzid} if tzid else {}
        if name == "DTSTART":
            self.basis = _basis(self.event.dates[name], params, zones)
        self.dates[name] = _normalize_time(self.event.dates[name], params, zones)
        return None

    def normalize_date_list(self, name: str, zones: _Zones) -> list[str]:
        raise AssertionError(f"{name} makes a series, which icalendar reads")

    def date(self, name: str) -> dt.date:
        return self.dates[name]

    def duration(self) -> dt.timedelta | None:
        return self.event.duration

    def coordinates(self) -> tuple[float | None, float | None]:
        return (_valid_point(*self.event.geo) if self.event.geo is not None else None) or (None, None)

    def zone_basis(self) -> str:
        return self.basis

    def categories(self) -> list[list[object]]:
        return [list(vCategory(split_on_unescaped_comma(raw)).cats) for raw in self.event.categories] or [[]]


def _prepare_event(view: _EventView, zones: _Zones, ctx: ParseContext, result: ParsedSource) -> Reject | None:
    """Give the event a UID, IANA zones on every date-time and check its dates; a Reject if unusable.

    An unsafe URL only costs the event its link (noted in `result.rejects`).
    """
    summary = clean_text(view.text("SUMMARY"), single_line=True)
    if not view.has("UID") or not clean_text(view.text("UID"), single_line=True):
        view.set_uid(_derived_uid(view.raw_start(), summary))
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
        title = _untitled_title(ctx, clean_text(view.text("LOCATION"), single_line=True))
        result.rejects.append(Reject(ctx.source_id, "untitled", f"{label}: no SUMMARY; titled {title!r}"))
    raw_url = clean_text(view.text("URL"), single_line=True)
    if raw_url and safe_url(raw_url, ctx.url) is None:
        result.rejects.append(Reject(ctx.source_id, "unsafe-url", f"{label}: {raw_url[:120]}"))
    return _check_span(view, label, ctx)


def _untitled_title(ctx: ParseContext, location: str) -> str:
    """The title of an event without SUMMARY: its source's name, else its location, else its source's id."""
    return clean_text(ctx.source_name, single_line=True)[:MAX_TITLE] or location[:MAX_TITLE] or ctx.source_id


def _derived_uid(raw_start: str, summary: str) -> str:
    """A UID that survives re-crawls of a source that sends none: a hash of DTSTART and SUMMARY."""
    digest = hashlib.sha256(f"{raw_start}\x1f{summary}".encode()).hexdigest()[:24]
    return f"pyevents-derived-{digest}"


def _property_value(prop: object) -> dt.date | dt.datetime | None:
    try:
        value = prop.dt  # type: ignore[attr-defined]
    except (InvalidCalendar, AttributeError):
        return None
    return value if isinstance(value, dt.date) else None


def _raw(prop: object) -> str:
    try:
        raw = prop.to_ical()  # type: ignore[attr-defined]
    except (AttributeError, ValueError, TypeError):
        raw = str(prop)
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return clean_text(text, single_line=True)[:80]


def _normalize_time(value: dt.date, params: dict[str, str], zones: _Zones) -> dt.date:
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


def _basis(value: dt.date, params: dict[str, str], zones: _Zones) -> str:
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


def _check_span(view: _EventView, label: str, ctx: ParseContext) -> Reject | None:
    start = view.date("DTSTART")
    if view.has("DTEND"):
        end = view.date("DTEND")
        if _as_instant(end, start) < _as_instant(start, start):
            return Reject(ctx.source_id, "end-before-start", f"{label}: DTEND {end.isoformat()} < DTSTART {start.isoformat()}")
    elif view.has("DURATION"):
        duration = view.duration()
        if duration is None:
            return Reject(ctx.source_id, "bad-date", f"{label}: DURATION has an invalid value")
        if duration < dt.timedelta(0):
            return Reject(ctx.source_id, "end-before-start", f"{label}: negative DURATION {duration}")
    return None


def _lone_span(view: _PlainView) -> tuple[dt.date, dt.date]:
    """The span recurring-ical-events' EventAdapter gives a lone event (end from DTEND, DURATION or
    RFC 5545's default), for the dates `ical_plain` admits: start and end of one kind, no all-day
    start with hours of DURATION."""
    start = view.date("DTSTART")
    if view.has("DTEND"):
        end = view.date("DTEND")
    elif view.has("DURATION"):
        end = start + view.duration()  # type: ignore[operator]  # `_check_span` saw a valid one
    else:
        end = start if isinstance(start, dt.datetime) else start + dt.timedelta(days=1)
    return (end, start) if start > end else (start, end)


def _as_instant(value: dt.date, like: dt.date) -> dt.datetime:
    """Dates and date-times made comparable: a date is midnight in the zone of the other value."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=_UTC)
    tz = like.tzinfo if isinstance(like, dt.datetime) and like.tzinfo is not None else _UTC
    return dt.datetime.combine(value, dt.time(), tz)


# --- recurrence: refuse what is too large, expand the rest lazily ------------------------------------


def _refuse_rules(uid: str, components: list[Component], ctx: ParseContext, budget: _Budget) -> Reject | None:
    """A Reject when a rule of the series would cost more than the budget to expand."""
    window_end = ctx.window.end.date() + _SPAN_MARGIN
    work = 0
    for component in components:
        rules = component.get("RRULE")
        if rules is None:
            continue
        start = component["DTSTART"].dt
        start_day = start.date() if isinstance(start, dt.datetime) else start
        for rule in rules if isinstance(rules, list) else [rules]:
            if _attribute(rule, "items") is None:  # icalendar kept it as broken (its attributes raise)
                return Reject(ctx.source_id, "bad-rule", f"{uid}: unparsable RRULE {_raw(rule)!r}")
            cost = rule_cost(rule, start_day, window_end)
            if cost.problem is not None:
                return Reject(ctx.source_id, "rule-too-large", f"{uid}: {cost.problem}")
            work += cost.work
    if work > SERIES_WORK_LIMIT:
        return Reject(ctx.source_id, "rule-too-large", f"{uid}: expanding the rule up to the window would take too long")
    if budget.rule_work + work > CALENDAR_WORK_LIMIT:
        return Reject(ctx.source_id, "rule-too-large", f"{uid}: the source's recurrence budget is spent")
    budget.rule_work += work
    return None


def _expand_series(
    uid: str,
    components: list[Component],
    ctx: ParseContext,
    zones: _Zones,
    cancel_all: bool,
    result: ParsedSource,
    budget: _Budget,
) -> None:
    recurring = any(c.get("RRULE") is not None or c.get("RDATE") is not None or "RECURRENCE-ID" in c for c in components)
    single = not recurring and len(components) == 1 and "EXDATE" not in components[0]
    masters = [c for c in components if "RECURRENCE-ID" not in c] or components
    series_zone = _series_zone(masters[0]["DTSTART"].dt)
    limit = ctx.max_occurrences_per_series + _OUT_OF_WINDOW_ALLOWANCE
    details = _DetailsOnce(ctx, cancel_all)
    occurrences = _single_occurrence(components[0], details) if single else _occurrences(components, ctx, limit, details)
    _keep_occurrences(uid, occurrences, recurring, series_zone, ctx, zones, result, budget)


def _keep_occurrences(
    uid: str,
    occurrences: Iterable[_Occurrence],
    recurring: bool,
    series_zone: str | None,
    ctx: ParseContext,
    zones: _Zones,
    result: ParsedSource,
    budget: _Budget,
) -> None:
    """The occurrences inside the window as SourceEvents, at most the series' cap and the source's budget."""
    cap = ctx.max_occurrences_per_series
    kept = 0
    try:
        for details, start, end, original in occurrences:
            if kept >= cap or budget.occurrences >= MAX_OCCURRENCES_PER_CALENDAR:
                result.rejects.append(
                    Reject(ctx.source_id, "rule-too-large", f"{uid}: more than {cap} occurrences in the window; kept {kept}")
                )
                return
            event = _to_event(details, start, end, original, uid if recurring else None, ctx, zones, series_zone)
            if _overlaps(event, ctx):
                result.events.append(event)
                kept += 1
                budget.occurrences += 1
    except _TooManyOccurrences:
        result.rejects.append(Reject(ctx.source_id, "rule-too-large", f"{uid}: too many occurrences around the window"))
    except (InvalidCalendar, ValueError, TypeError, OverflowError) as exc:
        # recurring-ical-events' own errors (BadRuleStringFormat, PeriodEndBeforeStart) are ValueErrors
        detail = clean_text(exc, single_line=True)[:200]
        result.rejects.append(Reject(ctx.source_id, "bad-rule", f"{uid}: {type(exc).__name__}: {detail}"))


class _TooManyOccurrences(Exception):
    """A series yielded more occurrences around the window than any real calendar has."""


@dataclass(frozen=True, slots=True)
class _Details:
    """What a SourceEvent takes from the VEVENT besides its times: the same for every occurrence it gives."""

    uid: str
    title: str
    description: str
    status: str
    url: str | None
    location: str | None
    latitude: float | None
    longitude: float | None
    tags: list[str]
    zone_basis: str


def _details(view: _EventView, ctx: ParseContext, cancel_all: bool) -> _Details:
    latitude, longitude = view.coordinates()
    return _Details(
        uid=clean_text(view.text("UID"), single_line=True),
        title=clean_text(view.text("SUMMARY"), single_line=True)[:MAX_TITLE]
        or _untitled_title(ctx, clean_text(view.text("LOCATION"), single_line=True)),
        description=html_to_text(view.text("DESCRIPTION"))[:MAX_DESCRIPTION],
        status=_status(view, cancel_all),
        url=safe_url(view.text("URL"), ctx.url),  # Discourse writes paths relative to the feed
        location=clean_text(view.text("LOCATION"), single_line=True) or None,
        latitude=latitude,
        longitude=longitude,
        tags=_tags(view),
        zone_basis=view.zone_basis(),
    )


class _DetailsOnce:
    """Each component's details, computed once for all the occurrences it gives."""

    def __init__(self, ctx: ParseContext, cancel_all: bool) -> None:
        self._ctx = ctx
        self._cancel_all = cancel_all
        self._known: dict[int, _Details] = {}

    def of(self, component: Component) -> _Details:
        details = self._known.get(id(component))
        if details is None:
            view = component.view if isinstance(component, _RuledEvent) else _ComponentView(component)
            details = self._known[id(component)] = _details(view, self._ctx, self._cancel_all)
        return details


class _RuledEvent(Event):
    """A prepared plain event with an RRULE and no other recurrence property, as recurring-ical-events
    needs it: UID, the normalized times, DURATION and the rule, each as icalendar would hold it; the
    details are read from the plain view. (Without SEQUENCE: a one-component series only puts it on
    its occurrences, which are not read.)"""

    view: _PlainView

    @classmethod
    def of(cls, view: _PlainView, rule: vRecur) -> _RuledEvent:
        component = cls()
        component.view = view
        component["UID"] = vText(view.series_key())
        for name, value in view.dates.items():
            component[name] = vDDDTypes(value)
        if view.event.duration is not None:
            component["DURATION"] = vDDDTypes(view.event.duration)
        component["RRULE"] = rule
        return component


@dataclass(slots=True)
class _Lone:
    """A prepared event read by `ical_plain` without recurrence: its one span."""

    view: _PlainView
    start: dt.date
    end: dt.date


# An occurrence: the details of the component it comes from, its start and end as recurring-ical-events
# computes them, and its original start (RECURRENCE-ID) in the series.
_Occurrence = tuple[_Details, dt.date, dt.date, dt.date]


class _SourcedAdapter(EventAdapter):
    """An EventAdapter that names its component, so an occurrence needs no copy of it."""

    def __init__(self, component: Component) -> None:
        super().__init__(component)
        self.component = component


class _SourcedOccurrence(Occurrence):
    def __init__(self, adapter: _SourcedAdapter, start: dt.date | None, end: dt.date | None, sequence: int) -> None:
        super().__init__(adapter, start, end, sequence)
        self.component = adapter.component


class _SourcedSeries(Series):
    """A Series whose occurrences name their component (`occurrence` is the library's hook for this)."""

    def occurrence(self, adapter, start=None, end=None):  # type: ignore[no-untyped-def]  # the library's signature
        return _SourcedOccurrence(adapter, start, end, sequence=self.sequence)


def _occurrences(components: list[Component], ctx: ParseContext, limit: int, details: _DetailsOnce) -> Iterator[_Occurrence]:
    """The occurrences of one series near the window, lazily, at most `limit` of them.

    An occurrence takes the properties of the component it comes from (`Occurrence.as_component`
    would copy it); its original start is that component's RECURRENCE-ID, else its own start.
    """
    series = _SourcedSeries([_SourcedAdapter(component) for component in components])
    start = ctx.window.start - _SPAN_MARGIN
    end = ctx.window.end + _SPAN_MARGIN
    for count, occurrence in enumerate(series.between(start, end)):
        if count >= limit:
            raise _TooManyOccurrences
        component = occurrence.component
        original = component["RECURRENCE-ID"].dt if "RECURRENCE-ID" in component else occurrence.start
        yield details.of(component), occurrence.start, occurrence.end, original


def _single_occurrence(component: Component, details: _DetailsOnce) -> list[_Occurrence]:
    """A lone event without recurrence: its one occurrence, with the span recurring-ical-events would give it
    (end from DTEND, DURATION or the RFC 5545 default); `_overlaps` does the window filter the expansion
    would have done."""
    adapter = EventAdapter(component)
    return [(details.of(component), adapter.start, adapter.end, adapter.start)]


def _series_zone(master_start: dt.date) -> str | None:
    """The IANA zone the series' master is written in (overrides may come in UTC)."""
    tz = master_start.tzinfo if isinstance(master_start, dt.datetime) else None
    return tz.key if isinstance(tz, zoneinfo.ZoneInfo) and tz.key != "UTC" else None


# --- one occurrence → SourceEvent ---------------------------------------------------------------------


def _to_event(
    details: _Details,
    start: dt.date,
    end: dt.date,
    original: dt.date,
    series_uid: str | None,
    ctx: ParseContext,
    zones: _Zones,
    series_zone: str | None,
) -> SourceEvent:
    all_day = not isinstance(start, dt.datetime)
    basis = details.zone_basis
    if all_day:
        # local midnight of the zone the dates name (TZID;VALUE=DATE); else floating, as RFC 5545 has
        # dates: read in the calendar's, source's or federation's zone until normalization places them
        zone, basis = (series_zone, "zone") if series_zone else (zones.floating, "floating")
        tz = zoneinfo.ZoneInfo(zone)
        end_day = end.date() if isinstance(end, dt.datetime) else end
        starts_at = dt.datetime.combine(start, dt.time(), tz)
        ends_at = dt.datetime.combine(max(end_day, start), dt.time(), tz)
    else:
        starts_at, zone = _local(start, zones, series_zone, basis)
        ends_at = _as_instant(end, start).astimezone(starts_at.tzinfo)
    source_uid = details.uid if series_uid is None else f"{details.uid}/{_original_start(original)}"
    return SourceEvent(
        source_id=ctx.source_id,
        source_uid=source_uid,
        title=details.title,
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=zone,
        all_day=all_day,
        series_uid=series_uid,
        description=details.description,
        status=details.status,
        url=details.url,
        location=details.location,
        latitude=details.latitude,
        longitude=details.longitude,
        tags=list(details.tags),
        source_url=ctx.url,
        zone_basis=basis,
    )


def _local(value: dt.datetime, zones: _Zones, series_zone: str | None, basis: str) -> tuple[dt.datetime, str]:
    """The instant in its local zone, and that zone's IANA name; an offset-only time keeps its offset
    (normalization decides its zone)."""
    tz = value.tzinfo
    if isinstance(tz, zoneinfo.ZoneInfo) and tz.key != "UTC":
        return value, tz.key
    zone = zones.label_for(series_zone)
    return (value if basis == "offset" else value.astimezone(zoneinfo.ZoneInfo(zone))), zone


def _original_start(original: dt.date) -> str:
    """The occurrence's place in its series: its RECURRENCE-ID, UTC or a date."""
    if isinstance(original, dt.datetime):
        instant = original if original.tzinfo is not None else original.replace(tzinfo=_UTC)
        return instant.astimezone(_UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return original.isoformat()


def _status(view: _EventView, cancel_all: bool) -> str:
    if cancel_all or str(view.text("METHOD") or "").strip().upper() == "CANCEL":
        return "cancelled"
    return _STATUSES.get(str(view.text("STATUS") or "").strip().upper(), "confirmed")


def _attribute(prop: object, name: str) -> object:
    """An attribute of a parsed property; None when icalendar kept the property as broken."""
    try:
        return getattr(prop, name, None)
    except InvalidCalendar:
        return None


def _valid_point(lat: object, lon: object) -> tuple[float, float] | None:
    try:
        latitude, longitude = float(str(lat)), float(str(lon))
    except ValueError:
        return None
    if -90 <= latitude <= 90 and -180 <= longitude <= 180:
        return latitude, longitude
    return None


def _tags(view: _EventView) -> list[str]:
    tags: list[str] = []
    for values in view.categories():
        for value in values:
            tag = clean_text(value, single_line=True)[:60]
            if tag and tag not in tags:
                tags.append(tag)
            if len(tags) >= MAX_TAGS:
                return tags
    return tags


def _overlaps(event: SourceEvent, ctx: ParseContext) -> bool:
    """Inside [window.start, window.end): overlapping it, or a zero-length event starting in it."""
    if event.starts_at >= ctx.window.end:
        return False
    return event.ends_at > ctx.window.start or event.starts_at >= ctx.window.start
