"""confs.tech / tech-conferences conference-data JSON: a list of conferences with dates, place and CFP.

The schema grew from 2014 to now: `online` (absent before 2020), `locales`, `cfpUrl`, `cfpEndDate`,
`cocUrl`, social handles; countries are written out ("U.S.A.", "Germany"); online-only events have
no city, or the city "Online".
"""

from __future__ import annotations

from typing import Any

from pyevents.pipeline.model import ParseContext, ParsedSource
from pyevents.pipeline.parsers.dates_lenient import parse_when
from pyevents.pipeline.parsers.listings.common import ListingError, finish, load_json, records, text
from pyevents.pipeline.parsers.markup_event import EventFields


def parse(body: bytes, ctx: ParseContext) -> ParsedSource:
    return read(load_json(body), ctx)


def read(data: Any, ctx: ParseContext) -> ParsedSource:
    if not isinstance(data, list):
        raise ListingError("a confs.tech listing is a JSON list of conferences")
    return finish(ctx, [_fields(r) for r in records(data)])


def _fields(rec: dict[str, Any]) -> EventFields:
    city, country = _place(rec.get("city")), _place(rec.get("country"))
    says_online = "online" in (str(rec.get("city")).strip().lower(), str(rec.get("country")).strip().lower())
    return EventFields(
        title=rec.get("name"),
        start=parse_when(rec.get("startDate")),
        end=parse_when(rec.get("endDate")),
        url=rec.get("url"),
        location=", ".join(v for v in (city, country) if v) or None,
        city=city,
        country=country,
        online=rec.get("online") is True or says_online,
        cfp_url=rec.get("cfpUrl"),
        cfp_ends=parse_when(rec.get("cfpEndDate")),
    )


def _place(value: object) -> str | None:
    """A city or country name; the placeholder "Online" is not a place."""
    name = text(value)
    return None if name is None or name.strip().lower() == "online" else name
