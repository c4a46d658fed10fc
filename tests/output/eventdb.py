"""Test helper: a pyevents DuckDB file built from the real schema and filled from Arrow tables.

The real writer (pipeline/store/writer.py) is someone else's; these tests only need the published
schema, so rows are written here exactly as the contract describes them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from pipeline.store import schema

UTC = dt.timezone.utc
T0 = dt.datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def event_id_for(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:16]


def make_event(name: str, **fields: Any) -> dict[str, Any]:
    """A complete `events` row with sensible defaults; `name` seeds the id and the title."""
    starts = fields.pop("starts_at", T0 + dt.timedelta(days=10))
    row: dict[str, Any] = {
        "event_id": event_id_for(name),
        "series_id": None,
        "title": name,
        "description": f"About {name}.",
        "starts_at": starts,
        "ends_at": starts + dt.timedelta(hours=2),
        "timezone": "Europe/Berlin",
        "all_day": False,
        "kind": "meetup",
        "status": "confirmed",
        "url": f"https://example.org/{event_id_for(name)}",
        "venue": "Bars Hub",
        "city": "Berlin",
        "country": "DE",
        "region": "europe",
        "latitude": 52.52,
        "longitude": 13.405,
        "online": False,
        "tags": ["python"],
        "cfp_url": None,
        "cfp_ends_at": None,
        "first_seen_at": T0 - dt.timedelta(days=5),
        "last_seen_at": T0,
        "updated_at": T0 - dt.timedelta(days=5),
        "sequence": 0,
        "content_hash": "x",
    }
    row.update(fields)
    return row


def make_source(source_id: str, **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "source_id": source_id,
        "name": source_id.replace("-", " ").title(),
        "type": "ical",
        "url": f"https://example.org/{source_id}.ics",
        "enabled": True,
        "last_attempt_at": T0,
        "last_success_at": T0,
        "last_status": "ok",
        "last_error": None,
        "consecutive_failures": 0,
        "http_etag": None,
        "http_last_modified": None,
        "content_sha256": None,
        "event_count": 1,
        "last_parsed_at": T0,
    }
    row.update(fields)
    return row


def write_db(
    path: Path,
    events: Iterable[Mapping[str, Any]],
    sources: Iterable[Mapping[str, Any]] = (),
    event_sources: Iterable[Mapping[str, Any]] = (),
    changes: Iterable[Mapping[str, Any]] = (),
    vevents: Iterable[Mapping[str, Any]] = (),
) -> Path:
    """Create the database at `path` with the real DDL and insert the given rows (Arrow, by column name)."""
    con = duckdb.connect(str(path))
    try:
        con.execute(schema.TABLES)
        con.execute(schema.VIEWS)
        for table, rows in (
            ("events", events),
            ("sources", sources),
            ("event_sources", event_sources),
            ("event_changes", changes),
            ("event_ical", vevents),
        ):
            rows = [dict(r) for r in rows]
            if rows:
                con.register("incoming", pa.Table.from_pylist(rows))
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming")
                con.unregister("incoming")
    finally:
        con.close()
    return path


def provenance(event: Mapping[str, Any], source_id: str, uid: str | None = None) -> dict[str, Any]:
    return {
        "event_id": event["event_id"],
        "source_id": source_id,
        "source_uid": uid or f"{event['event_id']}@{source_id}",
        "source_url": f"https://example.org/{source_id}/{event['event_id']}",
        "first_seen_at": event["first_seen_at"],
        "last_seen_at": event["last_seen_at"],
    }
