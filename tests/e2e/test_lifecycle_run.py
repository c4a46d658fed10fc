"""An event's life across nightly runs, end to end over HTTP: rescheduled, dropped by its source,
cancelled after two successful fetches without it, kept while its source fails, gone once past."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import duckdb
import icalendar

from tests.e2e.conftest import Route, run_cli, serve_directory, write_config

FIRST_VERSION = int(dt.datetime(2026, 11, 1, tzinfo=dt.UTC).timestamp())  # the file's Last-Modified
HEADER = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//lifecycle//EN"]
TALKS = [
    "BEGIN:VEVENT",
    "UID:talks@pyberlin.example.org",
    "DTSTAMP:20261101T000000Z",
    "DTSTART;TZID=Europe/Berlin:{day}T190000",
    "DTEND;TZID=Europe/Berlin:{day}T210000",
    "SUMMARY:PyBerlin Talks",
    "LOCATION:c-base\\, Berlin\\, Germany",
    "END:VEVENT",
]
SPRINT = [
    "BEGIN:VEVENT",
    "UID:sprint@pyberlin.example.org",
    "DTSTAMP:20261101T000000Z",
    "DTSTART;TZID=Europe/Berlin:20270220T100000",
    "DTEND;TZID=Europe/Berlin:20270220T170000",
    "SUMMARY:PyBerlin Sprint",
    "LOCATION:c-base\\, Berlin\\, Germany",
    "END:VEVENT",
]


def _publish_calendar(directory: Path, talks_day: str, with_sprint: bool, stamp: int) -> None:
    lines = HEADER + [line.format(day=talks_day) for line in TALKS] + (SPRINT if with_sprint else []) + ["END:VCALENDAR"]
    path = directory / "pyberlin.ics"
    path.write_text("\r\n".join(lines) + "\r\n")
    os.utime(path, (stamp, stamp))  # a new Last-Modified each version, whatever the clock's resolution


def _vevents(public: Path) -> dict[str, icalendar.Event]:
    cal = icalendar.Calendar.from_ical((public / "calendar.ics").read_bytes())
    return {str(v["SUMMARY"]): v for v in cal.walk("VEVENT")}


def _events(db: Path) -> dict[str, tuple[object, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("select title, event_id, status, sequence, starts_at from events").fetchall()
    return {r[0]: r[1:] for r in rows}


def test_reschedule_disappearance_failure_and_past(tmp_path: Path) -> None:
    served = tmp_path / "served"
    served.mkdir()
    _publish_calendar(served, "20270210", with_sprint=True, stamp=FIRST_VERSION)
    with serve_directory(served) as server:
        config = write_config(
            tmp_path / "fed.yaml",
            server,
            [
                {
                    "id": "pyberlin",
                    "name": "PyBerlin",
                    "type": "ical",
                    "url": f"{server.base}/pyberlin.ics",
                    "defaults": {"kind": "meetup", "country": "DE", "timezone": "Europe/Berlin"},
                },
            ],
        )

        def nightly(as_of: str) -> tuple[int, dict[str, object]]:
            result = run_cli(
                "nightly",
                "--config",
                str(config),
                "--db",
                "events.duckdb",
                "--out",
                "public",
                "--as-of",
                as_of,
                "--json",
                cwd=tmp_path,
            )
            assert result.returncode in (0, 1) and result.stdout.startswith("{"), result.stderr[-3000:]
            return result.returncode, json.loads(result.stdout)

        code, report = nightly("2027-01-01T00:00:00Z")
        assert code == 0 and report["events_new"] == 2
        first = _events(tmp_path / "events.duckdb")
        assert {t: row[1:3] for t, row in first.items()} == {
            "PyBerlin Talks": ("confirmed", 0),
            "PyBerlin Sprint": ("confirmed", 0),
        }

        # 1. the talks move a day; the sprint vanishes from the source
        _publish_calendar(served, "20270211", with_sprint=False, stamp=FIRST_VERSION + 100)
        code, report = nightly("2027-01-02T00:00:00Z")
        assert code == 0 and report["events_updated"] == 1 and report["events_cancelled"] == 0
        second = _events(tmp_path / "events.duckdb")
        assert second["PyBerlin Talks"][0] == first["PyBerlin Talks"][0]  # same identity after the reschedule
        assert second["PyBerlin Talks"][1:3] == ("confirmed", 1)
        assert second["PyBerlin Sprint"][1:3] == ("confirmed", 0)  # missing once is not enough
        vevents = _vevents(tmp_path / "public")
        assert vevents["PyBerlin Talks"]["SEQUENCE"] == 1
        assert vevents["PyBerlin Talks"]["DTSTART"].dt.day == 11
        with duckdb.connect(str(tmp_path / "events.duckdb"), read_only=True) as con:
            moves = con.execute("select field from event_changes where event_id = ?", [first["PyBerlin Talks"][0]]).fetchall()
        assert ("starts_at",) in moves

        # 2. a second successful fetch without the sprint (the body is unchanged: a 304) cancels it
        code, report = nightly("2027-01-03T00:00:00Z")
        assert code == 0 and report["events_cancelled"] == 1
        third = _events(tmp_path / "events.duckdb")
        assert third["PyBerlin Sprint"][0] == first["PyBerlin Sprint"][0]
        assert third["PyBerlin Sprint"][1:3] == ("cancelled", 1)
        sprint = _vevents(tmp_path / "public")["PyBerlin Sprint"]
        assert str(sprint["STATUS"]) == "CANCELLED" and sprint["SEQUENCE"] == 1

        # 3. the source fails: its events stay as they were, and the failure is reported with its reason
        server.routes["/pyberlin.ics"] = Route(503, b"maintenance")
        code, report = nightly("2027-01-04T00:00:00Z")
        assert code == 1
        assert _events(tmp_path / "events.duckdb") == third
        assert set(_vevents(tmp_path / "public")) == {"PyBerlin Talks", "PyBerlin Sprint"}
        assert "503" in (tmp_path / "public" / "sources.html").read_text()
        assert report["sources_stale"] == 0  # failing for one day is not stale yet
        # still failing five days after its last success: stale, its events kept and counted as stale
        code, report = nightly("2027-01-08T00:00:00Z")
        # its last document carried one event (the sprint is already a cancelled tombstone)
        assert code == 1 and (report["sources_stale"], report["events_stale"]) == (1, 1)
        assert _events(tmp_path / "events.duckdb") == third
        assert "Stale for 5 days" in (tmp_path / "public" / "sources.html").read_text()
        del server.routes["/pyberlin.ics"]

        # 4. once past, the cancelled sprint leaves the feeds; the confirmed talks stay for the past window
        code, report = nightly("2027-03-01T00:00:00Z")
        assert code == 0
        assert set(_vevents(tmp_path / "public")) == {"PyBerlin Talks"}
