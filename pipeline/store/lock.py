"""The run lock: one nightly run at a time per database, refused at once (never queued) when held.

An `ExclusiveLock` on `<db>.lock`, so a killed run never leaves a lock behind; the file carries the
holder's pid and start time for the refusal message.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Self

from pyevents.pipeline.osfiles import ExclusiveLock, LockHeld


class StoreLocked(Exception):
    """Another run holds the database's run lock."""


class RunLock(ExclusiveLock):
    """The lock held for the duration of one run."""

    @classmethod
    def acquire(cls, path: Path, holder: str | None = None) -> Self:
        """Take the lock or raise StoreLocked naming the holder; never waits."""
        started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        try:
            return super().acquire(path, holder or f"pid {os.getpid()}, started {started}\n")
        except LockHeld as held:
            # The holder writes its line right after locking; an empty file means we looked in between.
            raise StoreLocked(f"another run ({held.holder or 'pid unknown, just started'}) holds the lock {path}") from None
