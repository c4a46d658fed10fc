"""Structured conference and event listings: one reader per format, the format detected when not configured.

Formats: `confs-tech` (conference-data JSON), `pretalx` (pretalx schedule.json and c3voc schedule2),
`frab` (frab schedule XML), `python-organizers-csv`, and three detected from content only:
`conrad` (conrad's PyCon JSON), `luma` (Luma calendar API) and `eventbrite` (Eventbrite API v3).
A document that is none of these gets an error saying what it looks like.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyevents.pipeline.model import ParseContext, ParsedSource
from pyevents.pipeline.parsers.listings import confs_tech, conrad, eventbrite, frab, luma, pretalx, python_organizers_csv
from pyevents.pipeline.parsers.listings.common import ListingError, load_json, records
from pyevents.pipeline.parsers.markup_bytes import strip_http_headers

JSON_READERS: dict[str, Callable[[Any, ParseContext], ParsedSource]] = {
    "confs-tech": confs_tech.read,
    "pretalx": pretalx.read,
    "conrad": conrad.read,
    "luma": luma.read,
    "eventbrite": eventbrite.read,
}
BYTE_PARSERS: dict[str, Callable[[bytes, ParseContext], ParsedSource]] = {
    "frab": frab.parse,
    "python-organizers-csv": python_organizers_csv.parse,
}
FORMATS = tuple(JSON_READERS) + tuple(BYTE_PARSERS)


def parse_listing(body: bytes, ctx: ParseContext) -> ParsedSource:
    """Events of a listing in `ctx.listing_format`, or in the format its content shows."""
    try:
        if ctx.listing_format in BYTE_PARSERS:
            return BYTE_PARSERS[ctx.listing_format](body, ctx)
        if ctx.listing_format in JSON_READERS:
            return JSON_READERS[ctx.listing_format](load_json(body), ctx)
        if ctx.listing_format is not None:
            raise ListingError(f"unknown listing format {ctx.listing_format!r}; known: {', '.join(FORMATS)}")
        fmt, data = detect_format(body)
        return JSON_READERS[fmt](data, ctx) if fmt in JSON_READERS else BYTE_PARSERS[fmt](body, ctx)
    except ListingError as exc:
        return ParsedSource(ctx.source_id, error=str(exc))


def detect_format(body: bytes) -> tuple[str, Any]:
    """The listing format of the document (and its JSON value when it is JSON); ListingError otherwise."""
    head = strip_http_headers(body).lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head:
        raise ListingError("empty document")
    if head[:1] == b"<":
        _check_frab(head)
        return "frab", None
    if head[:1] in (b"[", b"{"):
        data = load_json(head)
        return _json_format(data), data
    if python_organizers_csv.looks_like(head[:4096].decode("utf-8", "replace")):
        return "python-organizers-csv", None
    raise ListingError("neither JSON, XML nor a python-organizers CSV: not a listing")


def _check_frab(head: bytes) -> None:
    root = frab.parse_xml(head)
    tag = str(root.tag).rsplit("}", 1)[-1].lower() if root is not None else None
    if tag == "schedule":
        return None
    if tag in ("html", "head", "body"):
        raise ListingError("an HTML page, not a listing (use type: html for pages with event markup)")
    if tag in ("rss", "feed", "rdf"):
        raise ListingError("an RSS/Atom feed, not a listing (use type: feed)")
    raise ListingError(f"XML whose root is <{tag or '?'}>: not a frab schedule")


def _json_format(data: Any) -> str:
    if isinstance(data, list):
        first = (records(data, 1) or [{}])[0]
        if not data or "startDate" in first:
            return "confs-tech"
        if conrad.looks_like(first):
            return "conrad"
        if "model" in first and "fields" in first:
            raise ListingError("a Django fixture (model/pk/fields records), not a listing")
        return _unknown("JSON list of objects", first)
    if pretalx.is_schedule(data):
        return "pretalx"
    if luma.looks_like(data):
        return "luma"
    if eventbrite.looks_like(data):
        return "eventbrite"
    return _unknown("JSON object", data if isinstance(data, dict) else {})


def _unknown(what: str, sample: dict[str, Any]) -> str:
    keys = ", ".join(str(k)[:30] for k in list(sample)[:8]) or "none"
    raise ListingError(f"{what} with keys {keys}: not a known listing format ({', '.join(FORMATS)})")
