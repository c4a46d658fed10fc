"""`fetch_sources`: crawl the given sources with Scrapy in a child process and collect the results.

The crawl runs in a "spawn" child so that the Twisted reactor (which cannot be restarted) never
lives in the caller: a test or a long-lived process can call this any number of times. Results come
back over a pipe as each source finishes; if the child dies, every source it had not reported
becomes a failed result, never an exception.

A caller with work of its own before the crawl (opening the store, reading the sources' states)
starts a `CrawlerChild` first and hands it to `fetch_sources`: Scrapy's start-up in the child (spawn
and imports) then overlaps that work instead of following it.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any

from pyevents.crawlers.child import run_crawl
from pyevents.crawlers.jobs import ConfiguredSource, CrawlSettings, SourceJob
from pyevents.pipeline.model import FetchResult, SourceState

POLL_SECONDS = 0.2  # how often the parent checks that the child is still alive while waiting
JOIN_SECONDS = 10.0  # how long the child may take to shut down after its last message


class CrawlerChild:
    """A crawler process started ahead of its one crawl; use it as a context manager, then `fetch_sources`.

    A child that finished its crawl ends by itself, while the caller goes on with the results; leaving
    the context reaps it (its shutdown bounded by JOIN_SECONDS), or ends it at once if it never crawled
    (it only got ready).
    """

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        requests_reader, self._requests = context.Pipe(duplex=False)
        self._results, results_writer = context.Pipe(duplex=False)
        self._process = context.Process(
            target=run_crawl, args=(requests_reader, results_writer), name="pyevents-crawl", daemon=True
        )
        self._process.start()
        # The child holds the only other ends now: its death reads as end of file on `_results`.
        requests_reader.close()
        results_writer.close()
        self._crawled = False
        self.counts: dict[str, dict[str, int]] = {}  # after `crawl`: name lookups and requests sent, per host

    def __enter__(self) -> CrawlerChild:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._requests.close()  # a child still waiting for its request ends on this
        if self._crawled:
            self._process.join(timeout=JOIN_SECONDS)
        if self._process.is_alive():  # never crawled, an interrupted caller, or a child stuck in shutdown
            self._process.terminate()
            self._process.join()
        self._results.close()

    def crawl(
        self, settings: CrawlSettings, jobs: list[SourceJob], on_progress: Callable[[FetchResult], None] | None
    ) -> dict[str, FetchResult]:
        """Crawl `jobs` (once per child); one FetchResult per job, failed ones for whatever the child left."""
        if self._crawled:
            raise RuntimeError("a CrawlerChild crawls once")
        self._crawled = True
        results: dict[str, FetchResult] = {}
        try:
            # the child may end before reading its request; what it said meanwhile is still in the pipe
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._requests.send((settings, jobs))
            done, crash = _collect(self._process, self._results, results, on_progress, self.counts)
        except BaseException:
            self.close()
            raise
        if not done:  # after "done" the child ends by itself: its shutdown need not delay the run
            self.close()
        crash = crash or (
            "the crawler finished without a result for this source"
            if done
            else f"the crawler process ended (exit code {self._process.exitcode}) before this source finished"
        )
        for job in jobs:
            if job.source_id not in results:
                _accept(job.failed(crash), results, on_progress)
        return results


def fetch_sources(
    settings: CrawlSettings,
    sources: Sequence[ConfiguredSource],
    states: dict[str, SourceState],
    *,
    on_progress: Callable[[FetchResult], None] | None = None,
    crawler: CrawlerChild | None = None,
) -> dict[str, FetchResult]:
    """Fetch every source once (conditional GET from `states`); one FetchResult per source id.

    `crawler`: a child started earlier (it is used up); without one, a child is started now.
    """
    jobs = [SourceJob.for_source(s, states.get(s.id)) for s in sources]
    if not jobs:
        return {}
    if crawler is not None:
        return crawler.crawl(settings, jobs, on_progress)
    with CrawlerChild() as child:
        return child.crawl(settings, jobs, on_progress)


def _collect(
    child: Any,
    reader: Connection,
    results: dict[str, FetchResult],
    on_progress: Callable[[FetchResult], None] | None,
    counts: dict[str, dict[str, int]],
) -> tuple[bool, str | None]:
    """Read messages until "done" or the child's end: whether "done" came, and the child's error line if
    it reported one. The crawl's per-host counts go into `counts`."""
    crash: str | None = None
    while True:
        if not reader.poll(POLL_SECONDS) and child.is_alive():
            continue
        try:
            kind, payload = reader.recv()
        except (EOFError, OSError):  # the child ended, possibly in the middle of a message
            return False, crash
        if kind == "result":
            _accept(payload, results, on_progress)
        elif kind == "log":
            _relay(payload)
        elif kind == "counts":
            counts.update(payload)
        elif kind == "error":
            crash = f"the crawler process failed before this source finished: {payload}"
        elif kind == "done":
            return True, crash


def _accept(result: FetchResult, results: dict[str, FetchResult], on_progress: Callable[[FetchResult], None] | None) -> None:
    results[result.source_id] = result
    if on_progress is not None:
        on_progress(result)


def _relay(record: logging.LogRecord) -> None:
    """Hand a log record from the child to the same-named logger here, if it wants that level."""
    target = logging.getLogger(record.name)
    if target.isEnabledFor(record.levelno):
        target.handle(record)
