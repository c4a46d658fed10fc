"""Snapshot: what a publish reads, read-only."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from pipeline.model import Window
from pipeline.store.reader import Snapshot
from tests.output.eventdb import PUBLISHED, T0, make_event, sample_federation, write_db

WINDOW = Window.around(T0, 30, 400)


@pytest.fixture()
def db(tmp_path: Path) -> tuple[Path, dict]:
    path = tmp_path / "events.duckdb"
    return path, sample_federation(path)


def test_events_are_the_window_with_cancelled_ones_until_past(db: tuple[Path, dict]) -> None:
    path, fed = db
    with Snapshot(path) as snap:
        events = snap.events(WINDOW)
    ids = [ev["event_id"] for ev in events]
    assert set(ids) == {fed["events"][k]["event_id"] for k in PUBLISHED}
    assert [ev["starts_at"] for ev in events] == sorted(ev["starts_at"] for ev in events)
    first = events[0]
    assert first["starts_at"].utcoffset() == dt.timedelta(0) and isinstance(first["tags"], list)
    assert "content_hash" not in first


def test_an_event_overlapping_the_window_edge_is_published(tmp_path: Path) -> None:
    edge = make_event("Edge", starts_at=WINDOW.start - dt.timedelta(hours=1))  # ends an hour inside
    after = make_event("After", starts_at=WINDOW.end)
    write_db(tmp_path / "db.duckdb", [edge, after])
    with Snapshot(tmp_path / "db.duckdb") as snap:
        assert [ev["title"] for ev in snap.events(WINDOW)] == ["Edge"]


def test_provenance_changes_and_cache_cover_published_events_only(db: tuple[Path, dict]) -> None:
    path, fed = db
    with Snapshot(path) as snap:
        sources = snap.event_sources(WINDOW)
        changes = snap.event_changes(WINDOW)
        vevents = snap.vevents(WINDOW)
    pycon = fed["events"]["pycon_de"]["event_id"]
    assert [(s["source_id"], s["name"]) for s in sources[pycon]] == [("pyberlin", "PyBerlin"), ("python-org", "Python Events Calendar")]
    assert [c["field"] for c in changes[fed["events"]["tokyo"]["event_id"]]] == ["starts_at"]
    assert vevents == {}


def test_health_countries_and_ad_hoc_queries(db: tuple[Path, dict]) -> None:
    path, _ = db
    with Snapshot(path) as snap:
        assert [s["source_id"] for s in snap.sources()] == ["broken-group", "never", "pyberlin", "python-org"]
        assert snap.countries() == ["AR", "DE", "JP", "US"]
        columns, rows = snap.query("select count(*) as n from upcoming_events")
        assert columns == ["n"] and rows[0][0] >= 0


def test_snapshot_cannot_write(db: tuple[Path, dict]) -> None:
    path, _ = db
    with Snapshot(path) as snap, pytest.raises(duckdb.Error):
        snap.query("delete from events")


def test_missing_database_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no database"):
        Snapshot(tmp_path / "nope.duckdb")
