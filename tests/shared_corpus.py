"""Where the shared corpus lives (../shared/corpus beside the checkout) and what its absence means.

A developer's checkout without ../shared skips the corpus tests. CI lays a copy of shared/ beside its
clone, so there (CI=true) an absent corpus is a broken set-up and the tests fail instead of skipping.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def require(path: Path) -> Path:
    """`path` (inside the corpus) when it exists; else the test is skipped, or failed under CI=true."""
    if not path.exists():
        reason = f"{path} is absent (the shared corpus lives in ../shared beside the checkout)"
        if in_ci():
            pytest.fail(f"{reason}; CI=true needs it", pytrace=False)
        pytest.skip(reason)
    return path


def corpus_files(folder: str, pattern: str = "*") -> list[Path]:
    """The input files of a corpus folder, sorted (its *.expected.* references are not inputs); [] when absent."""
    directory = CORPUS / folder
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.glob(pattern) if p.is_file() and ".expected." not in p.name)


def file_params(folder: str, pattern: str = "*") -> list[object]:
    """One pytest param per corpus file; when there are none, one param naming the missing files, which
    the test's `require` turns into a skip (or a failure in CI)."""
    files = corpus_files(folder, pattern)
    return [pytest.param(p, id=p.name) for p in files] or [pytest.param(CORPUS / folder / pattern, id=f"{folder}-absent")]
