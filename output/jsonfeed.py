"""`events.json`: every published event, machine-readable, written in pieces (head, one line per event, end).

The format is documented in docs/PUBLISHED.md ("events.json"). Keys are sorted and nothing depends
on the moment of publishing, so an unchanged database gives byte-identical output.
"""

from __future__ import annotations

import datetime as dt
import json

from pyevents.output.ical import event_uid
from pyevents.output.labels import country_name
from pyevents.output.rows import EventText
from pyevents.output.site import event_link, safe_href
from pyevents.output.timefmt import When

FORMAT_VERSION = "pyevents-events/1"


def document_head(name: str, base_url: str, count: int, updated: dt.datetime | None) -> str:
    """The document up to the first event: a header object whose `events` array holds one object per event.

    Event objects follow as `event_line`s separated by ",\n", then `DOCUMENT_END`.
    """
    head = {
        "version": FORMAT_VERSION,
        "name": name,
        "home_page_url": base_url,
        "feed_url": base_url + "events.json",
        "updated_at": _instant(updated),
        "count": count,
    }
    return json.dumps(head, ensure_ascii=False, sort_keys=True)[:-1] + ', "events": [\n'


EVENT_SEPARATOR = ",\n"
DOCUMENT_END = "\n]}\n"


def event_line(event: EventText, w: When, base_url: str) -> str:
    """One event as documented in docs/PUBLISHED.md, from a row of `Snapshot.event_batches` (instants
    as UTC text, `*_z`); `w` is its `when`."""
    page = event_link(event["event_id"], event.get("series_key"))
    cfp_url = safe_href(event.get("cfp_url")) or None
    cfp_ends = event.get("cfp_ends_z")
    line = {
        "all_day": bool(event.get("all_day")),
        "cfp": {"ends_at": cfp_ends, "url": cfp_url} if cfp_ends or cfp_url else None,
        "city": event.get("city"),
        "country": event.get("country"),
        "country_name": country_name(event.get("country")) or None,
        "description": event.get("description") or "",
        "end_local": w.end_iso,
        "ends_at": event["ends_z"],
        "first_seen_at": event.get("first_seen_z"),
        "id": event["event_id"],
        "kind": event.get("kind") or "other",
        "latitude": event.get("latitude"),
        "longitude": event.get("longitude"),
        "online": bool(event.get("online")),
        "page_url": base_url + page if page else None,
        "region": event.get("region"),
        "sequence": int(event.get("sequence") or 0),
        "series_id": event.get("series_id"),
        "sources": [
            {"name": s.get("name"), "source_id": s.get("source_id"), "url": safe_href(s.get("source_url")) or None}
            for s in event.get("sources") or []
        ],
        "start_local": w.start_iso,
        "starts_at": event["starts_z"],
        "status": event.get("status") or "confirmed",
        "subdivision": event.get("subdivision"),
        "tags": list(event.get("tags") or []),
        "timezone": event.get("timezone"),
        "title": event.get("title") or "",
        "uid": event_uid(event["event_id"], base_url),
        "updated_at": event.get("updated_z"),
        "url": safe_href(event.get("url")) or None,
        "venue": event.get("venue"),
        "zone_label": w.zone or None,
    }
    return json.dumps(line, ensure_ascii=False, sort_keys=True)


def _instant(instant: dt.datetime | None) -> str | None:
    if instant is None:
        return None
    return instant.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
