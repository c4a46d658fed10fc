"""`pyevents sources --check --online` fetches every enabled source once and says which answer."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import FixtureServer, run_cli, write_config


def test_online_check_reports_which_sources_answer(tmp_path: Path, fixture_server: FixtureServer) -> None:
    config = write_config(
        tmp_path / "fed.yaml",
        fixture_server,
        [
            {"id": "pyberlin", "name": "PyBerlin", "type": "ical", "url": f"{fixture_server.base}/pyberlin.ics"},
            {"id": "vanished-group", "name": "Vanished", "type": "ical", "url": f"{fixture_server.base}/vanished.ics"},
            {"id": "switched-off", "name": "Off", "type": "ical", "url": f"{fixture_server.base}/off.ics", "enabled": False},
        ],
    )
    result = run_cli("sources", "--config", str(config), "--check", "--online", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    lines = {line.split()[1]: line for line in result.stdout.splitlines() if line.startswith("│ ") and len(line.split()) > 3}
    assert "ok" in lines["pyberlin"] and "404" in lines["vanished-group"]
    assert "switched-off" not in result.stdout
    assert "1 of 2 sources answered" in result.stdout
    assert "/off.ics" not in fixture_server.requests
