"""The install has one import root: the card's top-level folders become subpackages of `pyevents`."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
MAPPED = {"pyevents.crawlers": "crawlers", "pyevents.pipeline": "pipeline", "pyevents.output": "output"}


def _folders_with_init() -> set[str]:
    names = {"pyevents"}
    for top, root in MAPPED.items():
        for init in (REPO / root).rglob("__init__.py"):
            inner = init.parent.relative_to(REPO / root).parts
            names.add(".".join((top, *inner)))
    return names


def test_every_package_folder_is_listed_under_pyevents() -> None:
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert set(setuptools["packages"]) == _folders_with_init()
    assert setuptools["package-dir"] == MAPPED


@pytest.mark.slow
def test_the_wheel_installs_only_pyevents(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(REPO)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("pyevents-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    roots = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert roots == {"pyevents"}
    assert "pyevents/output/templates/base.html" in names
    assert "pyevents/pipeline/store/schema.py" in names
