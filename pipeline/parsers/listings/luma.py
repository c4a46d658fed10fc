"""Luma (lu.ma) calendar API responses: `entries[].event` with UTC `start_at`/`end_at` and an IANA `timezone`."""

from __future__ import annotations

from typing import Any

from pyevents.pipeline.model import ParseContext, ParsedSource
from pyevents.pipeline.parsers.dates_lenient import parse_when
from pyevents.pipeline.parsers.listings.common import ListingError, finish, load_json, record, records, text
from pyevents.pipeline.parsers.markup_event import EventFields

EVENT_PAGE = "https://lu.ma/"


def parse(body: bytes, ctx: ParseContext) -> ParsedSource:
    return read(load_json(body), ctx)


def read(data: Any, ctx: ParseContext) -> ParsedSource:
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise ListingError("a Luma response has an entries list")
    entries = records(data["entries"])
    events = [e["event"] for e in entries if isinstance(e.get("event"), dict)]
    return finish(ctx, [_fields(ev) for ev in events])


def looks_like(data: Any) -> bool:
    entries = records(data.get("entries"), 1) if isinstance(data, dict) else []
    return bool(entries) and isinstance(entries[0].get("event"), dict) and "start_at" in entries[0]["event"]


def _fields(ev: dict[str, Any]) -> EventFields:
    geo = record(ev, "geo_address_info")
    point = record(ev, "coordinate")
    slug = text(ev.get("url"))
    return EventFields(
        title=ev.get("name"),
        start=parse_when(ev.get("start_at")),
        end=parse_when(ev.get("end_at")),
        timezone=text(ev.get("timezone")),
        uid=text(ev.get("api_id")),
        url=slug if slug and "://" in slug else (EVENT_PAGE + slug if slug else None),
        description=text(ev.get("description")),
        location=text(geo.get("full_address")) or text(geo.get("address")),
        venue=text(geo.get("address")),
        city=text(geo.get("city")),
        country=text(geo.get("country_code")) or text(geo.get("country")),
        latitude=point.get("latitude"),
        longitude=point.get("longitude"),
        online=ev.get("location_type") == "online",
    )
