"""The VEVENT cache (`event_ical`): which events need their VEVENT made again, and storing the ones made.

A cached VEVENT is made for one SEQUENCE of its event: it is stale when missing or made for another
(a withdrawn event needs none). A `VeventRefresh` hands out the `events` rows of stale VEVENTs
(VEVENT_COLUMNS) as Parquet files of ICAL_BATCH_ROWS-row groups, scratch files of the store, to the
caller's serializer, a row group per task: in worker processes once there are POOL_MIN_ROWS rows, else
in this process. Each task writes a Parquet file of `event_ical` rows that `save` hands to DuckDB, so
neither the rows nor the texts are ever all in memory. Every row is handed out once per refresh.

A save hands out its incoming events ahead of its own writes (`hand_out_saved`), as the save will store
them, so that serializing them overlaps the save; the stale rows left (tombstones) follow after it.
"""

from __future__ import annotations

import concurrent.futures as cf
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq

from pyevents.pipeline.store.database import Database, sql_string
from pyevents.pipeline.store.errors import raises_store_errors
from pyevents.pipeline.store.withdrawal import WITHDRAWN

# What output.ical.serialize_vevent reads of an `events` row (its docstring), in the table's order.
VEVENT_COLUMNS = (
    "event_id", "title", "description", "starts_at", "ends_at", "timezone", "all_day", "kind", "status", "url",
    "venue", "city", "country", "latitude", "longitude", "online", "tags", "updated_at", "sequence",
)  # fmt: skip
ICAL_BATCH_ROWS = 2_048  # rows per Parquet row group (DuckDB's vector) of VEVENT rows handed out: one task
POOL_MIN_ROWS = 2_000  # fewer rows are serialized in this process: starting workers would cost more
# Serializes one row group of a Parquet file of VEVENT_COLUMNS rows into a Parquet file of `event_ical`
# rows (event_id, sequence, vevent): (rows, row group, out) -> how many. Picklable when run in a pool.
SerializeGroup = Callable[[Path, int, Path], int]
_HANDED = "vevents_handed"  # temp table: the event_ids handed out by the refresh under way


def _stale(cached: str, sequence: str) -> str:
    """Whether the cached VEVENT `cached` (an event_ical row, null when missing) is stale for `sequence`."""
    return f"({cached}.event_id IS NULL OR {cached}.sequence IS DISTINCT FROM {sequence})"


# Incoming events (events.py's `incoming_events`: their sequence and updated_at as the save leaves them)
# whose VEVENT the save leaves stale: changed or new ones as they arrive, unchanged ones as stored (the
# hash sorts their tags, the stored row keeps the order the VEVENT shows).
_SAVED_SQL = f"""
    SELECT {", ".join(f"i.{c}" for c in VEVENT_COLUMNS)}
    FROM incoming_events i LEFT JOIN event_ical c ON c.event_id = i.event_id
    WHERE NOT i.unchanged AND {_stale("c", "i.sequence")}
    UNION ALL
    SELECT {", ".join(f"e.{c}" for c in VEVENT_COLUMNS)}
    FROM incoming_events i JOIN events e ON e.event_id = i.event_id LEFT JOIN event_ical c ON c.event_id = e.event_id
    WHERE i.unchanged AND {_stale("c", "e.sequence")}
"""
_STALE_SQL = f"""
    SELECT {", ".join(f"e.{c}" for c in VEVENT_COLUMNS)}
    FROM events e LEFT JOIN event_ical c ON c.event_id = e.event_id
    WHERE {_stale("c", "e.sequence")} AND e.status <> '{WITHDRAWN}'
      AND e.event_id NOT IN (SELECT event_id FROM {_HANDED})
    ORDER BY e.event_id
"""


@raises_store_errors
class VeventRefresh:
    """Brings every stale VEVENT of the store up to date through `serialize` (see the module docstring);
    `start_pool` starts the worker processes (None: everything is serialized in this process)."""

    def __init__(self, db: Database, serialize: SerializeGroup, start_pool: Callable[[], cf.Executor] | None = None):
        self._db = db
        self._serialize = serialize
        self._start_pool = start_pool
        self._pool: cf.Executor | None = None
        self._outputs: list[tuple[Path, cf.Future[int] | int]] = []  # (VEVENT file, its row count)
        db.connection().execute(f"CREATE OR REPLACE TEMP TABLE {_HANDED} (event_id VARCHAR)")

    def __enter__(self) -> VeventRefresh:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop_pool()

    def hand_out_stale(self) -> None:
        """Start serializing every stale VEVENT not handed out yet."""
        self._hand_out(_STALE_SQL)

    def hand_out_saved(self) -> None:
        """Start serializing the VEVENTs a save of `incoming_events` will leave stale, before it writes
        (called by the save, inside its transaction)."""
        self._hand_out(_SAVED_SQL)

    def save(self) -> int:
        """Store every VEVENT handed out (waits for them); how many."""
        count = sum(done.result() if isinstance(done, cf.Future) else done for _, done in self._outputs)
        self._stop_pool()
        paths = [out for out, _ in self._outputs]
        if paths:
            files = "[" + ", ".join(sql_string(str(p)) for p in paths) + "]"
            columns = self._db.schema("event_ical").names
            selected = f"(SELECT {', '.join(columns)} FROM read_parquet({files}))"  # DuckDB reads the texts itself
            with self._db.transaction():
                self._db.upsert_from("event_ical", ("event_id",), columns, selected)
        self._outputs.clear()
        self._db.connection().execute(f"DELETE FROM {_HANDED}")
        return count

    def _hand_out(self, query: str) -> None:
        rows = self._db.scratch_path()
        self._db.copy_to_parquet(query, rows, ICAL_BATCH_ROWS)
        metadata = pq.read_metadata(rows)
        if metadata.num_rows == 0:
            return
        self._db.connection().execute(f"INSERT INTO {_HANDED} SELECT event_id FROM read_parquet({sql_string(str(rows))})")
        if self._pool is None and self._start_pool is not None and metadata.num_rows >= POOL_MIN_ROWS:
            self._pool = self._start_pool()
        for group in range(metadata.num_row_groups):
            out = self._db.scratch_path()
            if self._pool is not None:
                self._outputs.append((out, self._pool.submit(self._serialize, rows, group, out)))
            else:
                self._outputs.append((out, self._serialize(rows, group, out)))

    def _stop_pool(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
