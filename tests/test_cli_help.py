"""Every command documents itself: --help shows examples, and every example runs, as written, on the demo."""

from __future__ import annotations

import http.server
import shlex
import shutil
import threading
import urllib.request
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from pyevents.cli import main

REPO = Path(__file__).resolve().parents[1]
COMMANDS = sorted(main.commands)
# Commands whose examples need a database and site run after those that make them; any other command after these.
ORDER = ["nightly", "crawl", "publish", "sources", "query", "serve"]
ORDER += sorted(set(COMMANDS) - set(ORDER))


def _examples(command: click.Command) -> list[str]:
    """The `pyevents …` lines of a command's help (an `Examples:` block kept as written by click's \\b)."""
    lines = (command.help or "").splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() in ("Example:", "Examples:"))
    return [line.strip() for line in lines[start + 1 :] if line.strip().startswith("pyevents ")]


def test_contract_commands_exist() -> None:
    assert {"nightly", "crawl", "publish", "sources", "query", "serve"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_examples_shown_unwrapped(command: str) -> None:
    result = CliRunner(env={"COLUMNS": "80"}).invoke(main, [command, "--help"])
    assert result.exit_code == 0, result.output
    examples = _examples(main.commands[command])
    assert examples and all(e.startswith(f"pyevents {command} ") for e in examples)
    for example in examples:
        assert example in result.output and len(example) <= 76  # one line to copy, even at 80 columns


def test_group_help_lists_every_command_with_a_summary_that_is_not_cut() -> None:
    result = CliRunner(env={"COLUMNS": "80"}).invoke(main, ["--help"])
    assert result.exit_code == 0 and "Example:" in result.output
    listed = result.output.split("Commands:")[1].splitlines()[1:]
    assert len(listed) == len(COMMANDS) and not any(line.endswith("...") for line in listed)


def test_every_help_example_runs_against_the_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each example, in a copy of config/ (so the demo's own data/demo/ lands in tmp_path), exits 0.

    The crawling examples all run at the real clock (none moves --as-of), so no run sees a source shrink
    against another run's window, whatever the date; the demo's recurring series keep every source non-empty.
    """
    shutil.copytree(REPO / "config", tmp_path / "config")
    monkeypatch.chdir(tmp_path)
    served: list[bytes] = []

    def serve_one_request(server: http.server.ThreadingHTTPServer, *args: object) -> None:
        url = f"http://127.0.0.1:{server.server_address[1]}/index.html"
        client = threading.Thread(target=lambda: served.append(urllib.request.urlopen(url, timeout=30).read()))
        client.start()
        server.handle_request()
        client.join()

    monkeypatch.setattr(http.server.ThreadingHTTPServer, "serve_forever", serve_one_request)
    ran = []
    crawling = [e for c in ("nightly", "crawl") for e in _examples(main.commands[c])]
    assert not any("--as-of" in e for e in crawling)
    for command in ORDER:
        for example in _examples(main.commands[command]):
            args = shlex.split(example)[1:]
            if "--port" in args:  # any free port: a fixed one may be taken on a shared machine
                args[args.index("--port") + 1] = "0"
            result = CliRunner(env={"COLUMNS": "80"}).invoke(main, args)
            assert result.exit_code == 0, f"{example}\n{result.output}"
            ran.append(example)
    assert len(ran) >= 2 * len(COMMANDS)
    assert served and b"<html" in served[0].lower()
    assert (tmp_path / "data" / "demo" / "events.duckdb").is_file() and not (tmp_path / "public").exists()
