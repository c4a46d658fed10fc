"""The VEVENT cache brought up to date by a refresh (in worker processes or in-process), and exports written early."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Container
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pyevents import run as orchestrator
from pyevents.output.ical import serialize_vevent
from pyevents.pipeline.store import Store, vevents
from pyevents.pipeline.store.arrowio import table_dicts
from pyevents.workers import serialize_row_group
from tests.store.support import (
    AS_OF,
    DAY,
    default_event_id,
    labelled_vevents,
    one_event_per_report,
    query,
    refresh_vevents,
    report,
    reports,
    window,
)

BASE_URL = "https://events.example.org/"


def _store_events(store: Store, now: dt.datetime, *items: object) -> None:
    store.save_events(window(now), one_event_per_report(list(items), {}), now)  # type: ignore[arg-type]


def _vevents_of_rows(db: Path) -> dict[str, tuple[int, str]]:
    """What the cache should hold: the VEVENT of every stored event's row, by event_id."""
    with duckdb.connect(str(db), read_only=True) as con:
        rows = table_dicts(con.sql(f"SELECT {', '.join(vevents.VEVENT_COLUMNS)} FROM events").to_arrow_table())
    return {row["event_id"]: (row["sequence"], serialize_vevent(row, BASE_URL)) for row in rows}


@pytest.mark.parametrize("pool_min", [1, 10_000], ids=["worker-pool", "in-process"])
def test_every_new_or_changed_event_gets_the_vevent_of_its_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pool_min: int
) -> None:
    monkeypatch.setattr(vevents, "POOL_MIN_ROWS", pool_min)
    monkeypatch.setattr(vevents, "ICAL_BATCH_ROWS", 3)  # several batches, the last one short
    db = tmp_path / "events.duckdb"
    serialize = functools.partial(serialize_row_group, BASE_URL)
    first = reports("a", 7, description="Talks; pizza, \n and a line break")
    with Store.open(db) as store:
        _store_events(store, AS_OF, *first)
        with store.refresh_vevents(serialize, orchestrator.worker_pool) as refresh:
            refresh.hand_out_stale()
            assert refresh.save() == 7
        store.commit(None)
    cached = {event_id: (sequence, text) for event_id, sequence, text in query(db, "SELECT * FROM event_ical")}
    assert cached == _vevents_of_rows(db)
    moved_id = default_event_id("a", "uid-2")
    with Store.open(db) as store:
        moved = [report("a", "uid-2", days=40, description="Moved"), *(r for r in first if r.source_uid != "uid-2")]
        _store_events(store, AS_OF + DAY, *moved)
        with store.refresh_vevents(serialize, orchestrator.worker_pool) as refresh:
            refresh.hand_out_stale()
            assert refresh.save() == 1
        assert list(tmp_path.glob(".events.duckdb.run-*.tmp"))  # the rows and VEVENT files, until the commit
        store.commit(None)
    assert list(tmp_path.glob(".events.duckdb.run-*")) == []
    recached = {event_id: (sequence, text) for event_id, sequence, text in query(db, "SELECT * FROM event_ical")}
    assert recached == _vevents_of_rows(db) and recached != cached
    assert {k for k in recached if recached[k] != cached[k]} == {moved_id}
    assert "SEQUENCE:1" in recached[moved_id][1]
    assert "Talks\\; pizza\\, \\n and a line break" in recached[default_event_id("a", "uid-0")][1]


def test_nothing_to_serialize_starts_no_pool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vevents, "POOL_MIN_ROWS", 0)
    with (
        Store.open(tmp_path / "events.duckdb") as store,
        store.refresh_vevents(labelled_vevents, lambda: pytest.fail("a pool for no work")) as refresh,
    ):
        refresh.hand_out_stale()
        assert refresh.save() == 0


def test_exports_written_before_commit_appear_only_with_it(tmp_path: Path) -> None:
    db, export = tmp_path / "events.duckdb", tmp_path / "export"
    with Store.open(db) as store:
        _store_events(store, AS_OF, *reports("a", 3))
        store.write_exports(export)
        assert not list(export.glob("*.parquet"))  # temporary names until the database is swapped in
        store.abort()
    assert list(export.iterdir()) == []  # abort removed them
    with Store.open(db) as store:
        _store_events(store, AS_OF, *reports("a", 3))
        store.write_exports(export)
        store.commit()
    assert query(db, f"SELECT count(*) FROM '{export / 'events.parquet'}'") == [(3,)]
    assert sorted(p.name for p in export.iterdir()) == sorted(f"{t}.parquet" for t in (
        "sources", "crawl_runs", "events", "event_sources", "event_changes", "rejects"))  # fmt: skip


def test_one_report_in_two_events_is_refused_naming_it(tmp_path: Path) -> None:
    twice = one_event_per_report([report("a", "x")], {}) + one_event_per_report([report("a", "x", days=20)], {})
    twice[1].event_id = "f" * 16
    with Store.open(tmp_path / "events.duckdb") as store:
        with pytest.raises(ValueError, match=r"duplicate \(source_id, source_uid\) across events in one save: \('a', 'x'\)"):
            store.save_events(window(), twice, AS_OF)
        assert refresh_vevents(store) == 0  # nothing was written


def _recording(files: dict[Path, list[dict[str, object]]], skip: Container[str] = ()) -> vevents.SerializeGroup:
    """A serializer that records the rows it is handed, by rows file, and caches all but `skip`."""

    def serialize(rows: Path, group: int, out: Path) -> int:
        batch = pq.ParquetFile(rows).read_row_group(group)
        files.setdefault(rows, []).extend(batch.to_pylist())
        kept = batch.filter(pa.array([event_id not in skip for event_id in batch["event_id"].to_pylist()]))
        pq.write_table(
            kept.select(["event_id", "sequence"]).append_column("vevent", pa.array(["VEVENT"] * kept.num_rows, pa.string())), out
        )
        return kept.num_rows

    return serialize


def test_rows_handed_out_ahead_of_a_save_are_the_rows_stale_after_it(tmp_path: Path) -> None:
    """A save hands out its incoming events' rows before it writes, the rest (tombstones) follow: together,
    against a refresh after the save: new, changed, unchanged with a cached VEVENT, unchanged without one
    (also with its tags arriving in another order), region-only changes, and vanished events."""
    db = tmp_path / "events.duckdb"
    first = [*reports("a", 6, tags=["python", "data"]), report("b", "keep", days=30)]
    missing = {default_event_id("a", "uid-1"), default_event_id("a", "uid-2"), default_event_id("a", "uid-5")}
    ahead: dict[Path, list[dict[str, object]]] = {}
    after: dict[Path, list[dict[str, object]]] = {}
    with Store.open(db) as store:
        _store_events(store, AS_OF, *first)
        with store.refresh_vevents(_recording({}, skip=missing)) as refresh:
            refresh.hand_out_stale()
            refresh.save()
        later = AS_OF + DAY
        second = [
            report("a", "uid-0", days=10, tags=["python", "data"], title="Renamed"),  # changed, cached
            report("a", "uid-1", days=11, tags=["data", "python"]),  # same hash, other tag order, not cached
            report("a", "uid-2", days=12, tags=["python", "data"], title="Moved too"),  # changed, not cached
            report("a", "uid-3", days=13, tags=["python", "data"], region="elsewhere"),  # not material, cached
            report("a", "uid-5", days=15, tags=["python", "data"]),  # unchanged, not cached
            report("c", "new", days=40),  # new
        ]  # a/uid-4 and b/keep vanish: tombstones
        with store.refresh_vevents(_recording(ahead)) as refresh:
            events = one_event_per_report(second, store.known_event_ids())
            counts = store.save_events(window(later), events, later, vevents=refresh)
            refresh.hand_out_stale()
        with store.refresh_vevents(_recording(after)) as refresh:  # nothing was saved: all still stale
            refresh.hand_out_stale()
    assert list(tmp_path.glob(".events.duckdb.run-*")) == []  # the abort removed the row files
    assert counts.cancelled == 2 and counts.new == 1
    assert all(rows.parent == tmp_path and rows.name.startswith(".events.duckdb.run-") for rows in ahead)
    saved, rest = ahead.values()
    assert {row["event_id"] for row in rest} == {default_event_id("a", "uid-4"), default_event_id("b", "keep")}
    got = sorted((row for rows in ahead.values() for row in rows), key=lambda row: row["event_id"])
    (expected,) = after.values()
    assert got == sorted(expected, key=lambda row: row["event_id"])
    assert list(got[0]) == list(vevents.VEVENT_COLUMNS)
    tags = {row["event_id"]: row["tags"] for row in got}
    assert tags[default_event_id("a", "uid-1")] == ["python", "data"]  # as stored, not as it arrived
    assert len(saved) == 5  # a/uid-0, 1, 2, 5, c/new before the save's writes; the tombstones after it
