"""Sources and what their fetches bring: the `sources` rows, their reports and their rejects.

`sync_sources` makes `sources` follow the configuration; `apply_fetches` records every fetch on its
source and applies the lifecycle (see `lifecycle.py`) to its reports, which move in bulk through Arrow:
an UPDATE of the rows already stored and an INSERT of the others (DuckDB's MERGE inserts many rows
far slower; benchmarks/RESULTS.md, "Why the tricks"). Parses arrive staged as Arrow tables (`staging.py`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from pyevents.pipeline.model import FetchResult, Reject, SourceState, Window
from pyevents.pipeline.store.arrowio import from_dicts, query_dicts, utc
from pyevents.pipeline.store.database import Database
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
from pyevents.pipeline.store.staging import REPORT_FIELDS, REPORT_SCHEMA, StagedSource


@dataclass(frozen=True, slots=True)
class ConfiguredSource:
    """What the store keeps of a source the configuration lists."""

    id: str
    name: str
    type: str
    url: str
    enabled: bool = True


class SourceRecords:
    """The `sources`, `reports` and `rejects` tables of one run's database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def states(self) -> dict[str, SourceState]:
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
            for row in self._rows().values()
        }

    def sync(self, configured: Sequence[ConfiguredSource]) -> None:
        """Make `sources` follow the configuration.

        New sources are added; name, type and enabled follow the config. A source gone (410) stays disabled
        until its URL changes in the config. A changed configured URL replaces the current one (also one a
        301 set) and forgets the old URL's validators. Sources no longer configured are disabled, so their
        reports stop being live (the future events only they reported become withdrawn, see `withdrawal`).
        """
        current = self._rows()
        rows = []
        for source in configured:
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
        with self._db.transaction():
            self._db.upsert("sources", ("source_id",), from_dicts(rows, self._db.schema("sources")))

    def apply_fetches(
        self, window: Window, fetches: dict[str, FetchResult], parsed: Mapping[str, StagedSource], now: dt.datetime
    ) -> dict[str, str]:
        """Record every fetch on its source and apply the lifecycle to its reports (`parsed`: the staged parse
        of each source that was parsed); source_id → status."""
        now = utc(now)
        rows = self._rows()
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
        self._db.fit_memory_limit("reports", incoming.num_rows)
        with self._db.transaction():
            self._apply_reports(window, now, incoming, accepted, unchanged)
            self._replace_rejects(now, parsed_ids, rejects)
            self._db.upsert("sources", ("source_id",), from_dicts([rows[sid] for sid in fetches], self._db.schema("sources")))
        return statuses

    def _apply_reports(
        self, window: Window, now: dt.datetime, incoming: pa.Table, accepted: list[str], unchanged: list[str]
    ) -> None:
        con = self._db.connection()
        accepted_table = pa.table({"source_id": pa.array(accepted, pa.string())})
        with self._db.registered("fresh_reports", incoming), self._db.registered("accepted_sources", accepted_table):
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
        new = pa.table(
            {
                "source_id": pa.array([r.source_id for r in rejects], pa.string()),
                "reason": pa.array([r.reason for r in rejects], pa.string()),
                "detail": pa.array([r.detail for r in rejects], pa.string()),
            }
        )
        parsed_table = pa.table({"source_id": pa.array(parsed_ids, pa.string())})
        con = self._db.connection()
        with self._db.registered("parsed_sources", parsed_table), self._db.registered("new_rejects", new):
            con.execute("DELETE FROM rejects WHERE source_id IN (SELECT source_id FROM parsed_sources)")
            con.execute(
                "INSERT INTO rejects (source_id, seen_at, reason, detail) "
                "SELECT source_id, $now, reason, detail FROM new_rejects",
                {"now": now},
            )

    def _live_counts(self, window: Window) -> dict[str, int]:
        """Per source: stored reports, not cancelled, overlapping the window."""
        rows = self._db.connection().execute(
            "SELECT source_id, count(*) FROM reports WHERE status <> 'cancelled' "
            "AND starts_at < $end AND ends_at >= $start GROUP BY source_id",
            {"start": window.start, "end": window.end},
        )
        return dict(rows.fetchall())

    def _rows(self) -> dict[str, dict[str, Any]]:
        return {row["source_id"]: row for row in query_dicts(self._db.connection(), "SELECT * FROM sources")}


_REPORT_CONTENT = tuple(name for name in REPORT_FIELDS if name not in ("source_id", "source_uid"))
_REPORT_UPDATES = ", ".join(f"{name} = f.{name}" for name in _REPORT_CONTENT)
# Most reports come back unchanged: touching only two narrow columns of those is far cheaper than
# rewriting whole rows (with their lists) in DuckDB.
_REPORT_UNCHANGED = " AND ".join(f"r.{name} IS NOT DISTINCT FROM f.{name}" for name in _REPORT_CONTENT)
_SAME_REPORT = "r.source_id = f.source_id AND r.source_uid = f.source_uid"
# The fresh reports into `reports`: the unchanged seen now, the changed rewritten, the new inserted (an
# UPDATE and an INSERT instead of one MERGE).
_SAVE_REPORTS_SQL = (
    "UPDATE reports AS r SET last_seen_at = $now, missed_fetches = 0 FROM fresh_reports AS f "
    f"WHERE {_SAME_REPORT} AND {_REPORT_UNCHANGED}",
    f"UPDATE reports AS r SET {_REPORT_UPDATES}, last_seen_at = $now, missed_fetches = 0 FROM fresh_reports AS f "
    f"WHERE {_SAME_REPORT} AND NOT ({_REPORT_UNCHANGED})",
    f"INSERT INTO reports ({', '.join(REPORT_FIELDS)}, first_seen_at, last_seen_at, missed_fetches) "
    f"SELECT {', '.join('f.' + name for name in REPORT_FIELDS)}, $now, $now, 0 FROM fresh_reports AS f "
    f"WHERE NOT EXISTS (SELECT 1 FROM reports AS r WHERE {_SAME_REPORT})",
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


def _owned_reports(source_id: str, reports: pa.Table) -> pa.Table:
    """A source's reports filed under the source that was fetched, whatever id a parser put on them."""
    owners = pa.array([source_id] * reports.num_rows, pa.string())
    return reports.set_column(reports.schema.get_field_index("source_id"), "source_id", owners)


def _owned_rejects(source_id: str, rejects: list[Reject]) -> list[Reject]:
    """Rejects filed under the source that was parsed, whatever id a parser put on them."""
    return [r if r.source_id == source_id else Reject(source_id, r.reason, r.detail) for r in rejects]
