"""How a run uses the machine: its worker processes, Python's cyclic collector and the C heap.

Every process-level trick of a run is here, so `pipeline` and `output` stay plain code: the run hands
them a worker pool (`worker_pool`) and pauses the collector around their bulk work (`no_cyclic_gc`).
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import ctypes
import gc
import multiprocessing as mp
import os
from collections.abc import Callable, Iterator
from multiprocessing.context import ForkServerContext
from typing import Any, TypeVar

# What the fork server imports once for every worker: only what all their tasks use. Each worker imports
# its own task's modules (parsers, iCal writer, page templates) on its first task, so none carries the
# others' (a worker forked from a server with the parsers loaded is much bigger).
SHARED_MODULES = ["pyarrow"]
T = TypeVar("T")


def worker_context() -> ForkServerContext:
    """forkserver, never fork: a forked worker would inherit the caller's descriptors (the run lock) and
    could hold the lock after a killed parent; the one fork server of a process serves every pool."""
    context = mp.get_context("forkserver")
    context.set_forkserver_preload(SHARED_MODULES)
    return context


def worker_pool(
    max_workers: int | None = None,
    initializer: Callable[..., object] | None = None,
    initargs: tuple[Any, ...] = (),
    *,
    collector_paused: bool = False,
) -> cf.ProcessPoolExecutor:
    """A process pool for a run's CPU-bound work (parsing, VEVENTs, event pages), one worker per core unless
    `max_workers`; with `collector_paused`, each task runs inside `no_cyclic_gc` (tasks that build many
    short-lived acyclic objects, such as a chunk of event pages)."""
    pool = _CollectorPausedPool if collector_paused else cf.ProcessPoolExecutor
    return pool(max_workers or os.cpu_count() or 1, mp_context=worker_context(), initializer=initializer, initargs=initargs)


class _CollectorPausedPool(cf.ProcessPoolExecutor):
    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> cf.Future[T]:
        return super().submit(_collector_paused, fn, *args, **kwargs)


def _collector_paused(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    with no_cyclic_gc():
        return fn(*args, **kwargs)


@contextlib.contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic collector while hundreds of thousands of acyclic objects are built: its full
    passes over them would cost more than the work itself (the callers create no reference cycles)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            # What the work allocated would sit in the youngest generation and be traversed by the next
            # young and middle collections at once; moved to the oldest instead (freeze and unfreeze only
            # splice lists), it is looked at again only when a full collection comes due.
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(None).malloc_trim  # glibc's; other C libraries have no such call
    except (OSError, AttributeError):
        return None


_MALLOC_TRIM = _malloc_trim()


def release_freed_memory() -> None:
    """Give the C heap's free pages back to the OS (glibc: `malloc_trim`; elsewhere nothing).

    glibc keeps freed memory resident for reuse: the parse results a run has just stored, or what the
    store freed before the publish, would otherwise stay in the process's RSS beside the next stage's peak.
    """
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)
