"""The real `pyevents nightly` over HTTP on 127.0.0.1: crawl → normalize → DuckDB → site and feeds."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

import duckdb
import icalendar
import pytest

from tests.e2e.conftest import FixtureServer, Route, run_cli, start_cli, write_config

AS_OF = "2027-01-01T00:00:00Z"
CONTRACT_COLUMNS = {
    "sources": "source_id name type url enabled last_attempt_at last_success_at last_status last_error "
    "consecutive_failures http_etag http_last_modified content_sha256 event_count",
    "crawl_runs": "run_id started_at finished_at status sources_ok sources_failed sources_not_modified "
    "events_new events_updated events_cancelled",
    "events": "event_id series_id title description starts_at ends_at timezone all_day kind status url venue city "
    "country region latitude longitude online tags cfp_url cfp_ends_at first_seen_at last_seen_at updated_at sequence",
    "event_sources": "event_id source_id source_uid source_url first_seen_at last_seen_at",
    "event_changes": "event_id changed_at field old_value new_value",
    "rejects": "source_id seen_at reason detail",
}


def _sources(server: FixtureServer) -> list[dict[str, object]]:
    return [
        {
            "id": "pyberlin",
            "name": "PyBerlin",
            "type": "ical",
            "url": f"{server.base}/pyberlin.ics",
            "defaults": {"kind": "meetup", "country": "DE", "city": "Berlin", "timezone": "Europe/Berlin"},
        },
        {
            "id": "conferences",
            "name": "Conferences",
            "type": "ical",
            "url": f"{server.base}/conferences.ics",
            "priority": 80,
            "defaults": {"kind": "conference"},
        },
        {
            "id": "pyladies-lagos",
            "name": "PyLadies Lagos",
            "type": "feed",
            "url": f"{server.base}/pyladies.rss",
            "defaults": {"kind": "meetup", "country": "NG", "city": "Lagos", "timezone": "Africa/Lagos", "tags": ["pyladies"]},
        },
        {"id": "broken", "name": "Broken group", "type": "ical", "url": f"{server.base}/broken.ics"},
    ]


@pytest.fixture
def federation(tmp_path: Path, fixture_server: FixtureServer) -> Path:
    fixture_server.routes["/broken.ics"] = Route(500, b"internal error")
    return write_config(tmp_path / "fed.yaml", fixture_server, _sources(fixture_server))


def _nightly(tmp_path: Path, config: Path, *extra: str):
    return run_cli(
        "nightly",
        "--config",
        str(config),
        "--db",
        "data/events.duckdb",
        "--out",
        "public",
        "--as-of",
        AS_OF,
        "--json",
        *extra,
        cwd=tmp_path,
    )


def test_nightly_publishes_site_feeds_and_database(tmp_path: Path, federation: Path) -> None:
    result = _nightly(tmp_path, federation)
    assert result.returncode == 1, result.stderr  # published, but one source failed
    report = json.loads(result.stdout)
    by_id = {s["source_id"]: s for s in report["sources"]}
    assert by_id["broken"]["status"] == "failed" and "500" in by_id["broken"]["error"]
    assert {by_id[s]["status"] for s in ("pyberlin", "conferences", "pyladies-lagos")} == {"ok"}

    public = tmp_path / "public"
    for name in ("index.html", "sources.html", "calendar.ics", "events.json"):
        assert (public / name).is_file(), name

    db = tmp_path / "data" / "events.duckdb"
    with duckdb.connect(str(db), read_only=True) as con:
        for table, columns in CONTRACT_COLUMNS.items():
            have = [
                r[0]
                for r in con.execute(
                    f"select column_name from information_schema.columns where table_name = '{table}'"
                ).fetchall()
            ]
            assert have[: len(columns.split())] == columns.split(), table
        rows = con.execute(
            "select title, starts_at, status, all_day, timezone, country from events order by starts_at"
        ).fetchall()
        weekly = [r for r in rows if r[0].startswith("PyBerlin Weekly")]
        # 8 weekly occurrences, one EXDATE, one moved to Wednesday 18:30 Berlin (17:30 UTC)
        assert len(weekly) == 7
        moved = [r for r in weekly if "moved" in r[0]]
        assert [r[1].astimezone(dt.UTC) for r in moved] == [dt.datetime(2027, 1, 27, 17, 30, tzinfo=dt.UTC)]
        assert {r[4] for r in weekly} == {"Europe/Berlin"}
        assert not any(r[1].astimezone(dt.UTC).date() == dt.date(2027, 1, 19) for r in weekly)
        cancelled = [r for r in rows if r[2] == "cancelled"]
        assert [r[0] for r in cancelled] == ["PyBerlin Talks: Typing in Practice"]
        conf = next(r for r in rows if r[0] == "PyCon Example 2027")
        assert conf[3] is True and conf[5] == "PT"
        assert not any(r[0] == "Long past event" for r in rows)
        lagos = [r for r in rows if r[0].startswith("PyLadies Lagos")]
        assert len(lagos) == 2 and {r[5] for r in lagos} == {"NG"}
        assert len(rows) == 12
        sources = dict(con.execute("select source_id, last_status from sources").fetchall())
        assert sources["broken"] == "failed" and sources["pyberlin"] == "ok"
        error = con.execute("select last_error from sources where source_id = 'broken'").fetchone()[0]
        assert "500" in error
        n_sources = con.execute("select count(*) from event_sources").fetchone()[0]
        assert n_sources == 12

    cal = icalendar.Calendar.from_ical((public / "calendar.ics").read_bytes())
    vevents = list(cal.walk("VEVENT"))
    uids = [str(v["UID"]) for v in vevents]
    assert len(vevents) == 12 and len(set(uids)) == 12
    statuses = {str(v["SUMMARY"]): str(v.get("STATUS", "")) for v in vevents}
    assert statuses["PyBerlin Talks: Typing in Practice"] == "CANCELLED"
    conf_ev = next(v for v in vevents if str(v["SUMMARY"]) == "PyCon Example 2027")
    assert conf_ev["DTSTART"].dt == dt.date(2027, 3, 4) and conf_ev["DTEND"].dt == dt.date(2027, 3, 7)

    events_json = json.loads((public / "events.json").read_text())
    assert len(events_json["events"] if isinstance(events_json, dict) else events_json) == 12
    health = (public / "sources.html").read_text()
    assert "broken" in health and "500" in health
    index = (public / "index.html").read_text()
    assert "PyCon Example 2027" in index
    # local time with its zone stated: 19:00 in Berlin, not the UTC 18:00
    assert '<time datetime="2027-01-05T19:00+01:00">' in index and "Berlin time (UTC+1)" in index
    assert (tmp_path / "data" / "export" / "events.parquet").is_file()


def test_unchanged_rerun_changes_nothing(tmp_path: Path, federation: Path) -> None:
    first = _nightly(tmp_path, federation)
    assert first.returncode == 1, first.stderr
    calendar_before = (tmp_path / "public" / "calendar.ics").read_bytes()
    second = _nightly(tmp_path, federation)
    report = json.loads(second.stdout)
    assert (report["events_new"], report["events_updated"], report["events_cancelled"]) == (0, 0, 0)
    assert (tmp_path / "public" / "calendar.ics").read_bytes() == calendar_before
    with duckdb.connect(str(tmp_path / "data" / "events.duckdb"), read_only=True) as con:
        assert con.execute("select max(sequence) from events").fetchone()[0] == 0
        assert con.execute("select count(*) from crawl_runs").fetchone()[0] == 2


def test_bad_config_names_file_line_source_and_field(tmp_path: Path, fixture_server: FixtureServer) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text(
        "federation:\n  name: Test\nsources:\n"
        "  - id: good-group\n    name: Good\n    type: ical\n    url: https://example.org/a.ics\n"
        "  - id: bad-group\n    name: Bad\n    type: ical\n    url: https://example.org/b.ics\n"
        "    defaults:\n      country: Germany\n"
    )
    result = run_cli("nightly", "--config", str(config), "--db", "data/x.duckdb", "--out", "public", cwd=tmp_path)
    assert result.returncode == 2
    assert f"{config}:13:" in result.stderr
    assert "bad-group" in result.stderr and "defaults.country" in result.stderr
    assert not (tmp_path / "data").exists() and not (tmp_path / "public").exists()


def test_unknown_key_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("federation:\n  name: Test\n  colour: blue\nsources: []\n")
    result = run_cli("sources", "--config", str(config), "--check", cwd=tmp_path)
    assert result.returncode == 2
    assert f"{config}:3:" in result.stderr and "federation.colour" in result.stderr


def test_query_answers_during_a_run_and_second_run_is_locked_out(
    tmp_path: Path, federation: Path, fixture_server: FixtureServer
) -> None:
    assert _nightly(tmp_path, federation).returncode == 1
    # The run is held inside its crawl until the test releases pyberlin's reply; its crawl timeout
    # outlasts the hold, so the held source still succeeds.
    held = Route(
        200, (fixture_server.directory / "pyberlin.ics").read_bytes(), content_type="text/calendar", hold=threading.Event()
    )
    fixture_server.routes["/pyberlin.ics"] = held
    patient = write_config(
        tmp_path / "patient.yaml",
        fixture_server,
        _sources(fixture_server),
        crawl={"delay_seconds": 0, "per_host_concurrency": 4, "timeout_seconds": 150, "retries": 0},
    )
    running = start_cli(
        "nightly",
        "--config",
        str(patient),
        "--db",
        "data/events.duckdb",
        "--out",
        "public",
        "--as-of",
        AS_OF,
        "--json",
        cwd=tmp_path,
    )
    try:
        assert held.arrived.wait(60), "the run never asked for /pyberlin.ics"
        assert running.poll() is None
        query = run_cli(
            "query", "--db", "data/events.duckdb", "--format", "json", "select count(*) as n from events", cwd=tmp_path
        )
        assert query.returncode == 0, query.stderr
        assert json.loads(query.stdout) == [{"n": 12}]
        second = run_cli(
            "nightly",
            "--config",
            str(federation),
            "--db",
            "data/events.duckdb",
            "--out",
            "public",
            "--as-of",
            AS_OF,
            cwd=tmp_path,
            timeout=20,
        )
        assert second.returncode == 3
        assert "lock" in second.stderr.lower()
    finally:
        held.hold.set()
        out, err = running.communicate(timeout=120)
    assert running.returncode == 1, err[-3000:]  # published; only the broken source failed
    statuses = {s["source_id"]: s["status"] for s in json.loads(out)["sources"]}
    # the same documents as the first run's: the held one too was read in full, not timed out
    assert statuses == {
        "pyberlin": "not_modified",
        "conferences": "not_modified",
        "pyladies-lagos": "not_modified",
        "broken": "failed",
    }
    after = run_cli("query", "--db", "data/events.duckdb", "select count(*) from upcoming_events", cwd=tmp_path)
    assert after.returncode == 0 and "1 row" in after.stderr


def test_publish_from_an_unusable_database_exits_3_and_keeps_the_site(tmp_path: Path, federation: Path) -> None:
    assert _nightly(tmp_path, federation).returncode == 1
    index_before = (tmp_path / "public" / "index.html").read_bytes()
    broken = tmp_path / "broken.duckdb"
    broken.write_bytes(b"this is not a DuckDB database" * 100)
    result = run_cli("publish", "--config", str(federation), "--db", str(broken), "--out", "public", cwd=tmp_path)
    assert result.returncode == 3
    assert "nothing published" in result.stderr and "Traceback" not in result.stderr
    assert (tmp_path / "public" / "index.html").read_bytes() == index_before
