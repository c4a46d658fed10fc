"""Time the store alone on a synthetic federation: ~150,000 reports and events through one run's calls.

    /work/venv/bin/python benchmarks/store_bench.py [--sources 1000] [--per-source 150] [--db PATH]

Three runs on one database: a first run (everything new), an unchanged re-run, and a run where 10% of
the events moved by a day. De-duplication is replaced by one event per report (it is not measured here).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pyarrow as pa
import pyarrow.parquet as pq

from pyevents.pipeline.model import Event, FetchResult, ParsedSource, SourceEvent, Window
from pyevents.pipeline.store import ConfiguredSource, Store
from pyevents.pipeline.store.staging import stage

UTC = dt.UTC
T = TypeVar("T")
BASE = dt.datetime(2026, 3, 1, 0, 0, tzinfo=UTC)  # events do not move with the run date


def synthetic_reports(source_id: str, count: int, as_of: dt.datetime, moved_every: int) -> list[SourceEvent]:
    out = []
    for i in range(count):
        start = BASE + dt.timedelta(days=1 + i * 2, hours=18)
        if moved_every and i % moved_every == 0:
            start += dt.timedelta(days=1)
        out.append(
            SourceEvent(
                source_id=source_id, source_uid=f"{source_id}-{i}@example.org", title=f"{source_id} meetup #{i}",
                starts_at=start, ends_at=start + dt.timedelta(hours=2), timezone="Europe/Berlin",
                description="Talks and networking. " * 8, url=f"https://example.org/{source_id}/{i}",
                venue="Community Hall", city="Berlin", country="DE", region="europe", kind="meetup",
                tags=["python", "meetup"], series_uid=f"{source_id}-series",
                source_url=f"https://example.org/{source_id}.ics",
            )
        )  # fmt: skip
    return out


def to_events(reports: list[SourceEvent], known: dict[tuple[str, str], str]) -> list[Event]:
    events = []
    for r in reports:
        key = (r.source_id, r.source_uid)
        event_id = known.get(key) or hashlib.sha256("\x1f".join(key).encode()).hexdigest()[:16]
        events.append(
            Event(
                event_id=event_id, series_id=None, title=r.title, description=r.description, starts_at=r.starts_at,
                ends_at=r.ends_at, timezone=r.timezone, all_day=r.all_day, kind=r.kind, status=r.status, url=r.url,
                venue=r.venue, city=r.city, country=r.country, subdivision=r.subdivision, region=r.region,
                latitude=r.latitude, longitude=r.longitude, online=r.online, tags=list(r.tags), cfp_url=r.cfp_url,
                cfp_ends_at=r.cfp_ends_at, reports=[r],
            )
        )  # fmt: skip
    return events


def fixed_vevents(rows: Path, group: int, out: Path) -> int:
    """Stands in for the VEVENT serializer (not measured here): one fixed text of a VEVENT's size per row."""
    batch = pq.ParquetFile(rows).read_row_group(group)
    texts = pa.array(["BEGIN:VEVENT\r\n" + "X" * 400 + "\r\nEND:VEVENT\r\n"] * batch.num_rows, pa.string())
    pq.write_table(pa.table({"event_id": batch["event_id"], "sequence": batch["sequence"], "vevent": texts}), out)
    return batch.num_rows


def timed(timings: dict[str, float], name: str, call: Callable[[], T]) -> T:
    clock = time.perf_counter()
    result = call()
    timings[name] = time.perf_counter() - clock
    return result


def one_run(db: Path, sources: int, per_source: int, as_of: dt.datetime, moved_every: int) -> dict[str, float]:
    timings: dict[str, float] = {}
    window = Window.around(as_of, 30, 400)
    ids = [f"group-{n:04d}" for n in range(sources)]
    configs = [ConfiguredSource(id=s, name=s, type="ical", url=f"https://example.org/{s}.ics") for s in ids]
    fetches = {s: FetchResult(s, "ok", f"https://example.org/{s}.ics", body=f"{s}{as_of}{moved_every}".encode()) for s in ids}
    # As the parse workers hand them over: staged (Arrow), so staging is not timed here.
    parsed = {s: stage(ParsedSource(s, synthetic_reports(s, per_source, as_of, moved_every))) for s in ids}
    total = time.perf_counter()
    store = timed(timings, "open (copy + migrate)", lambda: Store.open(db))
    with store:
        store.start_run(f"bench-{as_of:%Y%m%d}-{moved_every}", as_of)
        timed(timings, "sync_sources", lambda: store.sync_sources(configs))
        timed(timings, "apply_fetches", lambda: store.apply_fetches(window, fetches, parsed, as_of))
        live = timed(timings, "live_reports", lambda: store.live_reports(window))
        known = timed(timings, "known_event_ids", store.known_event_ids)
        events = to_events(live, known)
        counts = timed(timings, "save_events", lambda: store.save_events(window, events, as_of))
        # In this process, after the save (the run hands a save's rows out ahead of it, to its workers).
        with store.refresh_vevents(fixed_vevents) as refresh:
            timed(timings, "vevents hand_out_stale", refresh.hand_out_stale)
            vevents = timed(timings, "vevents save", refresh.save)
        store.finish_run("ok", {"events_new": counts.new, "events_updated": counts.updated})
        timed(timings, "commit (+ Parquet)", lambda: store.commit(db.parent / "export"))
    timings["total"] = time.perf_counter() - total
    print(f"  reports={len(live)} new={counts.new} updated={counts.updated} cancelled={counts.cancelled}", end="")
    print(f" vevents={vevents}")
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sources", type=int, default=1000)
    parser.add_argument("--per-source", type=int, default=150)
    parser.add_argument("--db", type=Path, default=None)
    args = parser.parse_args()
    db = args.db or Path(tempfile.mkdtemp(prefix="store-bench-")) / "events.duckdb"
    as_of = dt.datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
    for label, day, moved_every in (("first run", 0, 0), ("unchanged re-run", 1, 0), ("10% moved", 2, 10)):
        print(f"{label}:")
        timings = one_run(db, args.sources, args.per_source, as_of + dt.timedelta(days=day), moved_every)
        print("  " + ", ".join(f"{k} {v:.2f}s" for k, v in timings.items()))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"database {db.stat().st_size / 1e6:.0f} MB; peak RSS {peak_mb:.0f} MB (benchmark's own objects included)")


if __name__ == "__main__":
    main()
