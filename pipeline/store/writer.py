"""The one writer of the database: a run works on a private copy and swaps it into place atomically.

`Store.open` takes the run lock, deletes what a killed run left behind, copies the published file to
`.<name>.run-<pid>-<token>.tmp` beside it and migrates the copy's schema. Everything the run writes goes
to the copy; `commit` checkpoints it (no WAL survives), fsyncs and renames it over the published file.
Readers holding the old file keep their snapshot; a run killed at any moment leaves the old file whole.

Lifecycle decisions (see `lifecycle.py`) keep reports of failing and shrinking sources; events that no
longer come out of de-duplication become cancelled tombstones while not past, or `withdrawn` when all their
sources left the configuration (`withdrawal.py`; past ones stay as history, untouched); reports and events move in bulk through Arrow, then an UPDATE of the rows already stored and
an INSERT of the others (DuckDB's MERGE is slow at inserting many rows). Parses arrive staged as
Arrow tables (`staging.py`); merged events are staged (`stage_events`) so the caller can drop its Python
objects before DuckDB works on them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from pyevents.pipeline.model import Event, FetchResult, Reject, SourceEvent, SourceState, Window
from pyevents.pipeline.store import schema
from pyevents.pipeline.store.arrowio import (
    CHUNK_ROWS,
    from_dicts,
    from_objects,
    query_columns,
    query_dicts,
    shared_values,
    table_dicts,
    table_schema,
)
from pyevents.pipeline.store.content import (
    HISTORY_FIELDS,
    INSTANT_FIELDS,
    content_hash_sql,
    instant_text_sql,
)
from pyevents.pipeline.store.files import remove_leftovers, replace_durably, temp_path_for
from pyevents.pipeline.store.lifecycle import (
    ACCEPTED,
    DISABLED,
    GONE,
    MISSES_BEFORE_CANCELLED,
    NOT_MODIFIED,
    SUCCESSES,
    Verdict,
    body_sha256,
    judge,
)
from pyevents.pipeline.store.lock import RunLock, StoreLocked
from pyevents.pipeline.store import withdrawal
from pyevents.pipeline.store.staging import REPORT_FIELDS, REPORT_SCHEMA, StagedSource
from pyevents.pipeline.store.withdrawal import WithdrawalPreview

if TYPE_CHECKING:
    from pyevents.config import SourceConfig

EVENT_FIELDS = tuple(f.name for f in fields(Event) if f.name != "reports")
PROVENANCE_FIELDS = ("event_id", "source_id", "source_uid", "source_url")
MEMORY_LIMIT = "250MB"
# DuckDB memory a stored row may take in the writes that cannot spill (the tables' key indexes, the
# joins of an upsert): a store's limit grows past MEMORY_LIMIT with its largest table (benchmarks/SCALE.md).
MEMORY_PER_ROW_BYTES = 1_700
EXPORT_MEMORY_LIMIT = "1GB"  # for write_exports when nothing else of the run is running: room not to spill
EXPORT_ROW_GROUP_ROWS = 8192  # Parquet row groups of the exports: small enough for both cores to write them
# What output.ical.serialize_vevent reads of an `events` row (its docstring), in the table's order.
VEVENT_COLUMNS = (
    "event_id", "title", "description", "starts_at", "ends_at", "timezone", "all_day", "kind", "status", "url",
    "venue", "city", "country", "latitude", "longitude", "online", "tags", "updated_at", "sequence",
)  # fmt: skip
ICAL_BATCH_ROWS = 2_048  # rows per Parquet row group (DuckDB's vector) of VEVENT rows handed out: one worker task
RUN_COUNT_FIELDS = (
    "sources_ok", "sources_failed", "sources_not_modified", "events_new", "events_updated", "events_cancelled",
    "events_withdrawn",
)  # fmt: skip


class StoreError(Exception):
    """The database cannot be used for a run."""


class StoreUnusable(StoreError):
    """The published database file exists but cannot be opened or migrated."""


@dataclass(frozen=True, slots=True)
class RunCounts:
    """What `save_events` did: events first seen, changed, newly cancelled and newly withdrawn (disjoint)."""

    new: int
    updated: int
    cancelled: int
    withdrawn: int = 0


@dataclass(frozen=True, slots=True)
class StagedEvents:
    """Merged events as `save_events` loads them (see `Store.stage_events`)."""

    events: pa.Table  # EVENT_FIELDS, one row per event
    provenance: pa.Table  # PROVENANCE_FIELDS, one row per report

    def release_events(self) -> None:
        """Drop the events table (keeping its schema): their rows live in the store now."""
        object.__setattr__(self, "events", self.events.schema.empty_table())
        pa.default_memory_pool().release_unused()  # mimalloc would keep the freed pages for later allocations


class Store:
    """One run's write access to the database (see the module docstring for the protocol)."""

    def __init__(self, db_path: Path, work_path: Path, con: duckdb.DuckDBPyConnection, lock: RunLock) -> None:
        self.db_path = db_path
        self.work_path = work_path
        self._con: duckdb.DuckDBPyConnection | None = con
        self._lock = lock
        self._run_id: str | None = None
        self._run_started: tuple[dt.datetime, float] | None = None
        self._window: Window | None = None
        self._committed = False
        self._exports: list[tuple[Path, Path]] = []  # (temporary, final) Parquet files, renamed by commit
        self._scratch: list[Path] = []  # files beside the database that live until commit or abort
        self._memory_limit = MEMORY_LIMIT  # what _connect set; _fit_memory_limit only raises it

    # -- opening and closing -------------------------------------------------------------------------

    @classmethod
    def open(cls, db_path: Path) -> Store:
        """Lock, clean up after dead runs, copy the database to a working file and migrate its schema."""
        db_path = Path(db_path)
        lock = RunLock.acquire(db_path.with_name(db_path.name + ".lock"))
        work = temp_path_for(db_path)
        try:
            remove_leftovers(db_path)
            if db_path.exists():
                shutil.copyfile(db_path, work)
                if _wal_of(db_path).exists():  # committed work of some other writer that never checkpointed
                    shutil.copyfile(_wal_of(db_path), _wal_of(work))
            con = _connect(work, db_path)
        except BaseException:
            _discard(work)
            lock.release()
            raise
        return cls(db_path, work, con, lock)

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if not self._committed:
            self.abort()

    def write_exports(self, export_dir: Path, *, memory_limit: str = MEMORY_LIMIT) -> None:
        """Write every exported table to a temporary Parquet file beside its final name; `commit` renames
        them after the database swap, `abort` deletes them. Call after the last change to those tables.

        `memory_limit`: DuckDB's while it writes them. With nothing else running beside it, the caller can
        afford EXPORT_MEMORY_LIMIT, under which the writes need not spill."""
        export_dir.mkdir(parents=True, exist_ok=True)
        con = self._connection()
        _set_memory_limit(con, max(memory_limit, self._memory_limit, key=_megabytes))
        # Row groups written in parallel, in whatever order they finish (a table has no order of its own),
        # so every core writes them.
        con.execute("SET preserve_insertion_order = false")
        try:
            for table in schema.EXPORTED:
                final = export_dir / f"{table}.parquet"
                remove_leftovers(final)
                temp = temp_path_for(final)
                self._exports.append((temp, final))
                con.execute(
                    f"COPY (SELECT * FROM {table}) TO {_sql_string(str(temp))} "
                    f"(FORMAT parquet, ROW_GROUP_SIZE {EXPORT_ROW_GROUP_ROWS})"
                )
        finally:
            con.execute("RESET preserve_insertion_order")
            _set_memory_limit(con, self._memory_limit)

    def commit(self, export_dir: Path | None = None) -> None:
        """Publish the working copy atomically, then the Parquet exports (written now into `export_dir` when
        given, else those of `write_exports`, if any); release the lock."""
        con = self._connection()
        try:
            if export_dir is not None:
                self.write_exports(export_dir)
            con.execute("CHECKPOINT")
            con.close()
            self._con = None
            if _wal_of(self.work_path).exists():
                raise StoreError(f"DuckDB left a WAL beside {self.work_path} after CHECKPOINT; not publishing it")
            # A WAL beside the published file belongs to the file being replaced (it was copied at open).
            _wal_of(self.db_path).unlink(missing_ok=True)
            replace_durably(self.work_path, self.db_path)
        except BaseException:
            self._discard_exports()
            raise
        finally:
            self._discard_scratch()
        self._committed = True
        try:
            for temp, final in self._exports:
                replace_durably(temp, final)
        finally:
            self._exports.clear()
            self._lock.release()

    def abort(self) -> None:
        """Drop the working copy and unpublished exports, release the lock; the published database is untouched."""
        if self._con is not None:
            self._con.close()
            self._con = None
        if not self._committed:
            _discard(self.work_path)
        self._discard_exports()
        self._discard_scratch()
        self._lock.release()

    def _discard_exports(self) -> None:
        for temp, _ in self._exports:
            temp.unlink(missing_ok=True)
        self._exports.clear()

    def scratch_path(self) -> Path:
        """A new temporary path beside the database, deleted at commit or abort (or, after a killed run,
        by the next run's `open`)."""
        path = temp_path_for(self.db_path)
        self._scratch.append(path)
        return path

    def _discard_scratch(self) -> None:
        for path in self._scratch:
            path.unlink(missing_ok=True)
        self._scratch.clear()

    # -- runs ----------------------------------------------------------------------------------------

    def start_run(self, run_id: str, started_at: dt.datetime) -> None:
        started_at = _utc(started_at)
        self._run_id, self._run_started = run_id, (started_at, time.monotonic())
        self._connection().execute(
            "INSERT OR REPLACE INTO crawl_runs (run_id, started_at, status) VALUES ($run_id, $started_at, 'running')",
            {"run_id": run_id, "started_at": started_at},
        )

    def finish_run(self, status: str, counts: dict[str, int]) -> None:
        """Complete the run's `crawl_runs` row; `counts` uses the table's count column names."""
        if self._run_id is None or self._run_started is None:
            raise RuntimeError("finish_run() before start_run()")
        unknown = set(counts) - set(RUN_COUNT_FIELDS)
        if unknown:
            raise ValueError(f"unknown run counts: {', '.join(sorted(unknown))}")
        started_at, clock = self._run_started
        # Finished = started + elapsed, so a run with --as-of keeps a consistent span.
        finished_at = started_at + dt.timedelta(seconds=time.monotonic() - clock)
        sets = ", ".join(f"{name} = ${name}" for name in RUN_COUNT_FIELDS)
        params: dict[str, Any] = {name: counts.get(name) for name in RUN_COUNT_FIELDS}
        params.update(run_id=self._run_id, status=status, finished_at=finished_at)
        self._connection().execute(
            f"UPDATE crawl_runs SET finished_at = $finished_at, status = $status, {sets} WHERE run_id = $run_id", params
        )

    # -- sources -------------------------------------------------------------------------------------

    def source_states(self) -> dict[str, SourceState]:
        return {
            row["source_id"]: SourceState(
                source_id=row["source_id"],
                url=row["url"],
                http_etag=row["http_etag"],
                http_last_modified=row["http_last_modified"],
                content_sha256=row["content_sha256"],
                event_count=row["event_count"] or 0,
                consecutive_failures=row["consecutive_failures"] or 0,
                enabled=bool(row["enabled"]),
                last_success_at=row["last_success_at"],
                last_parsed_at=row["last_parsed_at"],
            )
            for row in self._source_rows().values()
        }

    def sync_sources(self, config_sources: list[SourceConfig]) -> None:
        """Make `sources` follow the configuration.

        New sources are added; name, type and enabled follow the config. A source gone (410) stays disabled
        until its URL changes in the config. A changed configured URL replaces the current one (also one a
        301 set) and forgets the old URL's validators. Sources no longer configured are disabled, so their
        reports stop being live (the future events only they reported become withdrawn, see `withdrawal`).
        """
        current = self._source_rows()
        rows = []
        for source in config_sources:
            row = current.pop(source.id, None) or _new_source_row(source.id, source.url)
            if row["configured_url"] != source.url:
                row.update(url=source.url, configured_url=source.url, http_etag=None, http_last_modified=None)
                row.update(content_sha256=None, last_status=None if row["last_status"] == GONE else row["last_status"])
            gone = row["last_status"] == GONE
            row.update(name=source.name, type=source.type, enabled=source.enabled and not gone)
            if not source.enabled and not gone:
                row["last_status"] = DISABLED
            rows.append(row)
        for row in current.values():
            row["enabled"] = False
            if row["last_status"] != GONE:
                row["last_status"] = DISABLED
            rows.append(row)
        with self._transaction():
            self._upsert("sources", ("source_id",), from_dicts(rows, self._schema("sources")))

    # -- fetch results -------------------------------------------------------------------------------

    def apply_fetches(
        self, window: Window, fetches: dict[str, FetchResult], parsed: Mapping[str, StagedSource], now: dt.datetime
    ) -> dict[str, str]:
        """Record every fetch on its source and apply the lifecycle to its reports (`parsed`: the staged parse
        of each source that was parsed); source_id → status."""
        now = _utc(now)
        self._window = window
        rows = self._source_rows()
        live_before = self._live_counts(window)
        statuses: dict[str, str] = {}
        fresh: list[pa.Table] = []
        accepted: list[str] = []
        unchanged: list[str] = []  # fetched fine, same document as last time
        rejects: list[Reject] = []
        for sid, fetch in fetches.items():
            row = rows.get(sid) or _new_source_row(sid, fetch.url)
            result = parsed.get(sid)
            verdict = judge(fetch, result, row["content_sha256"], live_before.get(sid, 0))
            if result is not None:
                rejects.extend(_owned_rejects(sid, result.rejects))
                if verdict.status == ACCEPTED:
                    fresh.append(_owned_reports(sid, result.reports))
                    accepted.append(sid)
                    row.update(event_count=result.reports.num_rows, last_parsed_at=now)
            _record_fetch(row, fetch, verdict, now)
            rows[sid] = row
            statuses[sid] = verdict.status
            if verdict.status == NOT_MODIFIED:
                unchanged.append(sid)
        parsed_ids = [sid for sid in fetches if sid in parsed]
        incoming = pa.concat_tables(fresh) if fresh else REPORT_SCHEMA.empty_table()
        self._fit_memory_limit("reports", incoming.num_rows)
        with self._transaction():
            self._apply_reports(window, now, incoming, accepted, unchanged)
            self._replace_rejects(now, parsed_ids, rejects)
            self._upsert("sources", ("source_id",), from_dicts([rows[sid] for sid in fetches], self._schema("sources")))
        return statuses

    def _apply_reports(
        self,
        window: Window,
        now: dt.datetime,
        incoming: pa.Table,
        accepted: list[str],
        unchanged: list[str],
    ) -> None:
        con = self._connection()
        accepted_table = pa.table({"source_id": pa.array(accepted, pa.string())})
        with self._registered("fresh_reports", incoming), self._registered("accepted_sources", accepted_table):
            # Not past and missing from a successful fetch: counted; at the limit it becomes a tombstone.
            con.execute(
                """
                UPDATE reports SET missed_fetches = missed_fetches + 1,
                    status = CASE WHEN missed_fetches + 1 >= $misses THEN 'cancelled' ELSE status END
                WHERE source_id IN (SELECT source_id FROM accepted_sources)
                  AND ends_at >= $now
                  AND NOT EXISTS (SELECT 1 FROM fresh_reports f
                                  WHERE f.source_id = reports.source_id AND f.source_uid = reports.source_uid)
                """,
                {"now": now, "misses": MISSES_BEFORE_CANCELLED},
            )
            # An unchanged document (304 or the same bytes) is another successful fetch without the
            # reports it already lacked: they count a miss too, or a vanished event would never be cancelled.
            con.execute(
                """
                UPDATE reports SET missed_fetches = missed_fetches + 1,
                    status = CASE WHEN missed_fetches + 1 >= $misses THEN 'cancelled' ELSE status END
                WHERE list_contains($unchanged, source_id) AND missed_fetches > 0 AND ends_at >= $now
                """,
                {"now": now, "misses": MISSES_BEFORE_CANCELLED, "unchanged": unchanged},
            )
            for statement in _SAVE_REPORTS_SQL:
                con.execute(statement, {"now": now})
        # Reports entirely before the window can never be live again; their events stay as history.
        con.execute("DELETE FROM reports WHERE ends_at < $start", {"start": window.start})

    def _replace_rejects(self, now: dt.datetime, parsed_ids: list[str], rejects: list[Reject]) -> None:
        con = self._connection()
        new = pa.table(
            {
                "source_id": pa.array([r.source_id for r in rejects], pa.string()),
                "reason": pa.array([r.reason for r in rejects], pa.string()),
                "detail": pa.array([r.detail for r in rejects], pa.string()),
            }
        )
        parsed_table = pa.table({"source_id": pa.array(parsed_ids, pa.string())})
        with self._registered("parsed_sources", parsed_table), self._registered("new_rejects", new):
            con.execute("DELETE FROM rejects WHERE source_id IN (SELECT source_id FROM parsed_sources)")
            con.execute(
                "INSERT INTO rejects (source_id, seen_at, reason, detail) "
                "SELECT source_id, $now, reason, detail FROM new_rejects",
                {"now": now},
            )

    def _live_counts(self, window: Window) -> dict[str, int]:
        """Per source: stored reports, not cancelled, overlapping the window."""
        rows = self._connection().execute(
            "SELECT source_id, count(*) FROM reports WHERE status <> 'cancelled' "
            "AND starts_at < $end AND ends_at >= $start GROUP BY source_id",
            {"start": window.start, "end": window.end},
        )
        return dict(rows.fetchall())

    # -- reports and events --------------------------------------------------------------------------

    def live_reports(self, window: Window) -> list[SourceEvent]:
        """Reports of enabled sources overlapping the window, tombstones included, in a stable order."""
        self._window = window
        _, columns = query_columns(
            self._connection(),
            f"SELECT {', '.join('r.' + name for name in REPORT_FIELDS)} {_LIVE_REPORTS} "
            "ORDER BY r.source_id, r.starts_at, r.source_uid",
            {"start": window.start, "end": window.end},
        )
        for at, name in enumerate(REPORT_FIELDS):
            if name in _FEW_VALUES:
                columns[at] = shared_values(columns[at])
        return [SourceEvent(*values) for values in zip(*columns)]  # REPORT_FIELDS is the dataclass's order

    def merge_input_key(self, window: Window, salt: str) -> str:
        """A fingerprint of what a merge reads from the store: every field of the live reports of `window`
        (as `live_reports` selects them), plus `salt` for what the merge depends on besides (priorities, code).

        The reports are a set keyed by (source_id, source_uid), so an order-free sum and xor of row hashes
        (with the count) identifies it; DuckDB computes it without moving a row into Python.
        """
        self._window = window
        row_hash = f"hash({', '.join('r.' + name for name in REPORT_FIELDS)})"
        ((count, total, mixed),) = self._connection().execute(
            f"SELECT count(*), coalesce(sum({row_hash}), 0)::VARCHAR, coalesce(bit_xor({row_hash}), 0)::VARCHAR "
            f"{_LIVE_REPORTS}",
            {"start": window.start, "end": window.end},
        ).fetchall()
        return hashlib.sha256(f"{salt}\x1f{count}\x1f{total}\x1f{mixed}".encode()).hexdigest()

    def keep_merged_events(self, merge_key: str, now: dt.datetime) -> tuple[RunCounts, int] | None:
        """When the stored events were merged from exactly this input (`merge_input_key`), do what saving
        the same merge again would do, without the merge: the events and provenance of the live reports are
        seen now, events no longer reported are cancelled or withdrawn. Returns (counts, events merged), else None."""
        if self._meta(_MERGE_KEY) != merge_key or self._window is None:
            return None
        now = _utc(now)
        window = {"start": self._window.start, "end": self._window.end}
        con = self._connection()
        with self._transaction():
            con.execute(
                "CREATE OR REPLACE TEMP TABLE live_provenance AS SELECT es.event_id, es.source_id, es.source_uid "
                f"FROM event_sources es JOIN (SELECT r.source_id, r.source_uid {_LIVE_REPORTS}) live "
                "ON es.source_id = live.source_id AND es.source_uid = live.source_uid",
                window,
            )
            con.execute("CREATE OR REPLACE TEMP TABLE incoming_events AS SELECT DISTINCT event_id FROM live_provenance")
            con.execute(
                "UPDATE events SET last_seen_at = $now WHERE event_id IN (SELECT event_id FROM incoming_events)",
                {"now": now},
            )
            con.execute(
                "UPDATE event_sources es SET last_seen_at = $now FROM live_provenance p "
                "WHERE es.source_id = p.source_id AND es.source_uid = p.source_uid",
                {"now": now},
            )
            cancelled, withdrawn = self._judge_vanished(now)
            ((merged,),) = con.execute("SELECT count(*) FROM incoming_events").fetchall()
            con.execute("DROP TABLE incoming_events")
            con.execute("DROP TABLE live_provenance")
        return RunCounts(new=0, updated=0, cancelled=cancelled, withdrawn=withdrawn), int(merged)

    def known_event_ids(self) -> dict[tuple[str, str], str]:
        rows = self._connection().execute("SELECT source_id, source_uid, event_id FROM event_sources").fetchall()
        return {(sid, uid): event_id for sid, uid, event_id in rows}

    def stage_events(self, events: list[Event], *, release: bool = False) -> StagedEvents:
        """The merged events as the Arrow tables `save_events` loads; refused when an event_id or a report
        (source_id, source_uid) appears twice. With `release`, `events` is emptied while it is staged (from
        its end, a chunk at a time), so objects only it holds are freed as their rows are built."""
        schema = self._schema("events", EVENT_FIELDS)
        staged: list[tuple[pa.Table, pa.Table]] = []
        for at in reversed(range(0, len(events), CHUNK_ROWS)):
            part = events[at : at + CHUNK_ROWS]
            staged.append((from_objects(part, schema), _provenance_table(part)))
            if release:
                del events[at:]
        staged.reverse()
        table = pa.concat_tables([e for e, _ in staged]) if staged else schema.empty_table()
        provenance = pa.concat_tables([p for _, p in staged]) if staged else _provenance_table([])
        self._require_unique_rows(table, ("event_id",), "event_id")
        self._require_unique_rows(provenance, ("source_id", "source_uid"), "(source_id, source_uid) across events")
        return StagedEvents(table, provenance)

    def save_events(
        self,
        events: list[Event] | StagedEvents,
        now: dt.datetime,
        merge_key: str | None = None,
        ical_rows: Callable[[Path], None] | None = None,
        *,
        release: bool = False,
    ) -> RunCounts:
        """Upsert the merged events (or their `stage_events`), write their history and provenance, cancel
        or withdraw the vanished ones (dropping withdrawn sources' provenance of the events that stay).

        `merge_key` is the `merge_input_key` the events were merged from (kept for `keep_merged_events`).
        `ical_rows` receives the rows whose VEVENT will be stale after the save (as `ical_rows_file` writes
        them, as they will be then): those of the incoming events before the MERGE, so they can be
        serialized while it runs, and the rest (tombstones) at the end; each row exactly once.
        With `release`, the staged events are dropped once loaded (they would otherwise stay in memory beside
        DuckDB's work): the caller's StagedEvents is left with its provenance only.
        """
        now = _utc(now)
        staged = events if isinstance(events, StagedEvents) else self.stage_events(events)
        del events  # the staged tables are all that is used
        con = self._connection()
        self._fit_memory_limit("events", staged.events.num_rows)
        with self._transaction():
            with self._registered("incoming_arrow", staged.events):
                con.execute(
                    "CREATE OR REPLACE TEMP TABLE incoming_events AS "
                    f"SELECT *, {content_hash_sql('a')} AS content_hash FROM incoming_arrow a"
                )
            if release:
                staged.release_events()
            new, updated, cancelled = con.execute(
                """
                SELECT count(*) FILTER (WHERE e.event_id IS NULL),
                       count(*) FILTER (WHERE e.event_id IS NOT NULL AND e.content_hash IS DISTINCT FROM i.content_hash
                                        AND NOT (i.status = 'cancelled' AND e.status <> 'cancelled')),
                       count(*) FILTER (WHERE e.event_id IS NOT NULL AND i.status = 'cancelled'
                                        AND e.status <> 'cancelled')
                FROM incoming_events i LEFT JOIN events e ON e.event_id = i.event_id
                """
            ).fetchone() or (0, 0, 0)
            if ical_rows is not None:
                con.execute(f"CREATE OR REPLACE TEMP TABLE ical_ahead AS {_ICAL_AHEAD_SQL}", {"now": now})
                ical_rows(self._rows_file("SELECT * FROM ical_ahead"))
            con.execute(_HISTORY_SQL, {"now": now})
            for statement in _SAVE_EVENTS_SQL:
                con.execute(statement, {"now": now})
            vanished_cancelled, withdrawn = self._judge_vanished(now)
            with self._registered("incoming_sources", staged.provenance):
                for statement in _SAVE_PROVENANCE_SQL:
                    con.execute(statement, {"now": now})
            con.execute(withdrawal.DROP_WITHDRAWN_PROVENANCE_SQL)
            con.execute("DROP TABLE incoming_events")
            if ical_rows is not None:
                ical_rows(self.ical_rows_file(besides="ical_ahead"))
                con.execute("DROP TABLE ical_ahead")
            self._set_meta(_MERGE_KEY, merge_key)
        return RunCounts(new=new, updated=updated, cancelled=cancelled + vanished_cancelled, withdrawn=withdrawn)

    def _judge_vanished(self, now: dt.datetime) -> tuple[int, int]:
        """Events (not past, not beyond the window) that no source reports any more: withdrawn when all their
        sources left the federation, else cancelled (see `withdrawal`); (cancelled, withdrawn) counts."""
        con = self._connection()
        horizon = self._window.end if self._window is not None else None
        con.execute(withdrawal.JUDGE_VANISHED_SQL, {"now": now, "horizon": horizon})
        con.execute(withdrawal.RECORD_VANISHED_SQL, {"now": now})
        con.execute(withdrawal.APPLY_VANISHED_SQL, {"now": now})
        cancelled, withdrawn = con.execute(withdrawal.COUNT_VANISHED_SQL).fetchone() or (0, 0)
        con.execute("DROP TABLE vanished")
        return int(cancelled), int(withdrawn)

    def withdrawal_preview(self, kept: Sequence[str], now: dt.datetime) -> WithdrawalPreview:
        """What a run whose enabled sources are `kept` would withdraw of the live events (read only)."""
        con, at = self._connection(), _utc(now)
        (leaving,) = con.execute(withdrawal.LEAVING_SQL, {"kept": list(kept)}).fetchone() or (0,)
        if leaving or not kept:
            live, withdrawn = con.execute(withdrawal.PREVIEW_SQL, {"kept": list(kept), "now": at}).fetchone() or (0, 0)
        else:  # no source leaves: nothing can be withdrawn
            live, withdrawn = con.execute(withdrawal.LIVE_SQL, {"now": at}).fetchone() or (0, 0)
        return WithdrawalPreview(live=int(live), withdrawn=int(withdrawn), enabled_sources=len(kept))

    # -- the VEVENT cache ----------------------------------------------------------------------------

    def events_needing_ical(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Event rows whose cached VEVENT is missing or was made for another sequence (the first `limit`)."""
        return table_dicts(self.events_needing_ical_table(limit))

    def events_needing_ical_table(self, limit: int | None = None, columns: Sequence[str] | None = None) -> pa.Table:
        """`events_needing_ical` as one Arrow table (`columns` of `events`, default all but content_hash)."""
        return self._connection().sql(_needing_ical_sql(limit, columns, None)).to_arrow_table()

    def ical_rows_file(self, besides: str | None = None) -> Path:
        """The rows of `events_needing_ical_table` (VEVENT_COLUMNS) as a Parquet file of ICAL_BATCH_ROWS-row
        groups, a `scratch_path`: whoever serializes them reads it a row group at a time, so the rows
        never all sit in memory. `besides` names a table of event_ids to leave out (rows handed out)."""
        return self._rows_file(_needing_ical_sql(None, VEVENT_COLUMNS, besides))

    def _rows_file(self, query: str) -> Path:
        path = self.scratch_path()
        self._connection().execute(
            f"COPY ({query}) TO {_sql_string(str(path))} (FORMAT parquet, ROW_GROUP_SIZE {int(ICAL_BATCH_ROWS)})"
        )
        return path

    def save_ical(self, rows: list[tuple[str, int, str]]) -> None:
        """Store serialized VEVENTs: (event_id, sequence, vevent)."""
        columns = list(zip(*rows)) if rows else [(), (), ()]
        self.save_ical_columns(*columns)

    def save_ical_columns(
        self,
        event_ids: Sequence[str] | pa.Array | pa.ChunkedArray,
        sequences: Sequence[int] | pa.Array | pa.ChunkedArray,
        vevents: Sequence[str] | pa.Array | pa.ChunkedArray,
    ) -> None:
        """Store serialized VEVENTs given column-wise (one upsert for all of them)."""
        target = self._schema("event_ical")
        arrow = (pa.Array, pa.ChunkedArray)
        arrays = [c if isinstance(c, arrow) else pa.array(list(c), f.type) for c, f in zip((event_ids, sequences, vevents), target)]
        table = pa.Table.from_arrays([a.cast(f.type) for a, f in zip(arrays, target)], schema=target)
        with self._transaction():
            self._upsert("event_ical", ("event_id",), table)

    def save_ical_files(self, paths: Sequence[Path]) -> None:
        """Store serialized VEVENTs from Parquet files of `event_ical` rows (one upsert for all of them);
        DuckDB reads the files itself, so the texts never pass through Python."""
        if not paths:
            return
        files = "[" + ", ".join(_sql_string(str(p)) for p in paths) + "]"
        columns = self._schema("event_ical").names
        with self._transaction():
            self._upsert_from("event_ical", ("event_id",), columns, f"(SELECT {', '.join(columns)} FROM read_parquet({files}))")

    # -- helpers -------------------------------------------------------------------------------------

    @property
    def memory_limit(self) -> str:
        """DuckDB's memory limit for this run's writes: MEMORY_LIMIT, raised as the store grows."""
        return self._memory_limit

    def _fit_memory_limit(self, table: str, incoming: int) -> None:
        """Raise DuckDB's limit for a write of `incoming` rows into `table` (never lower it within a run)."""
        ((stored,),) = self._connection().execute(f"SELECT count(*) FROM {table}").fetchall()
        needed = f"{-(-max(stored, incoming) * MEMORY_PER_ROW_BYTES // 2**20)}MB"  # upserts: most rows are updates
        if _megabytes(needed) > _megabytes(self._memory_limit):
            self._memory_limit = needed
            _set_memory_limit(self._connection(), needed)

    def _connection(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            raise StoreError("the store is closed (committed or aborted)")
        return self._con

    def _schema(self, table: str, columns: tuple[str, ...] | None = None) -> pa.Schema:
        con = self._connection()
        if columns is None:
            columns = tuple(r[0] for r in con.execute(f"SELECT column_name FROM (DESCRIBE {table})").fetchall())
        return table_schema(con, table, columns)

    def _meta(self, key: str) -> str | None:
        return _meta_value(self._connection(), key)

    def _set_meta(self, key: str, value: str | None) -> None:
        con = self._connection()
        if value is None:
            con.execute("DELETE FROM meta WHERE key = $key", {"key": key})
        else:
            con.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ($key, $value)", {"key": key, "value": value})

    def _source_rows(self) -> dict[str, dict[str, Any]]:
        return {row["source_id"]: row for row in query_dicts(self._connection(), "SELECT * FROM sources")}

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        con = self._connection()
        con.begin()
        try:
            yield
        except BaseException:
            con.rollback()
            raise
        con.commit()

    @contextmanager
    def _registered(self, name: str, table: pa.Table) -> Iterator[None]:
        con = self._connection()
        con.register(name, table)
        try:
            yield
        finally:
            con.unregister(name)

    def _require_unique_rows(self, rows: pa.Table, keys: tuple[str, ...], what: str) -> None:
        """Refuse a table with two rows of one key (checked in DuckDB: no Python tuple per row)."""
        names = ", ".join(keys)
        with self._registered("checked_rows", rows):
            repeated = self._connection().execute(
                f"SELECT {names} FROM checked_rows GROUP BY {names} HAVING count(*) > 1 ORDER BY {names} LIMIT 1"
            ).fetchall()
        if repeated:
            key = repeated[0] if len(keys) > 1 else repeated[0][0]
            raise ValueError(f"duplicate {what} in one save: {key!r}")

    def _upsert(self, table: str, keys: tuple[str, ...], rows: pa.Table) -> None:
        """Upsert an Arrow table into `table` on `keys` (see `_upsert_from`)."""
        with self._registered("upsert_rows", rows):
            self._upsert_from(table, keys, rows.column_names, "upsert_rows")

    def _upsert_from(self, table: str, keys: tuple[str, ...], columns: Sequence[str], source: str) -> None:
        """Upsert the rows of `source` (a table name or a parenthesized query) into `table` on `keys`: matched
        rows take every given column, others are inserted (an UPDATE and an INSERT: DuckDB's MERGE is slow
        at inserting many rows)."""
        on = " AND ".join(f"t.{k} = s.{k}" for k in keys)
        sets = ", ".join(f"{c} = s.{c}" for c in columns if c not in keys)
        con = self._connection()
        if sets:
            con.execute(f"UPDATE {table} AS t SET {sets} FROM {source} AS s WHERE {on}")
        con.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join('s.' + c for c in columns)} "
            f"FROM {source} AS s WHERE NOT EXISTS (SELECT 1 FROM {table} AS t WHERE {on})"
        )


# -- SQL of save_events ------------------------------------------------------------------------------

# The reports a merge reads: of enabled sources, overlapping the window ($start, $end).
_LIVE_REPORTS = (
    "FROM reports r JOIN sources s ON s.source_id = r.source_id "
    "WHERE s.enabled AND r.starts_at < $end AND r.ends_at >= $start"
)
_MERGE_KEY = "merge_input_key"  # `meta` key: the merge_input_key of the stored events
# Report columns with few distinct values (per source, zone, place, series): one Python object per value,
# not one per report, shared by every report that carries it while they are merged.
_FEW_VALUES = frozenset({"source_id", "series_uid", "timezone", "status", "venue", "city", "country", "region",
                         "kind", "tags", "cfp_url", "source_url"})  # fmt: skip


def _as_text(column: str, name: str) -> str:
    if name in INSTANT_FIELDS:
        return instant_text_sql(column, fraction=False)
    return f"CAST({column} AS VARCHAR)"


def _history_sql() -> str:
    pairs = ", ".join(f"e.{name} AS old_{name}, i.{name} AS new_{name}" for name in HISTORY_FIELDS)
    selects = " UNION ALL ".join(
        f"SELECT event_id, $now, '{name}', {_as_text('old_' + name, name)}, {_as_text('new_' + name, name)} "
        f"FROM changed WHERE old_{name} IS DISTINCT FROM new_{name}"
        for name in HISTORY_FIELDS
    )
    return (
        "INSERT INTO event_changes (event_id, changed_at, field, old_value, new_value) "
        f"WITH changed AS MATERIALIZED (SELECT e.event_id, {pairs} FROM events e "
        "JOIN incoming_events i ON e.event_id = i.event_id WHERE e.content_hash IS DISTINCT FROM i.content_hash) "
        + selects
    )


def _ical_ahead_sql() -> str:
    """The VEVENT_COLUMNS rows that `_SAVE_EVENTS_SQL` will leave with a stale VEVENT, computed before it:
    new and changed events as they arrive (sequence 0 or one more, updated now), unchanged ones as stored
    (their tags may be stored in another order: the hash sorts them, the VEVENT does not)."""
    plain = VEVENT_COLUMNS[:-2]
    assert VEVENT_COLUMNS[-2:] == ("updated_at", "sequence")
    stale = "c.event_id IS NULL OR c.sequence IS DISTINCT FROM"
    arriving = ", ".join(f"i.{c}" for c in plain)
    stored = ", ".join(f"e.{c}" for c in plain)
    return f"""
        SELECT {arriving}, $now::TIMESTAMPTZ AS updated_at, coalesce(e.sequence + 1, 0) AS sequence
        FROM incoming_events i LEFT JOIN events e ON e.event_id = i.event_id
            LEFT JOIN event_ical c ON c.event_id = i.event_id
        WHERE (e.event_id IS NULL OR e.content_hash IS DISTINCT FROM i.content_hash)
            AND ({stale} coalesce(e.sequence + 1, 0))
        UNION ALL
        SELECT {stored}, e.updated_at, e.sequence
        FROM incoming_events i JOIN events e ON e.event_id = i.event_id LEFT JOIN event_ical c ON c.event_id = e.event_id
        WHERE e.content_hash = i.content_hash AND ({stale} e.sequence)
    """


def _save_events_sql() -> tuple[str, ...]:
    """What one MERGE of incoming_events into events would do, as three statements: unchanged events are
    seen now, changed ones take the incoming fields and one more sequence, new ones are inserted (DuckDB's
    MERGE is slow at inserting many rows)."""
    stored = (*EVENT_FIELDS, "content_hash")
    updates = ", ".join(f"{name} = i.{name}" for name in stored if name != "event_id")
    return (
        "UPDATE events AS e SET last_seen_at = $now FROM incoming_events i "
        "WHERE e.event_id = i.event_id AND e.content_hash = i.content_hash",
        f"UPDATE events AS e SET {updates}, sequence = e.sequence + 1, updated_at = $now, last_seen_at = $now "
        "FROM incoming_events i WHERE e.event_id = i.event_id AND e.content_hash IS DISTINCT FROM i.content_hash",
        f"INSERT INTO events ({', '.join(stored)}, first_seen_at, last_seen_at, updated_at, sequence) "
        f"SELECT {', '.join('i.' + name for name in stored)}, $now, $now, $now, 0 FROM incoming_events i "
        "WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.event_id = i.event_id)",
    )


_HISTORY_SQL = _history_sql()
_ICAL_AHEAD_SQL = _ical_ahead_sql()
_REPORT_CONTENT = tuple(name for name in REPORT_FIELDS if name not in ("source_id", "source_uid"))
_REPORT_UPDATES = ", ".join(f"{name} = f.{name}" for name in _REPORT_CONTENT)
# Most reports come back unchanged: touching only two narrow columns of those is far cheaper than
# rewriting whole rows (with their lists) in DuckDB.
_REPORT_UNCHANGED = " AND ".join(f"r.{name} IS NOT DISTINCT FROM f.{name}" for name in _REPORT_CONTENT)
_SAME_REPORT = "r.source_id = f.source_id AND r.source_uid = f.source_uid"
# The fresh reports into `reports`: the unchanged seen now, the changed rewritten, the new inserted (as
# for events, an UPDATE and an INSERT instead of one MERGE).
_SAVE_REPORTS_SQL = (
    "UPDATE reports AS r SET last_seen_at = $now, missed_fetches = 0 FROM fresh_reports AS f "
    f"WHERE {_SAME_REPORT} AND {_REPORT_UNCHANGED}",
    f"UPDATE reports AS r SET {_REPORT_UPDATES}, last_seen_at = $now, missed_fetches = 0 FROM fresh_reports AS f "
    f"WHERE {_SAME_REPORT} AND NOT ({_REPORT_UNCHANGED})",
    f"INSERT INTO reports ({', '.join(REPORT_FIELDS)}, first_seen_at, last_seen_at, missed_fetches) "
    f"SELECT {', '.join('f.' + name for name in REPORT_FIELDS)}, $now, $now, 0 FROM fresh_reports AS f "
    f"WHERE NOT EXISTS (SELECT 1 FROM reports AS r WHERE {_SAME_REPORT})",
)
_SAVE_EVENTS_SQL = _save_events_sql()
_SAME_PROVENANCE = "es.source_id = s.source_id AND es.source_uid = s.source_uid"
_SAVE_PROVENANCE_SQL = (  # an UPDATE and an INSERT, as for events
    "UPDATE event_sources AS es SET event_id = s.event_id, source_url = s.source_url, last_seen_at = $now "
    f"FROM incoming_sources AS s WHERE {_SAME_PROVENANCE}",
    "INSERT INTO event_sources (event_id, source_id, source_uid, source_url, first_seen_at, last_seen_at) "
    "SELECT s.event_id, s.source_id, s.source_uid, s.source_url, $now, $now FROM incoming_sources AS s "
    f"WHERE NOT EXISTS (SELECT 1 FROM event_sources AS es WHERE {_SAME_PROVENANCE})",
)


# -- module helpers ----------------------------------------------------------------------------------


def _connect(work: Path, published: Path) -> duckdb.DuckDBPyConnection:
    try:
        con = duckdb.connect(str(work))
    except duckdb.Error as exc:
        raise StoreUnusable(f"cannot open the database {published}: {exc}") from exc
    try:
        con.execute("SET TimeZone = 'UTC'")  # instants to and from text are UTC, whatever the host says
        # DuckDB would otherwise keep up to 80% of RAM of a run's merges in its buffers; beyond this it
        # evicts and spills, so the whole run stays within its memory budget beside the Python objects.
        _set_memory_limit(con, MEMORY_LIMIT)
        _migrate(con)
    except duckdb.Error as exc:
        con.close()
        raise StoreUnusable(f"cannot migrate the database {published}: {exc}") from exc
    except BaseException:
        con.close()
        raise
    return con


def _migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Create missing tables, add columns the schema gained since the file was made, refresh the views.

    A file last migrated by this very schema (its digest in `meta`) is left as it is: comparing the
    columns with a reference database is work on the path of every run before its crawl starts."""
    if _schema_digest_of(con) == _SCHEMA_DIGEST:
        return
    con.execute(schema.TABLES)
    reference = duckdb.connect(":memory:")
    try:
        reference.execute(schema.TABLES)
        wanted = reference.execute(_COLUMNS_SQL).fetchall()
    finally:
        reference.close()
    present = {(table, column) for table, column, _ in con.execute(_COLUMNS_SQL).fetchall()}
    for table, column, data_type in wanted:
        if (table, column) not in present:
            con.execute(f"ALTER TABLE {table} ADD COLUMN {column} {data_type}")
    con.execute(schema.VIEWS)
    con.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', $version), ('schema_digest', $digest)",
        {"version": str(schema.SCHEMA_VERSION), "digest": _SCHEMA_DIGEST},
    )


_SCHEMA_DIGEST = hashlib.sha256((schema.TABLES + schema.VIEWS).encode()).hexdigest()


def _schema_digest_of(con: duckdb.DuckDBPyConnection) -> str | None:
    try:
        return _meta_value(con, "schema_digest")
    except duckdb.CatalogException:  # a new file, or one made before `meta` existed
        return None


def _meta_value(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    rows = con.execute("SELECT value FROM meta WHERE key = $key", {"key": key}).fetchall()
    return rows[0][0] if rows else None


_COLUMNS_SQL = (
    "SELECT table_name, column_name, data_type FROM information_schema.columns "
    "WHERE table_schema = 'main' AND table_name IN (SELECT table_name FROM information_schema.tables "
    "WHERE table_type = 'BASE TABLE') ORDER BY table_name, ordinal_position"
)


def _new_source_row(source_id: str, url: str) -> dict[str, Any]:
    return {
        "source_id": source_id, "name": source_id, "type": None, "url": url, "enabled": True,
        "last_attempt_at": None, "last_success_at": None, "last_status": None, "last_error": None,
        "consecutive_failures": 0, "http_etag": None, "http_last_modified": None, "content_sha256": None,
        "event_count": 0, "last_parsed_at": None, "configured_url": url,
    }  # fmt: skip


def _record_fetch(row: dict[str, Any], fetch: FetchResult, verdict: Verdict, now: dt.datetime) -> None:
    """Update a `sources` row (in place) with what one fetch and its verdict say."""
    row.update(last_attempt_at=now, last_status=verdict.status)
    if verdict.status in SUCCESSES:
        row.update(last_success_at=now, consecutive_failures=0, last_error=None)
        if fetch.moved_to:  # a permanent redirect that led somewhere working: remember the new URL
            row["url"] = fetch.moved_to
    else:
        row.update(consecutive_failures=(row["consecutive_failures"] or 0) + 1, last_error=verdict.error)
    if verdict.status == GONE:
        row["enabled"] = False
    if verdict.keep_validators:
        row.update(http_etag=fetch.http_etag, http_last_modified=fetch.http_last_modified)
        row["content_sha256"] = body_sha256(fetch.body)
    elif verdict.status == NOT_MODIFIED:  # a 304 may repeat or renew the validators
        row["http_etag"] = fetch.http_etag or row["http_etag"]
        row["http_last_modified"] = fetch.http_last_modified or row["http_last_modified"]


def _provenance_table(events: list[Event]) -> pa.Table:
    """event_id, source_id, source_uid, source_url of every report of every event, built column by column."""
    reports = [r for e in events for r in e.reports]
    event_ids = [e.event_id for e in events for _ in e.reports]
    return from_objects(reports, pa.schema([(name, pa.string()) for name in PROVENANCE_FIELDS]), {"event_id": event_ids})


def _owned_reports(source_id: str, reports: pa.Table) -> pa.Table:
    """A source's reports filed under the source that was fetched, whatever id a parser put on them."""
    owners = pa.array([source_id] * reports.num_rows, pa.string())
    return reports.set_column(reports.schema.get_field_index("source_id"), "source_id", owners)


def _owned_rejects(source_id: str, rejects: list[Reject]) -> list[Reject]:
    """Rejects filed under the source that was parsed, whatever id a parser put on them."""
    return [r if r.source_id == source_id else Reject(source_id, r.reason, r.detail) for r in rejects]


def _utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value.isoformat()}: the store needs aware instants")
    return value.astimezone(dt.timezone.utc)


def _wal_of(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _needing_ical_sql(limit: int | None, columns: Sequence[str] | None, besides: str | None) -> str:
    """Events whose cached VEVENT is missing or was made for another sequence, by id."""
    selected = ", ".join(f"e.{c}" for c in columns) if columns else "e.* EXCLUDE (content_hash)"
    skip = "" if besides is None else f" AND e.event_id NOT IN (SELECT event_id FROM {besides})"
    return (
        f"SELECT {selected} FROM events e LEFT JOIN event_ical c ON c.event_id = e.event_id "
        f"WHERE (c.event_id IS NULL OR c.sequence IS DISTINCT FROM e.sequence) AND e.status <> '{withdrawal.WITHDRAWN}'"
        f"{skip} ORDER BY e.event_id "
        + ("" if limit is None else f"LIMIT {int(limit)}")
    )


def _megabytes(limit: str) -> int:
    """'250MB' -> 250, '1GB' -> 1024: the limits this module writes."""
    number, unit = int(limit[:-2]), limit[-2:]
    return number * 1024 if unit == "GB" else number


def _set_memory_limit(con: duckdb.DuckDBPyConnection, limit: str) -> None:
    con.execute(f"SET memory_limit = {_sql_string(limit)}")


def _discard(work: Path) -> None:
    work.unlink(missing_ok=True)
    _wal_of(work).unlink(missing_ok=True)


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


__all__ = ["RunCounts", "Store", "StoreError", "StoreLocked", "StoreUnusable"]
