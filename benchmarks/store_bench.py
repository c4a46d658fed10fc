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

from pyevents.pipeline.model import Event, FetchResult, ParsedSource, SourceEvent, Window  # noqa: E402
from pyevents.pipeline.store import Store  # noqa: E402
from pyevents.pipeline.store.staging import stage  # noqa: E402
from pyevents.config import SourceConfig  # noqa: E402

UTC = dt.timezone.utc
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
                event_id, None, r.title, r.description, r.starts_at, r.ends_at, r.timezone, r.all_day, r.kind,
                r.status, r.url, r.venue, r.city, r.country, r.region, r.latitude, r.longitude, r.online,
                list(r.tags), r.cfp_url, r.cfp_ends_at, [r],
            )
        )
    return events


def timed(timings: dict[str, float], name: str, call: Callable[[], T]) -> T:
    clock = time.perf_counter()
    result = call()
    timings[name] = time.perf_counter() - clock
    return result


def one_run(db: Path, sources: int, per_source: int, as_of: dt.datetime, moved_every: int) -> dict[str, float]:
    timings: dict[str, float] = {}
    window = Window.around(as_of, 30, 400)
    ids = [f"group-{n:04d}" for n in range(sources)]
    configs = [SourceConfig(id=s, name=s, type="ical", url=f"https://example.org/{s}.ics") for s in ids]
    fetches = {
        s: FetchResult(s, "ok", f"https://example.org/{s}.ics", body=f"{s}{as_of}{moved_every}".encode()) for s in ids
    }
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
        counts = timed(timings, "save_events", lambda: store.save_events(events, as_of))
        needing = timed(timings, "events_needing_ical", store.events_needing_ical)
        rows = [(r["event_id"], r["sequence"], "BEGIN:VEVENT\r\n" + "X" * 400 + "\r\nEND:VEVENT\r\n") for r in needing]
        timed(timings, "save_ical", lambda: store.save_ical(rows))
        store.finish_run("ok", {"events_new": counts.new, "events_updated": counts.updated})
        timed(timings, "commit (+ Parquet)", lambda: store.commit(db.parent / "export"))
    timings["total"] = time.perf_counter() - total
    print(f"  reports={len(live)} new={counts.new} updated={counts.updated} cancelled={counts.cancelled}", end="")
    print(f" vevents={len(rows)}")
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
