"""The connect-time resolver: the addresses Twisted connects to are the ones it lets through."""

from __future__ import annotations

from typing import Any

from twisted.internet.address import IPv4Address
from twisted.internet.task import Clock

from pyevents.crawlers.addresses import AddressPolicy
from pyevents.crawlers.resolver import SafeHostnameResolver


class _Receiver:
    def __init__(self) -> None:
        self.addresses: list[str] = []
        self.completed = 0

    def resolutionBegan(self, resolution: Any) -> None:  # noqa: N802
        pass

    def addressResolved(self, address: Any) -> None:  # noqa: N802
        self.addresses.append(address.host)

    def resolutionComplete(self) -> None:  # noqa: N802
        self.completed += 1


class _SystemResolver:
    """Answers from a table; `None` means the answer never comes (a hanging DNS server)."""

    def __init__(self, answers: dict[str, list[str] | None]) -> None:
        self.answers = answers
        self.receivers: list[Any] = []

    def resolveHostName(self, receiver: Any, host: str, port: int = 0, *_: Any) -> Any:  # noqa: N802
        self.receivers.append(receiver)
        receiver.resolutionBegan(object())
        answer = self.answers[host]
        if answer is not None:
            for address in answer:
                receiver.addressResolved(IPv4Address("TCP", address, port))
            receiver.resolutionComplete()
        return object()


class _Reactor(Clock):
    def __init__(self, system: _SystemResolver) -> None:
        super().__init__()
        self.system = system
        self.nameResolver: Any = system

    def installNameResolver(self, resolver: Any) -> None:  # noqa: N802
        self.nameResolver = resolver


def _resolve(
    answers: dict[str, list[str] | None], host: str, port: int = 80, allowed: list[str] | None = None
) -> tuple[_Reactor, _Receiver]:
    reactor = _Reactor(_SystemResolver(answers))
    resolver = SafeHostnameResolver(reactor, AddressPolicy.from_host_ports(allowed or []), timeout=5.0)
    resolver.install_on_reactor()
    receiver = _Receiver()
    reactor.nameResolver.resolveHostName(receiver, host, port)
    return reactor, receiver


def test_public_answers_pass_through() -> None:
    reactor, receiver = _resolve({"example.org": ["93.184.215.14"]}, "example.org")
    assert (receiver.addresses, receiver.completed) == (["93.184.215.14"], 1)
    assert reactor.getDelayedCalls() == []  # the timeout was cancelled


def test_a_name_rebound_to_a_private_address_gets_no_address_at_all() -> None:
    # The guard saw a public answer earlier; at connect time the name answers a private one too.
    _, receiver = _resolve({"rebind.example": ["93.184.215.14", "10.0.0.5"]}, "rebind.example")
    assert (receiver.addresses, receiver.completed) == ([], 1)


def test_allowed_host_port_may_resolve_to_loopback() -> None:
    _, allowed = _resolve({"127.0.0.1": ["127.0.0.1"]}, "127.0.0.1", 8080, ["127.0.0.1:8080"])
    _, other_port = _resolve({"127.0.0.1": ["127.0.0.1"]}, "127.0.0.1", 8081, ["127.0.0.1:8080"])
    assert allowed.addresses == ["127.0.0.1"]
    assert other_port.addresses == []


def test_a_hanging_lookup_ends_after_the_dns_timeout_and_late_answers_are_ignored() -> None:
    reactor, receiver = _resolve({"slow.example": None}, "slow.example")
    assert receiver.completed == 0
    reactor.advance(5.0)
    assert (receiver.addresses, receiver.completed) == ([], 1)
    (late,) = reactor.system.receivers  # the system resolver answers after all
    late.addressResolved(IPv4Address("TCP", "93.184.215.14", 80))
    late.resolutionComplete()
    assert (receiver.addresses, receiver.completed) == ([], 1)


def test_an_ip_literal_is_answered_at_once_and_still_checked() -> None:
    # An empty table: asking the system resolver would raise KeyError.
    reactor, public = _resolve({}, "93.184.215.14")
    assert (public.addresses, public.completed) == (["93.184.215.14"], 1)
    assert reactor.system.receivers == [] and reactor.getDelayedCalls() == []
    _, private = _resolve({}, "10.0.0.5")
    _, mapped = _resolve({}, "::ffff:127.0.0.1")
    _, allowed = _resolve({}, "127.0.0.1", 8080, ["127.0.0.1:8080"])
    assert (private.addresses, private.completed) == ([], 1)
    assert (mapped.addresses, mapped.completed) == ([], 1)
    assert allowed.addresses == ["127.0.0.1"]


def test_an_ip_literal_of_the_other_family_than_asked_gets_no_address() -> None:
    from twisted.internet.address import IPv6Address

    reactor = _Reactor(_SystemResolver({}))
    resolver = SafeHostnameResolver(reactor, AddressPolicy(), timeout=5.0)
    v4_only, v6_only = _Receiver(), _Receiver()
    resolver.resolveHostName(v4_only, "2606:2800:220:1::1", 443, [IPv4Address])
    resolver.resolveHostName(v6_only, "2606:2800:220:1::1", 443, [IPv6Address])
    assert (v4_only.addresses, v4_only.completed) == ([], 1)
    assert (v6_only.addresses, v6_only.completed) == (["2606:2800:220:1::1"], 1)
