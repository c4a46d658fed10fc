"""`fetch_sources`: crawl the given sources with Scrapy in a child process and collect the results.

The crawl runs in a "spawn" child so that the Twisted reactor (which cannot be restarted) never
lives in the caller: a test or a long-lived process can call this any number of times. Results come
back over a pipe as each source finishes; if the child dies, every source it had not reported
becomes a failed result, never an exception.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from crawlers.child import run_crawl
from crawlers.jobs import SourceJob
from pipeline.model import FetchResult, SourceState
from pyevents.config import Config, SourceConfig

POLL_SECONDS = 0.2  # how often the parent checks that the child is still alive while waiting
JOIN_SECONDS = 10.0  # how long the child may take to shut down after its last message


def fetch_sources(
    config: Config,
    sources: list[SourceConfig],
    states: dict[str, SourceState],
    *,
    on_progress: Callable[[FetchResult], None] | None = None,
) -> dict[str, FetchResult]:
    """Fetch every source once (conditional GET from `states`); one FetchResult per source id."""
    jobs = [SourceJob.for_source(s, states.get(s.id)) for s in sources]
    if not jobs:
        return {}
    context = multiprocessing.get_context("spawn")
    reader, writer = context.Pipe(duplex=False)
    child = context.Process(target=run_crawl, args=(config, jobs, writer), name="pyevents-crawl", daemon=True)
    child.start()
    writer.close()  # the child holds the only write end now, so its death reads as end of file
    results: dict[str, FetchResult] = {}
    crash: str | None = None
    try:
        crash = _collect(child, reader, results, on_progress)
    finally:
        child.join(timeout=JOIN_SECONDS)
        if child.is_alive():  # interrupted caller, raising on_progress, or a child stuck in shutdown
            child.terminate()
            child.join()
        reader.close()
    crash = crash or f"the crawler process ended (exit code {child.exitcode}) before this source finished"
    for job in jobs:
        if job.source_id not in results:
            _accept(job.failed(crash), results, on_progress)
    return results


def _collect(
    child: Any,
    reader: Connection,
    results: dict[str, FetchResult],
    on_progress: Callable[[FetchResult], None] | None,
) -> str | None:
    """Read messages until "done" or the child's end; return the child's error line if it reported one."""
    crash: str | None = None
    while True:
        if not reader.poll(POLL_SECONDS) and child.is_alive():
            continue
        try:
            kind, payload = reader.recv()
        except (EOFError, OSError):  # the child ended, possibly in the middle of a message
            return crash
        if kind == "result":
            _accept(payload, results, on_progress)
        elif kind == "log":
            _relay(payload)
        elif kind == "error":
            crash = f"the crawler process failed before this source finished: {payload}"
        elif kind == "done":
            return crash


def _accept(
    result: FetchResult, results: dict[str, FetchResult], on_progress: Callable[[FetchResult], None] | None
) -> None:
    results[result.source_id] = result
    if on_progress is not None:
        on_progress(result)


def _relay(record: logging.LogRecord) -> None:
    """Hand a log record from the child to the same-named logger here, if it wants that level."""
    target = logging.getLogger(record.name)
    if target.isEnabledFor(record.levelno):
        target.handle(record)
