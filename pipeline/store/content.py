"""What counts as a change of an event: the material fields, their hash, and the fields whose history is kept.

The hash is computed in Python over a canonical JSON text (instants in UTC, tags as a sorted set), so it
does not depend on DuckDB's text formatting and is the same for an `Event` and for its stored row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from pipeline.model import Event

# A change to any of these raises the event's SEQUENCE. Latitude and longitude are included because the
# VEVENT carries them as GEO, and a cached VEVENT is only re-serialized when SEQUENCE rises.
MATERIAL_FIELDS = (
    "title", "description", "starts_at", "ends_at", "timezone", "all_day", "kind", "status", "url",
    "venue", "city", "country", "online", "tags", "cfp_url", "cfp_ends_at", "latitude", "longitude",
)  # fmt: skip

# Fields whose old and new values are written to `event_changes` (the history people ask about).
HISTORY_FIELDS = ("starts_at", "ends_at", "timezone", "venue", "city", "country", "status", "title", "url")


def _canonical(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).isoformat()
    if isinstance(value, (list, tuple)):
        return sorted(set(value))
    return value


def content_hash(values: Mapping[str, Any]) -> str:
    """sha256 of the material fields of an event given as a column → value mapping."""
    canonical = [_canonical(values[name]) for name in MATERIAL_FIELDS]
    return hashlib.sha256(json.dumps(canonical, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def event_hash(event: Event) -> str:
    return content_hash({name: getattr(event, name) for name in MATERIAL_FIELDS})
