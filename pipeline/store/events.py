"""Merged events: the live reports a merge reads, saving its events with their history and provenance.

Events that no longer come out of de-duplication become cancelled tombstones while not past, or
`withdrawn` when all their sources left the configuration (`withdrawal.py`); past ones stay as history,
untouched. Merged events are staged (`stage_events`) so the caller can drop its Python objects before
DuckDB works on them; they move in bulk through Arrow, then an UPDATE of the rows already stored and an
INSERT of the others (DuckDB's MERGE inserts many rows far slower; benchmarks/RESULTS.md, "Why the tricks").
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, fields

import pyarrow as pa

from pyevents.pipeline.model import Event, SourceEvent, Window
from pyevents.pipeline.store import withdrawal
from pyevents.pipeline.store.arrowio import CHUNK_ROWS, from_objects, query_columns, shared_values, utc
from pyevents.pipeline.store.content import HISTORY_FIELDS, INSTANT_FIELDS, content_hash_sql, instant_text_sql
from pyevents.pipeline.store.database import Database
from pyevents.pipeline.store.staging import REPORT_FIELDS
from pyevents.pipeline.store.vevents import VeventRefresh
from pyevents.pipeline.store.withdrawal import WithdrawalPreview

EVENT_FIELDS = tuple(f.name for f in fields(Event) if f.name != "reports")
PROVENANCE_FIELDS = ("event_id", "source_id", "source_uid", "source_url")


@dataclass(frozen=True, slots=True)
class RunCounts:
    """What `save_events` did: events first seen, changed, newly cancelled and newly withdrawn (disjoint)."""

    new: int
    updated: int
    cancelled: int
    withdrawn: int = 0


@dataclass(frozen=True, slots=True)
class StagedEvents:
    """Merged events as `save_events` loads them (see `EventRecords.stage`)."""

    events: pa.Table  # EVENT_FIELDS, one row per event
    provenance: pa.Table  # PROVENANCE_FIELDS, one row per report

    def release_events(self) -> None:
        """Drop the events table (keeping its schema): their rows live in the store now."""
        object.__setattr__(self, "events", self.events.schema.empty_table())
        pa.default_memory_pool().release_unused()  # mimalloc would keep the freed pages for later allocations


class EventRecords:
    """The `events`, `event_sources` and `event_changes` tables of one run's database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def live_reports(self, window: Window) -> list[SourceEvent]:
        """Reports of enabled sources overlapping the window, tombstones included, in a stable order."""
        _, columns = query_columns(
            self._db.connection(),
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
        row_hash = f"hash({', '.join('r.' + name for name in REPORT_FIELDS)})"
        ((count, total, mixed),) = (
            self._db.connection()
            .execute(
                f"SELECT count(*), coalesce(sum({row_hash}), 0)::VARCHAR, coalesce(bit_xor({row_hash}), 0)::VARCHAR "
                f"{_LIVE_REPORTS}",
                {"start": window.start, "end": window.end},
            )
            .fetchall()
        )
        return hashlib.sha256(f"{salt}\x1f{count}\x1f{total}\x1f{mixed}".encode()).hexdigest()

    def keep_merged(self, window: Window, merge_key: str, now: dt.datetime) -> tuple[RunCounts, int] | None:
        """When the stored events were merged from exactly this input (`merge_input_key` of `window`), do
        what saving the same merge again would do, without the merge: the events and provenance of the live
        reports are seen now, events no longer reported are cancelled or withdrawn. Returns (counts, events
        merged), else None."""
        if self._db.meta(_MERGE_KEY) != merge_key:
            return None
        now = utc(now)
        con = self._db.connection()
        with self._db.transaction():
            con.execute(
                "CREATE OR REPLACE TEMP TABLE live_provenance AS SELECT es.event_id, es.source_id, es.source_uid "
                f"FROM event_sources es JOIN (SELECT r.source_id, r.source_uid {_LIVE_REPORTS}) live "
                "ON es.source_id = live.source_id AND es.source_uid = live.source_uid",
                {"start": window.start, "end": window.end},
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
            cancelled, withdrawn = self._judge_vanished(window, now)
            ((merged,),) = con.execute("SELECT count(*) FROM incoming_events").fetchall()
            con.execute("DROP TABLE incoming_events")
            con.execute("DROP TABLE live_provenance")
        return RunCounts(new=0, updated=0, cancelled=cancelled, withdrawn=withdrawn), int(merged)

    def known_event_ids(self) -> dict[tuple[str, str], str]:
        rows = self._db.connection().execute("SELECT source_id, source_uid, event_id FROM event_sources").fetchall()
        return {(sid, uid): event_id for sid, uid, event_id in rows}

    def stage(self, events: list[Event], *, release: bool = False) -> StagedEvents:
        """The merged events as the Arrow tables `save` loads; refused when an event_id or a report
        (source_id, source_uid) appears twice. With `release`, `events` is emptied while it is staged (from
        its end, a chunk at a time), so objects only it holds are freed as their rows are built."""
        schema = self._db.schema("events", EVENT_FIELDS)
        staged: list[tuple[pa.Table, pa.Table]] = []
        for at in reversed(range(0, len(events), CHUNK_ROWS)):
            part = events[at : at + CHUNK_ROWS]
            staged.append((from_objects(part, schema), _provenance_table(part)))
            if release:
                del events[at:]
        staged.reverse()
        table = pa.concat_tables([e for e, _ in staged]) if staged else schema.empty_table()
        provenance = pa.concat_tables([p for _, p in staged]) if staged else _provenance_table([])
        self._db.require_unique_rows(table, ("event_id",), "event_id")
        self._db.require_unique_rows(provenance, ("source_id", "source_uid"), "(source_id, source_uid) across events")
        return StagedEvents(table, provenance)

    def save(
        self,
        window: Window,
        events: list[Event] | StagedEvents,
        now: dt.datetime,
        merge_key: str | None = None,
        *,
        vevents: VeventRefresh | None = None,
        release: bool = False,
    ) -> RunCounts:
        """Upsert the merged events (or their `stage`), write their history and provenance, cancel or
        withdraw the vanished ones of `window` (dropping withdrawn sources' provenance of the events that stay).

        `merge_key` is the `merge_input_key` the events were merged from (kept for `keep_merged`).
        `vevents` is handed the events whose VEVENT the save leaves stale before it writes them.
        With `release`, the staged events are dropped once loaded (they would otherwise stay in memory beside
        DuckDB's work): the caller's StagedEvents is left with its provenance only.
        """
        now = utc(now)
        staged = events if isinstance(events, StagedEvents) else self.stage(events)
        del events  # the staged tables are all that is used
        con = self._db.connection()
        self._db.fit_memory_limit("events", staged.events.num_rows)
        with self._db.transaction():
            with self._db.registered("incoming_arrow", staged.events):
                con.execute(_INCOMING_SQL, {"now": now})
            if release:
                staged.release_events()
            new, updated, cancelled = con.execute(_COUNTS_SQL).fetchone() or (0, 0, 0)
            if vevents is not None:
                vevents.hand_out_saved()
            con.execute(_HISTORY_SQL, {"now": now})
            for statement in _SAVE_EVENTS_SQL:
                con.execute(statement, {"now": now})
            vanished_cancelled, withdrawn = self._judge_vanished(window, now)
            with self._db.registered("incoming_sources", staged.provenance):
                for statement in _SAVE_PROVENANCE_SQL:
                    con.execute(statement, {"now": now})
            con.execute(withdrawal.DROP_WITHDRAWN_PROVENANCE_SQL)
            con.execute("DROP TABLE incoming_events")
            self._db.set_meta(_MERGE_KEY, merge_key)
        return RunCounts(new=new, updated=updated, cancelled=cancelled + vanished_cancelled, withdrawn=withdrawn)

    def _judge_vanished(self, window: Window, now: dt.datetime) -> tuple[int, int]:
        """Events (not past, not beyond the window) that no source reports any more: withdrawn when all their
        sources left the federation, else cancelled (see `withdrawal`); (cancelled, withdrawn) counts."""
        con = self._db.connection()
        con.execute(withdrawal.JUDGE_VANISHED_SQL, {"now": now, "horizon": window.end})
        con.execute(withdrawal.RECORD_VANISHED_SQL, {"now": now})
        con.execute(withdrawal.APPLY_VANISHED_SQL, {"now": now})
        cancelled, withdrawn = con.execute(withdrawal.COUNT_VANISHED_SQL).fetchone() or (0, 0)
        con.execute("DROP TABLE vanished")
        return int(cancelled), int(withdrawn)

    def withdrawal_preview(self, kept: Sequence[str], now: dt.datetime) -> WithdrawalPreview:
        """What a run whose enabled sources are `kept` would withdraw of the live events (read only)."""
        con, at = self._db.connection(), utc(now)
        (leaving,) = con.execute(withdrawal.LEAVING_SQL, {"kept": list(kept)}).fetchone() or (0,)
        if leaving or not kept:
            live, withdrawn = con.execute(withdrawal.PREVIEW_SQL, {"kept": list(kept), "now": at}).fetchone() or (0, 0)
        else:  # no source leaves: nothing can be withdrawn
            live, withdrawn = con.execute(withdrawal.LIVE_SQL, {"now": at}).fetchone() or (0, 0)
        return WithdrawalPreview(live=int(live), withdrawn=int(withdrawn), enabled_sources=len(kept))


def _provenance_table(events: list[Event]) -> pa.Table:
    """event_id, source_id, source_uid, source_url of every report of every event, built column by column."""
    reports = [r for e in events for r in e.reports]
    event_ids = [e.event_id for e in events for _ in e.reports]
    return from_objects(reports, pa.schema([(name, pa.string()) for name in PROVENANCE_FIELDS]), {"event_id": event_ids})


# The reports a merge reads: of enabled sources, overlapping the window ($start, $end).
_LIVE_REPORTS = (
    "FROM reports r JOIN sources s ON s.source_id = r.source_id WHERE s.enabled AND r.starts_at < $end AND r.ends_at >= $start"
)
_MERGE_KEY = "merge_input_key"  # `meta` key: the merge_input_key of the stored events
# Report columns with few distinct values (per source, zone, place, series): one Python object per value,
# not one per report (fewer objects alive while they are merged).
_FEW_VALUES = frozenset({"source_id", "series_uid", "timezone", "status", "venue", "city", "country", "region",
                         "kind", "tags", "cfp_url", "source_url"})  # fmt: skip

# The incoming events with their content hash and what the save makes of them, the one place of the
# rules: an event stored with the same hash is `unchanged` (seen now, its sequence and updated_at kept);
# a changed one takes one more sequence, a new one sequence 0; both are updated now.
_INCOMING_SQL = f"""
CREATE OR REPLACE TEMP TABLE incoming_events AS
SELECT i.*, coalesce(e.content_hash = i.content_hash, false) AS unchanged,
       CASE WHEN e.content_hash = i.content_hash THEN e.sequence ELSE coalesce(e.sequence + 1, 0) END AS sequence,
       CASE WHEN e.content_hash = i.content_hash THEN e.updated_at ELSE $now::TIMESTAMPTZ END AS updated_at
FROM (SELECT *, {content_hash_sql("a")} AS content_hash FROM incoming_arrow a) i
LEFT JOIN events e ON e.event_id = i.event_id
"""
_COUNTS_SQL = """
SELECT count(*) FILTER (WHERE e.event_id IS NULL),
       count(*) FILTER (WHERE e.event_id IS NOT NULL AND NOT i.unchanged
                        AND NOT (i.status = 'cancelled' AND e.status <> 'cancelled')),
       count(*) FILTER (WHERE e.event_id IS NOT NULL AND i.status = 'cancelled' AND e.status <> 'cancelled')
FROM incoming_events i LEFT JOIN events e ON e.event_id = i.event_id
"""


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
        "JOIN incoming_events i ON e.event_id = i.event_id WHERE NOT i.unchanged) " + selects
    )


def _save_events_sql() -> tuple[str, ...]:
    """What one MERGE of incoming_events into events would do, as three statements: unchanged events are
    seen now, changed ones take the incoming fields, new ones are inserted (a MERGE inserting many rows
    cost several times a plain INSERT of them)."""
    stored = (*EVENT_FIELDS, "content_hash", "sequence", "updated_at")
    updates = ", ".join(f"{name} = i.{name}" for name in stored if name != "event_id")
    return (
        "UPDATE events AS e SET last_seen_at = $now FROM incoming_events i WHERE e.event_id = i.event_id AND i.unchanged",
        f"UPDATE events AS e SET {updates}, last_seen_at = $now "
        "FROM incoming_events i WHERE e.event_id = i.event_id AND NOT i.unchanged",
        f"INSERT INTO events ({', '.join(stored)}, first_seen_at, last_seen_at) "
        f"SELECT {', '.join('i.' + name for name in stored)}, $now, $now FROM incoming_events i "
        "WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.event_id = i.event_id)",
    )


_HISTORY_SQL = _history_sql()
_SAVE_EVENTS_SQL = _save_events_sql()
_SAME_PROVENANCE = "es.source_id = s.source_id AND es.source_uid = s.source_uid"
_SAVE_PROVENANCE_SQL = (  # an UPDATE and an INSERT, as for events
    "UPDATE event_sources AS es SET event_id = s.event_id, source_url = s.source_url, last_seen_at = $now "
    f"FROM incoming_sources AS s WHERE {_SAME_PROVENANCE}",
    "INSERT INTO event_sources (event_id, source_id, source_uid, source_url, first_seen_at, last_seen_at) "
    "SELECT s.event_id, s.source_id, s.source_uid, s.source_url, $now, $now FROM incoming_sources AS s "
    f"WHERE NOT EXISTS (SELECT 1 FROM event_sources AS es WHERE {_SAME_PROVENANCE})",
)
