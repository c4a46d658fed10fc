"""python-organizers/conferences yearly CSV files (Google-Calendar-compatible columns plus extras).

Columns (2018): Subject, Start Date, End Date, Location, Tutorial Deadline, Talk Deadline, Website URL,
Proposal URL, Sponsorship URL; since 2019 also Country (ISO 3166-1 alpha-3) and Venue. Dates are
YYYY-MM-DD, the end date inclusive.
"""

from __future__ import annotations

import csv
import io

from pyevents.pipeline.model import ParseContext, ParsedSource
from pyevents.pipeline.parsers.dates_lenient import parse_when
from pyevents.pipeline.parsers.listings.common import MAX_RECORDS, ListingError, country_name_or_code, finish, text
from pyevents.pipeline.parsers.markup_bytes import strip_http_headers
from pyevents.pipeline.parsers.markup_event import EventFields

REQUIRED = ("Subject", "Start Date")
csv.field_size_limit(1_000_000)


def parse(body: bytes, ctx: ParseContext) -> ParsedSource:
    reader = csv.DictReader(io.StringIO(strip_http_headers(body).decode("utf-8-sig", "replace"), newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    if not all(column in header for column in REQUIRED):
        raise ListingError(f"CSV without the columns {', '.join(REQUIRED)}: not a python-organizers file")
    reader.fieldnames = header
    fields: list[EventFields] = []
    for row in reader:
        fields.append(_fields({k: v for k, v in row.items() if isinstance(k, str)}))
        if len(fields) >= MAX_RECORDS:
            break
    return finish(ctx, fields)


def looks_like(head: str) -> bool:
    first_line = head.lstrip("\ufeff").splitlines()[0] if head.strip() else ""
    return all(column in first_line for column in REQUIRED)


def _fields(row: dict[str, str | None]) -> EventFields:
    location = text(row.get("Location"))
    return EventFields(
        title=row.get("Subject"),
        start=parse_when(row.get("Start Date")),
        end=parse_when(row.get("End Date")),
        url=row.get("Website URL"),
        location=location,
        venue=text(row.get("Venue")),
        country=country_name_or_code(row.get("Country")),
        cfp_url=text(row.get("Proposal URL")),
        cfp_ends=parse_when(row.get("Talk Deadline")) or parse_when(row.get("Tutorial Deadline")),
    )
