"""Config changes never lie to subscribers, end to end through the CLI over HTTP: a source removed from the
config (or disabled) withdraws the events only it reported, without a cancellation; re-adding it brings them
back with their ids; a config that would withdraw most events is refused until the operator accepts it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import icalendar
import pytest

from tests.e2e.conftest import FixtureServer, run_cli, serve_directory, write_config

AS_OF = ("2027-01-01T06:00:00Z", "2027-01-02T06:00:00Z", "2027-01-03T06:00:00Z", "2027-01-04T06:00:00Z")
SOURCES = [f"s{n}" for n in range(1, 10)]  # nine sources; s1 and s2 both report the shared conference
SHARED = "PyCon Atlantis 2027"
CONFERENCE = [
    "BEGIN:VEVENT", "UID:pycon-atlantis-2027@{sid}.example.org", "DTSTAMP:20261101T000000Z",
    "DTSTART;VALUE=DATE:20270312", "DTEND;VALUE=DATE:20270315", f"SUMMARY:{SHARED}",
    "LOCATION:Berlin\\, Germany", "URL:https://pycon-atlantis.example.org/2027/", "END:VEVENT",
]  # fmt: skip


def _calendar(sid: str, index: int) -> str:
    day = f"202702{index + 1:02d}"
    meetup = [
        "BEGIN:VEVENT", f"UID:meetup@{sid}.example.org", "DTSTAMP:20261101T000000Z",
        f"DTSTART;TZID=Europe/Berlin:{day}T190000", f"DTEND;TZID=Europe/Berlin:{day}T210000",
        f"SUMMARY:Meetup of {sid}", "LOCATION:c-base\\, Berlin\\, Germany", "END:VEVENT",
    ]  # fmt: skip
    shared = [line.format(sid=sid) for line in CONFERENCE] if sid in ("s1", "s2") else []
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:-//{sid}//EN", *meetup, *shared, "END:VCALENDAR"]
    return "\r\n".join(lines) + "\r\n"


@pytest.fixture
def calendars(tmp_path: Path) -> Iterator[FixtureServer]:
    served = tmp_path / "served"
    served.mkdir()
    for index, sid in enumerate(SOURCES):
        (served / f"{sid}.ics").write_text(_calendar(sid, index))
    with serve_directory(served) as server:
        yield server


def _source(server: FixtureServer, sid: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": sid,
        "name": f"Source {sid}",
        "type": "ical",
        "url": f"{server.base}/{sid}.ics",
        "defaults": {"kind": "meetup", "country": "DE", "city": "Berlin", "timezone": "Europe/Berlin"},
        **fields,
    }


def _nightly(tmp_path: Path, server: FixtureServer, sources: list[dict[str, Any]], as_of: str, *flags: str) -> Any:
    config = write_config(tmp_path / "fed.yaml", server, sources)
    return run_cli("nightly", "--config", str(config), "--db", "events.duckdb", "--out", "public", "--as-of", as_of,
                   "--json", *flags, cwd=tmp_path)  # fmt: skip


def _ok(result: Any) -> dict[str, Any]:
    assert result.returncode == 0 and result.stdout.startswith("{"), result.stderr[-3000:]
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def _events(tmp_path: Path) -> dict[str, dict[str, Any]]:
    """title -> event_id, status, sequence, provenance (source ids)."""
    with duckdb.connect(str(tmp_path / "events.duckdb"), read_only=True) as con:
        rows = con.execute(
            "SELECT title, e.event_id, status, sequence, "
            "list(es.source_id ORDER BY es.source_id) FILTER (es.source_id IS NOT NULL) "
            "FROM events e LEFT JOIN event_sources es USING (event_id) GROUP BY ALL"
        ).fetchall()
    return {t: {"id": i, "status": s, "sequence": q, "sources": p or []} for t, i, s, q, p in rows}


def _feed(public: Path, name: str = "calendar.ics") -> dict[str, icalendar.Event]:
    cal = icalendar.Calendar.from_ical((public / name).read_bytes())
    return {str(v["SUMMARY"]): v for v in cal.walk("VEVENT")}


def _published_titles(public: Path) -> dict[str, set[str]]:
    """Every feed and listing a subscriber or reader sees, as the titles it carries."""
    feeds = ["calendar.ics", "meetups.ics", "conferences.ics", "regions/europe.ics", "countries/de.ics"]
    titles = {name: set(_feed(public, name)) for name in feeds if (public / name).exists()}
    titles["events.json"] = {e["title"] for e in json.loads((public / "events.json").read_text())["events"]}
    atom = (public / "feed.atom").read_text()
    titles["feed.atom"] = {t for t in _all_titles() if t in atom}
    index = (public / "index.html").read_text()
    titles["index.html"] = {t for t in _all_titles() if t in index}
    titles["events/"] = {t for t in _all_titles() for page in (public / "events").glob("*.html") if t in page.read_text()}
    return titles


def _all_titles() -> list[str]:
    return [f"Meetup of {sid}" for sid in SOURCES] + [SHARED]


def _snapshot(tmp_path: Path) -> tuple[str, str, str]:
    """The database's bytes, the site's current version and its calendar, to prove a refusal touched nothing."""
    db = hashlib.sha256((tmp_path / "events.duckdb").read_bytes()).hexdigest()
    public = tmp_path / "public"
    return db, str(public.resolve()), hashlib.sha256((public / "calendar.ics").read_bytes()).hexdigest()


def test_removing_a_source_withdraws_its_events_for_nights_and_re_adding_restores_them(
    tmp_path: Path, calendars: FixtureServer
) -> None:
    everyone = [_source(calendars, sid) for sid in SOURCES]
    first = _ok(_nightly(tmp_path, calendars, everyone, AS_OF[0]))
    assert first["events_new"] == 10 and first["events_withdrawn"] == 0
    before = _events(tmp_path)
    assert before[SHARED]["sources"] == ["s1", "s2"]  # merged: one event, two sources
    old_sequence = int(_feed(tmp_path / "public")["Meetup of s9"]["SEQUENCE"])

    # s9 is removed from the config, s2 too (it shared the conference with s1), s8 is disabled.
    changed = [_source(calendars, sid) for sid in SOURCES if sid not in ("s2", "s8", "s9")]
    changed.append(_source(calendars, "s8", enabled=False))
    for night in (1, 2):  # two nights: the second must not turn the withdrawals into cancellations
        report = _ok(_nightly(tmp_path, calendars, changed, AS_OF[night]))
        assert report["events_cancelled"] == 0
        assert report["events_withdrawn"] == (3 if night == 1 else 0)  # counted when it happens
        events = _events(tmp_path)
        for title in ("Meetup of s2", "Meetup of s8", "Meetup of s9"):
            assert events[title]["status"] == "withdrawn"
            assert events[title]["id"] == before[title]["id"]
        assert events[SHARED]["status"] == "confirmed" and events[SHARED]["sources"] == ["s1"]  # lost s2's provenance
        assert {t: e["status"] for t, e in events.items() if e["status"] != "withdrawn"} == {
            **{f"Meetup of s{n}": "confirmed" for n in (1, 3, 4, 5, 6, 7)},
            SHARED: "confirmed",
        }
        public = tmp_path / "public"
        for name, titles in _published_titles(public).items():
            assert not titles & {"Meetup of s2", "Meetup of s8", "Meetup of s9"}, name
        assert "Meetup of s1" in _published_titles(public)["calendar.ics"]
        assert "CANCELLED" not in (public / "calendar.ics").read_text()
    with duckdb.connect(str(tmp_path / "events.duckdb"), read_only=True) as con:
        history = con.execute(
            "SELECT e.title, c.old_value, c.new_value FROM event_changes c JOIN events e USING (event_id) "
            "WHERE c.field = 'status' ORDER BY 1"
        ).fetchall()
    assert history == [(f"Meetup of {sid}", "confirmed", "withdrawn") for sid in ("s2", "s8", "s9")]
    # (upcoming_events compares with the real clock: tests/store/test_schema.py checks it leaves withdrawn out)

    # Everything is back: the same ids, confirmed, SEQUENCE above what subscribers last saw.
    back = _ok(_nightly(tmp_path, calendars, everyone, AS_OF[3]))
    assert back["events_cancelled"] == back["events_withdrawn"] == back["events_new"] == 0
    restored = _events(tmp_path)
    assert {t: (e["id"], e["status"]) for t, e in restored.items()} == {t: (e["id"], "confirmed") for t, e in before.items()}
    assert restored[SHARED]["sources"] == ["s1", "s2"]
    vevent = _feed(tmp_path / "public")["Meetup of s9"]
    assert int(vevent["SEQUENCE"]) > old_sequence and vevent.get("STATUS", "CONFIRMED") == "CONFIRMED"


def test_an_empty_config_is_refused_until_accepted(tmp_path: Path, calendars: FixtureServer) -> None:
    _ok(_nightly(tmp_path, calendars, [_source(calendars, sid) for sid in SOURCES], AS_OF[0]))
    before = _snapshot(tmp_path)
    refused = _nightly(tmp_path, calendars, [], AS_OF[1])
    assert refused.returncode == 2
    (line,) = refused.stderr.strip().splitlines()
    assert "no enabled source" in line and "10 of 10 live events" in line and "--accept-withdrawals" in line
    assert "Traceback" not in refused.stderr and calendars.requests.count("/s1.ics") == 1  # nothing crawled
    assert _snapshot(tmp_path) == before

    accepted = _ok(_nightly(tmp_path, calendars, [], AS_OF[1], "--accept-withdrawals"))
    assert (accepted["events_withdrawn"], accepted["events_cancelled"]) == (10, 0)
    assert {e["status"] for e in _events(tmp_path).values()} == {"withdrawn"}
    assert _feed(tmp_path / "public") == {}  # calendar clients delete them: no VEVENT, no cancellation
    assert json.loads((tmp_path / "public" / "events.json").read_text())["events"] == []


def test_a_config_keeping_one_of_nine_sources_is_refused_until_accepted(tmp_path: Path, calendars: FixtureServer) -> None:
    _ok(_nightly(tmp_path, calendars, [_source(calendars, sid) for sid in SOURCES], AS_OF[0]))
    before = _snapshot(tmp_path)
    only_s1 = [_source(calendars, "s1")]
    refused = run_cli("crawl", "--config", str(write_config(tmp_path / "fed.yaml", calendars, only_s1)),
                      "--db", "events.duckdb", "--as-of", AS_OF[1], cwd=tmp_path)  # fmt: skip
    assert refused.returncode == 2 and refused.stdout == ""
    (line,) = refused.stderr.strip().splitlines()
    assert "more than half" in line and "8 of 10 live events" in line and "--accept-withdrawals" in line
    assert _snapshot(tmp_path) == before and calendars.requests.count("/s1.ics") == 1

    accepted = _ok(_nightly(tmp_path, calendars, only_s1, AS_OF[1], "--accept-withdrawals"))
    assert (accepted["events_withdrawn"], accepted["events_cancelled"]) == (8, 0)
    assert set(_feed(tmp_path / "public")) == {"Meetup of s1", SHARED}
