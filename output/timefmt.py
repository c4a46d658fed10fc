"""Dates and times as people read them: in the event's own zone, with the zone always stated."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pyevents.output.ical import DAY_ONLY_TIMES
from pyevents.output.rows import EventColumns, Listed, UtcTexts
from pyevents.pipeline.normalize.gazetteer import keeps_zone
from pyevents.pipeline.normalize.timezones import zone_info
from pyevents.pipeline.parsers.dates_lenient import AOE

# Zones whose city GeoNames writes with accents or punctuation a zone name cannot carry: the most
# populous GeoNames city keeping the zone whose name folds to the zone's (tests derive it again).
ZONE_CITIES = {
    "Africa/Lome": "Lomé", "Africa/Ndjamena": "N'Djamena", "Africa/Sao_Tome": "São Tomé",
    "America/Araguaina": "Araguaína", "America/Argentina/Cordoba": "Córdoba",
    "America/Argentina/Rio_Gallegos": "Río Gallegos", "America/Asuncion": "Asunción", "America/Belem": "Belém",
    "America/Bogota": "Bogotá", "America/Cancun": "Cancún", "America/Ciudad_Juarez": "Ciudad Juárez",
    "America/Cuiaba": "Cuiabá", "America/Eirunepe": "Eirunepé", "America/Maceio": "Maceió",
    "America/Mazatlan": "Mazatlán", "America/Merida": "Mérida", "America/Santarem": "Santarém",
    "America/Sao_Paulo": "São Paulo", "America/St_Johns": "St. John's", "Asia/Urumqi": "Ürümqi",
    "Atlantic/Reykjavik": "Reykjavík", "Europe/Zurich": "Zürich", "Pacific/Noumea": "Nouméa",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class When:
    text: str  # "Tue 11 Mar 2025, 19:00–21:00" or "Tue 11 – Thu 13 Mar 2025"
    zone: str  # "Berlin time (UTC+1)", "Cape Town time (UTC+2)", "UTC−05:00" for a fixed offset; "" for all-day events
    start_iso: str  # for <time datetime>: a date for all-day events, else local time with offset
    end_iso: str
    month_key: str  # "2025-03"
    month_label: str  # "March 2025"


def when(event: EventColumns) -> When:
    """How an event's dates read on the site, in its own local zone (UTC when the zone is unknown)."""
    return _when(event["starts_at"], event["ends_at"], event.get("timezone"), bool(event.get("all_day")), label_city(event))


@lru_cache(maxsize=8192)
def when_utc(starts_z: str, ends_z: str, timezone: str | None, all_day: bool, city: str | None = None) -> When:
    """`when` of instants given as UTC text (YYYY-MM-DDTHH:MM:SSZ), computed once per distinct value:
    recurring meetups and multi-track conferences repeat the same times.
    `city`: the city the zone's label names (`label_city`), else the zone's own."""
    return _when(utc_instant(starts_z), utc_instant(ends_z), timezone, all_day, city)


def when_of_row(row: UtcTexts) -> When:
    """`when_utc` of a reader row: its `starts_z`, `ends_z`, zone, all-day flag and `label_city`."""
    return when_utc(row["starts_z"], row["ends_z"], row.get("timezone"), bool(row.get("all_day")), label_city(row))


def label_city(event: Listed) -> str | None:
    """The event's own city when it keeps the event's zone (Cape Town keeps Africa/Johannesburg), else
    None: the zone's label then names the zone's own city."""
    city = event.get("city")
    return city if city and keeps_zone(city, event.get("country"), event.get("timezone")) else None


def utc_instant(text: str) -> dt.datetime:
    """An aware datetime from UTC text such as the reader's `*_z` columns."""
    return dt.datetime.fromisoformat(text.removesuffix("Z")).replace(tzinfo=dt.UTC)


def _when(starts: dt.datetime, ends: dt.datetime, timezone: str | None, all_day: bool, city: str | None) -> When:
    zone = zone_info(timezone)
    local_zone = zone or dt.UTC
    start = starts.astimezone(local_zone)
    end = ends.astimezone(local_zone)
    if all_day:
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
        text = f"{_day(start.date())}, {start.hour:02d}:{start.minute:02d}" + (
            f"–{end.hour:02d}:{end.minute:02d}" if end > start else ""
        )
    else:
        text = f"{_day(start.date())} {start.hour:02d}:{start.minute:02d} – {_day(end.date())} {end.hour:02d}:{end.minute:02d}"
    return When(
        text,
        zone_label(zone, start, city),
        start.isoformat(timespec="minutes"),
        end.isoformat(timespec="minutes"),
        _month_key(start),
        _month_label(start),
    )


def deadline_text(deadline: dt.datetime | None, timezone: str | None, city: str | None = None) -> str:
    """A CFP deadline in the zone it was stated in: Anywhere on Earth when it falls at the end of a day
    there (and not at the end of a day in the event's zone), else the event's zone (its label naming
    `city`, see `zone_label`); the day and "end of day" when it has no hour (cfp.ics makes it an
    all-day event)."""
    if deadline is None:
        return ""
    zone = zone_info(timezone)
    local = deadline.astimezone(zone or dt.UTC)
    anywhere = deadline.astimezone(AOE)
    if anywhere.time() in DAY_ONLY_TIMES and local.time() not in DAY_ONLY_TIMES:
        return f"{_day(anywhere.date())}, end of day AoE (Anywhere on Earth, UTC-12)"
    if local.time() in DAY_ONLY_TIMES:
        return f"{_day(local.date())}, end of day {zone_label(zone, local, city)}"
    return f"{_day(local.date())}, {local:%H:%M} {zone_label(zone, local, city)}"


def countdown_text(deadline: dt.datetime, as_of: dt.datetime) -> str:
    """How long a call stays open from `as_of`: "closes in 12 days", "closes in 5 hours", "closes within the hour"."""
    left = deadline - as_of
    if left.days >= 2:
        return f"closes in {left.days} days"
    hours = left.days * 24 + left.seconds // 3600
    if hours >= 1:
        return f"closes in {hours} hour{'' if hours == 1 else 's'}"
    return "closes within the hour"


def zone_label(zone: Any, local: dt.datetime, city: str | None = None) -> str:
    """'Amsterdam time (UTC+1)', 'Bogotá time (UTC−5)', 'Kolkata time (UTC+5:30)': `city` (the event's
    own, when it keeps the zone: 'Cape Town time (UTC+2)') or the zone's city as GeoNames writes it; a
    zone of no city (UTC, a fixed offset such as 'UTC−05:00') by its offset alone."""
    key = getattr(zone, "key", None)
    if not key or key == "UTC" or key.startswith("Etc/"):
        return utc_offset(local, padded=True)
    name = city or ZONE_CITIES.get(key) or key.rsplit("/", 1)[-1].replace("_", " ")
    return f"{name} time ({utc_offset(local)})"


def utc_offset(local: dt.datetime, *, padded: bool = False) -> str:
    """'UTC+1', 'UTC−5', 'UTC+5:30' (a true minus sign); `padded`: 'UTC−05:00'; 'UTC' for zero."""
    minutes = int((local.utcoffset() or dt.timedelta()).total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "\u2212"
    hours, mins = divmod(abs(minutes), 60)
    if padded:
        return f"UTC{sign}{hours:02d}:{mins:02d}"
    return f"UTC{sign}{hours}" + (f":{mins:02d}" if mins else "")


@lru_cache(maxsize=4096)
def day_text_on(iso_day: str | None) -> str:
    """A day (UTC, given as YYYY-MM-DD: the reader's `*_on` fields) for provenance and history, '' when
    unknown; once per distinct day."""
    return "" if not iso_day else _day(dt.date.fromisoformat(iso_day))


def stamp_text(value: dt.datetime | None) -> str:
    return "" if value is None else value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


# English names, independent of the process locale (strftime's %a/%b/%B are not, and are slower).
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


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
