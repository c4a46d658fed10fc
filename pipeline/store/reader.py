"""Read-only queries over the DuckDB file, as plain dicts and lists, for publishing and `pyevents query`.

The connection is read-only, so a reader never blocks the nightly writer (which works on a copy and
swaps it in atomically) and never changes the file. Timestamps come back as aware UTC datetimes.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb

from pipeline.model import Window

# The events a publish shows: overlapping the window; a cancelled one only until it is past.
_PUBLISHED = """
    ends_at >= $start AND starts_at < $end AND (status IS DISTINCT FROM 'cancelled' OR ends_at >= $as_of)
"""
MAX_CHANGES_PER_EVENT = 20


class Snapshot:
    """A read-only view of one database file; use as a context manager."""

    def __init__(self, path: str | Path) -> None:
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no database at {path}")
        self.path = path
        self._con = duckdb.connect(str(path), read_only=True)
        self._con.execute("SET TimeZone = 'UTC'")

    def __enter__(self) -> Snapshot:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._con.close()

    def _rows(self, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return self._con.sql(sql, params=params or {}).to_arrow_table().to_pylist()

    @staticmethod
    def _window(window: Window) -> dict[str, Any]:
        return {"start": window.start, "end": window.end, "as_of": window.as_of}

    def events(self, window: Window) -> list[dict[str, Any]]:
        """Published events (every status; cancelled ones until they end), by start time then id."""
        return self._rows(
            f"SELECT * EXCLUDE (content_hash) FROM events WHERE {_PUBLISHED} ORDER BY starts_at, event_id",
            self._window(window),
        )

    def event_sources(self, window: Window) -> dict[str, list[dict[str, Any]]]:
        """Provenance of the published events: event_id → every source that reported it, with its name."""
        rows = self._rows(
            f"""
            SELECT es.event_id, es.source_id, es.source_uid, es.source_url, es.first_seen_at, es.last_seen_at,
                   s.name, s.type, s.url AS source_feed_url
            FROM event_sources es LEFT JOIN sources s USING (source_id)
            WHERE es.event_id IN (SELECT event_id FROM events WHERE {_PUBLISHED})
            ORDER BY es.event_id, es.first_seen_at, es.source_id, es.source_uid
            """,
            self._window(window),
        )
        return _group(rows)

    def event_changes(self, window: Window) -> dict[str, list[dict[str, Any]]]:
        """History of the published events: event_id → its latest changes, newest first (bounded)."""
        rows = self._rows(
            f"""
            SELECT event_id, changed_at, field, old_value, new_value FROM event_changes
            WHERE event_id IN (SELECT event_id FROM events WHERE {_PUBLISHED})
            QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY changed_at DESC, field) <= {MAX_CHANGES_PER_EVENT}
            ORDER BY event_id, changed_at DESC, field
            """,
            self._window(window),
        )
        return _group(rows)

    def vevents(self, window: Window) -> dict[str, str]:
        """Cached VEVENT text of the published events (event_id → text); callers check it is current."""
        rows = self._con.execute(
            f"""
            SELECT event_id, vevent FROM event_ical
            WHERE vevent IS NOT NULL AND event_id IN (SELECT event_id FROM events WHERE {_PUBLISHED})
            """,
            self._window(window),
        ).fetchall()
        return dict(rows)

    def sources(self) -> list[dict[str, Any]]:
        """Every source row (health: status, last success, last error, event count), by id."""
        return self._rows("SELECT * FROM sources ORDER BY source_id")

    def countries(self) -> list[str]:
        """Every country any stored event ever had, so a country's feed never disappears under subscribers."""
        rows = self._con.execute(
            "SELECT DISTINCT country FROM events WHERE country IS NOT NULL ORDER BY country"
        ).fetchall()
        return [r[0] for r in rows]

    def query(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run ad hoc SQL (read-only) and return column names and rows."""
        result = self._con.execute(sql)
        columns = [d[0] for d in result.description or []]
        return columns, result.fetchall()


def _group(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(row["event_id"], []).append(row)
    return grouped
