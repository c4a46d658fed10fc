"""What the crawler is asked to do: the federation's crawl settings and one job per source (plain data, no
Scrapy import). The orchestration builds them from its configuration; the crawler child receives them pickled."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from pyevents.pipeline.model import FetchResult, SourceState


@dataclass(frozen=True, slots=True)
class CrawlSettings:
    """How the federation crawls: who it says it is, how politely, within which limits."""

    user_agent: str
    concurrency: int  # requests in flight over all hosts
    per_host_concurrency: int
    delay_seconds: float
    timeout_seconds: float
    max_bytes: int
    retries: int
    max_linked_pages: int  # feed entry pages followed per source
    allow_private_hosts: tuple[str, ...] = ()  # host:port pairs a private address is allowed for


class ConfiguredSource(Protocol):
    """A source as the configuration names it (the orchestration's SourceConfig is one)."""

    @property
    def id(self) -> str: ...

    @property
    def type(self) -> str: ...

    @property
    def url(self) -> str: ...


@dataclass(frozen=True, slots=True)
class SourceJob:
    source_id: str
    source_type: str
    url: str  # always the configured URL; a 301 recorded earlier does not change what is requested
    etag: str | None = None
    last_modified: str | None = None

    @classmethod
    def for_source(cls, source: ConfiguredSource, state: SourceState | None) -> SourceJob:
        """The job for `source`, with the validators of its last successful fetch for a conditional GET."""
        if state is None:
            return cls(source.id, source.type, source.url)
        return cls(source.id, source.type, source.url, state.http_etag, state.http_last_modified)

    def failed(self, error: str) -> FetchResult:
        """A failed result for this source with one human line saying why."""
        return FetchResult(source_id=self.source_id, outcome="failed", url=self.url, error=error)
