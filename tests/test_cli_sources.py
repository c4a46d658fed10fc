"""`pyevents sources`: the federation as a table by region and type, offline validation, JSON."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from pyevents.cli import main

REPO = Path(__file__).resolve().parents[1]


def test_sources_table_groups_by_region_and_type() -> None:
    result = CliRunner(env={"COLUMNS": "200"}).invoke(main, ["sources", "--config", str(REPO / "config" / "demo.yaml")])
    assert result.exit_code == 0, result.output
    assert "demo-python-events" in result.output
    assert "by region:" in result.output and "by type:" in result.output


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
