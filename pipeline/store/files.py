"""Files of a run: the working copy beside the database, durable atomic replacement, leftovers of dead runs.

Every temporary file a run creates is named `.<final name>.run-<pid>-<token>.tmp` (DuckDB adds `.wal`
to the working copy while it is open), so the next run, holding the lock, can recognise and delete
what a killed run left behind without ever touching anything else.
"""

from __future__ import annotations

import glob
import os
import secrets
from pathlib import Path

from pyevents.pipeline.osfiles import fsync_path

_RUN_MARK = ".run-"


def temp_path_for(final: Path) -> Path:
    """A fresh temporary path in the same folder as `final` (same filesystem, so rename is atomic)."""
    return final.with_name(f".{final.name}{_RUN_MARK}{os.getpid()}-{secrets.token_hex(4)}.tmp")


def remove_leftovers(final: Path) -> list[Path]:
    """Delete temporary files of earlier runs for `final` (call only while holding the run lock)."""
    pattern = os.path.join(glob.escape(str(final.parent)), f".{glob.escape(final.name)}{_RUN_MARK}*")
    removed = []
    for name in glob.glob(pattern):
        Path(name).unlink(missing_ok=True)
        removed.append(Path(name))
    return removed


def replace_durably(temp: Path, final: Path) -> None:
    """Make `temp` become `final` in one step that survives a crash: fsync, rename, fsync the folder."""
    fsync_path(temp)
    os.replace(temp, final)
    fsync_path(final.parent)
