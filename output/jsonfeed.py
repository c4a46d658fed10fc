"""`events.json`: every published event, machine-readable, written in pieces (head, one line per event, end).

The format is documented in docs/PUBLISHED.md ("events.json"). Keys are sorted and nothing depends
on the moment of publishing, so an unchanged database gives byte-identical output.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from json.encoder import encode_basestring  # type: ignore[attr-defined]
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


# For what the lines below do not write themselves (json.dumps with options builds a new encoder per call).
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


def event_line(event: Mapping[str, Any], w: When, base_url: str) -> str:
    """One event as documented in docs/PUBLISHED.md, exactly as `json.dumps(..., ensure_ascii=False,
    sort_keys=True)` writes it, from a row of `Snapshot.event_batches` (instants as UTC text, `*_z`);
    `w` is its `when`. Written from its encoded values (keys in sorted order): an encoder building and
    sorting a dict per line cost twice as much."""
    page = event_page_path(event["event_id"])
    cfp_url = safe_href(event.get("cfp_url")) or None
    cfp_ends = event.get("cfp_ends_z")
    cfp = f'{{"ends_at": {_value(cfp_ends)}, "url": {_value(cfp_url)}}}' if cfp_ends or cfp_url else "null"
    tags = ", ".join([_value(tag) for tag in event.get("tags") or []])
    sources = ", ".join([
        f'{{"name": {_value(s.get("name"))}, "source_id": {_value(s.get("source_id"))}, "url": {_value(safe_href(s.get("source_url")) or None)}}}'
        for s in event.get("sources") or []
    ])
    return (
        f'{{"all_day": {_TRUTH[bool(event.get("all_day"))]}, "cfp": {cfp}, "city": {_value(event.get("city"))}, '
        f'"country": {_value(event.get("country"))}, "country_name": {_value(country_name(event.get("country")) or None)}, '
        f'"description": {_value(event.get("description") or "")}, "end_local": {_value(w.end_iso)}, '
        f'"ends_at": {_value(event["ends_z"])}, "first_seen_at": {_value(event.get("first_seen_z"))}, '
        f'"id": {_value(event["event_id"])}, "kind": {_value(event.get("kind") or "other")}, '
        f'"latitude": {_value(event.get("latitude"))}, "longitude": {_value(event.get("longitude"))}, '
        f'"online": {_TRUTH[bool(event.get("online"))]}, "page_url": {_value(base_url + page if page else None)}, '
        f'"region": {_value(event.get("region"))}, "sequence": {int(event.get("sequence") or 0)}, '
        f'"series_id": {_value(event.get("series_id"))}, "sources": [{sources}], '
        f'"start_local": {_value(w.start_iso)}, "starts_at": {_value(event["starts_z"])}, '
        f'"status": {_value(event.get("status") or "confirmed")}, "tags": [{tags}], '
        f'"timezone": {_value(event.get("timezone"))}, "title": {_value(event.get("title") or "")}, '
        f'"uid": {_value(event_uid(event["event_id"], base_url))}, "updated_at": {_value(event.get("updated_z"))}, '
        f'"url": {_value(safe_href(event.get("url")) or None)}, "venue": {_value(event.get("venue"))}}}'
    )


_TRUTH = ("false", "true")


def _value(value: object) -> str:
    """One value as `_ENCODER` writes it: strings, None and finite floats here, the rest by the encoder."""
    if value is None:
        return "null"
    if value.__class__ is str:
        return encode_basestring(value)  # type: ignore[arg-type]
    if value.__class__ is float and math.isfinite(value):  # type: ignore[arg-type]
        return float.__repr__(value)  # type: ignore[arg-type]
    return _ENCODER.encode(value)


def _instant(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
