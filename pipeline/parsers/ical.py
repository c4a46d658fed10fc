"""iCalendar sources (Google, Meetup, Outlook, pretalx, Luma … exports) → one SourceEvent per occurrence.

icalendar 7 parses, x-wr-timezone fixes Google's UTC exports, recurring-ical-events expands series
inside the window. Around them this module: repairs the text first (`ical_text`), maps every TZID to
an IANA zone (`normalize.timezones`), rejects what cannot be used with a reason, and bounds
recurrence expansion (`ical_recurrence`), so a hostile calendar ends in bounded time while its good
events are kept. Pure function: bytes and a context in, a ParsedSource out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import warnings
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, field

import x_wr_timezone
from icalendar import Calendar, Component, vDDDLists, vDDDTypes
from icalendar.error import InvalidCalendar
from recurring_ical_events import EventAdapter, Series

from pipeline.model import ParseContext, ParsedSource, Reject, SourceEvent
from pipeline.parsers.markup_event import MAX_DESCRIPTION, MAX_TITLE  # one length limit for every parser
from pipeline.normalize.text import clean_text, html_to_text, safe_url
from pipeline.normalize.timezones import canonical_zone, resolve_tzid
from pipeline.parsers.ical_recurrence import CALENDAR_WORK_LIMIT, SERIES_WORK_LIMIT, rule_cost
from pipeline.parsers.ical_text import decode_calendar, not_a_calendar, repair_structure

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


def parse_ical(body: bytes, ctx: ParseContext) -> ParsedSource:
    """Every occurrence overlapping ctx.window, rejects with reasons, or an error for a non-calendar."""
    result = ParsedSource(ctx.source_id)
    decoded = decode_calendar(body)
    problem = not_a_calendar(decoded.text)
    if problem is not None:
        result.error = problem
        return result
    repaired = repair_structure(decoded.text)
    result.warnings.extend(decoded.warnings + repaired.warnings)
    with warnings.catch_warnings():
        # icalendar warns when it guesses a vendor-prefixed TZID; resolve_tzid decides those itself.
        warnings.simplefilter("ignore")
        try:
            calendars = Calendar.from_ical(repaired.text, multiple=True)
        except ValueError as exc:
            result.error = f"unparsable iCalendar: {clean_text(exc, single_line=True)[:200]}"
            return result
        if len(calendars) > MAX_CALENDARS:
            result.warnings.append(f"{len(calendars)} VCALENDARs in one file; read the first {MAX_CALENDARS}")
        budget = _Budget()
        for calendar in calendars[:MAX_CALENDARS]:
            _read_calendar(calendar, ctx, result, budget)
    return result


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
    series: dict[str, list[Component]] = {}
    for component in calendar.subcomponents:
        if component.name != "VEVENT":
            continue
        reject = _prepare_event(component, zones, ctx, result)
        if reject is not None:
            result.rejects.append(reject)
            continue
        series.setdefault(str(component["UID"]), []).append(component)
    for tzid, how in zones.unknown.items():
        result.rejects.append(Reject(ctx.source_id, "unknown-tzid", f"TZID {tzid!r} is not a known zone; {how}"))
    for uid, components in series.items():
        if budget.occurrences >= MAX_OCCURRENCES_PER_CALENDAR:
            result.rejects.append(
                Reject(ctx.source_id, "rule-too-large", f"{uid}: source exceeds {MAX_OCCURRENCES_PER_CALENDAR} occurrences")
            )
            continue
        refusal = _refuse_rules(uid, components, ctx, budget)
        if refusal is not None:
            result.rejects.append(refusal)
            continue
        _expand_series(uid, components, ctx, zones, cancel_all, result, budget)


def _calendar_zones(calendar: Component, ctx: ParseContext) -> _Zones:
    declared = calendar.get("X-WR-TIMEZONE")
    calendar_zone = resolve_tzid(str(declared)) if declared else None
    floating = ctx.defaults.timezone or calendar_zone or ctx.federation_timezone
    return _Zones(floating=floating, calendar=calendar_zone, default=ctx.defaults.timezone)


# --- one VEVENT: validate and normalize its dates in place ------------------------------------------


def _prepare_event(component: Component, zones: _Zones, ctx: ParseContext, result: ParsedSource) -> Reject | None:
    """Give the event a UID, IANA zones on every date-time and check its dates; a Reject if unusable.

    An unsafe URL only costs the event its link (noted in `result.rejects`).
    """
    summary = clean_text(component.get("SUMMARY"), single_line=True)
    if "UID" not in component or not clean_text(component["UID"], single_line=True):
        component["UID"] = _derived_uid(component, summary)
    uid = clean_text(component["UID"], single_line=True)
    label = f"{summary or '(no title)'} [{uid}]"
    if "DTSTART" not in component:
        return Reject(ctx.source_id, "no-dtstart", label)
    for name in _DATE_PROPERTIES:
        if name in component:
            problem = _normalize_property(component, name, zones)
            if problem is not None:
                return Reject(ctx.source_id, "bad-date", f"{label}: {name} {problem}")
    for name in _DATE_LIST_PROPERTIES:
        if name in component:
            for value in _normalize_list_property(component, name, zones):
                result.rejects.append(Reject(ctx.source_id, "bad-date", f"{label}: {name} value {value!r} ignored"))
    if not summary:
        return Reject(ctx.source_id, "no-title", label)
    raw_url = clean_text(component.get("URL"), single_line=True)
    if raw_url and safe_url(raw_url, ctx.url) is None:
        result.rejects.append(Reject(ctx.source_id, "unsafe-url", f"{label}: {raw_url[:120]}"))
    return _check_span(component, label, ctx)


def _derived_uid(component: Component, summary: str) -> str:
    """A UID that survives re-crawls of a source that sends none: a hash of DTSTART and SUMMARY."""
    start = component.get("DTSTART")
    raw_start = start.to_ical().decode("utf-8", "replace") if start is not None else ""
    digest = hashlib.sha256(f"{raw_start}\x1f{summary}".encode()).hexdigest()[:24]
    return f"pyevents-derived-{digest}"


def _normalize_property(component: Component, name: str, zones: _Zones) -> str | None:
    prop = component[name]
    if isinstance(prop, list):  # a repeated DTSTART/DTEND: the first one counts
        prop = prop[0]
    value = _property_value(prop)
    if value is None:
        return f"has an invalid value {_raw(prop)!r}"
    component[name] = vDDDTypes(_normalize_time(value, prop.params, zones))
    return None


def _normalize_list_property(component: Component, name: str, zones: _Zones) -> list[str]:
    """Normalize every EXDATE/RDATE value; broken ones are dropped and returned (the event stays)."""
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


def _check_span(component: Component, label: str, ctx: ParseContext) -> Reject | None:
    start = component["DTSTART"].dt
    if "DTEND" in component:
        end = component["DTEND"].dt
        if _as_instant(end, start) < _as_instant(start, start):
            return Reject(ctx.source_id, "end-before-start", f"{label}: DTEND {end.isoformat()} < DTSTART {start.isoformat()}")
    elif "DURATION" in component:
        duration = _property_value_duration(component)
        if duration is None:
            return Reject(ctx.source_id, "bad-date", f"{label}: DURATION has an invalid value")
        if duration < dt.timedelta(0):
            return Reject(ctx.source_id, "end-before-start", f"{label}: negative DURATION {duration}")
    return None


def _property_value_duration(component: Component) -> dt.timedelta | None:
    try:
        value = component["DURATION"].dt
    except (InvalidCalendar, AttributeError, ValueError):
        return None
    return value if isinstance(value, dt.timedelta) else None


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
            if not hasattr(rule, "items"):
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
    series_zone = _series_zone(components)
    cap = ctx.max_occurrences_per_series
    kept = 0
    try:
        occurrences = _single_occurrence(components[0]) if single else _occurrences(components, ctx, cap + _OUT_OF_WINDOW_ALLOWANCE)
        for component, start, end in occurrences:
            if kept >= cap or budget.occurrences >= MAX_OCCURRENCES_PER_CALENDAR:
                result.rejects.append(
                    Reject(ctx.source_id, "rule-too-large", f"{uid}: more than {cap} occurrences in the window; kept {kept}")
                )
                return
            event = _to_event(component, start, end, uid if recurring else None, ctx, zones, series_zone, cancel_all)
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


# An occurrence: the component carrying its properties, and its start and end as recurring-ical-events computes them.
_Occurrence = tuple[Component, dt.date, dt.date]


def _occurrences(components: list[Component], ctx: ParseContext, limit: int) -> Iterator[_Occurrence]:
    """The occurrences of one series near the window, lazily, at most `limit` of them."""
    series = Series([EventAdapter(component) for component in components])
    start = ctx.window.start - _SPAN_MARGIN
    end = ctx.window.end + _SPAN_MARGIN
    for count, occurrence in enumerate(series.between(start, end)):
        if count >= limit:
            raise _TooManyOccurrences
        yield occurrence.as_component(False), occurrence.start, occurrence.end


def _single_occurrence(component: Component) -> list[_Occurrence]:
    """A lone event without recurrence: its one occurrence, with the span recurring-ical-events would give it
    (end from DTEND, DURATION or the RFC 5545 default), without copying the component; `_overlaps` does
    the window filter the expansion would have done."""
    adapter = EventAdapter(component)
    return [(component, adapter.start, adapter.end)]


def _series_zone(components: list[Component]) -> str | None:
    """The IANA zone the series' master is written in (overrides may come in UTC)."""
    masters = [c for c in components if "RECURRENCE-ID" not in c] or components
    start = masters[0]["DTSTART"].dt
    if isinstance(start, dt.datetime) and isinstance(start.tzinfo, zoneinfo.ZoneInfo) and start.tzinfo.key != "UTC":
        return start.tzinfo.key
    return None


# --- one occurrence → SourceEvent ---------------------------------------------------------------------


def _to_event(
    component: Component,
    start: dt.date,
    end: dt.date,
    series_uid: str | None,
    ctx: ParseContext,
    zones: _Zones,
    series_zone: str | None,
    cancel_all: bool,
) -> SourceEvent:
    all_day = not isinstance(start, dt.datetime)
    if all_day:
        zone = _date_zone(component, zones, series_zone)
        tz = zoneinfo.ZoneInfo(zone)
        end_day = end.date() if isinstance(end, dt.datetime) else end
        starts_at = dt.datetime.combine(start, dt.time(), tz)
        ends_at = dt.datetime.combine(max(end_day, start), dt.time(), tz)
    else:
        starts_at, zone = _local(start, zones, series_zone)
        ends_at = _as_instant(end, start).astimezone(starts_at.tzinfo)
    uid = clean_text(component["UID"], single_line=True)
    source_uid = uid if series_uid is None else f"{uid}/{_original_start(component)}"
    latitude, longitude = _coordinates(component)
    return SourceEvent(
        source_id=ctx.source_id,
        source_uid=source_uid,
        title=clean_text(component.get("SUMMARY"), single_line=True)[:MAX_TITLE],
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=zone,
        all_day=all_day,
        series_uid=series_uid,
        description=html_to_text(component.get("DESCRIPTION"))[:MAX_DESCRIPTION],
        status=_status(component, cancel_all),
        url=safe_url(component.get("URL"), ctx.url),  # Discourse writes paths relative to the feed
        location=clean_text(component.get("LOCATION"), single_line=True) or None,
        latitude=latitude,
        longitude=longitude,
        tags=_tags(component),
        source_url=ctx.url,
    )


def _local(value: dt.datetime, zones: _Zones, series_zone: str | None) -> tuple[dt.datetime, str]:
    """The instant in its local zone, and that zone's IANA name."""
    tz = value.tzinfo
    if isinstance(tz, zoneinfo.ZoneInfo) and tz.key != "UTC":
        return value, tz.key
    zone = zones.label_for(series_zone)
    return value.astimezone(zoneinfo.ZoneInfo(zone)), zone


def _date_zone(component: Component, zones: _Zones, series_zone: str | None) -> str:
    """All-day events are local midnight of the zone the calendar or the source names, else UTC."""
    tzid = component["DTSTART"].params.get("TZID")
    resolved = resolve_tzid(str(tzid)) if tzid else None
    return resolved or series_zone or zones.calendar or zones.default or "UTC"


def _original_start(component: Component) -> str:
    """The occurrence's place in its series: RECURRENCE-ID (set by the expansion), UTC or a date."""
    original = component["RECURRENCE-ID"].dt
    if isinstance(original, dt.datetime):
        instant = original if original.tzinfo is not None else original.replace(tzinfo=_UTC)
        return instant.astimezone(_UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return original.isoformat()


def _status(component: Component, cancel_all: bool) -> str:
    if cancel_all or str(component.get("METHOD", "")).strip().upper() == "CANCEL":
        return "cancelled"
    return _STATUSES.get(str(component.get("STATUS", "")).strip().upper(), "confirmed")


def _coordinates(component: Component) -> tuple[float | None, float | None]:
    geo = component.get("GEO")
    if geo is not None:
        point = _valid_point(_attribute(geo, "latitude"), _attribute(geo, "longitude"))
        if point is not None:
            return point
    structured = component.get("X-APPLE-STRUCTURED-LOCATION")
    for value in structured if isinstance(structured, list) else [structured]:
        text = str(value or "").strip()
        if text.lower().startswith("geo:"):
            lat, _, rest = text[4:].partition(",")
            point = _valid_point(lat, rest.split(";", 1)[0].split(",", 1)[0])
            if point is not None:
                return point
    return None, None


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


def _tags(component: Component) -> list[str]:
    categories = component.get("CATEGORIES")
    tags: list[str] = []
    for prop in categories if isinstance(categories, list) else [categories]:
        for value in _attribute(prop, "cats") or []:
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
