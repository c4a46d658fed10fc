"""A config may name its own database and site; the demo does, so it never shares the real federation's."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from pyevents.cli import main
from pyevents.config import DEFAULT_DATABASE, DEFAULT_SITE, load_config

REPO = Path(__file__).resolve().parents[2]


def test_paths_are_relative_to_the_config_file_and_default_to_data_and_public(tmp_path: Path) -> None:
    own = tmp_path / "conf" / "mine.yaml"
    own.parent.mkdir()
    own.write_text("federation:\n  database: ../state/mine.duckdb\n  site: ../www\nsources: []\n")
    config = load_config(own)
    assert config.database_path == tmp_path / "state" / "mine.duckdb" and config.site_path == tmp_path / "www"
    plain = tmp_path / "plain.yaml"
    plain.write_text("sources: []\n")
    assert (load_config(plain).database_path, load_config(plain).site_path) == (DEFAULT_DATABASE, DEFAULT_SITE)


def test_the_demo_and_the_real_federation_never_share_a_database_or_a_site() -> None:
    demo, real = load_config(REPO / "config" / "demo.yaml"), load_config(REPO / "config" / "events.yaml")
    assert (real.database_path, real.site_path) == (DEFAULT_DATABASE, DEFAULT_SITE)
    assert demo.database_path == REPO / "data" / "demo" / "events.duckdb"
    assert demo.site_path == REPO / "data" / "demo" / "public"
    assert demo.database_path.resolve() != (REPO / DEFAULT_DATABASE).resolve()
    assert demo.site_path.parent != REPO  # its version folders stay beside it, not beside public/


def test_the_command_line_overrides_the_configs_paths_and_query_follows_the_config(tmp_path: Path) -> None:
    config = tmp_path / "fed.yaml"
    source = (REPO / "config" / "demo" / "pyladies-nairobi.ics").as_uri()
    config.write_text(
        "federation:\n  database: own/events.duckdb\n  site: own/site\n"
        f"sources:\n  - id: nairobi\n    name: Nairobi\n    type: ical\n    url: {source}\n"
    )
    args = ["--config", str(config), "--as-of", "2027-01-10T06:00:00Z", "--quiet"]
    assert CliRunner().invoke(main, ["nightly", *args]).exit_code == 0
    assert (tmp_path / "own" / "events.duckdb").is_file() and (tmp_path / "own" / "site" / "index.html").is_file()
    elsewhere = tmp_path / "elsewhere"
    assert (
        CliRunner()
        .invoke(main, ["nightly", *args, "--db", str(elsewhere / "x.duckdb"), "--out", str(elsewhere / "site")])
        .exit_code
        == 0
    )
    assert (elsewhere / "x.duckdb").is_file() and (elsewhere / "site" / "calendar.ics").is_file()
    counted = CliRunner().invoke(main, ["query", "--config", str(config), "--format", "csv", "select count(*) as n from events"])
    assert counted.exit_code == 0 and counted.output.splitlines()[0] == "n" and int(counted.output.splitlines()[1]) > 0


@pytest.mark.parametrize(
    "generated",
    [
        "data/events.duckdb",
        "data/events.duckdb.lock",
        "data/export/events.parquet",
        "public",
        ".public.versions/v-20270110T060000-abc/index.html",
        "data/demo/events.duckdb",
        "data/demo/public",
        "data/demo/.public.versions/v-1/index.html",
        "data/demo/export/events.parquet",
        "build/lib/x.py",
        "pyevents.egg-info/PKG-INFO",
        ".venv/bin/python",
    ],
)
def test_git_ignores_every_generated_path(generated: str) -> None:
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    result = subprocess.run(["git", "check-ignore", "--no-index", "-q", generated], cwd=REPO, check=False)
    assert result.returncode == 0, f"{generated} is not in .gitignore"
