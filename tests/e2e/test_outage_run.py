"""A nightly run when no source can be reached: one line says so, the failures are grouped, and the
database and the site stay exactly as they were (no health churn, no lifecycle step, no republish)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from tests.e2e.conftest import run_cli, serve_directory, write_config

ICS = "\r\n".join([
    "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//outage//EN", "BEGIN:VEVENT", "UID:{sid}@example.org",
    "DTSTAMP:20261101T000000Z", "DTSTART;TZID=Europe/Berlin:20270210T190000", "DTEND;TZID=Europe/Berlin:20270210T210000",
    "SUMMARY:Meetup of {sid}", "LOCATION:Berlin\\, Germany", "END:VEVENT", "END:VCALENDAR", "",
])  # fmt: skip
SOURCES = [f"group-{n}" for n in range(12)]


def _state(tmp_path: Path) -> tuple[str, str, str]:
    public = tmp_path / "public"
    db = hashlib.sha256((tmp_path / "events.duckdb").read_bytes()).hexdigest()
    return db, str(public.resolve()), hashlib.sha256((public / "calendar.ics").read_bytes()).hexdigest()


def test_no_reachable_source_changes_nothing_and_says_so_once(tmp_path: Path) -> None:
    served = tmp_path / "served"
    served.mkdir()
    for sid in SOURCES:
        (served / f"{sid}.ics").write_text(ICS.format(sid=sid))
    with serve_directory(served) as server:
        sources = [{"id": sid, "name": sid, "type": "ical", "url": f"{server.base}/{sid}.ics",
                    "defaults": {"country": "DE", "timezone": "Europe/Berlin"}} for sid in SOURCES]  # fmt: skip
        config = write_config(tmp_path / "fed.yaml", server, sources)
        args = ("nightly", "--config", str(config), "--db", "events.duckdb", "--out", "public")
        first = run_cli(*args, "--as-of", "2027-01-01T06:00:00Z", "--json", cwd=tmp_path)
        assert first.returncode == 0 and json.loads(first.stdout)["events_new"] == 12, first.stderr[-2000:]
    before = _state(tmp_path)

    # The server is gone: its port refuses every connection, as when the network is down.
    down = run_cli(*args, "--as-of", "2027-01-02T06:00:00Z", cwd=tmp_path)
    assert down.returncode == 1, down.stderr[-2000:]
    assert down.stderr.count("no source was reachable: is the network down?") == 1
    assert down.stderr.count("robots.txt unreachable") == 1  # twelve sources, one reason, told once
    assert "12: group-0, group-1, group-2 and 9 more" in down.stderr
    assert _state(tmp_path) == before

    as_json = run_cli(*args, "--as-of", "2027-01-02T06:00:00Z", "--json", cwd=tmp_path)
    report = json.loads(as_json.stdout)
    assert (as_json.returncode, report["unreachable"], report["published"]) == (1, True, None)
    assert {s["status"] for s in report["sources"]} == {"failed"} and len(report["sources"]) == 12
    assert _state(tmp_path) == before
