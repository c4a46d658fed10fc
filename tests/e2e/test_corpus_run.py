"""The real pipeline survives every real-world calendar in ../shared/corpus/ics and records a status for it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.e2e.conftest import run_cli, serve_directory, write_config
from tests.shared_corpus import CORPUS, corpus_files, file_params, require

ICS = corpus_files("ics", "*.ics")


def _source_id(path: Path) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One `pyevents crawl` over every corpus calendar, with a window wide enough for their many years."""
    if not ICS:
        require(CORPUS / "ics" / "*.ics")  # skipped, or failed in CI
    tmp = tmp_path_factory.mktemp("corpus")
    with serve_directory(CORPUS / "ics") as server:
        sources = [{"id": _source_id(p), "name": p.stem, "type": "ical", "url": f"{server.base}/{p.name}"} for p in ICS]
        config = write_config(tmp / "corpus.yaml", server, sources, window={"past_days": 3650, "future_days": 3650})
        result = run_cli(
            "crawl",
            "--config",
            str(config),
            "--db",
            "events.duckdb",
            "--as-of",
            "2012-06-01T00:00:00Z",
            "--json",
            cwd=tmp,
            timeout=600,
        )
    assert result.returncode in (0, 1), result.stderr[-3000:]
    with duckdb.connect(str(tmp / "events.duckdb"), read_only=True) as con:
        rows = con.execute("select source_id, last_status, last_error, last_attempt_at, event_count from sources").fetchall()
    yield {"report": json.loads(result.stdout), "sources": {r[0]: r for r in rows}}


@pytest.mark.parametrize("path", file_params("ics", "*.ics"))
def test_run_survives_and_records_a_status(corpus_run: dict[str, Any], path: Path) -> None:
    row = corpus_run["sources"][_source_id(path)]
    assert row[3] is not None, "last_attempt_at not recorded"
    assert row[1] in ("ok", "failed", "quarantined"), row
    if row[1] == "failed":
        assert row[2], "a failed source must say why"
    reported = {s["source_id"]: s for s in corpus_run["report"]["sources"]}
    assert reported[_source_id(path)]["status"] == row[1]
