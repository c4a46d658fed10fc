"""The crawl as it runs inside the child process `crawlers.fetch` starts.

The child is started before its sources are known: it imports Scrapy and the crawl's components
(most of its start-up) while the parent opens the store, then waits for one (CrawlSettings, jobs) request.
Everything goes back to the parent over one pipe as (kind, payload) messages:
("result", FetchResult) once per finished source, ("log", LogRecord) for Scrapy/Twisted/crawler
warnings, ("error", text) if the crawl itself could not run, ("counts", dict) with what the crawl did
per host (`Reachability.counts`) and ("done", None) at the end.
"""

from __future__ import annotations

import importlib
import logging
import logging.handlers
import threading
import traceback
from multiprocessing.connection import Connection
from typing import Any

from pyevents.crawlers.jobs import CrawlSettings, SourceJob
from pyevents.pipeline.model import FetchResult

FORWARDED_LOGGERS = ("scrapy", "twisted", "pyevents.crawlers", "py.warnings")
# Imported before the request arrives: Scrapy, its HTTP handler and engine, and our components.
# (The parent never imports Scrapy or Twisted: only this child does, here and in `_crawl`.)
WARM_UP_MODULES = (
    "scrapy.crawler",
    "scrapy.core.engine",
    "scrapy.core.downloader.handlers.http11",
    "pyevents.crawlers.settings",
    "pyevents.crawlers.spiders.sources",
    "pyevents.crawlers.middlewares",
    "pyevents.crawlers.robots",
    "pyevents.crawlers.resolver",
    "pyevents.crawlers.reachability",
)


class Channel:
    """The child's end of the pipe; one lock, since Twisted may log from its thread pool."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._lock = threading.Lock()

    def send(self, kind: str, payload: Any) -> None:
        with self._lock:
            self._connection.send((kind, payload))

    def report(self, result: FetchResult) -> None:
        self.send("result", result)


class _ChannelHandler(logging.handlers.QueueHandler):
    """Sends log records to the parent as ("log", record), formatted and picklable by QueueHandler.prepare."""

    def __init__(self, channel: Channel) -> None:
        super().__init__(queue=None)  # type: ignore[arg-type]
        self._channel = channel

    def enqueue(self, record: logging.LogRecord) -> None:
        self._channel.send("log", record)


def run_crawl(requests: Connection, connection: Connection) -> None:
    """Entry point of the child process: get ready, then crawl the (settings, jobs) that arrive on `requests`,
    reporting each result over `connection`. A parent that closes `requests` instead ends the child."""
    channel = Channel(connection)
    try:
        for name in WARM_UP_MODULES:
            importlib.import_module(name)
        try:
            settings, jobs = requests.recv()
        except EOFError:
            return  # the parent needs no crawl after all (e.g. another run holds the store)
        _crawl(settings, jobs, channel)
    except BaseException:
        channel.send("error", traceback.format_exc(limit=5).strip().splitlines()[-1])
        raise
    channel.send("done", None)


def _crawl(crawl: CrawlSettings, jobs: list[SourceJob], channel: Channel) -> None:
    from scrapy.crawler import AsyncCrawlerProcess

    from pyevents.crawlers.reachability import Reachability
    from pyevents.crawlers.settings import crawl_settings
    from pyevents.crawlers.spiders.sources import SourcesSpider

    settings = crawl_settings(crawl)
    _forward_logs(channel)  # before Scrapy's logging setup: its start-up lines must not reach a root handler
    process = AsyncCrawlerProcess(settings)
    _forward_logs(channel)  # and again after: Scrapy's dictConfig resets levels and handlers (not `propagate`)
    reachability = Reachability()
    _ = process.crawl(  # the process keeps the crawl's task and runs it in start()
        SourcesSpider,
        jobs=jobs,
        report=channel.report,
        timeout=crawl.timeout_seconds,
        max_bytes=crawl.max_bytes,
        max_linked_pages=crawl.max_linked_pages,
        reachability=reachability,
    )
    process.start(install_signal_handlers=False)
    channel.send("counts", reachability.counts())


def _forward_logs(channel: Channel) -> None:
    handler = _ChannelHandler(channel)
    handler.setLevel(logging.WARNING)
    for name in FORWARDED_LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(logging.WARNING)
        logger.handlers[:] = [handler]
        logger.propagate = False
