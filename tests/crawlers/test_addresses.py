"""The address policy: which IPs are refused, and the allow list of host:port pairs."""

from __future__ import annotations

import pytest

from pyevents.crawlers.addresses import AddressPolicy, address_problem


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("127.0.0.1", "a loopback address"),
        ("127.0.0.2", "a loopback address"),
        ("::1", "a loopback address"),
        ("10.0.0.5", "a private address"),
        ("172.16.3.4", "a private address"),
        ("192.168.1.1", "a private address"),
        ("fd00::1", "a private address"),
        ("169.254.169.254", "a link-local address"),
        ("fe80::1%eth0", "a link-local address"),
        ("224.0.0.1", "a multicast address"),
        ("ff02::1", "a multicast address"),
        ("0.0.0.0", "an unspecified address"),
        ("::", "an unspecified address"),
        ("240.0.0.1", "a private address"),  # reserved; ipaddress also calls it private
        ("100.64.0.1", "a non-public address"),  # carrier-grade NAT
        ("::ffff:127.0.0.1", "a loopback address"),  # IPv4-mapped
        ("::ffff:10.0.0.1", "a private address"),
        ("2002:a00:1::", "a private address"),  # 6to4 around 10.0.0.1
        ("not-an-ip", "not an IP address"),
    ],
)
def test_non_public_addresses_have_a_named_problem(address: str, problem: str) -> None:
    assert address_problem(address) == problem


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "8.8.8.8"])
def test_public_addresses_pass(address: str) -> None:
    assert address_problem(address) is None


def test_allow_list_is_host_and_port_exactly() -> None:
    policy = AddressPolicy.from_host_ports(["127.0.0.1:8080", "[::1]:9000", "Demo.Local:80"])
    assert policy.refusal("127.0.0.1", 8080, ["127.0.0.1"]) is None
    assert policy.refusal("::1", 9000, ["::1"]) is None
    assert policy.refusal("demo.local", 80, ["192.168.0.2"]) is None
    assert policy.refusal("127.0.0.1", 8081, ["127.0.0.1"]) == "refused: 127.0.0.1 is a loopback address"
    assert policy.refusal("127.0.0.2", 8080, ["127.0.0.2"]) == "refused: 127.0.0.2 is a loopback address"


def test_every_resolved_address_is_checked() -> None:
    policy = AddressPolicy()
    assert policy.refusal("mixed.example", 443, ["93.184.215.14", "10.1.2.3"]) == (
        "refused: mixed.example resolves to 10.1.2.3, a private address"
    )
    assert policy.refusal("public.example", 443, ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]) is None
