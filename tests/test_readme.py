"""The README's two commands are the ones CI runs: the test command is byte-for-byte the line in .ci/run."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text()
    return re.findall(r"```sh\n(.+?)\n```", text)


def test_readme_starts_with_install_and_test_commands() -> None:
    install, test = _readme_commands()[:2]
    assert "pip install -e ." in install and install.endswith("pyevents nightly")
    assert "pytest" in test


def test_ci_runs_the_readme_test_command() -> None:
    test = _readme_commands()[1]
    ci = (REPO / ".ci" / "run").read_text().splitlines()
    assert test in ci, "the README's test command must be the command .ci/run executes"
