"""The VEVENT cache filled by the orchestrator (in worker processes or in-process), and exports written early."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from output.ical import serialize_vevent
from pipeline.store import Store
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
    monkeypatch.setattr(orchestrator, "VEVENT_BATCH", 3)  # several batches, the last one short
    db = tmp_path / "events.duckdb"
    first = reports("a", 7, description="Talks; pizza, \n and a line break")
    with Store.open(db) as store:
        _store_events(store, AS_OF, *first)
        expected = _expected_vevents(store)
        with orchestrator.VeventSerializer(store, BASE_URL) as vevents:
            assert vevents.save() == 7
        assert store.events_needing_ical() == []
        moved = [report("a", "uid-2", days=40, description="Moved"), *(r for r in first if r.source_uid != "uid-2")]
        _store_events(store, AS_OF + DAY, *moved)
        changed = _expected_vevents(store)
        with orchestrator.VeventSerializer(store, BASE_URL) as vevents:
            assert vevents.save() == 1
        store.commit(None)
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
