"""One event per real event, end to end: a conference from three source types, a meetup from two
calendars, and near misses that must stay apart — crawled over HTTP by the real `pyevents crawl`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.e2e.conftest import REPO, FixtureServer, run_cli, serve_directory, write_config

AS_OF = "2027-01-15T00:00:00Z"


@pytest.fixture
def dedupe_server() -> Iterator[FixtureServer]:
    with serve_directory(REPO / "tests" / "fixtures" / "dedupe") as server:
        yield server


def _sources(server: FixtureServer) -> list[dict[str, object]]:
    return [
        {
            "id": "python-org",
            "name": "Python Events Calendar",
            "type": "ical",
            "url": f"{server.base}/python-org.ics",
            "priority": 80,
            "defaults": {"kind": "conference"},
        },
        {
            "id": "confs-tech",
            "name": "confs.tech Python",
            "type": "listing",
            "format": "confs-tech",
            "url": f"{server.base}/confs.json",
            "priority": 50,
            "defaults": {"kind": "conference"},
        },
        {
            "id": "pycon-pt",
            "name": "PyCon Portugal site",
            "type": "html",
            "url": f"{server.base}/pycon-pt.html",
            "priority": 90,
            "defaults": {"kind": "conference", "country": "PT", "timezone": "Europe/Lisbon"},
        },
        {
            "id": "meetup-berlin",
            "name": "Meetup: Berlin groups",
            "type": "ical",
            "url": f"{server.base}/meetup.ics",
            "priority": 40,
            "defaults": {"kind": "meetup", "country": "DE", "city": "Berlin", "timezone": "Europe/Berlin"},
        },
        {
            "id": "berlin-usergroups",
            "name": "Berlin user groups",
            "type": "ical",
            "url": f"{server.base}/usergroup.ics",
            "priority": 60,
            "defaults": {"kind": "meetup", "country": "DE", "city": "Berlin", "timezone": "Europe/Berlin"},
        },
    ]


def _crawl(tmp: Path, server: FixtureServer, sources: list[dict[str, object]], db: str) -> dict[str, object]:
    config = write_config(tmp / f"{db}.yaml", server, sources)
    result = run_cli("crawl", "--config", str(config), "--db", db, "--as-of", AS_OF, "--json", cwd=tmp)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def _events(tmp: Path, db: str) -> dict[str, dict[str, object]]:
    with duckdb.connect(str(tmp / db), read_only=True) as con:
        cur = con.execute(
            "select e.event_id, e.title, e.country, e.city, e.venue, e.all_day, e.cfp_url, e.kind, e.timezone, "
            "list(s.source_id order by s.source_id) as sources "
            "from events e join event_sources s using (event_id) group by all"
        )
        cols = [d[0] for d in cur.description]
        return {row[1]: dict(zip(cols, row)) for row in cur.fetchall()}


def test_one_row_per_real_event_with_provenance(tmp_path: Path, dedupe_server: FixtureServer) -> None:
    _crawl(tmp_path, dedupe_server, _sources(dedupe_server), "a.duckdb")
    events = _events(tmp_path, "a.duckdb")
    assert sorted(events) == [
        "PyCon AT",
        "PyCon AU",
        "PyCon Portugal 2027",
        "PyLadies Berlin Monthly Meetup",
        "Python Users Berlin",
    ]
    conf = events["PyCon Portugal 2027"]
    assert conf["sources"] == ["confs-tech", "pycon-pt", "python-org"]
    # fields from the highest-priority source that has them: the conference's own page (90) for the
    # venue and times, the listing (50) for the CFP, which nobody else states
    assert conf["venue"] == "Centro de Congressos de Lisboa"
    assert conf["cfp_url"] == "https://2027.pycon.pt/cfp"
    assert conf["country"] == "PT" and conf["kind"] == "conference"
    meetup = events["Python Users Berlin"]
    assert meetup["sources"] == ["berlin-usergroups", "meetup-berlin"]
    assert meetup["timezone"] == "Europe/Berlin" and meetup["country"] == "DE"
    pyladies = events["PyLadies Berlin Monthly Meetup"]
    assert pyladies["sources"] == ["meetup-berlin"]
    assert (pyladies["venue"], pyladies["city"]) == ("Factory Berlin", "Berlin")
    assert (events["PyCon AT"]["country"], events["PyCon AU"]["country"]) == ("AT", "AU")


def test_event_ids_do_not_depend_on_source_order(tmp_path: Path, dedupe_server: FixtureServer) -> None:
    _crawl(tmp_path, dedupe_server, _sources(dedupe_server), "forward.duckdb")
    _crawl(tmp_path, dedupe_server, list(reversed(_sources(dedupe_server))), "reversed.duckdb")
    forward = {t: e["event_id"] for t, e in _events(tmp_path, "forward.duckdb").items()}
    backward = {t: e["event_id"] for t, e in _events(tmp_path, "reversed.duckdb").items()}
    assert forward == backward and len(set(forward.values())) == 5
