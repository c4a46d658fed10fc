"""Every command documents itself: --help works and shows an example."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from pyevents.cli import main

COMMANDS = sorted(main.commands)


def test_contract_commands_exist() -> None:
    assert {"nightly", "crawl", "publish", "sources", "query", "serve"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example: pyevents " + command in result.output


def test_group_help() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0 and "Example:" in result.output
