"""Outages are named, not waited out: a host that cannot be resolved or connected to is tried once per run.

`Reachability` is the crawl's record of what it learned about hosts, shared by `AddressGuardMiddleware`
(name lookups) and `RobotsGateMiddleware` (the first connection to an origin is its robots.txt):

- The first request to a host name looks the name up, with the crawl's bounded retries; every other
  request to that host waits for that lookup instead of starting its own. When it fails, they all fail
  at once with the same reason: no further lookup, connection or politeness delay for that host.
- A robots.txt that could not be connected to marks its host:port the same way.

It also counts what the crawl did per host (name lookups, requests handed to the downloader), which
the crawler child sends back to the parent with its results.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from scrapy.exceptions import CannotResolveHostError, DownloadConnectionRefusedError
from scrapy.http import Request
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.error import ConnectError, DNSLookupError

from pyevents.crawlers.addresses import DEFAULT_PORTS
from pyevents.crawlers.errors import Refused

# Failures that mean "this host cannot be reached at all" (not: it answered badly, or slowly).
UNREACHABLE_ERRORS = (CannotResolveHostError, DNSLookupError, DownloadConnectionRefusedError, ConnectError)


class HostUnreachable(Refused):
    """A request not sent because its host could not be resolved or connected to this run; the message
    is the reason, the same for every source on that host."""


def is_unreachable(exc: BaseException) -> bool:
    return isinstance(exc, (HostUnreachable, *UNREACHABLE_ERRORS))


def reachability_of(crawler: Any) -> Reachability:
    """The crawl's shared `Reachability`: the sources spider's (a crawl without it gets its own)."""
    found = getattr(getattr(crawler, "spider", None), "reachability", None)
    return found if isinstance(found, Reachability) else Reachability()


class Reachability:
    """One crawl's knowledge of its hosts (see the module docstring); lives in the crawler's event loop."""

    def __init__(self) -> None:
        self._first_lookups: dict[str, asyncio.Future[str | None]] = {}  # host -> None, or why it failed
        self._unreachable: dict[tuple[str, int], str] = {}  # host:port -> why it could not be connected to
        self._lookups: Counter[str] = Counter()
        self._requests: Counter[str] = Counter()

    def refusal(self, host: str, port: int) -> str | None:
        """Why `host:port` is known to be unreachable this run, if it is (a settled failed lookup included)."""
        first = self._first_lookups.get(host)
        if first is not None and first.done() and first.result():
            return first.result()
        return self._unreachable.get((host, port))

    def mark_unreachable(self, host: str, port: int, reason: str) -> None:
        self._unreachable.setdefault((host, port), reason)

    def first_lookup(self, host: str) -> asyncio.Future[str | None] | None:
        """The future of the first lookup of `host` if one was started, else None after starting one: the
        caller then does that lookup and must `settle_lookup` it."""
        known = self._first_lookups.get(host)
        if known is None:
            self._first_lookups[host] = asyncio.get_running_loop().create_future()
        return known

    def settle_lookup(self, host: str, failure: str | None) -> None:
        known = self._first_lookups[host]
        if not known.done():
            known.set_result(failure)

    def count_lookup(self, host: str) -> None:
        self._lookups[host] += 1

    def count_request(self, request: Request) -> None:
        """A request reached the downloader (the `request_reached_downloader` signal)."""
        parts = urlparse_cached(request)
        if parts.hostname:
            self._requests[f"{parts.hostname}:{parts.port or DEFAULT_PORTS.get(parts.scheme, 0)}"] += 1

    def counts(self) -> dict[str, dict[str, int]]:
        """Plain data for the parent (which never imports Scrapy): name lookups by host name, requests
        sent by host:port."""
        return {"lookups": dict(self._lookups), "requests": dict(self._requests)}
