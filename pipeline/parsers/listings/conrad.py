"""conrad's conference listing JSON (vinayak-mehta/conrad `data/*.json`, bot-fed from python-organizers).

Records carry `name`, `url`, `start_date`/`end_date` (inclusive), `city`, `state`, `country` (an
ISO alpha-3 code or a name), `location`, `cfp_end_date` and `tags`.
"""

from __future__ import annotations

from typing import Any

from pyevents.pipeline.model import ParseContext, ParsedSource
from pyevents.pipeline.parsers.dates_lenient import parse_when
from pyevents.pipeline.parsers.listings.common import ListingError, country_name_or_code, finish, load_json, records, text
from pyevents.pipeline.parsers.markup_event import EventFields


def parse(body: bytes, ctx: ParseContext) -> ParsedSource:
    return read(load_json(body), ctx)


def read(data: Any, ctx: ParseContext) -> ParsedSource:
    if not isinstance(data, list):
        raise ListingError("a conrad listing is a JSON list of conferences")
    return finish(ctx, [_fields(r) for r in records(data)])


def looks_like(rec: dict[str, Any]) -> bool:
    return "start_date" in rec and "name" in rec and ("cfp_end_date" in rec or "location" in rec)


def _fields(rec: dict[str, Any]) -> EventFields:
    tags = rec.get("tags")
    return EventFields(
        title=rec.get("name"),
        start=parse_when(rec.get("start_date")),
        end=parse_when(rec.get("end_date")),
        url=rec.get("url"),
        location=text(rec.get("location")),
        city=text(rec.get("city")),
        country=country_name_or_code(rec.get("country")),
        online=str(rec.get("location") or "").strip().lower() == "online",
        cfp_ends=parse_when(rec.get("cfp_end_date")),
        tags=[t for t in tags[:20] if isinstance(t, str)] if isinstance(tags, list) else [],
    )
