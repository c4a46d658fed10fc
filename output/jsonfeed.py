"""`events.json`: every published event, machine-readable, written in pieces (head, one line per event, end).

The format is documented in docs/PUBLISHED.md ("events.json"). Keys are sorted and nothing depends
on the moment of publishing, so an unchanged database gives byte-identical output.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from output.ical import event_uid
from output.labels import country_name
from output.site import event_page_path, safe_href
from output.timefmt import When

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


# One encoder for every line (json.dumps with options builds a new one per call, ~2 µs of 150k lines).
_LINE_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


def event_line(event: Mapping[str, Any], w: When, base_url: str) -> str:
    return _LINE_ENCODER.encode(event_object(event, w, base_url))


def event_object(event: Mapping[str, Any], w: When, base_url: str) -> dict[str, Any]:
    """One event as documented in docs/PUBLISHED.md, from a row of `Snapshot.event_batches` (instants
    as UTC text, `*_z`); `w` is its `when`."""
    page = event_page_path(event["event_id"])
    cfp_ends = event.get("cfp_ends_z")
    return {
        "id": event["event_id"],
        "uid": event_uid(event["event_id"], base_url),
        "series_id": event.get("series_id"),
        "page_url": base_url + page if page else None,
        "title": event.get("title") or "",
        "description": event.get("description") or "",
        "status": event.get("status") or "confirmed",
        "kind": event.get("kind") or "other",
        "all_day": bool(event.get("all_day")),
        "timezone": event.get("timezone"),
        "starts_at": event["starts_z"],
        "ends_at": event["ends_z"],
        "start_local": w.start_iso,
        "end_local": w.end_iso,
        "url": safe_href(event.get("url")) or None,
        "venue": event.get("venue"),
        "city": event.get("city"),
        "country": event.get("country"),
        "country_name": country_name(event.get("country")) or None,
        "region": event.get("region"),
        "latitude": event.get("latitude"),
        "longitude": event.get("longitude"),
        "online": bool(event.get("online")),
        "tags": list(event.get("tags") or []),
        "cfp": {"url": safe_href(event.get("cfp_url")) or None, "ends_at": cfp_ends}
        if cfp_ends or event.get("cfp_url")
        else None,
        "sequence": int(event.get("sequence") or 0),
        "first_seen_at": event.get("first_seen_z"),
        "updated_at": event.get("updated_z"),
        "sources": [
            {"source_id": s.get("source_id"), "name": s.get("name"), "url": safe_href(s.get("source_url")) or None}
            for s in event.get("sources") or []
        ],
    }


def _instant(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
