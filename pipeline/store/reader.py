"""Read-only queries over the DuckDB file, as plain dicts and lists, for publishing (ad hoc SQL: `adhoc`).

The connection is read-only, so a reader never blocks the nightly writer (which works on a copy and
swaps it in atomically) and never changes the file. Timestamps come back as aware UTC datetimes.

A publish reads the published events once, as Arrow record batches in publishing order, each row
carrying everything its page and files show (provenance, history, cached VEVENT) and a fingerprint
of those inputs; the listings read small aggregates. Per-event work then happens in the workers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
import pyarrow as pa

from pyevents.pipeline.model import Window
from pyevents.pipeline.store.database import memory_limit_for
from pyevents.pipeline.store.errors import StoreError, raises_store_errors

# The events a publish shows: overlapping the window; a cancelled one only until it is past; a withdrawn
# one (its sources left the federation) never.
_PUBLISHED = """
    ends_at >= $start AND starts_at < $end AND (status IS DISTINCT FROM 'cancelled' OR ends_at >= $as_of)
    AND status IS DISTINCT FROM 'withdrawn'
"""
# `series_page`: the event's series when it has a page (more than one upcoming occurrence, as the agenda
# groups them); `series_key`: that series when its page lists this event (an upcoming one), else null:
# the event has a page of its own.
_SERIES_WITH_PAGES = f"""
    SELECT series_id FROM events WHERE {_PUBLISHED} AND ends_at >= $as_of AND series_id IS NOT NULL
    GROUP BY series_id HAVING count(*) > 1
"""
_SERIES_KEY = f"""
    CASE WHEN series_id IN ({_SERIES_WITH_PAGES}) THEN series_id END AS series_page,
    CASE WHEN ends_at >= $as_of AND series_id IN ({_SERIES_WITH_PAGES}) THEN series_id END AS series_key
"""
MAX_CHANGES_PER_EVENT = 20
READ_ERRORS = (OSError, StoreError)  # what opening or reading a snapshot raises for an unusable file

# Every input of one published event, one row per event. `last_seen_at` (bumped by every fetch, shown
# nowhere) is left out so that a fetch alone never changes a fingerprint. The fingerprint is DuckDB's
# 64-bit hash of the whole row (nested lists included) and a caller's salt (code version, site): no text
# of the row is built, and it is stable for one DuckDB version (an upgrade re-renders once).
# One piece of the published events: from ($lo_start, $lo_id) inclusive to ($hi_start, $hi_id) exclusive,
# in (starts_at, event_id) order; a null upper bound means no end.
_PIECE = """
    (starts_at > $lo_start OR (starts_at = $lo_start AND event_id >= $lo_id))
    AND ($hi_start IS NULL OR starts_at < $hi_start OR (starts_at = $hi_start AND event_id < $hi_id))
"""
PIECE_ROWS = 20_000  # events per query: DuckDB sorts and aggregates one piece at a time, not every event


def _utc_texts(*columns: str) -> str:
    """Instants as UTC text, `<name>_z` for `<name>_at` (see Snapshot.event_batches)."""
    return ", ".join(f"strftime({column}, '%Y-%m-%dT%H:%M:%SZ') AS {column.removesuffix('_at')}_z" for column in columns)


_EVENT_INPUTS = f"""
WITH pub AS (
    SELECT * EXCLUDE (content_hash, last_seen_at), {_SERIES_KEY} FROM events WHERE {_PUBLISHED} AND {_PIECE}
), prov AS (
    SELECT es.event_id,
           list(struct_pack(source_id := es.source_id, source_uid := es.source_uid, source_url := es.source_url,
                            first_seen_on := strftime(es.first_seen_at, '%Y-%m-%d'), name := s.name, type := s.type,
                            source_feed_url := s.url)
                ORDER BY es.first_seen_at, es.source_id, es.source_uid) AS sources
    FROM event_sources es LEFT JOIN sources s USING (source_id)
    WHERE es.event_id IN (SELECT event_id FROM pub)
    GROUP BY es.event_id
), history AS (
    SELECT event_id,
           list(struct_pack(changed_on := strftime(changed_at, '%Y-%m-%d'), field := field, old_value := old_value,
                            new_value := new_value)
                ORDER BY changed_at DESC, field) AS changes
    FROM (
        SELECT event_id, changed_at, field, old_value, new_value FROM event_changes
        WHERE event_id IN (SELECT event_id FROM pub)
        QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY changed_at DESC, field) <= {MAX_CHANGES_PER_EVENT}
    )
    GROUP BY event_id
), inputs AS (
    SELECT pub.*, coalesce(prov.sources, []) AS sources, coalesce(history.changes, []) AS changes, ical.vevent
    FROM pub
    LEFT JOIN prov USING (event_id)
    LEFT JOIN history USING (event_id)
    LEFT JOIN (SELECT event_id, vevent FROM event_ical WHERE vevent IS NOT NULL) ical USING (event_id)
)
SELECT *, hash($salt, inputs)::VARCHAR AS fingerprint,
       {_utc_texts("starts_at", "ends_at", "cfp_ends_at", "first_seen_at", "updated_at")}
FROM inputs ORDER BY starts_at, event_id
"""


# The agenda's entries among the upcoming published events: every one-off event, and each recurring
# series (one with a page: `_SERIES_WITH_PAGES`) once, by its next occurrence not
# cancelled (its first when all are). `keyed` holds every upcoming occurrence with its entry's key.
_AGENDA_ENTRIES = f"""
WITH keyed AS (
    SELECT event_id, series_id, starts_at, status, kind, region, country,
           CASE WHEN series_id IN ({_SERIES_WITH_PAGES}) THEN series_id END AS series_key,
           kind = 'conference' AS is_conference
    FROM events WHERE {_PUBLISHED} AND ends_at >= $as_of
), entries AS (
    SELECT * FROM keyed
    QUALIFY series_key IS NULL
         OR row_number() OVER (PARTITION BY series_key ORDER BY status = 'cancelled', starts_at, event_id) = 1
)
"""


@dataclass(frozen=True, slots=True)
class Overview:
    """Counts and bounds of the published events, for the listings' headers."""

    events: int
    upcoming: int
    latest_update: dt.datetime | None
    first_year: int | None  # min(year of start - 1, year of end + 1), UTC: see output.ical.span_of
    last_year: int | None
    # Agenda entries (a one-off event, or a recurring series once), upcoming, and how many are conferences:
    entries: int
    conferences: int
    upcoming_by_region: dict[str, int]  # entries, not occurrences
    upcoming_by_country: dict[str, int]
    conferences_by_region: dict[str, int]
    conferences_by_country: dict[str, int]


@raises_store_errors
class Snapshot:
    """A read-only view of one database file; use as a context manager."""

    def __init__(self, path: str | Path) -> None:
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no database at {path}")
        self.path = path
        self._con = duckdb.connect(str(path), read_only=True)
        self._con.execute("SET TimeZone = 'UTC'")
        self._con.execute("SET enable_progress_bar = false")
        # Bounded like the store's writes: left to DuckDB, its buffers would keep most of the file and the
        # pieces of the event stream resident beside the publish's own memory.
        ((rows,),) = self._con.execute("SELECT count(*) FROM events").fetchall()
        self._con.execute(f"SET memory_limit = '{memory_limit_for(rows)}'")

    def __enter__(self) -> Snapshot:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._con.close()

    def _rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self._con.sql(sql, params=dict(params or {})).to_arrow_table().to_pylist()
        return rows

    @staticmethod
    def _window(window: Window) -> dict[str, Any]:
        return {"start": window.start, "end": window.end, "as_of": window.as_of}

    def event_batches(self, window: Window, salt: str, batch_rows: int) -> Iterator[pa.RecordBatch]:
        """Every published event with its inputs, by start time then id, in batches of at most `batch_rows`.

        Columns: those of `events` (without content_hash and last_seen_at), `sources` (provenance: list
        of source_id, source_uid, source_url, first_seen_on (UTC day, ISO), name, type, source_feed_url, by
        first seen), `changes` (the latest changes, newest first, bounded; changed_on is the UTC day),
        `vevent` (cached text or null), `fingerprint` (hash of all of them and `salt`), and the instants
        again as UTC text (`starts_z`, `ends_z`, `cfp_ends_z`, `first_seen_z`, `updated_z`:
        YYYY-MM-DDTHH:MM:SSZ): a string costs far less to turn into a Python value than a datetime, and a
        publish needs the text anyway. Read the batches before the next query.

        Read in pieces of about PIECE_ROWS events, one query each, so that DuckDB's memory holds one
        piece's sort and aggregation, not every event's, before the first batch comes out.
        """
        params = {**self._window(window), "salt": salt}
        piece_rows = batch_rows * max(1, PIECE_ROWS // batch_rows)  # whole batches per piece
        bounds = self._con.execute(
            f"""
            SELECT starts_at, event_id FROM (
                SELECT starts_at, event_id, row_number() OVER (ORDER BY starts_at, event_id) - 1 AS n
                FROM events WHERE {_PUBLISHED}
            ) WHERE n % $piece_rows = 0 ORDER BY n
            """,
            {**self._window(window), "piece_rows": piece_rows},
        ).fetchall()
        for (lo_start, lo_id), (hi_start, hi_id) in zip(bounds, [*bounds[1:], (None, None)]):
            piece = {**params, "lo_start": lo_start, "lo_id": lo_id, "hi_start": hi_start, "hi_id": hi_id}
            yield from self._con.sql(_EVENT_INPUTS, params=piece).to_arrow_reader(batch_rows)

    def inputs_digest(self, window: Window, salt: str) -> str:
        """One hash of everything the published events show, and of which are upcoming or have an open CFP.

        Order-independent sums of per-row hashes, table by table: no join or list building, so that
        checking whether anything changed costs a small fraction of reading it all.
        """
        published_ids = f"SELECT event_id FROM events WHERE {_PUBLISHED}"
        rows = self._con.execute(
            f"""
            WITH pub AS (SELECT * EXCLUDE (content_hash, last_seen_at) FROM events WHERE {_PUBLISHED})
            SELECT md5(concat_ws('/',
                (SELECT coalesce(sum(hash($salt, pub, ends_at >= $as_of, cfp_ends_at >= $as_of)), 0) FROM pub),
                (SELECT coalesce(sum(hash(es.event_id, es.source_id, es.source_uid, es.source_url, es.first_seen_at,
                                          s.name, s.type, s.url)), 0)
                 FROM event_sources es LEFT JOIN sources s USING (source_id) WHERE es.event_id IN ({published_ids})),
                (SELECT coalesce(sum(hash(c)), 0) FROM event_changes c WHERE event_id IN ({published_ids})),
                (SELECT coalesce(sum(hash(event_id, vevent)), 0) FROM event_ical WHERE event_id IN ({published_ids}))
            ))
            """,
            {**self._window(window), "salt": salt},
        ).fetchall()
        return str(rows[0][0])

    def overview(self, window: Window) -> Overview:
        params = self._window(window)
        ((events, upcoming, latest, first, last),) = self._con.execute(
            f"""
            SELECT count(*), count(*) FILTER (WHERE ends_at >= $as_of), max(updated_at),
                   least(min(year(starts_at)) - 1, min(year(ends_at)) + 1),
                   greatest(max(year(starts_at)) - 1, max(year(ends_at)) + 1)
            FROM events WHERE {_PUBLISHED}
            """,
            params,
        ).fetchall()
        entries = conferences = 0
        by: dict[str, dict[str, int]] = {"region": {}, "country": {}, "conference_region": {}, "conference_country": {}}
        for region, country, is_conference, n in self._con.execute(
            f"{_AGENDA_ENTRIES} SELECT region, country, is_conference, count(*) FROM entries GROUP BY ALL ORDER BY ALL", params
        ).fetchall():
            entries += n
            conferences += n if is_conference else 0
            for name, key in (("region", region), ("country", country)):
                for table in (name, f"conference_{name}") if is_conference else (name,):
                    if key is not None:
                        by[table][key] = by[table].get(key, 0) + n
        return Overview(
            events,
            upcoming,
            latest,
            first,
            last,
            entries,
            conferences,
            by["region"],
            by["country"],
            by["conference_region"],
            by["conference_country"],
        )

    def zones_in_use(self, window: Window, columns: Sequence[str]) -> list[dict[str, Any]]:
        """The distinct `columns` and timezone of the published timed events: which feed (selecting on
        those columns) needs which VTIMEZONE."""
        unknown = set(columns) - set(self._con.sql("SELECT * FROM events LIMIT 0").columns)
        if unknown:
            raise ValueError(f"events has no column {sorted(unknown)}")
        selected = ", ".join([*(f'"{c}"' for c in columns), "timezone"])
        return self._rows(
            f"""SELECT DISTINCT {selected} FROM events
                WHERE {_PUBLISHED} AND all_day IS NOT TRUE AND timezone IS NOT NULL ORDER BY ALL""",
            self._window(window),
        )

    def agenda_entries(self, window: Window, limit: int, sample: int) -> list[dict[str, Any]]:
        """The agenda's entries (one-off events, and each recurring series once) among the first `limit`
        conferences and the first `limit` other entries overall, of their region and of their country,
        by start then id: enough for every section of every agenda page.

        The columns an entry shows, its instants as UTC text (`starts_z`, `ends_z`); for a series also
        `series_id`, `series_dates` (upcoming occurrences not cancelled) and `series_starts` (the UTC
        text of the first `sample` of them, for its cadence); both null for a one-off event.
        """
        return self._rows(
            f"""
            {_AGENDA_ENTRIES}, shown AS (
                SELECT event_id FROM entries
                QUALIFY row_number() OVER (PARTITION BY is_conference ORDER BY starts_at, event_id) <= $limit
                     OR row_number() OVER (PARTITION BY is_conference, region ORDER BY starts_at, event_id) <= $limit
                     OR row_number() OVER (PARTITION BY is_conference, country ORDER BY starts_at, event_id) <= $limit
            ), series AS (
                SELECT series_key,
                       count(*) FILTER (WHERE status IS DISTINCT FROM 'cancelled') AS series_dates,
                       list(strftime(starts_at, '%Y-%m-%dT%H:%M:%SZ') ORDER BY starts_at, event_id)
                           FILTER (WHERE status IS DISTINCT FROM 'cancelled')[1:$sample] AS series_starts
                FROM keyed WHERE series_key IS NOT NULL GROUP BY series_key
            )
            SELECT e.event_id, e.title, e.timezone, e.all_day, e.kind, e.status, e.venue, e.city, e.country,
                   e.region, e.online, e.sequence, e.tags, k.series_key AS series_id, s.series_dates, s.series_starts,
                   strftime(e.starts_at, '%Y-%m-%dT%H:%M:%SZ') AS starts_z, strftime(e.ends_at, '%Y-%m-%dT%H:%M:%SZ') AS ends_z
            FROM events e JOIN entries k USING (event_id) LEFT JOIN series s ON s.series_key = k.series_key
            WHERE e.event_id IN (SELECT event_id FROM shown)
            ORDER BY e.starts_at, e.event_id
            """,
            {**self._window(window), "limit": limit, "sample": sample},
        )

    def series_occurrences(self, window: Window) -> pa.Table:
        """Every recurring series' upcoming occurrences, by series id, each series' by start then id:
        what a series page shows and its JSON-LD needs, with `moved_from` (the UTC text of the start
        before its latest move, else null). What the page says of the whole series is on its first row
        only, null on the others: `series_description` (the first live occurrence's with one) and
        `series_sources` (every source that reported one of its occurrences: source_id, name, source_url,
        source_feed_url, by name). An Arrow table: compact, read before the event stream."""
        return self._con.sql(
            f"""
            {_AGENDA_ENTRIES}, moves AS (
                SELECT event_id, arg_max(old_value, changed_at) AS moved_from FROM event_changes
                WHERE field = 'starts_at' AND event_id IN (SELECT event_id FROM keyed WHERE series_key IS NOT NULL)
                GROUP BY event_id
            ), about AS (
                SELECT k.series_key,
                       arg_min(e.description, (e.starts_at, e.event_id))
                           FILTER (WHERE coalesce(e.description, '') <> '' AND e.status IS DISTINCT FROM 'cancelled')
                           AS series_description
                FROM keyed k JOIN events e USING (event_id) WHERE k.series_key IS NOT NULL
                GROUP BY k.series_key
            ), prov AS (
                SELECT series_key, list(struct_pack(source_id := source_id, name := name, source_url := source_url,
                                                    source_feed_url := source_feed_url)
                                        ORDER BY name, source_id) AS series_sources
                FROM (
                    SELECT k.series_key, es.source_id, s.name, min(es.source_url) AS source_url, s.url AS source_feed_url
                    FROM keyed k JOIN event_sources es USING (event_id) LEFT JOIN sources s USING (source_id)
                    WHERE k.series_key IS NOT NULL
                    GROUP BY k.series_key, es.source_id, s.name, s.url
                )
                GROUP BY series_key
            ), dates AS (
                SELECT e.event_id, k.series_key AS series_id, k.series_key, e.title, e.timezone, e.all_day, e.kind,
                       e.status, e.url, e.venue, e.city, e.country, e.region, e.latitude, e.longitude, e.online,
                       e.tags, e.sequence, m.moved_from, e.starts_at,
                       strftime(e.starts_at, '%Y-%m-%dT%H:%M:%SZ') AS starts_z,
                       strftime(e.ends_at, '%Y-%m-%dT%H:%M:%SZ') AS ends_z,
                       strftime(e.updated_at, '%Y-%m-%dT%H:%M:%SZ') AS updated_z,
                       row_number() OVER (PARTITION BY k.series_key ORDER BY e.starts_at, e.event_id) = 1 AS first_date
                FROM keyed k JOIN events e USING (event_id) LEFT JOIN moves m USING (event_id)
                WHERE k.series_key IS NOT NULL
            )
            SELECT d.* EXCLUDE (starts_at, first_date),
                   CASE WHEN d.first_date THEN a.series_description END AS series_description,
                   CASE WHEN d.first_date THEN p.series_sources END AS series_sources
            FROM dates d LEFT JOIN about a ON a.series_key = d.series_id LEFT JOIN prov p ON p.series_key = d.series_id
            ORDER BY d.series_id, d.starts_at, d.event_id
            """,
            params=self._window(window),
        ).to_arrow_table()

    def announced(self, window: Window, limit: int, soon_until: dt.datetime) -> list[dict[str, Any]]:
        """Upcoming, not cancelled events for the Atom feed: the `limit` most recently first seen, and
        every one starting before `soon_until`; newest first seen first, then soonest, then by id."""
        return self._rows(
            f"""
            SELECT * EXCLUDE (content_hash, last_seen_at, announced_at) FROM (
                SELECT * EXCLUDE (content_hash, last_seen_at), {_SERIES_KEY}, coalesce(first_seen_at, updated_at) AS announced_at,
                       content_hash, last_seen_at
                FROM events
                WHERE {_PUBLISHED} AND ends_at >= $as_of AND status IS DISTINCT FROM 'cancelled'
            )
            QUALIFY row_number() OVER (ORDER BY announced_at DESC, starts_at, event_id) <= $limit OR starts_at < $soon
            ORDER BY announced_at DESC, starts_at, event_id
            """,
            {**self._window(window), "limit": limit, "soon": soon_until},
        )

    def open_cfps(self, window: Window) -> list[dict[str, Any]]:
        """Published, not cancelled events whose call for proposals is still open, by deadline then id."""
        return self._rows(
            f"""
            SELECT * EXCLUDE (content_hash, last_seen_at), {_SERIES_KEY} FROM events
            WHERE {_PUBLISHED} AND cfp_ends_at >= $as_of AND status IS DISTINCT FROM 'cancelled'
            ORDER BY cfp_ends_at, event_id
            """,
            self._window(window),
        )

    def sources(self) -> list[dict[str, Any]]:
        """Every source row (health: status, last success, last error, event count), by id."""
        return self._rows("SELECT * FROM sources ORDER BY source_id")

    def run_count(self) -> int:
        """How many crawl runs the database recorded (the stale-source check's evidence)."""
        row = self._con.execute("SELECT count(*) FROM crawl_runs").fetchone()
        return int(row[0]) if row else 0

    def countries(self) -> list[str]:
        """Every country any stored event ever had, so a country's feed never disappears under subscribers."""
        rows = self._con.execute("SELECT DISTINCT country FROM events WHERE country IS NOT NULL ORDER BY country").fetchall()
        return [r[0] for r in rows]
