"""The run lock: one nightly run at a time per database, refused at once (never queued) when held.

`fcntl.flock` on `<db>.lock`: the kernel drops the lock when the holder dies, however it dies, so a
killed run never leaves a lock behind. The file itself stays (deleting lock files races with openers)
and carries the holder's pid and start time for the refusal message.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
from pathlib import Path

_HOLDER_BYTES = 200  # the holder line is short; never read more of a file someone else could write


class StoreLocked(Exception):
    """Another run holds the database's run lock."""


class RunLock:
    """An exclusive, non-blocking lock held for the duration of one run."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, path: Path) -> RunLock:
        """Take the lock or raise StoreLocked naming the holder; never waits."""
        # O_CLOEXEC: children exec'd during the run (the crawler) must not keep the lock alive.
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise StoreLocked(f"another run ({holder}) holds the lock {path}") from None
        except BaseException:
            os.close(fd)
            raise
        started = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, started {started}\n".encode(), 0)
        return cls(path, fd)

    def release(self) -> None:
        """Give the lock up (closing the descriptor releases the flock); safe to call twice."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        os.close(fd)


def _read_holder(fd: int) -> str:
    text = os.pread(fd, _HOLDER_BYTES, 0).decode("utf-8", "replace").strip()
    # The holder writes its line right after locking; an empty file means we looked in between.
    return text.splitlines()[0] if text else "pid unknown, just started"
