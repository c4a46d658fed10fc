"""mypy over the package as it installs: `crawlers/` checked as `pyevents.crawlers`, and so on.

Plain `mypy` cannot see that layout: setuptools' `package-dir` maps the top-level folders into
`pyevents`, and the editable install does it through an import hook, which a static checker never runs.
So this names every file's module itself (from pyproject's mapping) and hands mypy that list; the
settings are pyproject's `[tool.mypy]`. Run it from anywhere: `.venv/bin/python tests/typecheck.py`
(extra arguments go to mypy).
"""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path

from mypy import build
from mypy.errors import CompileError
from mypy.fscache import FileSystemCache
from mypy.main import process_options
from mypy.modulefinder import BuildSource

REPO = Path(__file__).resolve().parents[1]
PACKAGE = "pyevents"


def package_dirs(repo: Path = REPO) -> dict[str, Path]:
    """Each import root of the package and the folder it is read from: pyevents and pyproject's package-dir."""
    setuptools = tomllib.loads((repo / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    mapped = {name: repo / folder for name, folder in setuptools.get("package-dir", {}).items()}
    return {PACKAGE: repo / PACKAGE, **mapped}


def sources(repo: Path = REPO) -> list[BuildSource]:
    """Every module of the package, by its installed name, read from its file in the checkout."""
    found = []
    for root, folder in package_dirs(repo).items():
        for path in sorted(folder.rglob("*.py")):
            parts = path.relative_to(folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found.append(BuildSource(str(path.relative_to(repo)), ".".join((root, *parts))))
    return found


def check(args: list[str]) -> tuple[int, list[str]]:
    """mypy's exit code (0 clean, 1 errors, 2 a blocking error) and its messages, with a closing summary."""
    fscache = FileSystemCache()
    # The target given here only satisfies the option parser; the sources checked are ours.
    _, options = process_options([*args, "-p", PACKAGE], fscache=fscache)
    checked = sources()
    messages: list[str] = []
    try:
        build.build(checked, options, None, lambda _file, new, _serious: messages.extend(new), fscache)
    except CompileError as exc:
        return 2, [*messages, *exc.messages]
    errors = sum(": error:" in m for m in messages)
    if errors:
        return 1, [*messages, f"Found {errors} errors in {len(checked)} source files"]
    return 0, [*messages, f"Success: no issues found in {len(checked)} source files"]


def main() -> int:
    os.chdir(REPO)  # pyproject's [tool.mypy] and the relative paths in messages
    code, messages = check(sys.argv[1:])
    print("\n".join(messages))
    return code


if __name__ == "__main__":
    sys.exit(main())
