"""Building a source's `FetchResult` from the response Scrapy delivered."""

from __future__ import annotations

from scrapy.http import Response

from pyevents.crawlers.jobs import SourceJob
from pyevents.pipeline.model import FetchResult
from pyevents.pipeline.normalize.text import clean_text

PERMANENT_REDIRECTS = (301, 308)


def result_from_response(job: SourceJob, response: Response) -> FetchResult:
    """ok (2xx, body kept) or not_modified (304), with validators, content type and any permanent move."""
    redirect_urls: list[str] = response.meta.get("redirect_urls", [])
    reasons: list[int | str] = response.meta.get("redirect_reasons", [])
    moved_to = permanent_target(redirect_urls, reasons, response.url)
    result = FetchResult(
        source_id=job.source_id,
        outcome="not_modified" if response.status == 304 else "ok",
        url=job.url,
        final_url=response.url,
        moved_to=moved_to if moved_to != job.url else None,
        http_status=response.status,
        content_type=_header(response, b"Content-Type"),
        http_etag=_header(response, b"ETag"),
        http_last_modified=_header(response, b"Last-Modified"),
    )
    if response.status == 304:
        # A 304 may omit the validators; the ones we sent are still current.
        result.http_etag = result.http_etag or job.etag
        result.http_last_modified = result.http_last_modified or job.last_modified
    else:
        result.body = response.body
    return result


def permanent_target(redirect_urls: list[str], reasons: list[int | str], final_url: str) -> str | None:
    """Where the leading run of permanent redirects (301/308) led, or None if the first hop was not one.

    `redirect_urls` are the URLs requested before each redirect (Scrapy's meta), so hop i led to
    redirect_urls[i + 1], and the last hop to `final_url`. A temporary hop ends the permanent run:
    A -301-> B -302-> C moved A to B, not to C.
    """
    targets = [*redirect_urls[1:], final_url]
    moved = None
    for target, reason in zip(targets, reasons):
        if reason not in PERMANENT_REDIRECTS:
            break
        moved = target
    return moved


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    if not value:
        return None
    return clean_text(value.decode("latin-1"), single_line=True) or None
