"""A parse reduced to what the store keeps of it, as Arrow columns: made where the parse ran.

A parse worker returns a `StagedSource` instead of its `ParsedSource`: the unique reports as one small
Arrow table (cheap to pickle, nothing to rebuild per report in the parent), the bounded rejects and the
counts the run reports. The parent then never holds the run's reports as Python objects, and the
store loads them into DuckDB as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import pyarrow as pa

from pyevents.pipeline.model import ParsedSource, Reject, SourceEvent
from pyevents.pipeline.store.arrowio import from_objects
from pyevents.pipeline.store.lifecycle import rejects_to_store, unique_reports

# What the store keeps of a SourceEvent: every field but the parser's note for normalization (the last one).
REPORT_FIELDS = tuple(f.name for f in fields(SourceEvent) if f.name != "zone_basis")
_INSTANT = pa.timestamp("us", "UTC")
_REPORT_TYPES = {
    "starts_at": _INSTANT, "ends_at": _INSTANT, "cfp_ends_at": _INSTANT, "all_day": pa.bool_(), "online": pa.bool_(),
    "latitude": pa.float64(), "longitude": pa.float64(), "tags": pa.list_(pa.string()),
}  # fmt: skip
# The `reports` columns a SourceEvent fills, as Arrow types (tests/store/test_schema.py compares them with the table).
REPORT_SCHEMA = pa.schema([(name, _REPORT_TYPES.get(name, pa.string())) for name in REPORT_FIELDS])


@dataclass(frozen=True, slots=True)
class StagedSource:
    """What the store and the run's report need of one source's parse."""

    source_id: str
    reports: pa.Table  # REPORT_SCHEMA: one row per source_uid (the first of repeats), in parse order
    rejects: list[Reject]  # what to record (rejects_to_store: bounded, repeats included)
    error: str | None = None  # the document could not be used
    events_parsed: int = 0  # events of the parse, repeats included
    rejects_parsed: int = 0  # the parser's own rejects, before bounding


def stage(parsed: ParsedSource) -> StagedSource:
    reports, repeats = unique_reports(parsed)
    return StagedSource(
        source_id=parsed.source_id,
        reports=from_objects(reports, REPORT_SCHEMA),
        rejects=rejects_to_store(parsed, repeats),
        error=parsed.error,
        events_parsed=len(parsed.events),
        rejects_parsed=len(parsed.rejects),
    )
