"""The house checks run with the suite, so the README's test command (and CI) enforces them: ruff's
lint rules and formatting over the repository, and mypy over the package, each with pyproject's
settings. A failure shows the tool's own output; `ruff check --fix` and `ruff format` repair most
of the first two."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _run(*command: str) -> None:
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        shown = " ".join("python" if part == sys.executable else part for part in command)
        pytest.fail(f"{shown} failed:\n{done.stdout}{done.stderr}", pytrace=False)


def test_ruff_finds_nothing() -> None:
    _run(sys.executable, "-m", "ruff", "check", "--no-fix", "--output-format", "concise", ".")


def test_the_code_is_formatted() -> None:
    _run(sys.executable, "-m", "ruff", "format", "--check", "--diff", ".")


def test_mypy_finds_nothing() -> None:
    _run(sys.executable, str(REPO / "tests" / "typecheck.py"))
