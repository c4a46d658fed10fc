"""The offline demo, as its README runs it: every event in its own place's zone, as readers see it."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import icalendar
import lxml.html

from tests.e2e.conftest import REPO, run_cli

AS_OF = "2026-12-07T00:00:00Z"  # the day the demo's dates were written for


def test_the_demo_shows_each_event_in_its_own_zone(tmp_path: Path) -> None:
    result = run_cli(
        "nightly",
        "--config",
        str(REPO / "config" / "demo.yaml"),
        "--db",
        str(tmp_path / "demo.duckdb"),
        "--out",
        str(tmp_path / "public"),
        "--as-of",
        AS_OF,
        "--quiet",
        cwd=tmp_path,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    with duckdb.connect(str(tmp_path / "demo.duckdb"), read_only=True) as con:
        zones = dict(
            con.execute(
                """SELECT title, timezone FROM events WHERE title SIMILAR TO
               '.*(Django Girls Lima|PyData Cape Town|PyLadies Bogotá|Bengaluru|Cairo|PyCon Nordic Winter).*'"""
            ).fetchall()
        )
        amstel = {z for (z,) in con.execute("SELECT DISTINCT timezone FROM events WHERE title LIKE 'PyData Amstel%'").fetchall()}
        lima_id = con.execute("SELECT event_id FROM events WHERE title LIKE 'Django Girls Lima%'").fetchone()[0]
    by_fragment = {
        fragment: zone
        for title, zone in zones.items()
        for fragment in ("Lima", "Cape Town", "Bogotá", "Bengaluru", "Cairo", "Nordic")
        if fragment in title
    }
    assert by_fragment == {
        "Lima": "America/Lima",
        "Cape Town": "Africa/Johannesburg",
        "Bogotá": "America/Bogota",
        "Bengaluru": "Asia/Kolkata",
        "Cairo": "Africa/Cairo",
        "Nordic": "Europe/Oslo",
    }
    assert amstel == {"Europe/Amsterdam"}  # the Outlook export's "W. Europe Standard Time" is Amsterdam's zone here

    page = lxml.html.parse(str(tmp_path / "public" / "events" / f"{lima_id}.html")).getroot()
    assert "Sat 12 Dec 2026, 09:00–17:30 Lima time (UTC−5)" in " ".join(page.text_content().split())
    labels = {
        e["title"].split(":")[0]: e["zone_label"] for e in json.loads((tmp_path / "public" / "events.json").read_text())["events"]
    }
    # the event's own city when it keeps the zone, else the zone's city as GeoNames writes it (accents kept)
    assert labels["PyData Cape Town"] == "Cape Town time (UTC+2)" and labels["PyLadies Bogotá"] == "Bogotá time (UTC−5)"
    assert labels["Django Girls Lima"] == "Lima time (UTC−5)"
    calendar = icalendar.Calendar.from_ical((tmp_path / "public" / "calendar.ics").read_bytes())
    lima = next(e for e in calendar.walk("VEVENT") if str(e["SUMMARY"]).startswith("Django Girls Lima"))
    assert lima["DTSTART"].params["TZID"] == "America/Lima" and lima["DTSTART"].dt.hour == 9
    declared = {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")}
    used = {str(e["DTSTART"].params["TZID"]) for e in calendar.walk("VEVENT") if "TZID" in e["DTSTART"].params}
    assert "Europe/Amsterdam" in used and "Europe/Berlin" not in used and used <= declared
