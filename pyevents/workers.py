"""The run's worker processes and the functions they run, in a module of their own.

A worker unpickles a task's function by importing its module: here that costs only the parsers, the
iCal writer and Arrow, not the run's orchestration (the CLI, the crawler, the publisher, the merge's
rapidfuzz/numpy), ~25 MB less per worker while the store stage is at the run's memory peak.
"""

from __future__ import annotations

import concurrent.futures as cf
import gc
import multiprocessing as mp
import os
from collections.abc import Callable
from typing import TypeVar

import pyarrow as pa

from output.ical import serialize_vevent
from pipeline.model import ParseContext, ParsedSource
from pipeline.store.arrowio import table_dicts

T = TypeVar("T")
ParseJob = tuple[bytes, ParseContext, str | None, Callable[[ParsedSource], T]]


def start_worker_pool() -> cf.ProcessPoolExecutor:
    """A process pool on all cores for the run's CPU-bound work (parsing, VEVENT serialization)."""
    # forkserver, not fork: a forked worker would inherit the run lock's descriptor and could hold
    # the lock after a killed parent; the server preloads the parsers and the iCal writer once for every worker.
    context = mp.get_context("forkserver")
    context.set_forkserver_preload(["pipeline.parse", "output.ical"])
    return cf.ProcessPoolExecutor(max_workers=os.cpu_count() or 1, mp_context=context)


def parse_one(job: ParseJob[T]) -> T:
    """Parse one fetched body and `finish` it (where it ran: in a worker, or in the run's process)."""
    # Imported on first use: the parsers cost ~0.4 s of imports, which a run with nothing to parse in this
    # process never needs (the pool's workers have them preloaded by the forkserver).
    from pipeline.parse import parse_source

    body, ctx, region, finish = job
    return finish(parse_source(body, ctx, region))


def serialize_batch(batch: pa.RecordBatch, base_url: str) -> pa.Array:
    """The VEVENTs of a batch of `events` rows, in order, as one Arrow string array (runs in a worker
    process; the parent then never holds them as Python strings)."""
    # Thousands of row dicts, none of them cyclic: collector passes over them would only cost time.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return pa.array([serialize_vevent(row, base_url) for row in table_dicts(batch)], pa.string())
    finally:
        if was_enabled:
            gc.enable()
