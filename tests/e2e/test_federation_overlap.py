"""The federation's overlap, merged by the real nightly: python.org's Google calendar, confs.tech JSON,
python-organizers' CSV and a conference's own JSON-LD page all report PyCon Lithuania 2027 (and the
lists share PyCon Kenya and SciPy India). Each conference is one event citing every source that
reported it, and sources.html shows the federation's coverage by region and country.

The fixtures (tests/fixtures/federation/) are written in each source's real format: Google's ICS
export (X-WR-* headers, exclusive all-day DTEND, CRLF, folded lines), the confs.tech record shape,
the python-organizers yearly CSV header, and a schema.org Event in JSON-LD.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.e2e.conftest import REPO, FixtureServer, run_cli, serve_directory, write_config

AS_OF = "2027-01-15T00:00:00Z"


@pytest.fixture
def federation_server() -> Iterator[FixtureServer]:
    with serve_directory(REPO / "tests" / "fixtures" / "federation") as server:
        yield server


def _sources(server: FixtureServer) -> list[dict[str, object]]:
    return [
        {
            "id": "python-org-events",
            "name": "Python Events Calendar (python.org)",
            "type": "ical",
            "url": f"{server.base}/python-org.ics",
            "priority": 100,
            "defaults": {"kind": "conference", "tags": ["python-org"]},
        },
        {
            "id": "confs-tech-python-2027",
            "name": "confs.tech Python 2027",
            "type": "listing",
            "format": "confs-tech",
            "url": f"{server.base}/confs.json",
            "priority": 70,
            "defaults": {"kind": "conference"},
        },
        {
            "id": "python-organizers-2027",
            "name": "python-organizers 2027",
            "type": "listing",
            "format": "python-organizers-csv",
            "url": f"{server.base}/2027.csv",
            "priority": 85,
            "defaults": {"kind": "conference"},
        },
        {
            "id": "pycon-lithuania-2027",
            "name": "PyCon Lithuania 2027 (site)",
            "type": "html",
            "url": f"{server.base}/pycon-lt.html",
            "priority": 60,
            "defaults": {"kind": "conference", "country": "LT", "city": "Vilnius", "timezone": "Europe/Vilnius"},
        },
    ]


def _events(db: Path) -> list[dict[str, object]]:
    with duckdb.connect(str(db), read_only=True) as con:
        cur = con.execute(
            "select e.title, e.country, timezone(coalesce(e.timezone, 'UTC'), e.starts_at)::date as day, "
            "list(s.source_id order by s.source_id) as sources "
            "from events e join event_sources s using (event_id) where e.status <> 'withdrawn' group by all order by day"
        )
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row)) for row in cur.fetchall()]


def test_each_conference_is_one_event_citing_every_source(tmp_path: Path, federation_server: FixtureServer) -> None:
    config = write_config(tmp_path / "federation.yaml", federation_server, _sources(federation_server))
    result = run_cli(
        "nightly", "--config", str(config), "--db", "events.duckdb", "--out", "public", "--as-of", AS_OF, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr[-3000:]

    events = _events(tmp_path / "events.duckdb")
    by_country = {e["country"]: e for e in events if e["country"]}
    assert len(events) == 4, events  # PyCon Lithuania, PyCon Kenya, SciPy India, PyData Global (online)
    assert by_country["LT"]["sources"] == [
        "confs-tech-python-2027",
        "pycon-lithuania-2027",
        "python-org-events",
        "python-organizers-2027",
    ]
    assert str(by_country["LT"]["day"]) == "2027-04-28"
    assert by_country["KE"]["sources"] == ["confs-tech-python-2027", "python-org-events", "python-organizers-2027"]
    assert by_country["IN"]["sources"] == ["python-org-events", "python-organizers-2027"]
    assert [e["sources"] for e in events if not e["country"]] == [["confs-tech-python-2027"]]

    page = (tmp_path / "public" / "sources.html").read_text(encoding="utf-8")
    coverage = page[page.index('id="coverage"') :]
    assert "4 configured sources in 1 country" in coverage
    # Europe holds the one source with a country (PyCon Lithuania's site, 1 report); the two lists and
    # python.org's calendar are worldwide, with 3 reports each.
    rows = re.findall(
        r"<th scope=\"row\">(?:&emsp;)?([^<]+?)\s*(?:<span[^>]*>[^<]*</span>)?</th>"
        r"<td class=\"num\" data-label=\"Sources\">(\d+)</td><td class=\"num\" data-label=\"Events\">(\d+)</td>",
        coverage,
    )
    assert ("Worldwide", "3", "9") in rows, rows
    assert ("Europe", "1", "1") in rows and ("Lithuania", "1", "1") in rows, rows


def test_check_flags_a_per_edition_source_that_stays_empty(tmp_path: Path, federation_server: FixtureServer) -> None:
    """`sources --check --db` reads the runs the database recorded: an edition whose calendar still
    answers but holds nothing in the window is called over after three runs, not before."""
    sources = [
        *_sources(federation_server),
        {
            "id": "pycon-x-2026",
            "name": "PyCon X 2026 (pretalx)",
            "type": "ical",
            "url": f"{federation_server.base}/pycon-x-2026.ics",
            "defaults": {"kind": "conference", "country": "DE", "city": "Berlin", "timezone": "Europe/Berlin"},
        },
    ]
    config = write_config(tmp_path / "federation.yaml", federation_server, sources)
    check = ("sources", "--config", str(config), "--check", "--db", "events.duckdb", "--as-of", "2026-12-07")
    for run in range(1, 4):
        result = run_cli("crawl", "--config", str(config), "--db", "events.duckdb", "--as-of", AS_OF, cwd=tmp_path)
        assert result.returncode == 0, result.stderr[-3000:]
        checked = run_cli(*check, cwd=tmp_path)
        assert checked.returncode == 0, checked.stderr
        warned = [line for line in checked.stderr.splitlines() if ": warning: " in line]
        if run < 3:
            assert warned == [], (run, warned)
    assert len(warned) == 1 and "source 'pycon-x-2026'" in warned[0], warned
    assert "no event inside the window after 3 runs" in warned[0]
