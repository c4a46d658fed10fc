"""What an agenda shows about one event: `EventView`, prepared once per entry (output.agenda adds a series' parts)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from pyevents.output.labels import REGION_NAMES, country_name, kind_name, place_label, region_name, topics
from pyevents.output.rows import AgendaEntry
from pyevents.output.site import badges, event_page_path, event_status
from pyevents.output.timefmt import When


@dataclass(slots=True)
class EventView:
    """What an agenda shows about one event (attributes, not a dict: templates read them fastest)."""

    id: str
    page: str | None
    title: str
    when: When
    place: str
    online: bool
    kind: str
    kind_name: str
    region: str | None
    region_name: str
    country: str | None
    country_name: str
    status: str
    changed: bool
    search: str
    badges: Markup
    topics: str  # space-separated, for the filter
    series_page: str | None = None  # a recurring series' page (then the entry stands for all its dates)
    cadence: str = ""  # "every Tuesday"; '' when no rhythm can be told
    dates: int = 0  # a series' upcoming dates, not cancelled
    short_when: str = ""  # "Tue 8 Dec 18:00": the compact list's date


def _view_fields(event: AgendaEntry, w: When, place: str) -> dict[str, Any]:
    status, changed = event_status(event)
    country = event.get("country") if country_name(event.get("country")) else None
    region = event.get("region")
    kind = event.get("kind") or "other"
    online = bool(event.get("online"))
    return {
        "id": event["event_id"],
        "page": event_page_path(event["event_id"]),  # an agenda entry's series has its own link (series_page)
        "title": event.get("title") or "(untitled)",
        "when": w,
        "place": place or "Place not announced",
        "online": online,
        "kind": kind,
        "kind_name": kind_name(kind),
        "region": region if region in REGION_NAMES else None,
        "region_name": region_name(region),
        "country": country,
        "country_name": country_name(country),
        "status": status,
        "changed": changed,
        "search": " ".join([event.get("title") or "", place, kind_name(kind)]).casefold(),
        "badges": badges(kind_name(kind), status, changed, online),
        "topics": " ".join(topics(event.get("tags"))),
    }


def event_view(event: AgendaEntry, w: When) -> EventView:
    """What an agenda shows about one event; `w` is `when(event)`, computed once per event by the caller."""
    return EventView(**_view_fields(event, w, place_label(event)))
