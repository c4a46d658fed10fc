"""Building blocks for store tests: model objects built directly, and one whole run through the Store.

`one_event_per_report` stands in for de-duplication (another module) with the documented identity
rule: a report keeps the event_id it had, else sha256(source_id + US + source_uid)[:16].
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import os
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from pyevents.pipeline.model import Event, FetchResult, ParsedSource, SourceEvent, Window
from pyevents.pipeline.store import ConfiguredSource, RunCounts, Store
from pyevents.pipeline.store.staging import StagedSource, stage

UTC = dt.UTC
AS_OF = dt.datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DAY = dt.timedelta(days=1)


def window(as_of: dt.datetime = AS_OF) -> Window:
    return Window.around(as_of, 30, 400)


def report(source_id: str, uid: str, *, days: float = 10, hours: float = 2, **fields: object) -> SourceEvent:
    start = AS_OF + dt.timedelta(days=days)
    base = SourceEvent(
        source_id=source_id,
        source_uid=uid,
        title=f"Python meetup {uid}",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=hours),
        timezone="Europe/Berlin",
        city="Berlin",
        country="DE",
        region="europe",
        kind="meetup",
        tags=["python"],
        url=f"https://example.org/{source_id}/{uid}",
        source_url=f"https://example.org/{source_id}.ics",
    )
    return replace(base, **fields)


def reports(source_id: str, count: int, **fields: object) -> list[SourceEvent]:
    return [report(source_id, f"uid-{i}", days=10 + i, **fields) for i in range(count)]


def source(source_id: str, url: str | None = None, enabled: bool = True) -> ConfiguredSource:
    url = url or f"https://example.org/{source_id}.ics"
    return ConfiguredSource(id=source_id, name=source_id.title(), type="ical", url=url, enabled=enabled)


_BODY_VERSIONS = itertools.count(1)  # with the pid: each default body differs from every other, whatever the clock


def fetched(source_id: str, body: bytes | None = None, **fields: object) -> FetchResult:
    url = f"https://example.org/{source_id}.ics"
    base = FetchResult(source_id=source_id, outcome="ok", url=url, final_url=url, http_status=200)
    return replace(
        base, body=body if body is not None else f"body of {source_id} {os.getpid()}.{next(_BODY_VERSIONS)}".encode(), **fields
    )


def failed(source_id: str, error: str = "HTTP 500 from example.org") -> FetchResult:
    return FetchResult(source_id=source_id, outcome="failed", url=f"https://example.org/{source_id}.ics", error=error)


def parse(source_id: str, events: list[SourceEvent], **fields: object) -> ParsedSource:
    return replace(ParsedSource(source_id=source_id, events=events), **fields)


def staged(source_id: str, events: list[SourceEvent], **fields: object) -> StagedSource:
    """A parse of `events` as a parse worker hands it to the store."""
    return stage(parse(source_id, events, **fields))


def default_event_id(source_id: str, uid: str) -> str:
    return hashlib.sha256(f"{source_id}\x1f{uid}".encode()).hexdigest()[:16]


def one_event_per_report(live: list[SourceEvent], known: dict[tuple[str, str], str]) -> list[Event]:
    events = []
    for r in live:
        event_id = known.get((r.source_id, r.source_uid)) or default_event_id(r.source_id, r.source_uid)
        events.append(
            Event(
                event_id=event_id, series_id=None, title=r.title, description=r.description, starts_at=r.starts_at,
                ends_at=r.ends_at, timezone=r.timezone, all_day=r.all_day, kind=r.kind, status=r.status, url=r.url,
                venue=r.venue, city=r.city, country=r.country, subdivision=r.subdivision, region=r.region, latitude=r.latitude,
                longitude=r.longitude, online=r.online, tags=list(r.tags), cfp_url=r.cfp_url,
                cfp_ends_at=r.cfp_ends_at, reports=[r],
            )
        )  # fmt: skip
    return events


def labelled_vevents(rows: Path, group: int, out: Path) -> int:
    """A serializer for the store's VEVENT refresh that writes "VEVENT <title>" for each row."""
    batch = pq.ParquetFile(rows).read_row_group(group)
    texts = pa.array([f"VEVENT {title}" for title in batch["title"].to_pylist()], pa.string())
    pq.write_table(pa.table({"event_id": batch["event_id"], "sequence": batch["sequence"], "vevent": texts}), out)
    return len(texts)


def refresh_vevents(store: Store) -> int:
    """Make every stale VEVENT again (labelled, in this process), as the run does after a save; how many."""
    with store.refresh_vevents(labelled_vevents) as vevents:
        vevents.hand_out_stale()
        return vevents.save()


@dataclass
class RunResult:
    statuses: dict[str, str]
    counts: RunCounts
    live: list[SourceEvent]


def run(
    db: Path,
    sources: list[ConfiguredSource],
    fetches: list[FetchResult],
    parsed: list[ParsedSource],
    as_of: dt.datetime = AS_OF,
    export_dir: Path | None = None,
) -> RunResult:
    """The orchestrator's sequence, start to commit."""
    with Store.open(db) as store:
        store.start_run(f"run-{as_of:%Y%m%d%H%M%S}", as_of)
        store.sync_sources(sources)
        w = window(as_of)
        statuses = store.apply_fetches(w, {f.source_id: f for f in fetches}, {p.source_id: stage(p) for p in parsed}, as_of)
        live = store.live_reports(w)
        counts = store.save_events(w, one_event_per_report(live, store.known_event_ids()), as_of)
        refresh_vevents(store)
        store.finish_run("ok", {"events_new": counts.new})
        store.commit(export_dir)
    return RunResult(statuses, counts, live)


def query(db: Path, sql: str, params: object = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def event_rows(db: Path) -> dict[str, dict[str, object]]:
    with duckdb.connect(str(db), read_only=True) as con:
        table = con.sql("SELECT * FROM events").to_arrow_table()
    return {row["event_id"]: row for row in table.to_pylist()}
