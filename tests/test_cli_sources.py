"""`pyevents sources`: one line per source by region and country at 80 columns, --wide, --json, offline validation."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from click.testing import CliRunner

from pyevents.cli import main
from pyevents.config import load_config
from tests.output.eventdb import write_db

REPO = Path(__file__).resolve().parents[1]


def test_the_real_federation_takes_one_line_per_source_at_80_columns(tmp_path: Path) -> None:
    config = load_config(REPO / "config" / "events.yaml")
    args = ["sources", "--config", str(REPO / "config" / "events.yaml"), "--db", str(tmp_path / "none.duckdb")]
    result = CliRunner(env={"COLUMNS": "80"}).invoke(main, args)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert all(len(line) <= 80 for line in lines)
    rows = [line for line in lines if line.startswith("  ") and not line.startswith("  id ")]
    assert len(rows) == len(config.sources)
    regions = [line for line in lines if line and not line.startswith(" ") and " sources" in line]
    assert len(lines) <= len(config.sources) + 3 * len(regions) + 6  # headings, blank lines, title, summary
    by_id = {line.split()[0].rstrip("…"): line.split() for line in rows}
    berlin = next(s for s in config.sources if s.defaults.country == "DE")
    assert by_id[berlin.id][1:] == [berlin.type, "DE", "not", "run", "never"]
    assert "by region:" in result.output and "by type:" in result.output


def test_health_comes_from_the_database_and_wide_and_json_show_everything(tmp_path: Path) -> None:
    db = tmp_path / "events.duckdb"
    when = dt.datetime(2027, 1, 10, 6, tzinfo=dt.UTC)
    write_db(
        db,
        [],
        sources=[
            {
                "source_id": "demo-pyladies-nairobi",
                "name": "x",
                "type": "ical",
                "url": "file:x",
                "enabled": True,
                "last_status": "ok",
                "last_success_at": when,
                "last_error": None,
                "event_count": 58,
            },
            {
                "source_id": "demo-pycon-baltics",
                "name": "x",
                "type": "html",
                "url": "file:x",
                "enabled": True,
                "last_status": "failed",
                "last_success_at": None,
                "last_error": "HTTP 503 from the server",
                "event_count": 0,
            },
        ],
    )
    base = ["sources", "--config", str(REPO / "config" / "demo.yaml"), "--db", str(db)]
    short = CliRunner(env={"COLUMNS": "80"}).invoke(main, base).output
    nairobi = next(line for line in short.splitlines() if "demo-pyladies-nairobi" in line).split()
    assert nairobi[1:] == ["ical", "KE", "ok", "2027-01-10"]
    baltics = next(line for line in short.splitlines() if "demo-pycon-baltics" in line).split()
    assert baltics[3:] == ["failed", "never"]
    wide = CliRunner(env={"COLUMNS": "80"}).invoke(main, [*base, "--wide"]).output
    assert "HTTP 503 from the server" in wide and "file:///" in wide and "PyCon Baltics" in wide
    rows = {r["id"]: r for r in json.loads(CliRunner().invoke(main, [*base, "--json"]).output)}
    assert rows["demo-pyladies-nairobi"]["last_success"] == "2027-01-10T06:00:00+00:00"
    assert rows["demo-pycon-baltics"]["last_error"] == "HTTP 503 from the server"


def test_sources_json_has_region_from_the_country() -> None:
    result = CliRunner().invoke(main, ["sources", "--config", str(REPO / "config" / "events.yaml"), "--json"])
    assert result.exit_code == 0
    rows = {r["id"]: r for r in json.loads(result.output)}
    assert len(rows) >= 150
    with_country = [r for r in rows.values() if r["country"]]
    assert with_country and all(r["region"] not in ("worldwide", None) for r in with_country)
    assert rows["python-org-events"]["region"] == "worldwide"


def test_check_validates_offline(tmp_path: Path) -> None:
    good = CliRunner().invoke(main, ["sources", "--config", str(REPO / "config" / "events.yaml"), "--check"])
    assert good.exit_code == 0 and "are valid" in good.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources:\n  - id: Bad_Id\n    name: x\n    type: ical\n    url: https://example.org/x.ics\n")
    result = CliRunner().invoke(main, ["sources", "--config", str(bad), "--check"])
    assert result.exit_code == 2
    assert f"{bad}:2:" in result.output and "source #1 'Bad_Id', field id" in result.output
