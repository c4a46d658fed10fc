"""Test helper: a pyevents DuckDB file built from the real schema and filled from Arrow tables.

The real writer (pipeline/store/writer.py) is someone else's; these tests only need the published
schema, so rows are written here exactly as the contract describes them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import duckdb
import lxml.html
import pyarrow as pa

from pyevents.output.calendarlink import DATA_URL_PREFIX
from pyevents.pipeline.model import Window
from pyevents.pipeline.store import schema
from pyevents.pipeline.store.reader import Snapshot

UTC = dt.UTC
T0 = dt.datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def published_events(snap: Snapshot, window: Window, salt: str = "") -> list[dict[str, Any]]:
    """`Snapshot.event_batches` as one list of dicts."""
    return [row for batch in snap.event_batches(window, salt, 10_000) for row in batch.to_pylist()]


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


BERLIN_SERIES = event_id_for("berlin-series")  # series ids are 16 hex digits, as pipeline.dedupe makes them


def sample_federation(path: Path) -> dict[str, Any]:
    """A small but varied federation (as of T0): every kind of event the site and feeds must handle.

    Returns the rows written, by name, so tests can state exactly what must be published.
    """
    day = dt.timedelta(days=1)
    berlin_meetups = [
        make_event(
            f"PyBerlin meetup {i}",
            series_id=BERLIN_SERIES,
            starts_at=dt.datetime(2025, 3, 5, 18, 0, tzinfo=UTC) + i * 7 * day,
            title="PyBerlin Talks & Networking",
        )
        for i in range(4)
    ]
    events = {
        "pycon_de": make_event(
            "PyCon DE",
            kind="conference",
            all_day=True,
            starts_at=dt.datetime(2025, 4, 22, 22, 0, tzinfo=UTC),  # local midnight, Europe/Berlin
            ends_at=dt.datetime(2025, 4, 25, 22, 0, tzinfo=UTC),  # exclusive: the 26th local
            cfp_url="https://pycon.de/cfp",
            cfp_ends_at=dt.datetime(2025, 3, 20, 23, 0, tzinfo=UTC),
            venue="bcc",
            city="Darmstadt",
            tags=["pycon", "pydata"],
        ),
        "cancelled_upcoming": make_event(
            "Django Girls Leipzig",
            status="cancelled",
            sequence=2,
            city="Leipzig",
            venue=None,
            starts_at=T0 + 3 * day,
            updated_at=T0 - day,
        ),
        "cancelled_past": make_event("Old cancelled", status="cancelled", starts_at=T0 - 4 * day),
        "past_in_window": make_event("Recent past meetup", starts_at=T0 - 10 * day),
        "out_of_window": make_event("Long ago", starts_at=T0 - 200 * day),
        "online": make_event(
            "Python Online Sprint",
            online=True,
            venue=None,
            city=None,
            country=None,
            region="online",
            timezone="UTC",
            kind="sprint",
            starts_at=T0 + 5 * day,
            url="https://sprint.example.net/",
        ),
        "tokyo": make_event(
            "PyData Tokyo",
            timezone="Asia/Tokyo",
            country="JP",
            region="asia",
            city="Tokyo",
            venue=None,
            sequence=1,
            starts_at=T0 + 40 * day,
            updated_at=T0 - 2 * day,
        ),
        "nyc": make_event(
            "NYC Python",
            timezone="America/New_York",
            country="US",
            region="north-america",
            city="New York",
            venue="Civic Hall",
            latitude=40.74,
            longitude=-73.99,
            starts_at=dt.datetime(2025, 3, 9, 23, 0, tzinfo=UTC),
        ),
        "tentative": make_event(
            "PyCon AR",
            kind="conference",
            status="tentative",
            timezone="America/Argentina/Buenos_Aires",
            country="AR",
            region="south-america",
            city="Buenos Aires",
            venue=None,
            latitude=None,
            longitude=None,
            all_day=True,
            starts_at=dt.datetime(2025, 11, 20, 3, 0, tzinfo=UTC),
            ends_at=dt.datetime(2025, 11, 22, 3, 0, tzinfo=UTC),
        ),
        **{f"berlin_{i}": ev for i, ev in enumerate(berlin_meetups)},
    }
    sources = [
        make_source("python-org", name="Python Events Calendar", event_count=3),
        make_source("pyberlin", name="PyBerlin", event_count=4),
        make_source(
            "broken-group",
            name="Broken Group",
            last_status="failed",
            last_error="HTTP 500 Internal Server Error",
            last_success_at=T0 - 9 * day,
            consecutive_failures=9,
            event_count=1,
        ),
        make_source("never", name="Never Fetched", last_status=None, last_success_at=None, last_attempt_at=None),
    ]
    prov = [provenance(events["pycon_de"], "python-org"), provenance(events["pycon_de"], "pyberlin")]
    prov += [provenance(ev, "pyberlin") for ev in berlin_meetups]
    prov += [provenance(events["tokyo"], "python-org"), provenance(events["cancelled_upcoming"], "broken-group")]
    changes = [
        {
            "event_id": events["tokyo"]["event_id"],
            "changed_at": T0 - 2 * day,
            "field": "starts_at",
            "old_value": "2025-04-03 12:00:00+00",
            "new_value": "2025-04-10 12:00:00+00",
        },
    ]
    write_db(path, events.values(), sources, prov, changes)
    return {"events": events, "sources": sources, "provenance": prov, "changes": changes}


PUBLISHED = {  # keys of sample_federation's events that a publish as of T0 must include
    "pycon_de",
    "cancelled_upcoming",
    "past_in_window",
    "online",
    "tokyo",
    "nyc",
    "tentative",
    "berlin_0",
    "berlin_1",
    "berlin_2",
    "berlin_3",
}
ON_SERIES_PAGE = {"berlin_0", "berlin_1", "berlin_2", "berlin_3"}  # upcoming dates of a series: read on its page
OWN_PAGES = PUBLISHED - ON_SERIES_PAGE


def site_files(root: Path, suffix: str = "") -> list[Path]:
    """Every file of a published site ending in `suffix`, sorted: follows its `events` symlink as a web server does."""
    found: list[Path] = []
    for folder, _dirs, names in os.walk(root, followlinks=True):
        found.extend(Path(folder) / name for name in names if name.endswith(suffix))
    return sorted(found)


def page_calendar(page: Path) -> str:
    """The VCALENDAR an event page's "Add to calendar" link carries (a percent-encoded data: URL)."""
    (link,) = lxml.html.fromstring(page.read_bytes()).xpath("//a[@download]")
    href = link.get("href")
    assert href.startswith(DATA_URL_PREFIX) and link.get("download") == page.name.removesuffix(".html") + ".ics"
    return unquote(href.removeprefix(DATA_URL_PREFIX), errors="strict")
