"""The database has the contract's tables, columns (contract ones first, in order) and view."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from pyevents.pipeline.store import Store, StoreUnusable, schema
from pyevents.pipeline.store.arrowio import table_schema
from pyevents.pipeline.store.staging import REPORT_FIELDS, REPORT_SCHEMA
from tests.store.support import fetched, parse, query, report, run, source

CONTRACT = {
    "sources": "source_id, name, type, url, enabled, last_attempt_at, last_success_at, last_status, last_error, "
    "consecutive_failures, http_etag, http_last_modified, content_sha256, event_count",
    "crawl_runs": "run_id, started_at, finished_at, status, sources_ok, sources_failed, sources_not_modified, "
    "events_new, events_updated, events_cancelled",
    "events": "event_id, series_id, title, description, starts_at, ends_at, timezone, all_day, kind, status, url, "
    "venue, city, country, region, latitude, longitude, online, tags, cfp_url, cfp_ends_at, first_seen_at, "
    "last_seen_at, updated_at, sequence",
    "event_sources": "event_id, source_id, source_uid, source_url, first_seen_at, last_seen_at",
    "event_changes": "event_id, changed_at, field, old_value, new_value",
    "rejects": "source_id, seen_at, reason, detail",
}
TYPES = {
    ("events", "starts_at"): "TIMESTAMP WITH TIME ZONE",
    ("events", "ends_at"): "TIMESTAMP WITH TIME ZONE",
    ("events", "tags"): "VARCHAR[]",
    ("events", "all_day"): "BOOLEAN",
    ("events", "sequence"): "INTEGER",
    ("sources", "enabled"): "BOOLEAN",
}


def _columns(db: Path, table: str) -> list[tuple[str, str]]:
    return query(
        db,
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
        [table],
    )


def _fresh_db(tmp_path: Path) -> Path:
    db = tmp_path / "events.duckdb"
    with Store.open(db) as store:
        store.commit(None)
    return db


def test_contract_tables_have_their_columns_first_and_in_order(tmp_path: Path) -> None:
    db = _fresh_db(tmp_path)
    for table, names in CONTRACT.items():
        expected = [n.strip() for n in names.split(",")]
        columns = _columns(db, table)
        assert [c for c, _ in columns[: len(expected)]] == expected, table
    for (table, column), data_type in TYPES.items():
        assert dict(_columns(db, table))[column] == data_type


def test_upcoming_view_hides_cancelled_withdrawn_and_past_events(tmp_path: Path) -> None:
    db = tmp_path / "events.duckdb"
    # the view compares with SQL now(): the events sit days either side of the clock, on any date
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    later, sooner = report("a", "later", days=0), report("a", "sooner", days=0)
    later.starts_at, later.ends_at = now + dt.timedelta(days=9), now + dt.timedelta(days=9, hours=2)
    sooner.starts_at, sooner.ends_at = now + dt.timedelta(days=2), now + dt.timedelta(days=2, hours=2)
    gone = report("a", "cancelled", days=0, status="cancelled")
    gone.starts_at, gone.ends_at = now + dt.timedelta(days=3), now + dt.timedelta(days=3, hours=1)
    past = report("a", "past", days=0)
    past.starts_at, past.ends_at = now - dt.timedelta(days=3), now - dt.timedelta(days=3) + dt.timedelta(hours=1)
    run(db, [source("a")], [fetched("a")], [parse("a", [later, sooner, gone, past])], as_of=now)
    with duckdb.connect(str(db)) as con:  # an event whose sources all left the config
        con.execute("UPDATE events SET status = 'withdrawn' WHERE title = 'Python meetup later'")
    titles = [t for (t,) in query(db, "SELECT title FROM upcoming_events")]
    assert titles == ["Python meetup sooner"]
    assert "content_hash" not in [c for c, _ in _columns(db, "upcoming_events")]


def test_an_older_database_gains_new_columns_and_keeps_its_rows(tmp_path: Path) -> None:
    db = tmp_path / "events.duckdb"
    with duckdb.connect(str(db)) as con:  # a file made before `configured_url` existed
        con.execute("CREATE TABLE sources (source_id VARCHAR PRIMARY KEY, name VARCHAR, url VARCHAR)")
        con.execute("INSERT INTO sources VALUES ('old', 'Old group', 'https://example.org/old.ics')")
    with Store.open(db) as store:
        assert store.source_states()["old"].url == "https://example.org/old.ics"
        store.commit(None)
    names = [c for c, _ in _columns(db, "sources")]
    assert names[:3] == ["source_id", "name", "url"] and "configured_url" in names and "last_parsed_at" in names
    assert query(db, "SELECT value FROM meta WHERE key = 'schema_version'") == [("1",)]


def test_a_file_that_is_not_a_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "events.duckdb"
    db.write_bytes(b"this is not a DuckDB file" * 100)
    with pytest.raises(StoreUnusable, match="cannot open the database"):
        Store.open(db)
    assert db.read_bytes() == b"this is not a DuckDB file" * 100
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.duckdb", "events.duckdb.lock"]
    with pytest.raises(StoreUnusable):  # not StoreLocked: the failed open released the lock
        Store.open(db)


def test_staged_reports_have_the_types_of_the_reports_table() -> None:
    with duckdb.connect(":memory:") as con:
        con.execute(schema.TABLES)
        stored = table_schema(con, "reports", REPORT_FIELDS)
    assert REPORT_SCHEMA.names == stored.names
    for staged_field, stored_field in zip(REPORT_SCHEMA, stored):
        if pa.types.is_list(stored_field.type):  # the item's name differs (DuckDB: "l"), not its type
            assert staged_field.type.value_type == stored_field.type.value_type, staged_field.name
        else:
            assert staged_field.type == stored_field.type, staged_field.name


def test_a_database_of_this_schema_is_not_migrated_again_but_one_of_another_is(tmp_path: Path) -> None:
    db = _fresh_db(tmp_path)
    digest = query(db, "SELECT value FROM meta WHERE key = 'schema_digest'")
    assert len(digest) == 1 and len(digest[0][0]) == 64
    with duckdb.connect(str(db)) as con:  # what an analyst's stray view would look like after a migration
        con.execute("CREATE OR REPLACE VIEW upcoming_events AS SELECT 1 AS marker")
    with Store.open(db) as store:
        store.commit(None)
    assert query(db, "SELECT * FROM upcoming_events") == [(1,)]  # same digest: views not refreshed
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE meta SET value = 'a schema of another version' WHERE key = 'schema_digest'")
    with Store.open(db) as store:
        store.commit(None)
    assert query(db, "SELECT count(*) FROM upcoming_events") == [(0,)]  # migrated: the view is ours again
    assert query(db, "SELECT value FROM meta WHERE key = 'schema_digest'") == digest
