"""DuckDB's memory limit grows with the store: writes that cannot spill (key indexes, upsert joins) of a
federation ten times the benchmark's failed under the fixed limit (benchmarks/SCALE.md)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pyevents.pipeline.store import Store, database
from tests.store.support import AS_OF, fetched, one_event_per_report, reports, source, staged, window


def _setting(store: Store) -> str:
    return str(store._db.connection().execute("SELECT current_setting('memory_limit')").fetchall()[0][0])


def test_the_limit_follows_the_largest_table_and_never_drops_within_a_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "MEMORY_PER_ROW_BYTES", 4 * 2**20)  # 4 MiB a row: 100 reports need 400 MB
    db = tmp_path / "events.duckdb"
    with Store.open(db) as store:
        assert store.memory_limit == database.MEMORY_LIMIT
        store.start_run("r1", AS_OF)
        store.sync_sources([source("big")])
        store.apply_fetches(window(), {"big": fetched("big")}, {"big": staged("big", reports("big", 100))}, AS_OF)
        assert store.memory_limit == "400MB"
        assert _setting(store) == "381.4 MiB"  # DuckDB shows 400 MB in MiB
        live = store.live_reports(window())
        store.save_events(window(), one_event_per_report(live, store.known_event_ids()), AS_OF)
        assert store.memory_limit == "400MB"  # 100 events: no more than the reports needed
        store.write_exports(tmp_path / "export")
        assert store.memory_limit == "400MB" and _setting(store) == "381.4 MiB"
        store.finish_run("ok", {})
        store.commit(None)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM events").fetchone() == (100,)


def test_the_benchmark_federation_keeps_the_base_limit() -> None:
    """150k reports (the benchmark's full run) fit the base limit: the 1 GB budget there is unchanged."""
    assert -(-150_500 * database.MEMORY_PER_ROW_BYTES // 2**20) <= 250
