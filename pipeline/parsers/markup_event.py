"""From the fields a page, feed or listing states about one event to a `SourceEvent` (or a `Reject`).

Every non-iCal parser reads its format into `EventFields` and hands it here, so time zones, all-day
spans, the window, identities and text cleaning follow one set of rules:

- a zone named by the document wins (Windows names too, as an "alias" normalization may refine);
- aware times keep their instant (an offset such as +05:30 only fixes the instant, not the zone:
  normalization gives them the place's zone when it has that offset, `normalize.localtime`);
- naive times and dates are floating: read in the source's default zone, else the federation's, until
  normalization reads them in the place's zone;
- date-only values make an all-day event from local midnight of the first day to midnight after the
  last (`end` is the inclusive last day, as schema.org, microformats and conference lists mean it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
from dataclasses import dataclass, field

from pyevents.pipeline.model import ParseContext, Reject, SourceEvent, Window
from pyevents.pipeline.normalize.text import clean_text, html_to_text, safe_url
from pyevents.pipeline.normalize.timezones import offset_zone_name, resolve_tzid, tzid_basis, zone_info
from pyevents.pipeline.parsers.dates_prose import ProseDates

MAX_TITLE = 500
MAX_DESCRIPTION = 20_000


@dataclass(slots=True)
class EventFields:
    """What one document says about one event, before cleaning; dates as `dates_lenient` reads them."""

    title: object
    start: dt.date | dt.datetime | None
    end: dt.date | dt.datetime | None = None
    timezone: str | None = None  # IANA zone the document names for this event
    uid: str | None = None
    url: object = None
    description: object = None  # HTML or plain text
    location: object = None
    venue: object = None
    city: object = None
    country: object = None
    latitude: object = None
    longitude: object = None
    online: bool = False
    cancelled: bool = False
    tentative: bool = False
    cfp_url: object = None
    cfp_ends: dt.date | dt.datetime | None = None
    tags: list[str] = field(default_factory=list)
    source_url: str | None = None
    start_text: str | None = None  # the start as written when it is no machine-readable date (prose)
    end_text: str | None = None


def build_event(
    fields: EventFields, ctx: ParseContext, base_url: str | None = None, prose: ProseDates | None = None
) -> SourceEvent | Reject | None:
    """The cleaned event, a Reject saying why it cannot be used, or None when it lies outside the window.

    A start written in prose is read by `prose` (the document's reader) when given."""
    # Titles are plain text; entities left escaped by CMS exports ("Sprint &amp; Workshop") are decoded.
    title = clean_text(html.unescape(clean_text(fields.title)), single_line=True)[:MAX_TITLE]
    if not title:
        return Reject(ctx.source_id, "no-title", _detail(fields))
    if fields.start is None and fields.start_text and prose is not None:
        _read_prose(fields, prose)
    if fields.start is None:
        unread = f": unreadable date {clean_text(fields.start_text, single_line=True)[:80]!r}" if fields.start_text else ""
        return Reject(ctx.source_id, "no-dtstart", title + unread)
    all_day = not isinstance(fields.start, dt.datetime)
    zone_name, basis = _zone_name(fields, ctx)
    zone = zone_info(zone_name) or dt.UTC
    if not isinstance(fields.start, dt.datetime):
        first = fields.start
        last = fields.end if isinstance(fields.end, dt.date) else first
        last = last.date() if isinstance(last, dt.datetime) else last
        starts_at = dt.datetime.combine(first, dt.time(), zone)
        ends_at = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), zone)
    else:
        starts_at = _localize(fields.start, zone, basis)
        zone = starts_at.tzinfo or zone  # an offset-only start: its own offset reads the other values
        end = fields.end
        if isinstance(end, dt.datetime):
            ends_at = _localize(end, zone, basis)
        elif isinstance(end, dt.date):  # a timed start with a date-only end: through that whole day
            ends_at = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), zone)
        else:
            ends_at = starts_at
    if ends_at < starts_at:
        return Reject(ctx.source_id, "end-before-start", f"{title}: {starts_at.isoformat()} > {ends_at.isoformat()}")
    if not overlaps(starts_at, ends_at, ctx.window):
        return None
    url = safe_url(fields.url, base_url or ctx.url)
    return SourceEvent(
        source_id=ctx.source_id,
        source_uid=clean_text(fields.uid, single_line=True) or url or stable_uid(title, starts_at.date()),
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=zone_name,
        all_day=all_day,
        description=html_to_text(fields.description)[:MAX_DESCRIPTION],
        status="cancelled" if fields.cancelled else "tentative" if fields.tentative else "confirmed",
        url=url,
        location=clean_text(fields.location, single_line=True) or None,
        venue=clean_text(fields.venue, single_line=True) or None,
        city=clean_text(fields.city, single_line=True) or None,
        country=clean_text(fields.country, single_line=True) or None,
        latitude=_coordinate(fields.latitude, 90),
        longitude=_coordinate(fields.longitude, 180),
        online=fields.online,
        tags=[t for t in (clean_text(tag, single_line=True) for tag in fields.tags) if t],
        cfp_url=safe_url(fields.cfp_url, base_url or ctx.url),
        cfp_ends_at=_deadline(fields.cfp_ends, zone),
        source_url=fields.source_url or ctx.url,
        zone_basis=basis,
    )


def _read_prose(fields: EventFields, prose: ProseDates) -> None:
    """Start (and a range's last day) from the prose start, else the end from the prose end."""
    span = prose.span(fields.start_text)
    if span is None:
        return
    fields.start, last = span
    if fields.end is None:
        end = last or (prose.span(fields.end_text) or (None, None))[0]
        fields.end = end if end is not None and type(end) is type(fields.start) else None


def overlaps(starts_at: dt.datetime, ends_at: dt.datetime, window: Window) -> bool:
    """Whether [starts_at, ends_at) meets the window; a zero-length event counts at its instant."""
    return starts_at < window.end and (ends_at > window.start or starts_at >= window.start)


def stable_uid(title: str, day: dt.date) -> str:
    """An identity for events whose source gives neither id nor URL: a hash of title and start date."""
    digest = hashlib.sha256(f"{title.casefold()}\x1f{day.isoformat()}".encode()).hexdigest()
    return f"sha256:{digest[:32]}"


def collect(candidates: list[SourceEvent | Reject | None], events: list[SourceEvent], rejects: list[Reject]) -> None:
    """Sort built candidates into events and rejects; one source_uid stays unique within a document."""
    seen = {ev.source_uid for ev in events}
    for item in candidates:
        if isinstance(item, Reject):
            rejects.append(item)
        elif item is not None:
            if item.source_uid in seen:  # several events share a page URL: tell them apart by start
                item.source_uid = f"{item.source_uid}/{item.starts_at.isoformat()}"
                if item.source_uid in seen:
                    continue
            seen.add(item.source_uid)
            events.append(item)


def _zone_name(fields: EventFields, ctx: ParseContext) -> tuple[str, str]:
    """The zone the times are read in for now, and how the document stated it (`SourceEvent.zone_basis`)."""
    named = resolve_tzid(fields.timezone) if isinstance(fields.timezone, str) else None
    if named is not None:
        return named, tzid_basis(fields.timezone)  # type: ignore[arg-type]  # a str, as resolved
    start = fields.start
    if isinstance(start, dt.datetime) and start.utcoffset() is not None:
        return offset_zone_name(start.utcoffset()), "offset"  # type: ignore[arg-type]  # aware
    # Wall times and dates: the source's zone for now; normalization reads them in the place's.
    for candidate in (ctx.defaults.timezone, ctx.federation_timezone):
        if candidate and zone_info(candidate) is not None:
            return candidate, "floating"
    return "UTC", "floating"


def _localize(moment: dt.datetime, zone: dt.tzinfo, basis: str) -> dt.datetime:
    """A naive time in `zone`; an aware one keeps its instant, in `zone` unless only its offset is known."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=zone)
    return moment if basis == "offset" else moment.astimezone(zone)


def _deadline(value: dt.date | dt.datetime | None, zone: dt.tzinfo) -> dt.datetime | None:
    """A CFP deadline given as a day closes at the end of that day (23:59:59 local)."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=zone) if value.tzinfo is None else value.astimezone(zone)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(23, 59, 59), zone)
    return None


def _coordinate(value: object, limit: float) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if -limit <= number <= limit else None


def _detail(fields: EventFields) -> str:
    return clean_text(fields.url or fields.uid or "", single_line=True)[:200]
