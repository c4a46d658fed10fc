"""Outages are named, not waited out: a host that cannot be resolved or connected to is tried once per run,
and every other source on it fails at once with the same reason. The crawl's own counters (name lookups,
requests handed to the downloader, per host) bound the work; no assertion reads a clock."""

from __future__ import annotations

import asyncio
import socket
from collections import defaultdict

from pyevents.config import Config
from pyevents.crawlers.fetch import CrawlerChild
from pyevents.crawlers.jobs import SourceJob
from pyevents.pipeline.model import FetchResult
from tests.crawlers.loopback import config_for

HOSTS = [f"calendars-{n}.outage.invalid" for n in range(10)]


def _crawl(config: Config) -> tuple[dict[str, FetchResult], dict[str, dict[str, int]]]:
    with CrawlerChild() as child:
        results = child.crawl(config.crawl_settings(), [SourceJob.for_source(s, None) for s in config.sources], None)
    return results, child.counts


def _reasons_by(results: dict[str, FetchResult], key: dict[str, str]) -> dict[str, set[str | None]]:
    reasons: dict[str, set[str | None]] = defaultdict(set)
    for sid, result in results.items():
        reasons[key[sid]].add(result.error)
    return reasons


def test_forty_sources_on_ten_unresolvable_hosts_look_each_host_up_once() -> None:
    host_of = {f"s{n}": HOSTS[n % 10] for n in range(40)}
    # A politeness delay and retries as in production: a source waiting for its turn would show in the counters.
    config = config_for([], {sid: f"https://{host}/{sid}.ics" for sid, host in host_of.items()},
                        delay_seconds=5.0, retries=2)  # fmt: skip
    results, counts = _crawl(config)
    assert counts["lookups"] == dict.fromkeys(HOSTS, 3)  # one first lookup per host, with its 2 retries
    assert counts["requests"] == {}  # nothing reached the downloader: no connection, no politeness delay
    assert sorted(results) == sorted(host_of)
    assert {(r.outcome, r.unreachable) for r in results.values()} == {("failed", True)}
    reasons = _reasons_by(results, host_of)
    for host in HOSTS:  # the four sources of a host share one reason, which names it
        (reason,) = reasons[host]
        assert reason is not None and reason.startswith(f"cannot resolve {host}:") and reason.endswith("(3 attempts)")


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again: nothing listens there


def test_sources_on_loopback_ports_nothing_listens_on_connect_once_per_port() -> None:
    ports = sorted({_free_loopback_port() for _ in range(4)})
    port_of = {f"s{n}": ports[n % len(ports)] for n in range(3 * len(ports))}
    sources = {sid: f"http://127.0.0.1:{port}/{sid}.ics" for sid, port in port_of.items()}
    config = config_for([], sources, delay_seconds=5.0, retries=2)
    config.federation.allow_private_hosts.extend(f"127.0.0.1:{port}" for port in ports)
    results, counts = _crawl(config)
    assert counts["lookups"] == {}  # IP literals are never looked up
    assert counts["requests"] == {f"127.0.0.1:{port}": 1 for port in ports}  # robots.txt, once; then nothing
    assert {(r.outcome, r.unreachable) for r in results.values()} == {("failed", True)}
    reasons = _reasons_by(results, {sid: str(port) for sid, port in port_of.items()})
    for port in ports:
        (reason,) = reasons[str(port)]
        assert reason is not None and "robots.txt unreachable" in reason and "could not connect" in reason


def test_the_name_server_counts_as_gone_after_three_unanswered_names_and_none_resolved() -> None:
    """With no network every lookup waits out its timeout; after RESOLVER_SILENT_HOSTS such names (and no
    name resolved) the rest fail at once. One resolved name means the name server works: no such verdict."""
    from pyevents.crawlers.reachability import RESOLVER_SILENT_HOSTS, Reachability

    async def verdicts() -> tuple[list[bool], bool]:
        gone = Reachability()
        seen = []
        for index in range(RESOLVER_SILENT_HOSTS):
            gone.lookup_unanswered(f"silent{index}.example")
            seen.append(gone.resolver_gone().is_set())
        gone.lookup_unanswered("silent0.example")  # the same name again counts once
        works = Reachability()
        works.lookup_answered()
        for index in range(2 * RESOLVER_SILENT_HOSTS):
            works.lookup_unanswered(f"silent{index}.example")
        return seen, works.resolver_gone().is_set()

    seen, works_gone = asyncio.run(verdicts())
    assert seen == [False] * (RESOLVER_SILENT_HOSTS - 1) + [True]
    assert works_gone is False
