"""The `crawl_runs` row of a run: written when it starts, completed with its counts when it ends."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from pyevents.pipeline.store.arrowio import utc
from pyevents.pipeline.store.database import Database

RUN_COUNT_FIELDS = (
    "sources_ok", "sources_failed", "sources_not_modified", "events_new", "events_updated", "events_cancelled",
    "events_withdrawn",
)  # fmt: skip


class RunRecord:
    """One run's row of `crawl_runs`."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._run_id: str | None = None
        self._started: tuple[dt.datetime, float] | None = None

    def start(self, run_id: str, started_at: dt.datetime) -> None:
        started_at = utc(started_at)
        self._run_id, self._started = run_id, (started_at, time.monotonic())
        self._db.connection().execute(
            "INSERT OR REPLACE INTO crawl_runs (run_id, started_at, status) VALUES ($run_id, $started_at, 'running')",
            {"run_id": run_id, "started_at": started_at},
        )

    def finish(self, status: str, counts: dict[str, int]) -> None:
        """Complete the row; `counts` uses the table's count column names."""
        if self._run_id is None or self._started is None:
            raise RuntimeError("finish_run() before start_run()")
        unknown = set(counts) - set(RUN_COUNT_FIELDS)
        if unknown:
            raise ValueError(f"unknown run counts: {', '.join(sorted(unknown))}")
        started_at, clock = self._started
        # Finished = started + elapsed, so a run with --as-of keeps a consistent span.
        finished_at = started_at + dt.timedelta(seconds=time.monotonic() - clock)
        sets = ", ".join(f"{name} = ${name}" for name in RUN_COUNT_FIELDS)
        params: dict[str, Any] = {name: counts.get(name) for name in RUN_COUNT_FIELDS}
        params.update(run_id=self._run_id, status=status, finished_at=finished_at)
        self._db.connection().execute(
            f"UPDATE crawl_runs SET finished_at = $finished_at, status = $status, {sets} WHERE run_id = $run_id", params
        )
