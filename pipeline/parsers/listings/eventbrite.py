"""Eventbrite API v3 event lists: `events[]` with `start`/`end` as {timezone, local, utc} triples.

Cancellation is `status: "canceled"` (US spelling) or, on finished events, only the sales status
`event_cancelled`.
"""

from __future__ import annotations

from typing import Any

from pyevents.pipeline.model import ParseContext, ParsedSource
from pyevents.pipeline.parsers.dates_lenient import parse_when
from pyevents.pipeline.parsers.listings.common import ListingError, finish, load_json, record, records, text
from pyevents.pipeline.parsers.markup_event import EventFields


def parse(body: bytes, ctx: ParseContext) -> ParsedSource:
    return read(load_json(body), ctx)


def read(data: Any, ctx: ParseContext) -> ParsedSource:
    if not isinstance(data, dict) or not isinstance(data.get("events"), list):
        raise ListingError("an Eventbrite response has an events list")
    events = records(data["events"])
    return finish(ctx, [_fields(ev) for ev in events])


def looks_like(data: Any) -> bool:
    events = records(data.get("events"), 1) if isinstance(data, dict) else []
    return bool(events) and isinstance(events[0].get("start"), dict) and "utc" in events[0]["start"]


def _fields(ev: dict[str, Any]) -> EventFields:
    start = record(ev, "start")
    end = record(ev, "end")
    sales = record(ev, "event_sales_status")
    name = record(ev, "name")
    description = record(ev, "description")
    status = str(ev.get("status") or "").lower()
    return EventFields(
        title=name.get("text"),
        start=parse_when(start.get("utc")) or parse_when(start.get("local")),
        end=parse_when(end.get("utc")) or parse_when(end.get("local")),
        timezone=text(start.get("timezone")),
        uid=text(ev.get("id")),
        url=ev.get("url"),
        description=text(description.get("html")) or text(description.get("text")) or text(ev.get("summary")),
        online=ev.get("online_event") is True,
        cancelled=status in ("canceled", "cancelled") or sales.get("message_code") == "event_cancelled",
    )
