"""Downloader middlewares: where a request may go (scheme, address) and how long to wait when asked.

`AddressGuardMiddleware` runs first for every request Scrapy is about to send: the source's own
request, every redirect and meta-refresh target (Scrapy schedules those as new requests, so they
pass here again), robots.txt requests and feed entry pages. `SafeHostnameResolver` repeats the
address check at connect time (see `crawlers.resolver`). It also keeps outages short (see
`crawlers.reachability`): a host is looked up once, with bounded retries, before any other request
to it looks it up; a host that could not be resolved or connected to fails every request at once.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import email.utils
import functools
import ipaddress
import socket
from typing import Any

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import CannotResolveHostError
from scrapy.http import Request, Response
from scrapy.settings import BaseSettings
from scrapy.utils.httpobj import urlparse_cached

from pyevents.crawlers import meta
from pyevents.crawlers.addresses import DEFAULT_PORTS, AddressPolicy, never_resolves
from pyevents.crawlers.errors import Refused
from pyevents.crawlers.reachability import RESOLVER_SILENT, HostUnreachable, Reachability, reachability_of

RETRY_AFTER_STATUSES = (429, 503)
# Name lookups in flight at once: asyncio's default executor has cores + 4 threads, which a few names
# the name server leaves unanswered would fill for their whole timeout, holding up every other lookup.
LOOKUP_THREADS = 32


def _unanswered(cause: BaseException | None) -> bool:
    """A lookup the name server left without an answer (timed out, or "temporary failure"), not a "no such name"."""
    return isinstance(cause, asyncio.TimeoutError) or (isinstance(cause, socket.gaierror) and cause.errno == socket.EAI_AGAIN)


class AddressGuardMiddleware:
    """Refuses non-http(s) schemes (bar a configured file: source) and non-public addresses before connecting."""

    def __init__(self, policy: AddressPolicy, dns_timeout: float, reachability: Reachability, lookup_attempts: int) -> None:
        self._policy = policy
        self._dns_timeout = dns_timeout
        self._reachability = reachability
        self._lookup_attempts = lookup_attempts
        self._lookups = concurrent.futures.ThreadPoolExecutor(LOOKUP_THREADS, thread_name_prefix="pyevents-lookup")

    @classmethod
    def from_crawler(cls, crawler: Any) -> AddressGuardMiddleware:
        settings = crawler.settings
        policy = AddressPolicy.from_host_ports(settings.getlist("PYEVENTS_ALLOW_PRIVATE_HOSTS"))
        attempts = 1 + (settings.getint("RETRY_TIMES") if settings.getbool("RETRY_ENABLED") else 0)
        return cls(policy, settings.getfloat("DNS_TIMEOUT"), reachability_of(crawler), attempts)

    async def process_request(self, request: Request) -> None:
        parts = urlparse_cached(request)
        scheme = parts.scheme.lower()
        if scheme == "file":
            # The offline demo reads its configured file: URL; nothing else may lead to a file.
            if request.meta.get(meta.CONFIGURED_URL) == request.url and not request.meta.get("redirect_urls"):
                return None
            raise Refused("refused: a file: URL that is not the configured source URL")
        if scheme not in DEFAULT_PORTS:
            raise Refused(f"refused: {scheme or 'relative'}: URLs are not fetched")
        host = parts.hostname
        if not host:
            raise Refused("refused: URL without a host")
        port = parts.port or DEFAULT_PORTS[scheme]
        known = self._reachability.refusal(host, port)
        if known:
            raise HostUnreachable(known)
        if self._policy.is_allowed(host, port):
            return None
        refusal = self._policy.refusal(host, port, await self._addresses(host, port))
        if refusal:
            raise Refused(refusal)
        return None

    async def _addresses(self, host: str, port: int) -> list[str]:
        try:
            return [str(ipaddress.ip_address(host))]
        except ValueError:
            pass
        first = self._reachability.first_lookup(host)
        if first is None:  # this request looks the host up for the whole crawl
            failure = None
            try:
                return await self._first_lookup(host, port)
            except HostUnreachable as exc:
                failure = str(exc)
                raise
            finally:
                self._reachability.settle_lookup(host, failure)
        failure = await asyncio.shield(first)
        if failure:
            raise HostUnreachable(failure)
        return await self._lookup(host, port)

    async def _first_lookup(self, host: str, port: int) -> list[str]:
        """The lookup every other request to `host` waits for, with the crawl's retries (done here, back to
        back, as Scrapy's would be: a retry through the scheduler could wait behind the requests waiting
        for it, which hold the crawl's concurrency)."""
        why = "timed out"
        for _ in range(self._lookup_attempts):
            try:
                return await self._lookup(host, port)
            except CannotResolveHostError as exc:
                why = str(exc.__cause__ or "") or why
                if _unanswered(exc.__cause__):
                    self._reachability.lookup_unanswered(host)
        tries = f"{self._lookup_attempts} attempt{'s' if self._lookup_attempts > 1 else ''}"
        raise HostUnreachable(f"cannot resolve {host}: {why} ({tries})")

    async def _lookup(self, host: str, port: int) -> list[str]:
        self._reachability.count_lookup(host)
        if never_resolves(host):
            raise CannotResolveHostError(host) from OSError("names under .invalid never resolve (RFC 6761)")
        gone = self._reachability.resolver_gone()
        if gone.is_set():
            raise HostUnreachable(f"cannot resolve {host}: {RESOLVER_SILENT}")
        loop = asyncio.get_running_loop()
        lookup = loop.run_in_executor(self._lookups, functools.partial(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM))
        silence = asyncio.ensure_future(gone.wait())
        racing: set[asyncio.Future[Any]] = {lookup, silence}
        done, _ = await asyncio.wait(racing, timeout=self._dns_timeout, return_when=asyncio.FIRST_COMPLETED)
        silence.cancel()
        if lookup not in done:
            lookup.cancel()
            if silence in done:
                raise HostUnreachable(f"cannot resolve {host}: {RESOLVER_SILENT}")
            # Scrapy's retry middleware retries this like any failed lookup.
            raise CannotResolveHostError(f"{host}: timed out") from TimeoutError()
        try:
            infos = lookup.result()
        except OSError as exc:
            raise CannotResolveHostError(f"{host}: {exc}") from exc
        self._reachability.lookup_answered()
        return [str(info[4][0]) for info in infos]


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's retries, plus `Retry-After` on 429/503: wait that long (bounded) before the retry."""

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self._max_wait = settings.getfloat("PYEVENTS_MAX_RETRY_AFTER")

    async def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        if response.status in RETRY_AFTER_STATUSES and not request.meta.get("dont_retry", False):
            wait = retry_after_seconds(response.headers.get(b"Retry-After"), dt.datetime.now(dt.UTC))
            if wait is not None:
                if wait > self._max_wait:
                    raise Refused(f"HTTP {response.status}: asked to retry after {wait:.0f} s")
                retry = self._retry(request, f"HTTP {response.status} with Retry-After {wait:g}")
                if retry is None:
                    return response
                await asyncio.sleep(wait)
                return retry
        result: Request | Response = super().process_response(request, response)
        return result


def retry_after_seconds(value: bytes | None, now: dt.datetime) -> float | None:
    """Seconds to wait per a Retry-After header (delta-seconds or HTTP-date), or None if absent or unreadable."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(int(text))
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - now).total_seconds())
