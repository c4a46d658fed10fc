"""A separate process for concurrency tests: hold the lock, run until a stage, or read as an analyst.

    python -m tests.store.child hold DB
    python -m tests.store.child run DB STAGE EVENTS DAYS   # pauses after STAGE: prints "at STAGE", waits for a line
    python -m tests.store.child read DB                    # answers "count" lines with the number of events

Each prints a line when it reached a state, so the parent can kill it exactly there.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from pyevents.pipeline.store import Store, database
from tests.store.support import (
    AS_OF,
    DAY,
    fetched,
    one_event_per_report,
    refresh_vevents,
    reports,
    source,
    staged,
    window,
)

STAGES = ("open", "apply_fetches", "save_events", "save_vevents", "finish_run", "before_rename", "never")


def _pause(stage: str, wanted: str) -> None:
    if stage == wanted:
        print(f"at {stage}", flush=True)
        sys.stdin.readline()  # the parent kills us here, or lets us go on


def run_until(db: Path, wanted: str, count: int, days: int) -> None:
    """The orchestrator's sequence for one new source "s<days>" with `count` events, pausing at `wanted`."""
    if wanted == "before_rename":
        publish = database.replace_durably

        def paused_replace(temp: Path, final: Path) -> None:
            if final.name == db.name:
                _pause("before_rename", wanted)
            publish(temp, final)

        database.replace_durably = paused_replace
    as_of, sid = AS_OF + days * DAY, f"s{days}"
    with Store.open(db) as store:
        _pause("open", wanted)
        store.start_run(f"run-{days}", as_of)
        store.sync_sources([source(f"s{d}") for d in range(days + 1)])
        store.apply_fetches(window(as_of), {sid: fetched(sid)}, {sid: staged(sid, reports(sid, count))}, as_of)
        _pause("apply_fetches", wanted)
        live = store.live_reports(window(as_of))
        store.save_events(window(as_of), one_event_per_report(live, store.known_event_ids()), as_of)
        _pause("save_events", wanted)
        refresh_vevents(store)
        _pause("save_vevents", wanted)
        store.finish_run("ok", {})
        _pause("finish_run", wanted)
        store.commit(db.parent / "export")
    print("done", flush=True)


def hold(db: Path) -> None:
    with Store.open(db) as store:
        print("held", flush=True)
        sys.stdin.readline()
        store.abort()


def read(db: Path) -> None:
    with duckdb.connect(str(db), read_only=True) as con:
        print("ready", flush=True)
        for line in sys.stdin:
            if line.strip() != "count":
                break
            print(f"count {con.execute('SELECT count(*) FROM events').fetchone()[0]}", flush=True)


def main(argv: list[str]) -> None:
    command, db = argv[0], Path(argv[1])
    if command == "hold":
        hold(db)
    elif command == "run":
        run_until(db, argv[2], int(argv[3]), int(argv[4]))
    elif command == "read":
        read(db)
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
