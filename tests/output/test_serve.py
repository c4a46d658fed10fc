"""serve(): the published site on 127.0.0.1 with the right content types."""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from pyevents.config import Config
from pyevents.output.serve import HOST, make_server
from tests.output.eventdb import T0, make_event, write_db
from tests.sites import publish, serve_in_background


def test_serve_answers_with_calendar_feed_and_page_types(tmp_path: Path) -> None:
    write_db(tmp_path / "db.duckdb", [make_event("Served")])
    publish(tmp_path / "db.duckdb", tmp_path / "public", Config(), T0)
    server, base = serve_in_background(tmp_path / "public")
    try:
        assert server.server_address[0] == HOST == "127.0.0.1"
        expected = {
            "calendar.ics": "text/calendar; charset=utf-8",
            "feed.atom": "application/atom+xml; charset=utf-8",
            "events.json": "application/json; charset=utf-8",
            "index.html": "text/html; charset=utf-8",
            "static/style.css": "text/css; charset=utf-8",
        }
        for path, content_type in expected.items():
            with urllib.request.urlopen(base + path, timeout=10) as response:
                assert response.status == 200
                assert response.headers["Content-Type"] == content_type, path
                assert response.headers["X-Content-Type-Options"] == "nosniff"
                body = response.read()
            assert body == (tmp_path / "public" / path).read_bytes()
    finally:
        server.shutdown()
        server.server_close()


def test_serve_follows_a_new_publish_without_restart(tmp_path: Path) -> None:
    write_db(tmp_path / "db.duckdb", [make_event("First")])
    publish(tmp_path / "db.duckdb", tmp_path / "public", Config(), T0)
    server, base = serve_in_background(tmp_path / "public")
    try:
        (tmp_path / "db.duckdb").unlink()
        write_db(tmp_path / "db.duckdb", [make_event("Second")])
        publish(tmp_path / "db.duckdb", tmp_path / "public", Config(), T0)
        with urllib.request.urlopen(base + "calendar.ics", timeout=10) as response:
            assert b"SUMMARY:Second" in response.read()
    finally:
        server.shutdown()
        server.server_close()


def test_serve_refuses_a_missing_site(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="pyevents publish"):
        make_server(tmp_path / "nothing", 0)


def test_serve_follows_links_into_the_versions_folder_and_no_further(tmp_path: Path) -> None:
    event = make_event("Linked")
    site_root = tmp_path / "site"
    site_root.mkdir()
    write_db(site_root / "db.duckdb", [event])
    summary = publish(site_root / "db.duckdb", site_root / "public", Config(), T0)
    assert (summary.version_dir / "events").is_symlink()  # event files live in a generation beside the version
    secret = tmp_path / "secret.txt"
    secret.write_text("not part of the site")
    os.symlink(secret, summary.version_dir / "leak.txt")
    os.symlink(tmp_path, summary.version_dir / "up")
    server, base = serve_in_background(site_root / "public")
    try:
        page = f"events/{event['event_id']}.html"
        with urllib.request.urlopen(base + page, timeout=10) as response:
            assert response.read() == (site_root / "public" / page).read_bytes()
        for outside in ("leak.txt", "up/secret.txt", "up/"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(base + outside, timeout=10)
            assert refused.value.code == 404, outside
    finally:
        server.shutdown()
        server.server_close()
