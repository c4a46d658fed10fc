"""Version switching: a publish writes a whole new version beside the current one and points
`out_dir` at it with one atomic rename, so a reader sees the old site or the new one, never a mix.

    public -> .public.versions/v-20250301T120000-ab12cd   (a symlink, switched by one atomic rename)
    .public.versions/v-...                                  (the current version and the previous one)
    .public.versions/v-.../events -> ../e-...               (an immutable generation of event files)

Leftovers of a crashed publish are removed by the next one. An `out_dir` that is still a real
directory (from an older layout) is moved into the versions folder once and kept as the previous version.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pyevents.pipeline.osfiles import ExclusiveLock, LockHeld, fsync_path


class PublishError(OSError):
    """The output directory cannot be written (another publish holds it, or it is not a directory)."""


@contextmanager
def exclusive(path: Path, out_dir: Path) -> Iterator[None]:
    """An advisory lock so two publishes never write one output directory at once."""
    try:
        lock = ExclusiveLock.acquire(path)
    except LockHeld:
        raise PublishError(f"another publish is writing {out_dir}") from None
    with lock:
        yield


def flush_version(version: Path) -> None:
    """fsync every file and folder of `version`, not following its `events` link (a flushed generation)."""
    for folder, _dirs, names in os.walk(version):
        for name in names:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                fsync_path(path)
        fsync_path(folder)
    fsync_path(version.parent)


def swap(out_dir: Path, version: Path, versions: Path) -> Path | None:
    """Point `out_dir` at `version` with one atomic rename; return the version it pointed at before."""
    previous: Path | None = None
    if out_dir.is_symlink():
        previous = out_dir.resolve()
    elif out_dir.is_dir():  # an older plain directory: keep it whole as the previous version
        previous = versions / f"legacy-{version.name}"
        os.rename(out_dir, previous)
    elif out_dir.exists():
        raise PublishError(f"{out_dir} exists and is neither a directory nor a symlink")
    link = out_dir.parent / f".{out_dir.name}.{version.name}.link"
    os.symlink(os.path.relpath(version, out_dir.parent), link)
    os.replace(link, out_dir)
    return previous


def remove_leftovers(out_dir: Path) -> None:
    """Symlinks a crashed publish created but never renamed into place."""
    for stray in out_dir.parent.glob(f".{out_dir.name}.*.link"):
        if stray.is_symlink():
            stray.unlink()


def remove_old_versions(versions: Path, keep: set[Path | None], *, generations: bool) -> None:
    """Every version but `keep`, and (with `generations`) every event generation no kept version points to."""
    kept = {p.resolve() for p in keep if p is not None}
    kept |= {(p / "events").resolve() for p in set(kept) if (p / "events").is_symlink()}
    for entry in versions.iterdir():
        if entry.name == ".lock" or entry.resolve() in kept or (entry.name.startswith("e-") and not generations):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
