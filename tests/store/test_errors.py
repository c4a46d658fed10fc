"""DuckDB's errors never leave the store: the writer, the reader and ad hoc queries raise StoreError."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from pyevents import exitcodes
from pyevents.config import Config
from pyevents.pipeline.store import Store, StoreError, StoreUnusable
from pyevents.pipeline.store.adhoc import run_query
from pyevents.pipeline.store.reader import Snapshot
from pyevents.run import crawl_into_store
from tests.store.support import AS_OF, fetched, parse, reports, run, source, window


def _damaged(tmp_path: Path, table: str) -> Path:
    """A database of this schema (so not migrated again) that lost a table, as a stray analyst's DROP would."""
    db = tmp_path / "events.duckdb"
    run(db, [source("a")], [fetched("a")], [parse("a", reports("a", 2))])
    with duckdb.connect(str(db)) as con:
        con.execute(f"DROP TABLE {table}")
    return db


def test_the_writer_raises_store_errors_with_duckdbs_message(tmp_path: Path) -> None:
    db = _damaged(tmp_path, "event_sources")
    with Store.open(db) as store:
        with pytest.raises(StoreError, match="event_sources") as raised:
            store.known_event_ids()
        assert isinstance(raised.value.__cause__, duckdb.Error)
        with pytest.raises(StoreError):
            store.save_events(window(), [], AS_OF)  # inside a transaction: rolled back, then wrapped
        store.abort()


def test_the_reader_and_ad_hoc_queries_raise_store_errors(tmp_path: Path) -> None:
    db = _damaged(tmp_path, "event_changes")
    with Snapshot(db) as snap:
        assert [s["source_id"] for s in snap.sources()] == ["a"]
        with pytest.raises(StoreError, match="event_changes"):
            list(snap.event_batches(window(), "", 100))  # a generator: wrapped while it is read
    with pytest.raises(StoreError, match="event_changes"):
        run_query(db, "select * from event_changes")
    not_a_database = tmp_path / "other.duckdb"
    not_a_database.write_bytes(b"this is not a DuckDB file" * 100)
    with pytest.raises(StoreError):
        Snapshot(not_a_database)
    with pytest.raises(StoreUnusable):
        Store.open(not_a_database)


def test_a_run_on_a_damaged_database_exits_3_and_leaves_it_as_it_was(tmp_path: Path) -> None:
    db = _damaged(tmp_path, "crawl_runs")
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    report = crawl_into_store(Config(), db, as_of=AS_OF, accept_withdrawals=True)
    assert report.exit_code == exitcodes.UNPUBLISHABLE
    assert report.message is not None and report.message.startswith("database error, nothing stored:")
    assert "crawl_runs" in report.message
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
