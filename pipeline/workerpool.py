"""The start method of every worker process of a run (parsing, VEVENT serialization, publishing)."""

from __future__ import annotations

import multiprocessing as mp
from multiprocessing.context import ForkServerContext

# What the fork server imports once for every worker: only what all their tasks use. Each worker imports
# its own task's modules (parsers, iCal writer, page templates) on its first task, so none carries the
# others' (a worker forked from a server with the parsers loaded would carry them all).
SHARED_MODULES = ["pyarrow"]


def worker_context() -> ForkServerContext:
    """forkserver, never fork: a forked worker would inherit the caller's descriptors (the run lock) and
    could hold the lock after a killed parent; the one fork server of a process serves every pool."""
    context = mp.get_context("forkserver")
    context.set_forkserver_preload(SHARED_MODULES)
    return context
