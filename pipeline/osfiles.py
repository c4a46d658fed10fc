"""What the store and the publish both need from the file system: contents on disk (`fsync_path`)
and one writer at a time (`ExclusiveLock`). Here, in `pipeline`, because both may import it and it
imports neither (nor DuckDB).
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import Self

_HOLDER_BYTES = 200  # the holder line is short; never read more of a file someone else could write


def fsync_path(path: str | os.PathLike[str]) -> None:
    """Flush a file's (or a folder's) contents to disk."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LockHeld(Exception):
    """Another process holds the lock; `holder` is the first line it wrote into the file ('' if none)."""

    def __init__(self, path: Path, holder: str) -> None:
        super().__init__(f"{path} is locked" + (f" by {holder}" if holder else ""))
        self.path = path
        self.holder = holder


class ExclusiveLock:
    """An exclusive `flock`, refused at once (never queued) when held. The kernel drops it when its
    holder dies, however it dies; the file stays (deleting lock files races with openers)."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, path: Path, holder: str | None = None) -> Self:
        """Take the lock, writing `holder` (a line naming the holder) into the file; raise LockHeld if taken."""
        # O_CLOEXEC: children exec'd while it is held (the crawler) must not keep the lock alive.
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            text = _read_holder(fd)
            os.close(fd)
            raise LockHeld(path, text) from None
        except BaseException:
            os.close(fd)
            raise
        if holder is not None:
            os.ftruncate(fd, 0)
            os.pwrite(fd, holder.encode(), 0)
        return cls(path, fd)

    def release(self) -> None:
        """Give the lock up (closing the descriptor releases the flock); safe to call twice."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        os.close(fd)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _read_holder(fd: int) -> str:
    text = os.pread(fd, _HOLDER_BYTES, 0).decode("utf-8", "replace").strip()
    return text.splitlines()[0] if text else ""
