"""Dates and times as people read them: in the event's own zone, with the zone always stated."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from output.ical import DAY_ONLY_TIMES, ical_zone


@dataclass(frozen=True, slots=True)
class When:
    text: str  # "Tue 11 Mar 2025, 19:00–21:00" or "Tue 11 – Thu 13 Mar 2025"
    zone: str  # "Berlin time (UTC+1)"; "" for all-day events
    start_iso: str  # for <time datetime>: a date for all-day events, else local time with offset
    end_iso: str
    month_key: str  # "2025-03"
    month_label: str  # "March 2025"


def when(event: Mapping[str, Any]) -> When:
    """How an event's dates read on the site, in its own local zone (UTC when the zone is unknown)."""
    zone = ical_zone(event.get("timezone"))
    local_zone = zone or dt.timezone.utc
    start = event["starts_at"].astimezone(local_zone)
    end = event["ends_at"].astimezone(local_zone)
    if event.get("all_day"):
        first = start.date()
        last = max(first, end.date() - dt.timedelta(days=1))  # the stored end is exclusive
        return When(
            _day_span(first, last) + ("" if last > first else " (all day)"),
            "",
            first.isoformat(),
            last.isoformat(),
            _month_key(first),
            _month_label(first),
        )
    if end.date() == start.date() or end <= start:
        text = f"{_day(start.date())}, {start.hour:02d}:{start.minute:02d}" + (f"–{end.hour:02d}:{end.minute:02d}" if end > start else "")
    else:
        text = f"{_day(start.date())} {start.hour:02d}:{start.minute:02d} – {_day(end.date())} {end.hour:02d}:{end.minute:02d}"
    return When(
        text,
        zone_label(zone, start),
        start.isoformat(timespec="minutes"),
        end.isoformat(timespec="minutes"),
        _month_key(start),
        _month_label(start),
    )


def deadline_text(event: Mapping[str, Any]) -> str:
    """A CFP deadline in the event's zone: the day alone when it has no hour (as cfp.ics has it)."""
    deadline: dt.datetime | None = event.get("cfp_ends_at")
    if deadline is None:
        return ""
    zone = ical_zone(event.get("timezone"))
    local = deadline.astimezone(zone or dt.timezone.utc)
    if local.time() in DAY_ONLY_TIMES:
        return _day(local.date())
    return f"{_day(local.date())}, {local:%H:%M} {zone_label(zone, local)}"


def zone_label(zone: Any, local: dt.datetime) -> str:
    """'Berlin time (UTC+1)', 'Kolkata time (UTC+5:30)' or 'UTC'."""
    offset = utc_offset(local)
    if zone is None:
        return "UTC"
    city = zone.key.rsplit("/", 1)[-1].replace("_", " ")
    return f"{city} time ({offset})"


def utc_offset(local: dt.datetime) -> str:
    minutes = int((local.utcoffset() or dt.timedelta()).total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{mins:02d}" if mins else "")


def day_text(value: dt.datetime | None) -> str:
    """A day in UTC for provenance and health ('' when unknown)."""
    return "" if value is None else _day(value.astimezone(dt.timezone.utc).date())


def stamp_text(value: dt.datetime | None) -> str:
    return "" if value is None else value.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


# English names, independent of the process locale (strftime's %a/%b/%B are not, and are slower).
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def _weekday(day: dt.date) -> str:
    return _WEEKDAYS[day.weekday()]


def _month(day: dt.date) -> str:
    return _MONTHS[day.month - 1][:3]


def _month_key(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _month_label(day: dt.date) -> str:
    return f"{_MONTHS[day.month - 1]} {day.year}"


def _day(day: dt.date) -> str:
    return f"{_weekday(day)} {day.day} {_month(day)} {day.year}"


def _day_span(first: dt.date, last: dt.date) -> str:
    if first == last:
        return _day(first)
    if (first.year, first.month) == (last.year, last.month):
        return f"{_weekday(first)} {first.day} – {_weekday(last)} {last.day} {_month(last)} {last.year}"
    if first.year == last.year:
        return f"{_weekday(first)} {first.day} {_month(first)} – {_weekday(last)} {last.day} {_month(last)} {last.year}"
    return f"{_day(first)} – {_day(last)}"
