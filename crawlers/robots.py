"""robots.txt per RFC 9309, known before any other request to the same origin is sent.

Replaces Scrapy's RobotsTxtMiddleware, which (as pinned, 2.19) treats a 5xx robots.txt as allow-all.
Here robots.txt is fetched once per scheme://host:port; every request to that origin waits for it;
2xx is parsed with Protego (which Scrapy ships), 4xx means no rules (RFC 9309 §2.3.1.3) except 429,
and 429, 5xx or an unreachable robots.txt mean "fetch nothing from this origin this run" (§2.3.1.4).
A robots.txt that could not be resolved or connected to also marks its host:port unreachable for the
crawl (`crawlers.reachability`), so no other request to it is even looked up.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from protego import Protego
from scrapy.exceptions import NotConfigured
from scrapy.http import Request
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.httpobj import urlparse_cached

from pyevents.crawlers import meta
from pyevents.crawlers.addresses import DEFAULT_PORTS
from pyevents.crawlers.errors import Refused, describe_failure
from pyevents.crawlers.reachability import HostUnreachable, Reachability, is_unreachable, reachability_of

ROBOTS_PRIORITY = 1000  # ahead of every page request in the scheduler


@dataclass(frozen=True, slots=True)
class RobotsRules:
    """What one origin's robots.txt allows: parsed rules, everything, or nothing (with the reason)."""

    parser: Protego | None = None
    blocked: str | None = None  # set when nothing may be fetched from the origin this run
    unreachable: bool = False  # blocked because robots.txt could not be resolved or connected to

    def refusal(self, request: Request, user_agent: str) -> str | None:
        if self.blocked:
            return self.blocked
        if self.parser is None or self.parser.can_fetch(request.url, user_agent):
            return None
        parts = urlparse_cached(request)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return f"robots.txt disallows {path}"


def rules_from_response(status: int, body: bytes) -> RobotsRules:
    """The rules a robots.txt answer means, per RFC 9309."""
    if 200 <= status < 300:
        return RobotsRules(parser=Protego.parse(body.decode("utf-8", errors="replace")))
    if status == 429 or status >= 500:
        return RobotsRules(blocked=f"robots.txt answered {status}: not fetching this run")
    return RobotsRules()  # 3xx left unfollowed and 4xx: robots.txt is "unavailable", so no rules


class RobotsGateMiddleware:
    def __init__(self, crawler: Any, user_agent: str, max_bytes: int, timeout: float, reachability: Reachability) -> None:
        self._crawler = crawler
        self._user_agent = user_agent
        self._max_bytes = max_bytes
        self._timeout = timeout
        self._reachability = reachability
        self._rules: dict[str, asyncio.Future[RobotsRules]] = {}

    @classmethod
    def from_crawler(cls, crawler: Any) -> RobotsGateMiddleware:
        settings = crawler.settings
        if not settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured
        return cls(
            crawler,
            settings["ROBOTSTXT_USER_AGENT"],
            settings.getint("PYEVENTS_ROBOTS_MAX_BYTES"),
            settings.getfloat("DOWNLOAD_TIMEOUT"),
            reachability_of(crawler),
        )

    async def process_request(self, request: Request) -> None:
        if request.meta.get(meta.ROBOTS):
            return None
        parts = urlparse_cached(request)
        if parts.scheme not in ("http", "https"):
            return None  # file: sources have no robots.txt; other schemes never get this far
        origin = f"{parts.scheme}://{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"
        known = self._rules.get(origin)
        if known is None:
            # Registered before the first await, so concurrent requests to the origin find it and wait.
            known = asyncio.get_running_loop().create_future()
            self._rules[origin] = known
            try:
                host_port = parts.netloc.rpartition("@")[2]  # never send credentials to robots.txt
                known.set_result(await self._fetch_rules(f"{parts.scheme}://{host_port}/robots.txt"))
            finally:
                if not known.done():
                    known.set_result(RobotsRules(blocked="robots.txt fetch was interrupted: not fetching this run"))
        rules = await asyncio.shield(known)
        refusal = rules.refusal(request, self._user_agent)
        if refusal:
            raise HostUnreachable(refusal) if rules.unreachable else Refused(refusal)
        return None

    async def _fetch_rules(self, url: str) -> RobotsRules:
        robots_request = Request(
            url,
            priority=ROBOTS_PRIORITY,
            callback=NO_CALLBACK,
            dont_filter=True,
            meta={meta.ROBOTS: True, "dont_retry": True, "download_maxsize": self._max_bytes},
        )
        try:
            response = await self._crawler.engine.download_async(robots_request)
        except Exception as exc:  # noqa: BLE001 - any failure to read robots.txt means "unreachable"
            why = describe_failure(exc, robots_request, timeout=self._timeout, max_bytes=self._max_bytes)
            blocked = f"robots.txt unreachable ({why}): not fetching this run"
            if not is_unreachable(exc):
                return RobotsRules(blocked=blocked)
            parts = urlparse_cached(robots_request)
            self._reachability.mark_unreachable(parts.hostname or "", parts.port or DEFAULT_PORTS[parts.scheme], blocked)
            return RobotsRules(blocked=blocked, unreachable=True)
        return rules_from_response(response.status, response.body)
