"""The one writer of the database, as a run uses it: a thin façade over the store's parts.

- `database.py`: the working copy, its migration, the commit that swaps it in, exports, scratch files;
- `runs.py`: the run's `crawl_runs` row;
- `sources.py`: sources, the fetches' reports and rejects (the lifecycle);
- `events.py`: the merge's input, merged events, their history, provenance, tombstones and withdrawals;
- `vevents.py`: the VEVENT cache.

Every method raises StoreError (or StoreUnusable), never DuckDB's own errors.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType

from pyevents.pipeline.model import Event, FetchResult, SourceEvent, SourceState, Window
from pyevents.pipeline.store.database import Database
from pyevents.pipeline.store.errors import StoreError, StoreUnusable, raises_store_errors
from pyevents.pipeline.store.events import EventRecords, RunCounts, StagedEvents
from pyevents.pipeline.store.lock import StoreLocked
from pyevents.pipeline.store.runs import RunRecord
from pyevents.pipeline.store.sources import ConfiguredSource, SourceRecords
from pyevents.pipeline.store.staging import StagedSource
from pyevents.pipeline.store.vevents import SerializeGroup, VeventRefresh
from pyevents.pipeline.store.withdrawal import WithdrawalPreview


@raises_store_errors
class Store:
    """One run's write access to the database (the protocol: `database.py`)."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._run = RunRecord(db)
        self._sources = SourceRecords(db)
        self._events = EventRecords(db)

    @classmethod
    def open(cls, db_path: Path) -> Store:
        """Lock, clean up after dead runs, copy the database to a working file and migrate its schema."""
        return cls(Database.open(db_path))

    def __enter__(self) -> Store:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if not self._db.committed:
            self._db.abort()

    # -- the database file (database.py) -------------------------------------------------------------

    @property
    def memory_limit(self) -> str:
        return self._db.memory_limit

    def write_exports(self, export_dir: Path) -> None:
        self._db.write_exports(export_dir)

    def commit(self, export_dir: Path | None = None) -> None:
        self._db.commit(export_dir)

    def abort(self) -> None:
        self._db.abort()

    def scratch_path(self) -> Path:
        return self._db.scratch_path()

    # -- the run's row (runs.py) ---------------------------------------------------------------------

    def start_run(self, run_id: str, started_at: dt.datetime) -> None:
        self._run.start(run_id, started_at)

    def finish_run(self, status: str, counts: dict[str, int]) -> None:
        self._run.finish(status, counts)

    # -- sources (sources.py) ------------------------------------------------------------------------

    def sync_sources(self, configured: Sequence[ConfiguredSource]) -> None:
        self._sources.sync(configured)

    def source_states(self) -> dict[str, SourceState]:
        return self._sources.states()

    def apply_fetches(
        self, window: Window, fetches: dict[str, FetchResult], parsed: Mapping[str, StagedSource], now: dt.datetime
    ) -> dict[str, str]:
        return self._sources.apply_fetches(window, fetches, parsed, now)

    # -- events (events.py) --------------------------------------------------------------------------

    def withdrawal_preview(self, kept: Sequence[str], now: dt.datetime) -> WithdrawalPreview:
        return self._events.withdrawal_preview(kept, now)

    def live_reports(self, window: Window) -> list[SourceEvent]:
        return self._events.live_reports(window)

    def merge_input_key(self, window: Window, salt: str) -> str:
        return self._events.merge_input_key(window, salt)

    def keep_merged_events(self, window: Window, merge_key: str, now: dt.datetime) -> tuple[RunCounts, int] | None:
        return self._events.keep_merged(window, merge_key, now)

    def known_event_ids(self) -> dict[tuple[str, str], str]:
        return self._events.known_event_ids()

    def stage_events(self, events: list[Event], *, release: bool = False) -> StagedEvents:
        return self._events.stage(events, release=release)

    def save_events(
        self,
        window: Window,
        events: list[Event] | StagedEvents,
        now: dt.datetime,
        merge_key: str | None = None,
        *,
        vevents: VeventRefresh | None = None,
        release: bool = False,
    ) -> RunCounts:
        return self._events.save(window, events, now, merge_key, vevents=vevents, release=release)

    # -- the VEVENT cache (vevents.py) ---------------------------------------------------------------

    def refresh_vevents(self, serialize: SerializeGroup, start_pool: Callable[[], cf.Executor] | None = None) -> VeventRefresh:
        return VeventRefresh(self._db, serialize, start_pool)


__all__ = ["ConfiguredSource", "RunCounts", "Store", "StoreError", "StoreLocked", "StoreUnusable"]
