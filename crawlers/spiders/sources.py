"""The spider that fetches every configured source, each as its own request with its own errback.

Every source ends in exactly one report: from its callback (once the pages its feed entries link to
have arrived too), from its errback, or, if the crawl ends first, from `spider_closed`.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Self, cast

from scrapy import Request, Spider, signals
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from pyevents.crawlers import meta
from pyevents.crawlers.errors import describe_failure
from pyevents.crawlers.jobs import SourceJob
from pyevents.crawlers.outcome import result_from_response
from pyevents.crawlers.reachability import Reachability, is_unreachable
from pyevents.pipeline.model import FetchResult
from pyevents.pipeline.normalize.text import safe_url


@dataclass(slots=True)
class _Progress:
    job: SourceJob
    started: float
    result: FetchResult | None = None  # set once the source's own document has arrived
    pending_links: set[str] = field(default_factory=set)


class SourcesSpider(Spider):
    name = "pyevents-sources"

    def __init__(
        self,
        jobs: list[SourceJob],
        report: Callable[[FetchResult], None],
        *,
        timeout: float,
        max_bytes: int,
        max_linked_pages: int,
        reachability: Reachability | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.reachability = reachability or Reachability()  # shared with the middlewares (reachability_of)
        self._jobs = jobs
        self._report = report
        self._timeout = timeout
        self._max_bytes = max_bytes
        self._max_linked_pages = max_linked_pages
        self._open: dict[str, _Progress] = {}
        self._reported: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._closed, signal=signals.spider_closed)
        crawler.signals.connect(spider._reached_downloader, signal=signals.request_reached_downloader)
        return spider

    def _reached_downloader(self, request: Request, spider: Spider) -> None:
        self.reachability.count_request(request)

    async def start(self) -> AsyncIterator[Request]:
        for job in self._jobs:
            self._open[job.source_id] = _Progress(job, started=time.monotonic())
            yield self._source_request(job)

    def _source_request(self, job: SourceJob) -> Request:
        headers = {}
        if job.etag:
            headers["If-None-Match"] = job.etag
        if job.last_modified:
            headers["If-Modified-Since"] = job.last_modified
        return Request(
            job.url,
            callback=self._source_fetched,
            errback=self._source_failed,
            headers=headers,
            dont_filter=True,
            meta={meta.SOURCE_ID: job.source_id, meta.CONFIGURED_URL: job.url, "handle_httpstatus_list": [304]},
        )

    def _source_fetched(self, response: Response) -> list[Request]:
        progress = self._open.get(response.meta[meta.SOURCE_ID])
        if progress is None:
            return []
        try:
            progress.result = result_from_response(progress.job, response)
            requests = self._linked_requests(progress.job, progress.result, response)
        except Exception as exc:  # noqa: BLE001 - one source's surprise must not stop the crawl
            progress.result = progress.job.failed(f"could not handle the response: {type(exc).__name__}: {exc}")
            requests = []
        progress.pending_links = {r.meta[meta.LINKED_PAGE] for r in requests}  # Request.url may be re-escaped
        if not requests:
            self._finish(progress)
        return requests

    def _linked_requests(self, job: SourceJob, result: FetchResult, response: Response) -> list[Request]:
        """Requests for the pages of feed entries that carry no event dates themselves."""
        if job.source_type != "feed" or response.status != 200 or self._max_linked_pages == 0:
            return []
        from pyevents.pipeline.parsers.feed import entry_links_needing_page  # the feed parser decides which entries need it

        # Scrapy would drop a longer URL silently, leaving the source waiting for it until the crawl ends.
        max_length = self.crawler.settings.getint("URLLENGTH_LIMIT")
        links: list[str] = []
        for link in entry_links_needing_page(response.body, self._max_linked_pages)[: self._max_linked_pages]:
            url = safe_url(link, base=response.url)  # http(s) only; the guard checks the address
            if url and len(url) > max_length:
                result.linked_errors[url] = f"refused: URL longer than {max_length} characters"
            elif url and url not in links:
                links.append(url)
        return [
            Request(
                url,
                callback=self._linked_fetched,
                errback=self._linked_failed,
                dont_filter=True,
                meta={meta.SOURCE_ID: job.source_id, meta.LINKED_PAGE: url},
            )
            for url in links
        ]

    def _linked_fetched(self, response: Response) -> None:
        progress = self._open.get(response.meta[meta.SOURCE_ID])
        if progress is None or progress.result is None:
            return
        url = response.meta[meta.LINKED_PAGE]
        progress.result.linked[url] = response.body
        self._link_done(progress, url)

    def _linked_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        progress = self._open.get(request.meta[meta.SOURCE_ID])
        if progress is None or progress.result is None:
            return
        url = request.meta[meta.LINKED_PAGE]
        progress.result.linked_errors[url] = self._describe(failure)
        self._link_done(progress, url)

    def _link_done(self, progress: _Progress, url: str) -> None:
        progress.pending_links.discard(url)
        if not progress.pending_links:
            self._finish(progress)

    def _source_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        progress = self._open.get(request.meta[meta.SOURCE_ID])
        if progress is None:
            return
        exc = cast(BaseException, failure.value)  # an errback's Failure always holds its exception
        status = exc.response.status if isinstance(exc, HttpError) else None
        result = progress.job.failed(self._describe(failure))
        result.http_status = status
        result.unreachable = is_unreachable(exc)
        if status == 410:
            result.outcome = "gone"
        progress.result = result
        self._finish(progress)

    def _describe(self, failure: Failure) -> str:
        request = failure.request  # type: ignore[attr-defined]
        return describe_failure(cast(BaseException, failure.value), request, timeout=self._timeout, max_bytes=self._max_bytes)

    def _finish(self, progress: _Progress) -> None:
        self._open.pop(progress.job.source_id, None)
        result = progress.result or progress.job.failed("no result")
        result.seconds = time.monotonic() - progress.started
        self._reported.add(progress.job.source_id)
        self._report(result)

    def _closed(self, spider: Spider, reason: str) -> None:
        """Report every source the crawl ended without finishing, so none is silently missing."""
        for job in self._jobs:
            if job.source_id in self._reported:
                continue
            progress = self._open.get(job.source_id) or _Progress(job, started=time.monotonic())
            if progress.result is None:
                progress.result = job.failed(f"the crawl ended ({reason}) before this source finished")
            for url in progress.pending_links:
                progress.result.linked_errors[url] = f"the crawl ended ({reason}) before this page arrived"
            self._finish(progress)
