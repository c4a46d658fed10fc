"""A calendar's prepared series turned into SourceEvents: refused when too large, expanded lazily, kept in the window.

A series is either `Lone` (one span, no expansion) or the `Member`s recurring-ical-events expands
together (master, overrides). Rules are costed by `ical_recurrence` before anything is expanded;
the occurrences of one series and of one source are capped, so a hostile calendar ends in bounded
time while its good events are kept.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from icalendar import Component
from icalendar.error import InvalidCalendar
from recurring_ical_events import EventAdapter, Series
from recurring_ical_events.occurrence import Occurrence

from pyevents.pipeline.model import ParseContext, ParsedSource, Reject, SourceEvent
from pyevents.pipeline.normalize.text import clean_text, html_to_text, safe_url
from pyevents.pipeline.parsers.ical_component import attribute, raw, when
from pyevents.pipeline.parsers.ical_recurrence import CALENDAR_WORK_LIMIT, SERIES_WORK_LIMIT, rule_cost
from pyevents.pipeline.parsers.ical_view import EventView, Lone, Member, Zones, as_instant
from pyevents.pipeline.parsers.markup_event import (  # one length limit for every parser
    MAX_DESCRIPTION,
    MAX_TITLE,
)

MAX_OCCURRENCES_PER_CALENDAR = 100_000
MAX_TAGS = 30
# recurring-ical-events compares all-day dates in UTC; widen its span and filter exactly afterwards.
_SPAN_MARGIN = dt.timedelta(days=2)
_OUT_OF_WINDOW_ALLOWANCE = 1_000  # occurrences of one series in the margins, before it counts as hostile
_STATUSES = {"CONFIRMED": "confirmed", "TENTATIVE": "tentative", "CANCELLED": "cancelled"}
_UTC = zoneinfo.ZoneInfo("UTC")


@dataclass(slots=True)
class Budget:
    """Work spent on one source across its VCALENDARs."""

    rule_work: int = 0
    occurrences: int = 0


def read_series(
    series: dict[str, list[Member] | Lone],
    ctx: ParseContext,
    zones: Zones,
    cancel_all: bool,
    result: ParsedSource,
    budget: Budget,
) -> None:
    """The occurrences of every series of one calendar into `result`, with a reject for each refusal."""
    for tzid, how in zones.unknown.items():
        result.rejects.append(Reject(ctx.source_id, "unknown-tzid", f"TZID {tzid!r} is not a known zone; {how}"))
    for uid, members in series.items():
        if budget.occurrences >= MAX_OCCURRENCES_PER_CALENDAR:
            result.rejects.append(
                Reject(ctx.source_id, "rule-too-large", f"{uid}: source exceeds {MAX_OCCURRENCES_PER_CALENDAR} occurrences")
            )
            continue
        if isinstance(members, Lone):
            details = _details(members.view, ctx, cancel_all)
            occurrences: Iterable[_Occurrence] = [(details, members.start, members.end, members.start)]
            _keep_occurrences(uid, occurrences, False, _series_zone(members.start), ctx, zones, result, budget)
            continue
        refusal = _refuse_rules(uid, [member.component for member in members], ctx, budget)
        if refusal is not None:
            result.rejects.append(refusal)
            continue
        _expand_series(uid, members, ctx, zones, cancel_all, result, budget)


def untitled_title(ctx: ParseContext, location: str) -> str:
    """The title of an event without SUMMARY: its source's name, else its location, else its source's id."""
    return clean_text(ctx.source_name, single_line=True)[:MAX_TITLE] or location[:MAX_TITLE] or ctx.source_id


def _refuse_rules(uid: str, components: list[Component], ctx: ParseContext, budget: Budget) -> Reject | None:
    """A Reject when a rule of the series would cost more than the budget to expand."""
    window_end = ctx.window.end.date() + _SPAN_MARGIN
    work = 0
    for component in components:
        rules = component.get("RRULE")
        if rules is None:
            continue
        start = when(component, "DTSTART")
        start_day = start.date() if isinstance(start, dt.datetime) else start
        for rule in rules if isinstance(rules, list) else [rules]:
            if attribute(rule, "items") is None:  # icalendar kept it as broken (its attributes raise)
                return Reject(ctx.source_id, "bad-rule", f"{uid}: unparsable RRULE {raw(rule)!r}")
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
    members: list[Member],
    ctx: ParseContext,
    zones: Zones,
    cancel_all: bool,
    result: ParsedSource,
    budget: Budget,
) -> None:
    components = [member.component for member in members]
    recurring = any(c.get("RRULE") is not None or c.get("RDATE") is not None or "RECURRENCE-ID" in c for c in components)
    single = not recurring and len(components) == 1 and "EXDATE" not in components[0]
    masters = [c for c in components if "RECURRENCE-ID" not in c] or components
    series_zone = _series_zone(when(masters[0], "DTSTART"))
    limit = ctx.max_occurrences_per_series + _OUT_OF_WINDOW_ALLOWANCE
    details = _DetailsOnce(members, ctx, cancel_all)
    occurrences = _single_occurrence(components[0], details) if single else _occurrences(components, ctx, limit, details)
    _keep_occurrences(uid, occurrences, recurring, series_zone, ctx, zones, result, budget)


def _keep_occurrences(
    uid: str,
    occurrences: Iterable[_Occurrence],
    recurring: bool,
    series_zone: str | None,
    ctx: ParseContext,
    zones: Zones,
    result: ParsedSource,
    budget: Budget,
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


def _details(view: EventView, ctx: ParseContext, cancel_all: bool) -> _Details:
    latitude, longitude = view.coordinates()
    return _Details(
        uid=clean_text(view.text("UID"), single_line=True),
        title=clean_text(view.text("SUMMARY"), single_line=True)[:MAX_TITLE]
        or untitled_title(ctx, clean_text(view.text("LOCATION"), single_line=True)),
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
    """Each member's details, computed once for all the occurrences its component gives."""

    def __init__(self, members: list[Member], ctx: ParseContext, cancel_all: bool) -> None:
        self._views = {id(member.component): member.view for member in members}
        self._ctx = ctx
        self._cancel_all = cancel_all
        self._known: dict[int, _Details] = {}

    def of(self, component: Component) -> _Details:
        details = self._known.get(id(component))
        if details is None:
            details = self._known[id(component)] = _details(self._views[id(component)], self._ctx, self._cancel_all)
        return details


# An occurrence: the details of the component it comes from, its start and end as recurring-ical-events
# computes them, and its original start (RECURRENCE-ID) in the series.
_Occurrence = tuple[_Details, dt.date, dt.date, dt.date]


class _SourcedAdapter(EventAdapter):  # type: ignore[misc]  # recurring-ical-events ships no types
    """An EventAdapter that names its component, so an occurrence needs no copy of it."""

    def __init__(self, component: Component) -> None:
        super().__init__(component)
        self.component = component


class _SourcedOccurrence(Occurrence):  # type: ignore[misc]  # recurring-ical-events ships no types
    def __init__(self, adapter: _SourcedAdapter, start: dt.date | None, end: dt.date | None, sequence: int) -> None:
        super().__init__(adapter, start, end, sequence)
        self.component = adapter.component


class _SourcedSeries(Series):  # type: ignore[misc]  # recurring-ical-events ships no types
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
    zones: Zones,
    series_zone: str | None,
) -> SourceEvent:
    all_day = not isinstance(start, dt.datetime)
    basis = details.zone_basis
    if not isinstance(start, dt.datetime):  # `all_day`, spelled so mypy narrows `start`
        # local midnight of the zone the dates name (TZID;VALUE=DATE); else floating, as RFC 5545 has
        # dates: read in the calendar's, source's or federation's zone until normalization places them
        zone, basis = (series_zone, "zone") if series_zone else (zones.floating, "floating")
        tz = zoneinfo.ZoneInfo(zone)
        end_day = end.date() if isinstance(end, dt.datetime) else end
        starts_at = dt.datetime.combine(start, dt.time(), tz)
        ends_at = dt.datetime.combine(max(end_day, start), dt.time(), tz)
    else:
        starts_at, zone = _local(start, zones, series_zone, basis)
        ends_at = as_instant(end, start).astimezone(starts_at.tzinfo)
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


def _local(value: dt.datetime, zones: Zones, series_zone: str | None, basis: str) -> tuple[dt.datetime, str]:
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


def _status(view: EventView, cancel_all: bool) -> str:
    if cancel_all or str(view.text("METHOD") or "").strip().upper() == "CANCEL":
        return "cancelled"
    return _STATUSES.get(str(view.text("STATUS") or "").strip().upper(), "confirmed")


def _tags(view: EventView) -> list[str]:
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
