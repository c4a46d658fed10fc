"""What counts as a change of an event: the material fields, their hash, and the fields whose history is kept.

The hash is computed by DuckDB, vectorized, over a canonical JSON array of the material fields (instants
as UTC text with microseconds whatever the session's zone, tags as a sorted set), for incoming events and
stored rows alike, so a stored row and the same event arriving again always hash the same.
"""

from __future__ import annotations

from collections.abc import Mapping

# A change to any of these raises the event's SEQUENCE. Latitude and longitude are included because the
# VEVENT carries them as GEO, and a cached VEVENT is only re-serialized when SEQUENCE rises.
MATERIAL_FIELDS = (
    "title", "description", "starts_at", "ends_at", "timezone", "all_day", "kind", "status", "url",
    "venue", "city", "country", "subdivision", "online", "tags", "cfp_url", "cfp_ends_at", "latitude", "longitude",
)  # fmt: skip

# Fields whose old and new values are written to `event_changes` (the history people ask about).
HISTORY_FIELDS = ("starts_at", "ends_at", "timezone", "venue", "city", "country", "status", "title", "url")

INSTANT_FIELDS = ("starts_at", "ends_at", "cfp_ends_at")


def instant_text_sql(column: str, fraction: bool = True) -> str:
    """SQL text of a TIMESTAMPTZ in UTC, ISO 8601 with a Z (independent of the session's time zone)."""
    pattern = "%Y-%m-%dT%H:%M:%S.%fZ" if fraction else "%Y-%m-%dT%H:%M:%SZ"
    return f"strftime(timezone('UTC', {column}), '{pattern}')"


def content_hash_sql(alias: str, overrides: Mapping[str, str] | None = None) -> str:
    """SQL for the content hash of the row `alias`; `overrides` replaces a field by an SQL expression."""
    overrides = overrides or {}
    parts = []
    for name in MATERIAL_FIELDS:
        value = overrides.get(name, f"{alias}.{name}")
        if name in INSTANT_FIELDS:
            value = instant_text_sql(value)
        elif name == "tags":
            value = f"list_sort(list_distinct(coalesce({value}, []::VARCHAR[])))"
        parts.append(value)
    return f"sha256(json_array({', '.join(parts)}))"
