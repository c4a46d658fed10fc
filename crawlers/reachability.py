"""Outages are named, not waited out: a host that cannot be resolved or connected to is tried once per run.

`Reachability` is the crawl's record of what it learned about hosts, shared by `AddressGuardMiddleware`
(name lookups) and `RobotsGateMiddleware` (the first connection to an origin is its robots.txt):

- The first request to a host name looks the name up, with the crawl's bounded retries; every other
  request to that host waits for that lookup instead of starting its own. When it fails, they all fail
  at once with the same reason: no further lookup, connection or politeness delay for that host.
- A robots.txt that could not be connected to marks its host:port the same way.
- When the name server itself stops answering (RESOLVER_SILENT_HOSTS names got no answer in time,
  and no name resolved), every lookup still waiting or yet to come fails at once: with no network,
  each would otherwise wait out its own timeouts.

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


RESOLVER_SILENT_HOSTS = 3  # names without an answer, and none resolved: the name server is gone for this run
RESOLVER_SILENT = "the name server does not answer (is the network down?)"


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
        self._silent_hosts: set[str] = set()  # names whose lookup got no answer in time
        self._resolved = False  # some name resolved: the name server works
        self._resolver_gone: asyncio.Event | None = None

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

    def resolver_gone(self) -> asyncio.Event:
        """Set once the name server is known to be gone for this run (see the module docstring)."""
        if self._resolver_gone is None:
            self._resolver_gone = asyncio.Event()
        return self._resolver_gone

    def lookup_answered(self) -> None:
        self._resolved = True

    def lookup_unanswered(self, host: str) -> None:
        self._silent_hosts.add(host)
        if not self._resolved and len(self._silent_hosts) >= RESOLVER_SILENT_HOSTS:
            self.resolver_gone().set()

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
