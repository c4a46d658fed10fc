"""Which network addresses the crawler may connect to.

Only globally routable unicast addresses are fetched. Private, loopback, link-local, multicast,
reserved, unspecified and shared (CGNAT) addresses are refused, including when they hide inside
an IPv4-mapped, 6to4 or Teredo IPv6 address; the one exception is a host:port pair the operator
listed in `federation.allow_private_hosts` (tests and demos on loopback).

Pure functions: the DNS resolver (`crawlers.resolver`) and the downloader middleware
(`crawlers.middlewares`) both ask this module, so the rule lives in one place.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
DEFAULT_PORTS = {"http": 80, "https": 443}
NEVER_RESOLVED_SUFFIX = ".invalid"  # RFC 6761 §6.4: lookups of it fail at once, without asking a name server


def never_resolves(host: str) -> bool:
    """Whether `host` is a name that no lookup may answer (the reserved .invalid top-level domain)."""
    return f".{host.lower().rstrip('.')}".endswith(NEVER_RESOLVED_SUFFIX)


def address_problem(address: str) -> str | None:
    """Why `address` (an IP literal) must not be connected to, as "a private address" etc.; None if fine."""
    try:
        ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    except ValueError:
        return "not an IP address"
    for embedded in _embedded_ipv4(ip):
        problem = address_problem(str(embedded))
        if problem:
            return problem
    # Order matters: the most specific name first (127.0.0.1 is also "private" to ipaddress).
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_private:
        return "a private address"
    if ip.is_reserved:
        return "a reserved address"
    if not ip.is_global:
        return "a non-public address"
    return None


def _embedded_ipv4(ip: IPAddress) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address forwards to (mapped, 6to4, Teredo client)."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return []
    found = [ip.ipv4_mapped, ip.sixtofour, ip.teredo[1] if ip.teredo else None]
    return [a for a in found if a is not None]


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(_normal_host(host))
    except ValueError:
        return False
    return True


def _normal_host(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Refuses non-public addresses except for the host:port pairs allowed by configuration."""

    allowed: frozenset[tuple[str, int]] = frozenset()

    @classmethod
    def from_host_ports(cls, items: Iterable[str]) -> AddressPolicy:
        """Build from "host:port" strings as `CrawlSettings.allow_private_hosts` holds them."""
        pairs = set()
        for item in items:
            host, _, port = item.rpartition(":")
            pairs.add((_normal_host(host), int(port)))
        return cls(frozenset(pairs))

    def is_allowed(self, host: str, port: int) -> bool:
        return (_normal_host(host), port) in self.allowed

    def refusal(self, host: str, port: int, addresses: Iterable[str]) -> str | None:
        """One human line saying why connecting to `host` at `addresses` is refused, or None.

        Every address is checked: a name resolving to one public and one private address is refused,
        since the connection could go to either.
        """
        if self.is_allowed(host, port):
            return None
        for address in addresses:
            problem = address_problem(address)
            if problem is None:
                continue
            if _is_ip_literal(host):
                return f"refused: {_normal_host(host)} is {problem}"
            return f"refused: {host} resolves to {address}, {problem}"
        return None
