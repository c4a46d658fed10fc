"""frab schedule XML: `<day date>` / `<room>` / `<event>` with `<start>HH:MM</start>` and `<duration>`.

Newer exports add an ISO `<date>` per event and `<time_zone_name>` per conference; older ones (FrOSCon
2013) give only the day's date and the start time, local to the conference, whose zone then comes
from the source's defaults. Talks after midnight that belong to the previous day (the day's `start`
attribute is later than their time) are moved to the next calendar date. The XML parser never loads
a DTD, never resolves entities and never touches the network.
"""

from __future__ import annotations

import datetime as dt

import lxml.etree

from pyevents.pipeline.model import ParseContext, ParsedSource
from pyevents.pipeline.parsers.dates_lenient import parse_when
from pyevents.pipeline.parsers.listings.common import MAX_RECORDS, ListingError, finish
from pyevents.pipeline.parsers.listings.pretalx import parse_duration
from pyevents.pipeline.parsers.markup_bytes import strip_http_headers
from pyevents.pipeline.parsers.markup_event import EventFields

_PARSER = lxml.etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=True)


def parse(body: bytes, ctx: ParseContext) -> ParsedSource:
    root = parse_xml(body)
    if root is None or root.tag != "schedule":
        raise ListingError(f"XML whose root is <{str(root.tag) if root is not None else '?'}>: not a frab schedule")
    zone = _child_text(root.find("conference"), "time_zone_name")
    acronym = _child_text(root.find("conference"), "acronym")
    fields: list[EventFields] = []
    for day in root.iterfind("day"):
        day_date = parse_when(day.get("date"))
        day_start = parse_when(day.get("start"))
        for event in day.iterfind(".//event"):
            fields.append(_fields(event, day_date, day_start, zone, acronym))
            if len(fields) >= MAX_RECORDS:
                return finish(ctx, fields, [f"more than {MAX_RECORDS} talks; the rest were ignored"])
    return finish(ctx, fields)


def parse_xml(body: bytes) -> lxml.etree._Element | None:
    """The root element of a (possibly slightly broken) XML document, or None."""
    try:
        return lxml.etree.fromstring(strip_http_headers(body).lstrip(), _PARSER)
    except lxml.etree.XMLSyntaxError:
        return None


def _fields(
    event: lxml.etree._Element,
    day_date: object,
    day_start: object,
    zone: str | None,
    acronym: str | None,
) -> EventFields:
    start = parse_when(_child_text(event, "date"))
    if not isinstance(start, dt.datetime):
        start = _on_day(day_date, day_start, _child_text(event, "start"))
    duration = parse_duration(_child_text(event, "duration"))
    return EventFields(
        title=_child_text(event, "title"),
        start=start,
        end=start + duration if isinstance(start, dt.datetime) and duration else None,
        timezone=zone,
        uid=event.get("guid") or event.get("id"),
        url=_child_text(event, "url"),
        description=_child_text(event, "abstract") or _child_text(event, "description"),
        location=_child_text(event, "room"),
        tags=[t for t in (acronym, _child_text(event, "track")) if t],
    )


def _on_day(day_date: object, day_start: object, hhmm: str | None) -> dt.datetime | None:
    """The naive local start of a talk from its day's date and its "HH:MM"."""
    if not isinstance(day_date, dt.date) or not hhmm:
        return None
    when = parse_when(f"{day_date.isoformat()}T{hhmm.strip()}")
    if not isinstance(when, dt.datetime):
        return None
    if isinstance(day_start, dt.datetime) and when.time() < day_start.time():
        when += dt.timedelta(days=1)  # after midnight, still on the schedule's previous day
    return when


def _child_text(element: lxml.etree._Element | None, tag: str) -> str | None:
    if element is None:
        return None
    child = element.find(tag)
    value = child.text if child is not None else None
    return value.strip() if value and value.strip() else None
