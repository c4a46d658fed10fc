"""The dependency rules hold: `lint-imports` with the contracts of pyproject.toml's [tool.importlinter].

import-linter reads a package from its folder, and the editable install maps `pyevents.crawlers`,
`pyevents.pipeline` and `pyevents.output` from the repository's top-level folders: so the check runs on
a copy laid out as the wheel installs it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def _not_python(folder: str, names: list[str]) -> list[str]:
    """What copytree leaves out: anything but Python files and the folders that hold them."""
    return [n for n in names if n == "__pycache__" or not (n.endswith(".py") or (Path(folder) / n).is_dir())]


def _installed_layout(root: Path) -> Path:
    package = root / "pyevents"
    package.mkdir()
    for module in (REPO / "pyevents").glob("*.py"):
        shutil.copy(module, package / module.name)
    for name, folder in PYPROJECT["tool"]["setuptools"]["package-dir"].items():
        shutil.copytree(REPO / folder, root.joinpath(*name.split(".")), ignore=_not_python)
    return root


def test_every_contract_is_kept(tmp_path: Path) -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), str(REPO / "pyproject.toml"), "--no-cache"],
        cwd=_installed_layout(tmp_path),  # lint-imports finds the package in its working folder first
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Analyzed" in result.stdout and "0 broken" in result.stdout


def test_the_orchestration_named_in_the_rules_is_every_top_level_module() -> None:
    (contract,) = [c for c in PYPROJECT["tool"]["importlinter"]["contracts"] if c["id"] == "plain-pipeline-and-output"]
    top_level = {f"pyevents.{path.stem}" for path in (REPO / "pyevents").glob("*.py") if path.stem != "__init__"}
    assert set(contract["forbidden_modules"]) - {"scrapy", "twisted"} == top_level
