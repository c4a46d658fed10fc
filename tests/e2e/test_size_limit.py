"""A 60 MB calendar is stopped at the default size limit (20 MB) and fails alone; its neighbour is fine."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.conftest import FixtureServer, Route, run_cli, write_config

EVENT = (
    "BEGIN:VEVENT\r\nUID:{n}@huge.example.org\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20270301T180000Z\r\n"
    "DTEND:20270301T200000Z\r\nSUMMARY:Padding event {n} " + "x" * 200 + "\r\nEND:VEVENT\r\n"
)


def test_sixty_megabyte_calendar_is_refused_at_the_default_limit(tmp_path: Path, fixture_server: FixtureServer) -> None:
    events = "".join(EVENT.format(n=n) for n in range(230_000))
    body = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//huge//EN\r\n{events}END:VCALENDAR\r\n".encode()
    assert len(body) > 60_000_000
    fixture_server.routes["/huge.ics"] = Route(200, body, content_type="text/calendar")
    config = write_config(
        tmp_path / "fed.yaml",
        fixture_server,
        [
            {"id": "huge", "name": "Huge", "type": "ical", "url": f"{fixture_server.base}/huge.ics"},
            {"id": "pyberlin", "name": "PyBerlin", "type": "ical", "url": f"{fixture_server.base}/pyberlin.ics"},
        ],
        crawl={"delay_seconds": 0, "per_host_concurrency": 2, "timeout_seconds": 30, "retries": 0},
    )  # default max_bytes
    result = run_cli(
        "crawl", "--config", str(config), "--db", "events.duckdb", "--as-of", "2027-01-01T00:00:00Z", "--json", cwd=tmp_path
    )
    assert result.returncode == 1, result.stderr[-2000:]
    sources = {s["source_id"]: s for s in json.loads(result.stdout)["sources"]}
    assert sources["huge"]["status"] == "failed" and "20000000 bytes" in sources["huge"]["error"]
    assert sources["pyberlin"]["status"] == "ok" and sources["pyberlin"]["events"] == 8
