"""Federation of federations: a site pyevents published is itself a valid pyevents source.

The first run publishes the e2e fixture federation; the second crawls that site's calendar.ics and
some of its event pages (schema.org JSON-LD) over HTTP and must find the same events.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from tests.e2e.conftest import FixtureServer, run_cli, serve_directory, write_config
from tests.e2e.test_nightly import AS_OF, _sources


def _rows(db: Path) -> list[tuple[object, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "select title, starts_at, ends_at, all_day, status, country from events order by starts_at, title"
        ).fetchall()


def test_published_site_reads_back_as_the_same_events(tmp_path: Path, fixture_server: FixtureServer) -> None:
    first = write_config(tmp_path / "first.yaml", fixture_server, _sources(fixture_server)[:3])
    result = run_cli("nightly", "--config", str(first), "--db", "first.duckdb", "--out", "site", "--as-of", AS_OF, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    original = _rows(tmp_path / "first.duckdb")
    assert len(original) == 12

    pages = sorted((tmp_path / "site" / "events").glob("*.html"))
    series = sorted((tmp_path / "site" / "series").glob("*.html"))  # upcoming dates of a series are read there
    assert len(pages) == 5 and len(series) == 1
    with serve_directory((tmp_path / "site").resolve()) as site:
        sources = [
            {"id": "mirror-calendar", "name": "Mirror", "type": "ical", "url": f"{site.base}/calendar.ics", "priority": 60}
        ]
        sources += [
            {"id": f"mirror-page-{i}", "name": f"Mirror page {i}", "type": "html", "url": f"{site.base}/events/{page.name}"}
            for i, page in enumerate(pages[:4])
        ]
        second = write_config(tmp_path / "second.yaml", site, sources)
        result = run_cli("crawl", "--config", str(second), "--db", "second.duckdb", "--as-of", AS_OF, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    mirrored = _rows(tmp_path / "second.duckdb")
    # the same events, instants, all-day flags, statuses and countries; the event pages merge into them
    assert mirrored == original
    with duckdb.connect(str(tmp_path / "second.duckdb"), read_only=True) as con:
        multi = con.execute(
            "select count(*) from (select event_id from event_sources group by 1 having count(*) = 2)"
        ).fetchone()[0]
    assert multi == 4
