"""Ad hoc SQL is one read-only statement: nothing it runs can write a file, change the database or lift the lock."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pyevents.pipeline.store.adhoc import QueryFailed, QueryRefused, run_query
from tests.output.eventdb import make_event, write_db

UTC = dt.UTC


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "events.duckdb"
    write_db(path, [make_event("PyCon Test", starts_at=dt.datetime(2030, 5, 1, 9, tzinfo=UTC))])
    return path


def _files(folder: Path) -> set[Path]:
    return set(folder.rglob("*"))


def test_a_select_returns_columns_types_and_utc_instants(db: Path) -> None:
    result = run_query(db, "select title, starts_at from events")
    assert result.columns == ["title", "starts_at"] and result.types[1].upper().startswith("TIMESTAMP")
    ((title, starts),) = result.rows
    assert title == "PyCon Test" and starts == dt.datetime(2030, 5, 1, 9, tzinfo=UTC)
    assert starts.utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize("sql", ["", "   ", "-- only a comment\n", "select 1; select 2"])
def test_empty_and_several_statements_are_refused(db: Path, sql: str) -> None:
    with pytest.raises(QueryRefused):
        run_query(db, sql)


@pytest.mark.parametrize(
    "sql",
    [
        "copy (select * from events) to '{out}/x.csv'",
        "copy events to '{out}/x.parquet' (format parquet)",
        "export database '{out}/dump'",
        "attach '{out}/other.duckdb' as other",
        "install httpfs",
        "load httpfs",
        "delete from events",
        "create table t as select 1",
        "set enable_external_access = true",
    ],
)
def test_statements_that_write_attach_or_configure_are_refused_before_running(db: Path, tmp_path: Path, sql: str) -> None:
    out = tmp_path / "out"
    out.mkdir()
    before = _files(tmp_path)
    with pytest.raises(QueryRefused, match="refused"):
        run_query(db, sql.format(out=out))
    assert _files(tmp_path) == before


@pytest.mark.parametrize(
    "sql", ["select * from read_csv('{secret}')", "select * from read_text('/etc/hostname')", "pragma enable_profiling"]
)
def test_reading_statements_still_cannot_touch_other_files_or_settings(db: Path, tmp_path: Path, sql: str) -> None:
    secret = tmp_path / "secret.csv"
    secret.write_text("a,b\n1,2\n")
    with pytest.raises(QueryFailed, match=r"disabled by configuration|configuration has been locked"):
        run_query(db, sql.format(secret=secret))


@pytest.mark.parametrize("sql", ["call pragma_version()", "checkpoint", "describe events", "explain select 1"])
def test_harmless_statements_run_and_change_nothing(db: Path, tmp_path: Path, sql: str) -> None:
    before = {p: p.stat().st_mtime_ns for p in _files(tmp_path)}
    run_query(db, sql)
    assert {p: p.stat().st_mtime_ns for p in _files(tmp_path)} == before


def test_a_bad_statement_keeps_duckdbs_own_hint(db: Path) -> None:
    with pytest.raises(QueryFailed, match='Did you mean "events"'):
        run_query(db, "select * from eventz")
    with pytest.raises(QueryFailed, match="syntax error"):
        run_query(db, "selec 1")


def test_a_missing_or_foreign_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no database"):
        run_query(tmp_path / "nope.duckdb", "select 1")
    foreign = tmp_path / "notes.txt"
    foreign.write_text("not a database")
    with pytest.raises(QueryFailed, match="not a valid DuckDB database"):
        run_query(foreign, "select 1")
