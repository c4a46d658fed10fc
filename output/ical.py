"""iCalendar text written by hand (RFC 5545 / RFC 7986): one VEVENT per event, streamed VCALENDARs.

Hand-written because icalendar's serializer (an object per property) would be most of a publish's
time (benchmarks/RESULTS.md, "Why the tricks"). Every value a source could
influence passes through `escape_text` (TEXT), `_uri` (http(s) only) or a strict pattern (TZID), and
every line through `fold`, so nothing a source sends can add a line, a property or a component.

DTSTAMP is the event's last change (`updated_at`), not the publish time: RFC 5545 allows either for
a published calendar, and this choice makes an unchanged rebuild byte-identical (issue 5).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zoneinfo
from collections.abc import Iterable, Iterator
from functools import lru_cache
from urllib.parse import urlsplit

from pyevents.output.labels import place_label
from pyevents.output.rows import EventColumns, Listed, OpenCfp
from pyevents.pipeline.normalize.text import safe_url

CRLF = "\r\n"
PRODID = "-//pyevents//pyevents 0.1//EN"
REFRESH = "PT12H"
STATUS = {"confirmed": "CONFIRMED", "tentative": "TENTATIVE", "cancelled": "CANCELLED"}
UTC_ZONES = frozenset({"UTC", "Etc/UTC", "Etc/GMT", "GMT", "Etc/Zulu", "Zulu", "Etc/UCT", "UCT", "Universal"})

# Anything that any iCal parser might take as a line break or that is not allowed in TEXT:
# C0 and C1 controls, DEL, NEL, LINE/PARAGRAPH SEPARATOR, and lone surrogates. LF is kept (escaped).
_NOT_TEXT = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_TEXT_SPECIAL = re.compile(r"([\\;,])")
_TEXT_TO_CHANGE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\\\\;,]")  # all escape_text changes (CR, LF too)
DAY_ONLY_TIMES = (dt.time(0, 0), dt.time(23, 59), dt.time(23, 59, 59))  # a deadline given as a day
_TZID = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+){0,3}$")


def escape_text(value: object) -> str:
    """A TEXT value: backslash, semicolon and comma escaped, every line break as the two characters \\n."""
    text = str(value)
    if not _TEXT_TO_CHANGE.search(text):  # most values (ids, names): one scan instead of five
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _NOT_TEXT.sub(" ", text)
    return _TEXT_SPECIAL.sub(r"\\\1", text).replace("\n", "\\n")


def fold(line: str) -> str:
    """One content line folded at 75 octets (continuations start with a space), never inside a UTF-8
    sequence nor inside a backslash escape: strict clients read `\\` CRLF ` n` as a lone backslash.

    The one folding of every iCal writer. Not icalendar's: its folding moves one backslash only, so it
    still splits `\\\\` before an `n`, and its first line holds 74 octets, which would refold every feed.
    """
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return line + CRLF
    parts: list[str] = []
    start, limit = 0, 75
    while start < len(raw):
        end = min(start + limit, len(raw))
        while end < len(raw) and (raw[end] & 0xC0) == 0x80:  # do not cut a multi-byte character
            end -= 1
        if end < len(raw) and raw[end - 1] == 0x5C and _ends_in_escape(raw, start, end):
            end -= 1  # the escape's backslash starts the continuation
        parts.append(raw[start:end].decode("utf-8"))
        start, limit = end, 74  # the leading space of a continuation counts towards its 75 octets
    return (CRLF + " ").join(parts) + CRLF


def _ends_in_escape(raw: bytes, start: int, end: int) -> bool:
    """Whether raw[start:end] ends with the backslash of an unfinished escape (an odd run of backslashes);
    a part always starts on an escape's boundary, so the run is counted within it."""
    run = end
    while run > start and raw[run - 1] == 0x5C:
        run -= 1
    return (end - run) % 2 == 1


def utc_stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


@lru_cache(maxsize=1024)
def ical_zone(name: str | None) -> zoneinfo.ZoneInfo | None:
    """The zone to write local times in, or None for UTC (unknown, unsafe or UTC-equivalent names)."""
    if not name or name in UTC_ZONES or not _TZID.match(name):
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


@lru_cache(maxsize=16)
def uid_host(base_url: str) -> str:
    return urlsplit(base_url).hostname or "pyevents.invalid"


def event_uid(event_id: str, base_url: str) -> str:
    return f"{event_id}@{uid_host(base_url)}"


def vevent_head(event: EventColumns, base_url: str) -> str:
    """The first lines of an event's VEVENT; a cached VEVENT that starts otherwise is stale."""
    return vevent_head_of(event["event_id"], utc_stamp(event["updated_at"]), int(event.get("sequence") or 0), base_url)


def vevent_head_of(event_id: str, dtstamp: str, sequence: int, base_url: str) -> str:
    """`vevent_head` from its parts; `dtstamp` as written (YYYYMMDDTHHMMSSZ)."""
    return (
        "BEGIN:VEVENT"
        + CRLF
        + fold("UID:" + escape_text(event_uid(event_id, base_url)))
        + fold("DTSTAMP:" + dtstamp)
        + fold(f"SEQUENCE:{sequence}")
    )


def serialize_vevent(event: EventColumns, base_url: str) -> str:
    """The VEVENT (CRLF lines, folded) of one row of the `events` table given as a column → value mapping.

    Needs event_id, title, starts_at, ends_at, timezone, all_day, status, updated_at, sequence; uses
    description, url, venue, city, country, online, latitude, longitude, kind, tags when present.
    """
    lines = [vevent_head(event, base_url), fold("LAST-MODIFIED:" + utc_stamp(event["updated_at"]))]
    lines += _when(event["starts_at"], event["ends_at"], event.get("timezone"), bool(event.get("all_day")))
    status = STATUS.get(str(event.get("status") or "").lower())
    if status:
        lines.append(fold("STATUS:" + status))
    lines.append(fold("SUMMARY:" + escape_text(event.get("title") or "(untitled)")))
    if event.get("description"):
        lines.append(fold("DESCRIPTION:" + escape_text(event["description"])))
    place = place_label(event)
    if place:
        lines.append(fold("LOCATION:" + escape_text(place)))
    geo = _geo(event.get("latitude"), event.get("longitude"))
    if geo:
        lines.append(fold("GEO:" + geo))
    url = _uri(event.get("url"))
    if url:
        lines.append(fold("URL:" + url))
    categories = _categories(event.get("kind"), event.get("tags"))
    if categories:
        lines.append(fold("CATEGORIES:" + categories))
    lines.append("END:VEVENT" + CRLF)
    return "".join(lines)


def serialize_cfp_vevent(event: OpenCfp, base_url: str) -> str:
    """A VEVENT for an event's call-for-proposals deadline (`cfp.ics`), all-day when the deadline has no hour."""
    deadline: dt.datetime = event["cfp_ends_at"]
    zone = ical_zone(event.get("timezone"))
    local = deadline.astimezone(zone or dt.UTC)
    lines = [
        "BEGIN:VEVENT" + CRLF,
        fold("UID:" + escape_text("cfp-" + event_uid(event["event_id"], base_url))),
        fold("DTSTAMP:" + utc_stamp(event["updated_at"])),
        fold(f"SEQUENCE:{int(event.get('sequence') or 0)}"),
        fold("LAST-MODIFIED:" + utc_stamp(event["updated_at"])),
    ]
    if local.time() in DAY_ONLY_TIMES:
        day = local.date()
        lines += _when_all_day(day, day + dt.timedelta(days=1))
    else:  # a deadline is an instant: DTSTART without DTEND is an event of zero duration
        lines.append(_datetime_line("DTSTART", deadline, zone))
    lines.append(fold("SUMMARY:" + escape_text(f"CFP closes: {event.get('title') or '(untitled)'}")))
    url = _uri(event.get("cfp_url")) or _uri(event.get("url"))
    if url:
        lines.append(fold("URL:" + url))
    lines.append(fold("CATEGORIES:" + _categories("cfp", [event.get("kind") or ""])))
    lines.append("END:VEVENT" + CRLF)
    return "".join(lines)


def calendar_head(name: str, tzids: Iterable[str], span: tuple[dt.date, dt.date], description: str | None = None) -> str:
    """A VCALENDAR up to its first VEVENT: properties, then one VTIMEZONE per TZID used (covering `span`)."""
    head = [calendar_properties(name, description)]
    head += [vtimezone(tzid, span[0], span[1]) for tzid in sorted(set(tzids)) if ical_zone(tzid) is not None]
    return "".join(head)


def calendar_properties(name: str, description: str | None = None) -> str:
    """The VCALENDAR's first lines, up to its VTIMEZONEs."""
    head = [CALENDAR_BEGIN, calendar_name_lines(name)]
    if description:
        head += [fold("DESCRIPTION:" + escape_text(description)), fold("X-WR-CALDESC:" + escape_text(description))]
    head.append(CALENDAR_REFRESH)
    return "".join(head)


def calendar_name_lines(name: str) -> str:
    """The calendar's NAME and X-WR-CALNAME lines (calendar_properties' only ones that vary but the description)."""
    escaped = escape_text(name)
    return fold("NAME:" + escaped) + fold("X-WR-CALNAME:" + escaped)


# calendar_properties' fixed lines: before the name, and after the name and description.
CALENDAR_BEGIN = (
    "BEGIN:VCALENDAR"
    + CRLF
    + fold("PRODID:" + PRODID)
    + "VERSION:2.0"
    + CRLF
    + "CALSCALE:GREGORIAN"
    + CRLF
    + "METHOD:PUBLISH"
    + CRLF
)
CALENDAR_REFRESH = f"REFRESH-INTERVAL;VALUE=DURATION:{REFRESH}" + CRLF + f"X-PUBLISHED-TTL:{REFRESH}" + CRLF


CALENDAR_END = "END:VCALENDAR" + CRLF


def calendar_text(
    name: str,
    vevents: Iterable[str],
    tzids: set[str],
    span: tuple[dt.date, dt.date],
    description: str | None = None,
) -> Iterator[str]:
    """Stream a VCALENDAR: `calendar_head`, the VEVENTs, the end."""
    yield calendar_head(name, tzids, span, description)
    yield from vevents
    yield CALENDAR_END


def used_tzid(event: Listed) -> str | None:
    """The TZID an event's VEVENT refers to, if any (all-day and UTC events refer to none)."""
    if event.get("all_day"):
        return None
    return event["timezone"] if ical_zone(event.get("timezone")) is not None else None


def cfp_tzid(event: OpenCfp) -> str | None:
    """The TZID an event's CFP VEVENT refers to, if any (a deadline given as a day is all-day)."""
    deadline: dt.datetime | None = event.get("cfp_ends_at")
    zone = ical_zone(event.get("timezone"))
    if deadline is None or zone is None or deadline.astimezone(zone).time() in DAY_ONLY_TIMES:
        return None
    return zone.key


def span_of(events: Iterable[EventColumns]) -> tuple[dt.date, dt.date]:
    """Whole calendar years covering every event, so VTIMEZONEs stay identical while the data does."""
    years = [y for ev in events for y in (ev["starts_at"].year - 1, ev["ends_at"].year + 1)]
    if not years:
        return dt.date(2000, 1, 1), dt.date(2001, 1, 1)
    return dt.date(min(years), 1, 1), dt.date(max(years), 1, 1)


@lru_cache(maxsize=512)
def vtimezone(tzid: str, first: dt.date, last: dt.date) -> str:
    """A VTIMEZONE for an IANA zone from its transitions between `first` and `last` (cached per zone and span).

    Written here rather than with icalendar's `Timezone.from_tzinfo`: icalendar 7.3 writes a DAYLIGHT
    onset as the wall time after the change (03:00 for Berlin) where RFC 5545 §3.6.5 wants the local
    time before it (02:00), and adds a COMMENT; this is exact, deterministic and as fast.
    """
    zone = ical_zone(tzid)
    if zone is None:
        raise ValueError(f"no VTIMEZONE for {tzid!r}")
    start = dt.datetime(first.year, first.month, first.day, tzinfo=dt.UTC)
    end = dt.datetime(last.year, last.month, last.day, tzinfo=dt.UTC)
    state = _zone_state(zone, start)
    lines = ["BEGIN:VTIMEZONE" + CRLF, fold("TZID:" + tzid)]
    lines.append(_observance(state, state[0], start + state[0]))
    step = dt.timedelta(hours=12)
    probe = start
    while probe < end:  # bounded: (last - first) / 12 h steps
        nxt = min(probe + step, end)
        new = _zone_state(zone, nxt)
        if new != state:
            moment = _transition(zone, probe, nxt, state)
            lines.append(_observance(new, state[0], moment + state[0]))
            state = _zone_state(zone, moment)
        probe = nxt
    lines.append("END:VTIMEZONE" + CRLF)
    return "".join(lines)


def _zone_state(zone: zoneinfo.ZoneInfo, instant: dt.datetime) -> tuple[dt.timedelta, dt.timedelta, str]:
    local = instant.astimezone(zone)
    return local.utcoffset() or dt.timedelta(), local.dst() or dt.timedelta(), local.tzname() or ""


def _transition(
    zone: zoneinfo.ZoneInfo, before: dt.datetime, after: dt.datetime, state: tuple[dt.timedelta, dt.timedelta, str]
) -> dt.datetime:
    """The first second in (before, after] whose zone state differs from `state` (bisection)."""
    while after - before > dt.timedelta(seconds=1):
        mid = before + (after - before) / 2
        mid = mid.replace(microsecond=0)
        if _zone_state(zone, mid) == state:
            before = mid
        else:
            after = mid
    return after


def _observance(state: tuple[dt.timedelta, dt.timedelta, str], offset_from: dt.timedelta, onset: dt.datetime) -> str:
    offset_to, dst, tzname = state
    kind = "DAYLIGHT" if dst else "STANDARD"
    lines = [
        f"BEGIN:{kind}" + CRLF,
        "DTSTART:" + onset.replace(tzinfo=None).strftime("%Y%m%dT%H%M%S") + CRLF,
        "TZOFFSETFROM:" + _offset(offset_from) + CRLF,
        "TZOFFSETTO:" + _offset(offset_to) + CRLF,
    ]
    if tzname:
        lines.append(fold("TZNAME:" + escape_text(tzname)))
    lines.append(f"END:{kind}" + CRLF)
    return "".join(lines)


def _offset(delta: dt.timedelta) -> str:
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{secs:02d}" if secs else "")


def _when(starts: dt.datetime, ends: dt.datetime, timezone: str | None, all_day: bool) -> list[str]:
    zone = ical_zone(timezone)
    if all_day:
        local = zone or dt.UTC
        first = starts.astimezone(local).date()
        after = ends.astimezone(local).date()
        return _when_all_day(first, max(after, first + dt.timedelta(days=1)))
    lines = [_datetime_line("DTSTART", starts, zone)]
    if ends > starts:
        lines.append(_datetime_line("DTEND", ends, zone))
    return lines


def _when_all_day(first: dt.date, after: dt.date) -> list[str]:
    return [f"DTSTART;VALUE=DATE:{first:%Y%m%d}" + CRLF, f"DTEND;VALUE=DATE:{after:%Y%m%d}" + CRLF]


def _datetime_line(name: str, value: dt.datetime, zone: zoneinfo.ZoneInfo | None) -> str:
    if zone is None:
        return f"{name}:{utc_stamp(value)}" + CRLF
    local = value.astimezone(zone).strftime("%Y%m%dT%H%M%S")
    return fold(f"{name};TZID={zone.key}:{local}")


def _geo(lat: object, lon: object) -> str | None:
    if not isinstance(lat, (int, float)) or not isinstance(lon, (int, float)):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return f"{lat:.6f};{lon:.6f}"


def _uri(value: object) -> str | None:
    """An http(s) URL that is safe to write unescaped as a URI value, else None."""
    url = safe_url(value) if isinstance(value, str) else None
    if url is None or _NOT_TEXT.search(url):
        return None
    return url


def _categories(kind: object, tags: Iterable[object] | None) -> str:
    values: list[str] = []
    for value in [kind, *(tags or [])]:
        text = str(value or "").strip()
        if text and text not in values:
            values.append(text)
    return ",".join(escape_text(v) for v in values)
