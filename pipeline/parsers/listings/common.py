"""What the listing readers share: decoding JSON safely, ISO-3 country codes, bounded record lists."""

from __future__ import annotations

import json
from typing import Any

import pycountry

from pyevents.pipeline.model import ParseContext, ParsedSource, Reject, SourceEvent
from pyevents.pipeline.parsers.markup_bytes import strip_http_headers
from pyevents.pipeline.parsers.markup_event import EventFields, build_event, collect

MAX_RECORDS = 20_000  # conference lists have hundreds; schedules a few thousand talks


class ListingError(ValueError):
    """The document is not the listing format it was taken for; the message says what it looks like."""


def load_json(body: bytes) -> Any:
    """The JSON value of the body (BOM and captured HTTP headers tolerated)."""
    text = strip_http_headers(body).decode("utf-8-sig", "replace")
    try:
        return json.loads(text)
    except RecursionError:
        raise ListingError("JSON nested too deeply to read") from None
    except ValueError as exc:
        raise ListingError(f"not valid JSON ({exc})") from None


def country_name_or_code(value: object) -> str | None:
    """ISO 3166-1 alpha-3 codes (python-organizers, conrad) become alpha-2; other text is kept for the normalizer."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if len(text) == 3 and text.isalpha() and text.isupper():
        country = pycountry.countries.get(alpha_3=text)
        if country is not None:
            return country.alpha_2
    return text


def records(data: Any, limit: int = MAX_RECORDS) -> list[dict[str, Any]]:
    """The dict records of a JSON list, at most `limit`."""
    if not isinstance(data, list):
        return []
    return [r for r in data[:limit] if isinstance(r, dict)]


def record(data: dict[str, Any], key: str) -> dict[str, Any]:
    """The JSON object under `key`, else an empty one."""
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def finish(ctx: ParseContext, fields: list[EventFields], warnings: list[str] | None = None) -> ParsedSource:
    """Build, window and de-duplicate identities of the events read from a listing."""
    result = ParsedSource(ctx.source_id, warnings=list(warnings or []))
    candidates: list[SourceEvent | Reject | None] = [build_event(f, ctx) for f in fields]
    collect(candidates, result.events, result.rejects)
    return result


def text(value: object) -> str | None:
    """A non-empty string value, else None (numbers become strings)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return str(value)
    return value if isinstance(value, str) and value.strip() else None
