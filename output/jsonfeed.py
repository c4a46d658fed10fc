"""`events.json`: every published event, machine-readable, written in pieces (head, one line per event, end).

The format is documented in docs/PUBLISHED.md ("events.json"). Keys are sorted and nothing depends
on the moment of publishing, so an unchanged database gives byte-identical output.
"""

from __future__ import annotations

import datetime as dt
import json

from pyevents.output.ical import event_uid
from pyevents.output.jsontext import TRUTH, string, value
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
    """One event as documented in docs/PUBLISHED.md, exactly as `json.dumps(..., ensure_ascii=False,
    sort_keys=True)` writes it, from a row of `Snapshot.event_batches` (instants as UTC text, `*_z`);
    `w` is its `when`. Written from its encoded values, keys in sorted order (output.jsontext)."""
    page = event_link(event["event_id"], event.get("series_key"))
    cfp_url = safe_href(event.get("cfp_url")) or None
    cfp_ends = event.get("cfp_ends_z")
    cfp = f'{{"ends_at": {value(cfp_ends)}, "url": {value(cfp_url)}}}' if cfp_ends or cfp_url else "null"
    tags = ", ".join([value(tag) for tag in event.get("tags") or []])
    sources = ", ".join([
        f'{{"name": {value(s.get("name"))}, "source_id": {value(s.get("source_id"))}, '
        f'"url": {value(safe_href(s.get("source_url")) or None)}}}'
        for s in event.get("sources") or []
    ])
    return (
        f'{{"all_day": {TRUTH[bool(event.get("all_day"))]}, "cfp": {cfp}, "city": {value(event.get("city"))}, '
        f'"country": {value(event.get("country"))}, "country_name": {value(country_name(event.get("country")) or None)}, '
        f'"description": {string(event.get("description") or "")}, "end_local": {string(w.end_iso)}, '
        f'"ends_at": {string(event["ends_z"])}, "first_seen_at": {value(event.get("first_seen_z"))}, '
        f'"id": {string(event["event_id"])}, "kind": {string(event.get("kind") or "other")}, '
        f'"latitude": {value(event.get("latitude"))}, "longitude": {value(event.get("longitude"))}, '
        f'"online": {TRUTH[bool(event.get("online"))]}, "page_url": {value(base_url + page if page else None)}, '
        f'"region": {value(event.get("region"))}, "sequence": {int(event.get("sequence") or 0)}, '
        f'"series_id": {value(event.get("series_id"))}, "sources": [{sources}], '
        f'"start_local": {string(w.start_iso)}, "starts_at": {string(event["starts_z"])}, '
        f'"status": {string(event.get("status") or "confirmed")}, "subdivision": {value(event.get("subdivision"))}, '
        f'"tags": [{tags}], '
        f'"timezone": {value(event.get("timezone"))}, "title": {string(event.get("title") or "")}, '
        f'"uid": {string(event_uid(event["event_id"], base_url))}, "updated_at": {value(event.get("updated_z"))}, '
        f'"url": {value(safe_href(event.get("url")) or None)}, "venue": {value(event.get("venue"))}, '
        f'"zone_label": {value(w.zone or None)}}}'
    )


def _instant(instant: dt.datetime | None) -> str | None:
    if instant is None:
        return None
    return instant.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
