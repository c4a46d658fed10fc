"""A user's mistake never ends in a traceback: every command, given bad input, says so in one line.

Exit 2 for usage and configuration errors (nothing crawled or written), 3 where the contract says
nothing could be published (a database folder that cannot be made, no database to publish from).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from pyevents.cli import main
from tests.output.eventdb import make_event, write_db

REPO = Path(__file__).resolve().parents[1]
DEMO = str(REPO / "config" / "demo.yaml")
SOURCE = "  - id: {id}\n    name: {id}\n    type: ical\n    url: https://example.org/{id}.ics\n"


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        yield held.getsockname()[1]


@pytest.fixture
def places(tmp_path: Path) -> dict[str, str]:
    """Bad inputs on disk: a broken YAML file, a duplicate id, a database, a site, a plain file in the way."""
    (tmp_path / "broken.yaml").write_text("federation:\n  name: [unclosed\n")
    (tmp_path / "twice.yaml").write_text("sources:\n" + SOURCE.format(id="a") + SOURCE.format(id="a"))
    (tmp_path / "not-a-folder").write_text("a file where a folder should be")
    write_db(tmp_path / "events.duckdb", [make_event("PyCon Test")])
    (tmp_path / "site").mkdir()
    files = {"broken": "broken.yaml", "twice": "twice.yaml", "blocker": "not-a-folder", "db": "events.duckdb", "site": "site"}
    return {key: str(tmp_path / name) for key, name in files.items()} | {"tmp": str(tmp_path)}


CASES = [
    # (arguments, exit status, what the one line must say); {name} is a path from `places`, {port} the busy port
    (["nightly", "--config", "{tmp}/missing.yaml"], 2, "cannot read the config file"),
    (["crawl", "--config", "{broken}"], 2, "not valid YAML"),
    (["nightly", "--config", "{twice}", "--db", "{tmp}/x.duckdb"], 2, "first used by source #1 on line 2"),
    (
        ["nightly", "--config", DEMO, "--only", "no-such-source", "--db", "{tmp}/x.duckdb"],
        2,
        "no source with id 'no-such-source'",
    ),
    (
        ["crawl", "--config", DEMO, "--only", "demo-pyladies-nairob", "--db", "{tmp}/x.duckdb"],
        2,
        "no source with id 'demo-pyladies-nairob' (did you mean 'demo-pyladies-nairobi'?)",
    ),
    (["crawl", "--config", DEMO, "--as-of", "last tuesday"], 2, "not an ISO 8601 date-time"),
    (
        [
            "nightly",
            "--config",
            DEMO,
            "--db",
            "{blocker}/events.duckdb",
            "--out",
            "{tmp}/out",
            "--only",
            "demo-pyladies-nairobi",
            "--as-of",
            "2027-01-10",
        ],
        3,
        "cannot create the database's folder",
    ),
    (["crawl", "--config", DEMO, "--db", "{tmp}"], 2, "is a directory"),
    (["publish", "--config", DEMO, "--db", "{tmp}/missing.duckdb", "--out", "{tmp}/out"], 3, "no database at"),
    (["sources", "--config", "{broken}"], 2, "not valid YAML"),
    (["sources", "--config", DEMO, "--wide", "--json"], 2, "pick one"),
    (["sources", "--config", DEMO, "--db", "{blocker}"], 2, "cannot read the sources' health from {blocker}"),
    (["query", "--db", "{db}", ""], 2, "no SQL statement"),
    (["query", "--db", "{db}", "select 1; select 2"], 2, "2 statements"),
    (["query", "--db", "{db}", "copy events to '{tmp}/leak.csv'"], 2, "COPY statements are refused"),
    (["query", "--db", "{db}", "export database '{tmp}/dump'"], 2, "EXPORT statements are refused"),
    (["query", "--db", "{db}", "attach '{tmp}/other.duckdb'"], 2, "ATTACH statements are refused"),
    (["query", "--db", "{db}", "install httpfs"], 2, "refused"),
    (["query", "--db", "{db}", "select * from eventz"], 2, "Table with name eventz does not exist"),
    (["query", "--db", "{tmp}/missing.duckdb", "select 1"], 2, "no database at"),
    (["query", "--db", "{db}", "--format", "xml", "select 1"], 2, "'xml' is not one of"),
    (["query", "--config", "{tmp}/missing.yaml", "select 1"], 2, "cannot read the config file"),
    (["serve", "--out", "{tmp}/never-published"], 2, "nothing published at"),
    (["serve", "--out", "{site}", "--port", "{port}"], 2, "cannot serve on 127.0.0.1:{port}"),
    (["serve", "--out", "{site}", "--port", "70000"], 2, "--port"),
    (["no-such-command"], 2, "No such command"),
]


@pytest.mark.parametrize(("args", "status", "says"), CASES, ids=[" ".join(c[0][:2]) + f" {i}" for i, c in enumerate(CASES)])
def test_bad_input_gets_one_line_and_its_exit_status(
    args: list[str], status: int, says: str, places: dict[str, str], busy_port: int
) -> None:
    values = {**places, "port": busy_port}
    result = CliRunner(env={"COLUMNS": "80"}).invoke(main, [a.format(**values) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    if lines and lines[0].startswith("pyevents: query failed: "):
        assert 'Did you mean "events"?' in lines[1] and len(lines) <= 5  # DuckDB's own hint and pointer follow
    else:
        assert len(lines) == 1, result.output
    assert result.exit_code == status, result.output
    assert says.format(**values) in lines[0]
    assert not (Path(places["tmp"]) / "leak.csv").exists() and not (Path(places["tmp"]) / "dump").exists()
