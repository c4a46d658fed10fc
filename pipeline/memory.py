"""Handing the memory a stage of a run has freed back to the operating system."""

from __future__ import annotations

import ctypes
from collections.abc import Callable


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(None).malloc_trim  # glibc's; other C libraries have no such call
    except (OSError, AttributeError):
        return None


_MALLOC_TRIM = _malloc_trim()


def release_freed_memory() -> None:
    """Give the C heap's free pages back to the OS (glibc: `malloc_trim`; elsewhere nothing).

    glibc keeps freed memory resident for reuse: the parse results a run has just stored, or
    what the store freed before the publish, would otherwise stay in the process's RSS for the rest of
    the run, beside the next stage's own peak.
    """
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)
