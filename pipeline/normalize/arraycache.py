"""Data derived once per machine and kept between runs: named numpy arrays in one file of a cache folder.

A file is named by what built it (`key`: a digest of the building code and the data's versions), so
an upgrade builds a new one. It is written atomically (a temporary file in the same folder, renamed)
and read with `allow_pickle=False`. A file that cannot be read is built again; a folder that cannot be
written is skipped. Either way the caller gets its arrays: the cache changes how long loading takes,
never what is loaded.

The folder: `$PYEVENTS_CACHE_DIR`, else `$XDG_CACHE_HOME/pyevents`, else `~/.cache/pyevents`.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

CACHE_DIR_ENV = "PYEVENTS_CACHE_DIR"
Arrays = dict[str, np.ndarray]


def default_cache_dir() -> Path | None:
    """The cache folder the environment names (see the module docstring); None without a home folder."""
    if own := os.environ.get(CACHE_DIR_ENV):
        return Path(own)
    if xdg := os.environ.get("XDG_CACHE_HOME"):
        return Path(xdg) / "pyevents"
    try:
        return Path.home() / ".cache" / "pyevents"
    except (RuntimeError, KeyError):  # no HOME and no passwd entry
        return None


def cached_arrays(name: str, key: str, build: Callable[[], Arrays], cache_dir: Path | None) -> Arrays:
    """The arrays of `name`-`key` read from `cache_dir`, else built and written there (best effort)."""
    if cache_dir is None:
        return build()
    path = cache_dir / f"{name}-{key}.npz"
    arrays = _read(path)
    if arrays is None:
        arrays = build()
        _write(path, arrays)
    return arrays


def _read(path: Path) -> Arrays | None:
    try:
        with np.load(path, allow_pickle=False) as stored:
            return {member: stored[member] for member in stored.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):  # absent, unreadable, truncated or not ours
        return None


def _write(path: Path, arrays: Arrays) -> None:
    temporary: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            np.savez(out, allow_pickle=True, **arrays)  # named, so mypy does not match `**arrays` to it
        os.replace(temporary, path)
    except OSError:  # read-only or full: the arrays are still returned, built again next time
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
