"""The VEVENT cache filled by the orchestrator (in worker processes or in-process), and exports written early."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pyevents.output.ical import serialize_vevent
from pyevents.pipeline.store import Store, writer
from pyevents import run as orchestrator
from tests.store.support import AS_OF, DAY, default_event_id, one_event_per_report, query, report, reports, window

BASE_URL = "https://events.example.org/"


def _store_events(store: Store, now: dt.datetime, *items: object) -> None:
    store.live_reports(window(now))
    store.save_events(one_event_per_report(list(items), {}), now)  # type: ignore[arg-type]


def _expected_vevents(store: Store) -> dict[str, tuple[int, str]]:
    return {row["event_id"]: (row["sequence"], serialize_vevent(row, BASE_URL)) for row in store.events_needing_ical()}


@pytest.mark.parametrize("pool_min", [1, 10_000], ids=["worker-pool", "in-process"])
def test_every_new_or_changed_event_gets_the_vevent_of_its_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pool_min: int
) -> None:
    monkeypatch.setattr(orchestrator, "VEVENT_POOL_MIN", pool_min)
    monkeypatch.setattr(writer, "ICAL_BATCH_ROWS", 3)  # several batches, the last one short
    db = tmp_path / "events.duckdb"
    first = reports("a", 7, description="Talks; pizza, \n and a line break")
    with Store.open(db) as store:
        _store_events(store, AS_OF, *first)
        expected = _expected_vevents(store)
        with orchestrator.VeventSerializer(store, BASE_URL) as vevents:
            vevents.submit_needing()
            assert vevents.save() == 7
        assert store.events_needing_ical() == []
        moved = [report("a", "uid-2", days=40, description="Moved"), *(r for r in first if r.source_uid != "uid-2")]
        _store_events(store, AS_OF + DAY, *moved)
        changed = _expected_vevents(store)
        with orchestrator.VeventSerializer(store, BASE_URL) as vevents:
            vevents.submit_needing()
            assert vevents.save() == 1
        assert list(tmp_path.glob(".events.duckdb.run-*.tmp"))  # the rows and VEVENT files, until the commit
        store.commit(None)
    assert list(tmp_path.glob(".events.duckdb.run-*")) == []
    moved_id = default_event_id("a", "uid-2")
    assert set(changed) == {moved_id} and changed[moved_id][0] == 1
    stored = {event_id: (sequence, text) for event_id, sequence, text in query(db, "SELECT * FROM event_ical")}
    assert stored == {**expected, **changed}
    assert "SEQUENCE:1" in stored[moved_id][1] and "Talks\\; pizza\\, \\n and a line break" in stored[default_event_id("a", "uid-0")][1]


def test_nothing_to_serialize_starts_no_pool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(orchestrator, "VEVENT_POOL_MIN", 0)
    monkeypatch.setattr(orchestrator, "start_worker_pool", lambda: pytest.fail("a pool for no work"))
    with Store.open(tmp_path / "events.duckdb") as store:
        with orchestrator.VeventSerializer(store, BASE_URL) as vevents:
            vevents.submit_needing()
            assert vevents.save() == 0


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
            store.save_events(twice, AS_OF)
        assert store.events_needing_ical_table().num_rows == 0  # nothing was written


def test_rows_handed_out_while_saving_are_the_rows_needing_a_vevent_after_it(tmp_path: Path) -> None:
    """save_events' `ical_rows` (incoming rows before the MERGE, tombstones after) against the plain query
    after the save: new, changed, unchanged with a cached VEVENT, unchanged without one (also with its tags
    arriving in another order), region-only changes, and vanished events."""
    db = tmp_path / "events.duckdb"
    handed: list[pa.Table] = []

    def hand_out(rows: Path) -> None:
        assert rows.parent == tmp_path and rows.name.startswith(".events.duckdb.run-")  # a scratch file of the store
        handed.append(pq.read_table(rows))
    first = [*reports("a", 6, tags=["python", "data"]), report("b", "keep", days=30)]
    with Store.open(db) as store:
        _store_events(store, AS_OF, *first)
        needing = store.events_needing_ical()
        missing = {default_event_id("a", "uid-1"), default_event_id("a", "uid-2"), default_event_id("a", "uid-5")}
        store.save_ical([(r["event_id"], r["sequence"], "VEVENT") for r in needing if r["event_id"] not in missing])
        later = AS_OF + DAY
        second = [
            report("a", "uid-0", days=10, tags=["python", "data"], title="Renamed"),  # changed, cached
            report("a", "uid-1", days=11, tags=["data", "python"]),  # same hash, other tag order, not cached
            report("a", "uid-2", days=12, tags=["python", "data"], title="Moved too"),  # changed, not cached
            report("a", "uid-3", days=13, tags=["python", "data"], region="elsewhere"),  # not material, cached
            report("a", "uid-5", days=15, tags=["python", "data"]),  # unchanged, not cached
            report("c", "new", days=40),  # new
        ]  # a/uid-4 and b/keep vanish: tombstones
        store.live_reports(window(later))
        counts = store.save_events(one_event_per_report(second, store.known_event_ids()), later, ical_rows=hand_out)
        expected = store.events_needing_ical_table(columns=writer.VEVENT_COLUMNS)
    assert list(tmp_path.glob(".events.duckdb.run-*")) == []  # the abort removed the row files
    assert counts.cancelled == 2 and counts.new == 1
    assert [t.column_names for t in handed] == [list(writer.VEVENT_COLUMNS)] * 2
    got = sorted((row for t in handed for row in t.to_pylist()), key=lambda row: row["event_id"])
    assert got == expected.to_pylist()
    tags = {row["event_id"]: row["tags"] for row in got}
    assert tags[default_event_id("a", "uid-1")] == ["python", "data"]  # as stored, not as it arrived
    assert len(got) == 7  # a/uid-0, 1, 2, 5, c/new before the MERGE; the tombstones a/uid-4 and b/keep after it
    assert {row["event_id"] for row in handed[1].to_pylist()} == {default_event_id("a", "uid-4"), default_event_id("b", "keep")}
