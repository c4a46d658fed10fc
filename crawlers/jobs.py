"""What the crawler is asked to fetch for one source (plain data, no Scrapy import)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pyevents.pipeline.model import FetchResult, SourceState

if TYPE_CHECKING:
    from pyevents.config import SourceConfig


@dataclass(frozen=True, slots=True)
class SourceJob:
    source_id: str
    source_type: str
    url: str  # always the configured URL; a 301 recorded earlier does not change what is requested
    etag: str | None = None
    last_modified: str | None = None

    @classmethod
    def for_source(cls, source: SourceConfig, state: SourceState | None) -> SourceJob:
        """The job for `source`, with the validators of its last successful fetch for a conditional GET."""
        if state is None:
            return cls(source.id, source.type, source.url)
        return cls(source.id, source.type, source.url, state.http_etag, state.http_last_modified)

    def failed(self, error: str) -> FetchResult:
        """A failed result for this source with one human line saying why."""
        return FetchResult(source_id=self.source_id, outcome="failed", url=self.url, error=error)
