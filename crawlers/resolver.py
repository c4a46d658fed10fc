"""The DNS resolver every connection of the crawl goes through: refuses non-public answers.

Installed with the TWISTED_DNS_RESOLVER setting. Twisted's HTTP agent connects to exactly the
addresses this resolver hands it, so checking them here checks the address actually connected to:
a name that answered a public address to `AddressGuardMiddleware` and a private one a moment later
(DNS rebinding) is still refused. A refused lookup is delivered as "no addresses", which Twisted
reports as a DNS lookup failure; nothing is ever sent to the refused address.

It also bounds every lookup by DNS_TIMEOUT, which Twisted's getaddrinfo resolver does not. An IP
literal is answered at once, through the same check: Twisted's resolver would hand it to getaddrinfo
in its thread pool, a round trip per connection that only returns the literal itself.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Sequence
from typing import Any

from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.interfaces import IAddress, IHostnameResolver, IHostResolution, IResolutionReceiver
from zope.interface import implementer

from pyevents.crawlers.addresses import AddressPolicy

logger = logging.getLogger(__name__)


@implementer(IResolutionReceiver)
class _CheckingReceiver:
    """Collects one lookup's answers and passes them on only if the policy accepts all of them."""

    def __init__(self, receiver: IResolutionReceiver, host: str, port: int, policy: AddressPolicy) -> None:
        self._receiver = receiver
        self._host = host
        self._port = port
        self._policy = policy
        self._addresses: list[IAddress] = []
        self.finished = False
        self.timer: Any = None  # the DNS_TIMEOUT call, cancelled when the lookup completes

    def resolutionBegan(self, resolution: IHostResolution) -> None:  # noqa: N802 (Twisted interface)
        self._receiver.resolutionBegan(resolution)

    def addressResolved(self, address: IAddress) -> None:  # noqa: N802
        if not self.finished:
            self._addresses.append(address)

    def resolutionComplete(self) -> None:  # noqa: N802
        if self.finished:
            return
        self.finished = True
        if self.timer is not None and self.timer.active():
            self.timer.cancel()
        refusal = self._policy.refusal(self._host, self._port, [a.host for a in self._addresses])  # type: ignore[attr-defined]
        if refusal:
            logger.warning("%s (at connect time)", refusal)
        else:
            for address in self._addresses:
                self._receiver.addressResolved(address)
        self._receiver.resolutionComplete()

    def give_up(self) -> None:
        """The lookup took longer than DNS_TIMEOUT: answer "no addresses" and ignore late answers."""
        if not self.finished:
            self._addresses = []
            self.resolutionComplete()


@implementer(IHostResolution)
class _LiteralResolution:
    """The resolution of an IP literal: already complete, so there is nothing to cancel."""

    def __init__(self, name: str) -> None:
        self.name = name

    def cancel(self) -> None:
        return None


def _ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address `host` spells, if it is an IP literal without a zone id (a zone needs the system's lookup)."""
    if "%" in host:
        return None
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


@implementer(IHostnameResolver)
class SafeHostnameResolver:
    def __init__(self, reactor: Any, policy: AddressPolicy, timeout: float) -> None:
        self._reactor = reactor
        self._system = reactor.nameResolver  # the reactor's getaddrinfo resolver, before we replace it
        self._policy = policy
        self._timeout = timeout

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> SafeHostnameResolver:
        # `crawler` is the AsyncCrawlerProcess here (Scrapy builds resolvers from the process settings).
        settings = crawler.settings
        policy = AddressPolicy.from_host_ports(settings.getlist("PYEVENTS_ALLOW_PRIVATE_HOSTS"))
        return cls(reactor, policy, settings.getfloat("DNS_TIMEOUT"))

    def install_on_reactor(self) -> None:
        self._reactor.installNameResolver(self)

    def resolveHostName(  # noqa: N802 (Twisted interface)
        self,
        resolutionReceiver: IResolutionReceiver,  # noqa: N803
        hostName: str,  # noqa: N803
        portNumber: int = 0,  # noqa: N803
        addressTypes: Sequence[type[IAddress]] | None = None,  # noqa: N803
        transportSemantics: str = "TCP",  # noqa: N803
    ) -> IHostResolution:
        checker = _CheckingReceiver(resolutionReceiver, hostName, portNumber, self._policy)
        ip = _ip_literal(hostName)
        if ip is not None:
            literal = _LiteralResolution(hostName)
            checker.resolutionBegan(literal)
            kind: type[IPv4Address] | type[IPv6Address] = IPv4Address if ip.version == 4 else IPv6Address
            if addressTypes is None or kind in addressTypes:  # else the caller asked for the other family only
                checker.addressResolved(kind("TCP", str(ip), portNumber))
            checker.resolutionComplete()
            return literal
        checker.timer = self._reactor.callLater(self._timeout, checker.give_up)
        resolution: IHostResolution = self._system.resolveHostName(
            checker, hostName, portNumber, addressTypes, transportSemantics
        )
        return resolution
