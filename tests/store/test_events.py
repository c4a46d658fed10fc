"""Events: stable identity, SEQUENCE and history on change, nothing touched when nothing changed, tombstones."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import replace
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pyevents.pipeline.model import Event
from pyevents.pipeline.store import RunCounts, Store
from tests.store.support import (
    AS_OF,
    DAY,
    default_event_id,
    event_rows,
    fetched,
    labelled_vevents,
    one_event_per_report,
    parse,
    query,
    report,
    reports,
    run,
    source,
    window,
)


def _save(db: Path, events: list[Event], now: dt.datetime) -> RunCounts:
    with Store.open(db) as store:
        counts = store.save_events(window(now), events, now)
        store.commit(None)
    return counts


def _events(*items: object) -> list[Event]:
    return one_event_per_report(list(items), {})  # type: ignore[arg-type]


def test_a_rescheduled_event_keeps_its_id_raises_sequence_and_records_history(tmp_path: Path) -> None:
    db = tmp_path / "events.duckdb"
    first = run(db, [source("a")], [fetched("a")], [parse("a", [report("a", "conf", venue="Hall A")])])
    assert first.counts == RunCounts(new=1, updated=0, cancelled=0)
    moved = report("a", "conf", days=12, venue="Hall B")
    second = run(db, [source("a")], [fetched("a")], [parse("a", [moved])], as_of=AS_OF + DAY)
    assert second.counts == RunCounts(new=0, updated=1, cancelled=0)

    event_id = default_event_id("a", "conf")
    row = event_rows(db)[event_id]
    assert (row["sequence"], row["venue"], row["starts_at"]) == (1, "Hall B", AS_OF + 12 * DAY)
    assert (row["first_seen_at"], row["updated_at"], row["last_seen_at"]) == (AS_OF, AS_OF + DAY, AS_OF + DAY)
    changes = query(db, "SELECT field, old_value, new_value, changed_at FROM event_changes ORDER BY field")
    assert changes == [
        ("ends_at", "2026-03-11T14:00:00Z", "2026-03-13T14:00:00Z", AS_OF + DAY),
        ("starts_at", "2026-03-11T12:00:00Z", "2026-03-13T12:00:00Z", AS_OF + DAY),
        ("venue", "Hall A", "Hall B", AS_OF + DAY),
    ]
    assert query(db, "SELECT event_id, source_id, source_uid, first_seen_at, last_seen_at FROM event_sources") == [
        (event_id, "a", "conf", AS_OF, AS_OF + DAY)
    ]


def test_an_unchanged_rerun_changes_nothing_but_last_seen(tmp_path: Path) -> None:
    db = tmp_path / "events.duckdb"
    items = reports("a", 3, tags=["python", "pydata"], latitude=52.5, longitude=13.4)
    run(db, [source("a")], [fetched("a")], [parse("a", items)])
    before = event_rows(db)
    again = [replace(r, tags=list(reversed(r.tags))) for r in items]  # same set of tags, other order
    result = run(db, [source("a")], [fetched("a")], [parse("a", again)], as_of=AS_OF + DAY)
    after = event_rows(db)
    assert result.counts == RunCounts(0, 0, 0)
    assert set(after) == set(before) and len(after) == 3
    for event_id, row in after.items():
        assert {k: v for k, v in row.items() if k != "last_seen_at"} == {
            k: v for k, v in before[event_id].items() if k != "last_seen_at"
        }
        assert row["last_seen_at"] == AS_OF + DAY
    assert query(db, "SELECT count(*) FROM event_changes") == [(0,)]


def test_the_same_instant_in_another_zone_is_not_a_change(tmp_path: Path) -> None:
    db = tmp_path / "events.duckdb"
    utc = report("a", "x")
    _save(db, _events(utc), AS_OF)
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    local = replace(utc, starts_at=utc.starts_at.astimezone(berlin), ends_at=utc.ends_at.astimezone(berlin))
    assert _save(db, _events(local), AS_OF + DAY) == RunCounts(0, 0, 0)
    assert event_rows(db)[default_event_id("a", "x")]["sequence"] == 0


def test_a_cancellation_counts_once_and_is_history(tmp_path: Path) -> None:
    db = tmp_path / "events.duckdb"
    _save(db, _events(report("a", "x"), report("a", "y")), AS_OF)
    counts = _save(db, _events(report("a", "x", status="cancelled"), report("a", "y", title="New title")), AS_OF + DAY)
    assert counts == RunCounts(new=0, updated=1, cancelled=1)
    assert query(db, "SELECT field, old_value, new_value FROM event_changes ORDER BY field") == [
        ("status", "confirmed", "cancelled"),
        ("title", "Python meetup y", "New title"),
    ]
    same_again = _events(report("a", "x", status="cancelled"), report("a", "y", title="New title"))
    assert _save(db, same_again, AS_OF + 2 * DAY) == RunCounts(0, 0, 0)


def test_events_nobody_reports_any_more_become_tombstones_unless_past(tmp_path: Path) -> None:
    db = tmp_path / "events.duckdb"
    past = report("a", "past", days=1)  # ends before the second save's "now"
    beyond = report("a", "beyond", days=0)
    beyond.starts_at, beyond.ends_at = AS_OF + 500 * DAY, AS_OF + 500 * DAY + dt.timedelta(hours=2)
    _save(db, _events(report("a", "kept"), report("a", "vanished"), past, beyond), AS_OF)
    counts = _save(db, _events(report("a", "kept")), AS_OF + 3 * DAY)
    assert counts == RunCounts(new=0, updated=0, cancelled=1)
    rows = event_rows(db)
    vanished = rows[default_event_id("a", "vanished")]
    assert (vanished["status"], vanished["sequence"], vanished["updated_at"]) == ("cancelled", 1, AS_OF + 3 * DAY)
    assert rows[default_event_id("a", "past")]["status"] == "confirmed"  # history stays as it was
    assert rows[default_event_id("a", "beyond")]["status"] == "confirmed"  # beyond the window: not judged
    assert query(db, "SELECT event_id, field, old_value, new_value FROM event_changes") == [
        (default_event_id("a", "vanished"), "status", "confirmed", "cancelled")
    ]
    # It comes back: confirmed again, SEQUENCE up again, and the tombstone is not counted twice.
    assert _save(db, _events(report("a", "kept"), report("a", "vanished")), AS_OF + 4 * DAY) == RunCounts(0, 1, 0)
    back = event_rows(db)[default_event_id("a", "vanished")]
    assert (back["status"], back["sequence"]) == ("confirmed", 2)


def test_a_report_moving_to_another_event_updates_its_provenance(tmp_path: Path) -> None:
    db = tmp_path / "events.duckdb"
    a, b = report("a", "x"), report("b", "y")
    _save(db, _events(a, b), AS_OF)
    merged = _events(a)[0]
    merged.reports = [a, b]
    _save(db, [merged], AS_OF + DAY)
    assert query(db, "SELECT source_id, event_id, first_seen_at, last_seen_at FROM event_sources ORDER BY 1") == [
        ("a", default_event_id("a", "x"), AS_OF, AS_OF + DAY),
        ("b", default_event_id("a", "x"), AS_OF, AS_OF + DAY),
    ]
    with Store.open(db) as store:
        merged_id = default_event_id("a", "x")
        assert store.known_event_ids() == {("a", "x"): merged_id, ("b", "y"): merged_id}


def test_vevents_are_made_once_per_sequence(tmp_path: Path) -> None:
    db = tmp_path / "events.duckdb"
    handed: list[dict[str, object]] = []

    def recording(rows: Path, group: int, out: Path) -> int:
        handed.extend(pq.ParquetFile(rows).read_row_group(group).to_pylist())
        return labelled_vevents(rows, group, out)

    def refresh(store: Store) -> int:
        with store.refresh_vevents(recording) as vevents:
            vevents.hand_out_stale()
            return vevents.save()

    with Store.open(db) as store:
        store.save_events(window(), _events(report("a", "x"), report("a", "y")), AS_OF)
        assert refresh(store) == 2
        assert sorted(r["event_id"] for r in handed) == sorted(default_event_id("a", uid) for uid in ("x", "y"))
        row = handed[0]
        assert row["tags"] == ["python"] and row["starts_at"].utcoffset() == dt.timedelta(0)
        assert "content_hash" not in row and "region" not in row
        assert refresh(store) == 0
        handed.clear()
        store.save_events(window(), _events(report("a", "x", title="Renamed"), report("a", "y")), AS_OF + DAY)
        assert refresh(store) == 1
        assert [(r["event_id"], r["sequence"]) for r in handed] == [(default_event_id("a", "x"), 1)]
        store.commit(None)
    assert query(db, "SELECT sequence, vevent FROM event_ical WHERE event_id = ?", [default_event_id("a", "x")]) == [
        (1, "VEVENT Renamed")
    ]


def test_duplicate_event_ids_are_refused_and_nothing_is_written(tmp_path: Path) -> None:
    db = tmp_path / "events.duckdb"
    twice = _events(report("a", "x")) * 2
    with Store.open(db) as store:
        with pytest.raises(ValueError, match="duplicate event_id"):
            store.save_events(window(), twice, AS_OF)
        store.commit(None)
    assert query(db, "SELECT count(*) FROM events") == [(0,)]
