"""Does handing a save's VEVENT rows out ahead of its writes earn its keep? A first run's save of ~150,000
events with its VEVENTs serialized on all cores, the rows handed out ahead (`save_events(vevents=...)`, as
the run does) or only after the save (`hand_out_stale`); interleaved rounds, medians.

    .venv/bin/python benchmarks/vevent_ahead.py [--sources 1000] [--per-source 150] [--rounds 5]

Run it on a quiet machine: the gain is an overlap of DuckDB's save with the workers, which other load hides.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.store_bench import synthetic_reports, to_events
from pyevents.pipeline.model import FetchResult, ParsedSource, Window
from pyevents.pipeline.store import ConfiguredSource, Store
from pyevents.pipeline.store.staging import stage
from pyevents.runtime import worker_pool
from pyevents.workers import serialize_row_group

AS_OF = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)
WINDOW = Window.around(AS_OF, 30, 400)
SERIALIZE = functools.partial(serialize_row_group, "https://events.example.org/")


def with_reports(db: Path, sources: int, per_source: int) -> None:
    """A database holding the federation's reports and no event yet."""
    ids = [f"group-{n:04d}" for n in range(sources)]
    with Store.open(db) as store:
        store.start_run("reports", AS_OF)
        store.sync_sources([ConfiguredSource(s, s, "ical", f"https://example.org/{s}.ics") for s in ids])
        fetches = {s: FetchResult(s, "ok", f"https://example.org/{s}.ics", body=s.encode()) for s in ids}
        parsed = {s: stage(ParsedSource(s, synthetic_reports(s, per_source, AS_OF, 0))) for s in ids}
        store.apply_fetches(WINDOW, fetches, parsed, AS_OF)
        store.commit(None)


def first_save(db: Path, ahead: bool) -> float:
    """Seconds from the save's start to the last VEVENT stored (the store is aborted afterwards)."""
    with Store.open(db) as store:
        staged = store.stage_events(to_events(store.live_reports(WINDOW), {}), release=True)
        clock = time.perf_counter()
        with store.refresh_vevents(SERIALIZE, worker_pool) as vevents:
            store.save_events(WINDOW, staged, AS_OF, "bench", vevents=vevents if ahead else None, release=True)
            vevents.hand_out_stale()
            vevents.save()
        seconds = time.perf_counter() - clock
        store.abort()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sources", type=int, default=1000)
    parser.add_argument("--per-source", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="vevent-ahead-"))
    try:
        db = work / "events.duckdb"
        with_reports(db, args.sources, args.per_source)
        samples: dict[bool, list[float]] = {True: [], False: []}
        for n in range(args.rounds):
            for ahead in (True, False) if n % 2 == 0 else (False, True):
                samples[ahead].append(first_save(db, ahead))
                print(f"round {n + 1}: {'ahead' if ahead else 'after'} {samples[ahead][-1]:.2f} s", flush=True)
        for ahead, label in ((True, "ahead of the save"), (False, "after the save")):
            print(f"{label}: median {statistics.median(samples[ahead]):.2f} s", flush=True)
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
