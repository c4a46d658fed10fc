"""Normalization: finishing a parsed event with its place, online flag, kind, region and the source's defaults.

Precedence, field by field: what the parser read from structured data (a schema.org Place, a
listing's country column) wins; then what the free-text location says; then the source's defaults.

Rules decided here (documented for operators):
- A source's default country fills events that say none, online ones included (an online meetup of
  a German user group is listed under DE); its default city fills only events in that country
  that have a physical place or say nothing at all, never an online-only event.
- `online` is set by online words or video-call links in the location, a video-call event URL, the
  source default `online: true`, or an event with no place at all but a URL (unless the source says
  `online: false`). A place plus an online marker is a hybrid event: both are kept.
- `region` is the override when the source config gives one, else the country's region, else
  "online" for an online event without a country, else None.
- Tags are the parser's plus the source's, lower-cased, without duplicates.
- The city is settled against the gazetteer (`place.settle_city`): its GeoNames name ("Bengaluru",
  "São Paulo"), its ISO 3166-2 subdivision unless the text named one, its country when none was
  known; a city the gazetteer does not know stays only when it is a plausible name. Coordinates
  outside the event's country that fall inside it once swapped are swapped back.
- Times last, once the place is known: `localtime.settle_zone` gives them the zone of the event's own
  place (coordinates, city, one-zone country), else the source's default, else the federation's.
- An event without a link of its own gets the first link its description names that is not a video
  call (python.org-style calendars put the website only there); the online rules above read the
  source's own link only.
"""

from __future__ import annotations

import dataclasses
import functools
import operator

from pyevents.pipeline.model import KINDS, REGIONS, STATUSES, SourceDefaults, SourceEvent
from pyevents.pipeline.normalize.countries import city_country, normalize_country, region_of
from pyevents.pipeline.normalize.gazetteer import fix_swapped, zone_for_place
from pyevents.pipeline.normalize.kind import refine_kind
from pyevents.pipeline.normalize.localtime import settle_zone
from pyevents.pipeline.normalize.place import is_video_call_url, parse_location, settle_city
from pyevents.pipeline.normalize.text import clean_text, safe_url, urls_in_text

MAX_TAGS = 30
# What the place finishing neither reads nor changes: an occurrence's identity and times.
_PASSED_THROUGH = (
    "source_id", "source_uid", "starts_at", "ends_at", "timezone", "all_day", "series_uid", "cfp_ends_at", "zone_basis",
)  # fmt: skip
_finishing_inputs = operator.attrgetter(
    *(f.name for f in dataclasses.fields(SourceEvent) if f.name not in _PASSED_THROUGH and f.name != "tags")
)


def finish_events(
    events: list[SourceEvent], defaults: SourceDefaults, region_override: str | None = None, federation_zone: str = "UTC"
) -> list[SourceEvent]:
    """finish_event for each event; events alike but for identity and times (a series' occurrences) have
    their place finished once, and each occurrence its times."""
    finished: dict[tuple[object, ...], tuple[SourceEvent, str | None]] = {}
    out: list[SourceEvent] = []
    for ev in events:
        key = (_finishing_inputs(ev), tuple(ev.tags))
        like = finished.get(key)
        if like is None:
            like = finished[key] = _finish_place(ev, defaults, region_override)
            placed = like[0]
        else:
            passed = {name: getattr(ev, name) for name in _PASSED_THROUGH}
            placed = dataclasses.replace(like[0], tags=list(like[0].tags), **passed)
        out.append(settle_zone(placed, like[1], defaults.timezone, federation_zone))
    return out


def finish_event(
    ev: SourceEvent, defaults: SourceDefaults, region_override: str | None = None, federation_zone: str = "UTC"
) -> SourceEvent:
    """Fill what the parser left open: place, online, kind, tags and region, then the zone of the times;
    pure (returns a new event)."""
    placed, zone = _finish_place(ev, defaults, region_override)
    return settle_zone(placed, zone, defaults.timezone, federation_zone)


def _finish_place(ev: SourceEvent, defaults: SourceDefaults, region_override: str | None) -> tuple[SourceEvent, str | None]:
    """The event with its place, online flag, kind, tags and region filled; and the zone of its place
    (None for an online-only event or an unknown place: an online event's country says nothing of its hours)."""
    title = clean_text(ev.title, single_line=True)
    location = clean_text(ev.location, single_line=True) or None
    url = safe_url(ev.url)
    own_country = normalize_country(ev.country)
    place = parse_location(location, own_country or defaults.country)
    venue = _clean_or_none(ev.venue) or place.venue
    city = _clean_or_none(ev.city) or place.city
    country = own_country or place.country or (city_country(city) if city else None)
    physical = bool(venue or city or ev.latitude is not None)  # a country alone is no place to go to
    online = ev.online or place.online or is_video_call_url(url) or defaults.online is True
    if not (physical or country or location) and url and defaults.online is not False:
        online = True  # no place at all, only a link: the event happens at the link
    online_only = online and not physical
    if city is None and defaults.city and country in (None, defaults.country) and not online_only:
        city = defaults.city
    country = country or defaults.country
    subdivision = ev.subdivision or place.subdivision
    city, subdivision, country, swapped, zone = _settled_place(city, subdivision, country, ev.latitude, ev.longitude)
    latitude, longitude = _coordinates(ev.latitude, ev.longitude, swapped)
    kind = ev.kind if ev.kind in KINDS and ev.kind != "other" else refine_kind(title, defaults.kind)
    description = clean_text(ev.description)
    finished = dataclasses.replace(
        ev,
        title=title,
        description=description,
        status=ev.status if ev.status in STATUSES else "confirmed",
        url=url or _website_in(description),
        location=location,
        venue=venue,
        city=city,
        country=country,
        subdivision=subdivision,
        latitude=latitude,
        longitude=longitude,
        region=_region(region_override, ev.region, country, online),
        online=online,
        kind=kind,
        tags=_merge_tags(ev.tags, defaults.tags),
        cfp_url=safe_url(ev.cfp_url),
        source_url=safe_url(ev.source_url),
    )
    return finished, None if online and not (venue or city or latitude is not None) else zone


Located = tuple[str | None, str | None, str | None, bool, str | None]


# A calendar's venues and cities repeat across its events; the lookups are pure, so results are shared.
@functools.lru_cache(maxsize=8192)
def _settled_place(
    city: str | None, subdivision: str | None, country: str | None, latitude: float | None, longitude: float | None
) -> Located:
    """(city, subdivision, country) as the gazetteer settles them (`settle_city`), whether the coordinates
    are swapped (outside the country, inside it once swapped back), and the zone of that place."""
    city, subdivision, country = settle_city(city, subdivision, country)
    swapped = False
    if latitude is not None and longitude is not None:
        swapped = fix_swapped(latitude, longitude, country) != (latitude, longitude)
        latitude, longitude = (longitude, latitude) if swapped else (latitude, longitude)
    else:
        latitude = longitude = None
    return city, subdivision, country, swapped, zone_for_place(latitude, longitude, city, subdivision, country)


def _coordinates(latitude: float | None, longitude: float | None, swapped: bool) -> tuple[float | None, float | None]:
    """Both coordinates or neither, in the order `_settled_place` found."""
    if latitude is None or longitude is None:
        return None, None
    return (longitude, latitude) if swapped else (latitude, longitude)


def _website_in(description: str) -> str | None:
    """The first link of a description that is not a video call: the event's website when it gave none."""
    return next((url for url in urls_in_text(description) if not is_video_call_url(url)), None)


def _clean_or_none(value: str | None) -> str | None:
    return clean_text(value, single_line=True) or None if value else None


def _region(override: str | None, parsed: str | None, country: str | None, online: bool) -> str | None:
    """Override, then a region the parser set, then the country's, then "online" for a country-less online event."""
    for candidate in (override, parsed, region_of(country)):
        if candidate in REGIONS:
            return candidate
    return "online" if online else None


def _merge_tags(own: list[str], defaults: list[str]) -> list[str]:
    tags: list[str] = []
    for raw in [*own, *defaults][: MAX_TAGS * 4]:
        tag = clean_text(raw, single_line=True).lower()
        if tag and tag not in tags:
            tags.append(tag)
    return tags[:MAX_TAGS]
