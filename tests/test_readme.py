"""The README's two commands are the ones CI runs: the test command is byte-for-byte the line in .ci/run,
and its pytest part runs a second time there with the clock 150 days ahead, as the README says."""

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


def test_ci_runs_the_suite_again_150_days_ahead() -> None:
    pytest_part = _readme_commands()[1].rsplit(" && ", 1)[-1]
    faked = f"faketime -f +150d {pytest_part}"
    ci = (REPO / ".ci" / "run").read_text()
    assert faked in ci.splitlines(), "the README's pytest command, 150 days ahead, must be a line of .ci/run"
    assert f"`{faked}`" in (REPO / "README.md").read_text()
    # with a real monotonic clock libfaketime makes time.sleep fail with EINVAL
    assert "FAKETIME_DONT_FAKE_MONOTONIC=" not in ci
