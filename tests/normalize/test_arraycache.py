"""The machine's cache of derived arrays: built once, read back the same, never in the way."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pyevents.pipeline.normalize import arraycache


class Builder:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> arraycache.Arrays:
        self.calls += 1
        return {"numbers": np.arange(5, dtype=np.int64), "text": np.frombuffer("São Paulo".encode(), dtype=np.uint8)}


def _same(a: arraycache.Arrays, b: arraycache.Arrays) -> bool:
    return a.keys() == b.keys() and all(a[k].dtype == b[k].dtype and np.array_equal(a[k], b[k]) for k in a)


def test_arrays_are_built_once_and_read_back(tmp_path: Path) -> None:
    build = Builder()
    first = arraycache.cached_arrays("index", "k1", build, tmp_path)
    again = arraycache.cached_arrays("index", "k1", build, tmp_path)
    assert build.calls == 1 and _same(first, again)
    assert [p.name for p in tmp_path.iterdir()] == ["index-k1.npz"]
    arraycache.cached_arrays("index", "k2", build, tmp_path)  # another code or data version: built anew
    assert build.calls == 2 and {p.name for p in tmp_path.iterdir()} == {"index-k1.npz", "index-k2.npz"}


def test_a_damaged_file_is_built_again_and_replaced(tmp_path: Path) -> None:
    build = Builder()
    reference = arraycache.cached_arrays("index", "k", build, tmp_path)
    path = tmp_path / "index-k.npz"
    path.write_bytes(path.read_bytes()[:100])  # truncated
    assert _same(arraycache.cached_arrays("index", "k", build, tmp_path), reference) and build.calls == 2
    assert _same(arraycache.cached_arrays("index", "k", build, tmp_path), reference) and build.calls == 2


@pytest.mark.parametrize("where", ["file", "none"])
def test_an_unwritable_or_absent_folder_still_gives_the_arrays(tmp_path: Path, where: str) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    folder = blocker / "cache" if where == "file" else None  # mkdir fails under a file, as on a read-only disk
    build = Builder()
    assert _same(arraycache.cached_arrays("index", "k", build, folder), Builder()())
    assert _same(arraycache.cached_arrays("index", "k", build, folder), Builder()())
    assert build.calls == 2 and [p.name for p in tmp_path.iterdir()] == ["a-file"]


def test_the_folder_is_the_environments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYEVENTS_CACHE_DIR", str(tmp_path / "own"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert arraycache.default_cache_dir() == tmp_path / "own"
    monkeypatch.delenv("PYEVENTS_CACHE_DIR")
    assert arraycache.default_cache_dir() == tmp_path / "xdg" / "pyevents"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert arraycache.default_cache_dir() == tmp_path / "home" / ".cache" / "pyevents"
