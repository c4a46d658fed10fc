"""An event's schema.org Event JSON-LD, as text fit for a <script> element of its page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from pyevents.output.cardimage import CARD_PATH
from pyevents.output.ical import event_uid
from pyevents.output.labels import topics
from pyevents.output.rows import SeriesDate
from pyevents.output.site import event_link, safe_href
from pyevents.output.timefmt import When


def event_jsonld(event: SeriesDate, w: When, place: str, base_url: str) -> Markup:
    """An event's schema.org Event JSON-LD, fit for a <script> element, its @id where it is read (`event_link`)."""
    page = event_link(event["event_id"], event.get("series_key"))
    return jsonld_markup(event, w, place, base_url + page if page else None, base_url, topics(event.get("tags")))


def jsonld_markup(
    event: Mapping[str, Any], w: When, place: str, page_url: str | None, base_url: str, keywords: Sequence[str]
) -> Markup:
    """The JSON-LD of an event read at `page_url` (None when it has no page), fit for a <script> element."""
    return _html_safe_json(_jsonld(event, w, place, page_url, base_url, keywords))


def _html_safe_json(data: dict[str, Any]) -> Markup:
    """JSON text fit for a <script> element (<, >, & and ' escaped), keys sorted so a page is reproducible."""
    return htmlsafe_json_dumps(data, sort_keys=True, ensure_ascii=False)


def _jsonld(
    event: Mapping[str, Any], w: When, place: str, page_url: str | None, base_url: str, keywords: Sequence[str]
) -> dict[str, Any]:
    """schema.org Event."""
    online = bool(event.get("online"))
    has_place = bool(event.get("venue") or event.get("city") or event.get("country"))
    url = safe_href(event.get("url"))
    status = "EventCancelled" if event.get("status") == "cancelled" else "EventScheduled"
    mode = (
        "MixedEventAttendanceMode"
        if online and has_place
        else "OnlineEventAttendanceMode"
        if online
        else "OfflineEventAttendanceMode"
    )
    locations: list[dict[str, Any]] = []
    if has_place:
        address = {"@type": "PostalAddress"}
        for key, column in (("addressCountry", "country"), ("addressLocality", "city"), ("addressRegion", "subdivision")):
            if event.get(column):
                address[key] = event[column]
        venue: dict[str, Any] = {"@type": "Place", "address": address, "name": event.get("venue") or place}
        lat, lon = event.get("latitude"), event.get("longitude")
        if isinstance(lat, (int, float)) and isinstance(lon, (int, float)):
            venue["geo"] = {"@type": "GeoCoordinates", "latitude": lat, "longitude": lon}
        locations.append(venue)
    if online:
        locations.append({"@type": "VirtualLocation", "url": url or page_url or base_url})
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.get("title") or "(untitled)",
        "startDate": w.start_iso,
        "endDate": w.end_iso,
        "eventAttendanceMode": f"https://schema.org/{mode}",
        "eventStatus": f"https://schema.org/{status}",
        "identifier": event_uid(event["event_id"], base_url),
        "image": base_url + CARD_PATH,
    }
    if page_url:
        data["@id"] = page_url
    if event.get("description"):
        data["description"] = event["description"]
    if keywords:
        data["keywords"] = ", ".join(keywords)
    if locations:
        data["location"] = locations[0] if len(locations) == 1 else locations
    if url or page_url:
        data["url"] = url or page_url
    return data
