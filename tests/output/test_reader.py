"""Snapshot: what a publish reads, read-only."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pyevents.pipeline.model import Window
from pyevents.pipeline.store.adhoc import run_query
from pyevents.pipeline.store.reader import Snapshot
from tests.output.eventdb import BERLIN_SERIES, PUBLISHED, T0, make_event, published_events, sample_federation, write_db

WINDOW = Window.around(T0, 30, 400)


@pytest.fixture()
def db(tmp_path: Path) -> tuple[Path, dict]:
    path = tmp_path / "events.duckdb"
    return path, sample_federation(path)


def test_events_are_the_window_with_cancelled_ones_until_past(db: tuple[Path, dict]) -> None:
    path, fed = db
    with Snapshot(path) as snap:
        events = published_events(snap, WINDOW)
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
        assert [ev["title"] for ev in published_events(snap, WINDOW)] == ["Edge"]


def test_each_event_carries_its_provenance_history_cache_and_fingerprint(db: tuple[Path, dict]) -> None:
    path, fed = db
    with Snapshot(path) as snap:
        events = {ev["event_id"]: ev for ev in published_events(snap, WINDOW, salt="a")}
        salted = {ev["event_id"]: ev["fingerprint"] for ev in published_events(snap, WINDOW, salt="b")}
    pycon = events[fed["events"]["pycon_de"]["event_id"]]
    assert [(s["source_id"], s["name"]) for s in pycon["sources"]] == [
        ("pyberlin", "PyBerlin"),
        ("python-org", "Python Events Calendar"),
    ]
    assert [c["field"] for c in events[fed["events"]["tokyo"]["event_id"]]["changes"]] == ["starts_at"]
    assert all(ev["vevent"] is None for ev in events.values())
    assert "last_seen_at" not in pycon and len({ev["fingerprint"] for ev in events.values()}) == len(events)
    assert all(salted[eid] != ev["fingerprint"] for eid, ev in events.items())


def test_fingerprints_and_digest_follow_content_not_sightings(tmp_path: Path) -> None:
    def read(event: dict) -> tuple[str, str]:
        path = tmp_path / f"{len(list(tmp_path.iterdir()))}.duckdb"
        write_db(path, [event])
        with Snapshot(path) as snap:
            return published_events(snap, WINDOW)[0]["fingerprint"], snap.inputs_digest(WINDOW, "")

    event = make_event("Once")
    first = read(event)
    assert read({**event, "last_seen_at": T0 + dt.timedelta(days=1)}) == first
    moved = read({**event, "venue": "Elsewhere"})
    assert moved[0] != first[0] and moved[1] != first[1]


def test_digest_follows_which_events_are_upcoming(tmp_path: Path) -> None:
    soon = make_event("Soon", starts_at=T0 + dt.timedelta(hours=1))
    write_db(tmp_path / "db.duckdb", [soon])
    with Snapshot(tmp_path / "db.duckdb") as snap:
        before = snap.inputs_digest(WINDOW, "")
        after = snap.inputs_digest(Window.around(T0 + dt.timedelta(hours=4), 30, 400), "")  # it has ended by then
    assert before != after


def test_listing_queries(db: tuple[Path, dict]) -> None:
    path, fed = db
    with Snapshot(path) as snap:
        overview = snap.overview(WINDOW)
        agenda = snap.agenda_entries(WINDOW, limit=1, sample=16)
        entries = snap.agenda_entries(WINDOW, limit=100, sample=3)
        series = snap.series_occurrences(WINDOW).to_pylist()
        announced = snap.announced(WINDOW, 100, WINDOW.as_of)
        cfps = snap.open_cfps(WINDOW)
        zones = snap.zones_in_use(WINDOW, ["kind", "region", "country"])
        online_zones = snap.zones_in_use(WINDOW, ["online"])
    ev = fed["events"]
    assert overview.events == len(PUBLISHED) and overview.upcoming == len(PUBLISHED) - 1  # one is past
    assert (overview.first_year, overview.last_year) == (2024, 2026)
    # the first upcoming conference and other entry overall, and of every region and country
    assert {r["title"] for r in agenda} == {
        "PyCon DE",
        "Django Girls Leipzig",
        "Python Online Sprint",
        "NYC Python",
        "PyData Tokyo",
        "PyCon AR",
    }
    assert [r["starts_z"] for r in agenda] == sorted(r["starts_z"] for r in agenda)
    # the weekly Berlin meetup is one entry: its next date, how many are coming, the first of them
    berlin = [r for r in entries if r["series_id"] == BERLIN_SERIES]
    assert len(berlin) == 1 and len(entries) == len(PUBLISHED) - 1 - 3
    assert berlin[0]["event_id"] == ev["berlin_0"]["event_id"] and berlin[0]["series_dates"] == 4
    assert berlin[0]["series_starts"] == ["2025-03-05T18:00:00Z", "2025-03-12T18:00:00Z", "2025-03-19T18:00:00Z"]
    assert all(r["series_id"] is None for r in entries if r is not berlin[0])
    # counts of entries, not occurrences: PyCon DE, Leipzig and the Berlin series in Germany
    assert overview.upcoming_by_country == {"DE": 3, "JP": 1, "US": 1, "AR": 1}
    assert overview.upcoming_by_region == {"europe": 3, "asia": 1, "north-america": 1, "south-america": 1, "online": 1}
    assert (overview.entries, overview.conferences) == (7, 2) and overview.conferences_by_country == {"DE": 1, "AR": 1}
    assert [r["event_id"] for r in series] == [ev[f"berlin_{i}"]["event_id"] for i in range(4)]
    assert {r["series_id"] for r in series} == {BERLIN_SERIES} and all(r["moved_from"] is None for r in series)
    assert ev["cancelled_upcoming"]["event_id"] not in {r["event_id"] for r in announced} and len(announced) == 9
    assert [r["event_id"] for r in cfps] == [ev["pycon_de"]["event_id"]]
    assert {"kind": "meetup", "region": "asia", "country": "JP", "timezone": "Asia/Tokyo"} in zones
    assert all(z["timezone"] != "America/Argentina/Buenos_Aires" for z in zones)
    assert all(set(z) == {"online", "timezone"} for z in online_zones)  # the columns a feed selects on, whatever they are


def test_health_countries_and_ad_hoc_queries(db: tuple[Path, dict]) -> None:
    path, _ = db
    with Snapshot(path) as snap:
        assert [s["source_id"] for s in snap.sources()] == ["broken-group", "never", "pyberlin", "python-org"]
        assert snap.countries() == ["AR", "DE", "JP", "US"]
    result = run_query(path, "select count(*) as n from upcoming_events")
    assert result.columns == ["n"] and result.types == ["BIGINT"] and result.rows[0][0] >= 0


def test_missing_database_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no database"):
        Snapshot(tmp_path / "nope.duckdb")


def test_event_batches_read_in_pieces_give_every_event_once_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pyevents.pipeline.store import reader

    starts = [T0 + dt.timedelta(days=d) for d in (3, 1, 1, 1, 2, 5, 1, 4, 2)]  # ties on a piece's edge
    events = [make_event(f"Piece {i}", starts_at=s) for i, s in enumerate(starts)]
    write_db(tmp_path / "db.duckdb", events)
    with Snapshot(tmp_path / "db.duckdb") as snap:
        whole = [(ev["event_id"], ev["fingerprint"]) for ev in published_events(snap, WINDOW)]
        monkeypatch.setattr(reader, "PIECE_ROWS", 2)
        batches = list(snap.event_batches(WINDOW, "", 2))
    assert [b.num_rows for b in batches] == [2, 2, 2, 2, 1]
    assert [(ev["event_id"], ev["fingerprint"]) for b in batches for ev in b.to_pylist()] == whole
    expected = sorted((ev["starts_at"], ev["event_id"]) for ev in events)
    assert [eid for eid, _ in whole] == [eid for _, eid in expected]
