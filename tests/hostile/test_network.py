"""Hostile network behaviour, served on loopback: each case asserts the exact outcome of its defence.

Only 127.0.0.1:<the test server's port> is allowed; every other address, including other loopback
ports and 127.0.0.2, must be refused before anything is sent to it.
"""

from __future__ import annotations

import gzip
import itertools
import threading
import zlib

import brotli

from pyevents.crawlers.fetch import fetch_sources
from tests.crawlers.loopback import Reply, config_for, serving

ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


def test_redirects_to_non_public_addresses_are_refused_before_connecting() -> None:
    with serving() as srv, serving("127.0.0.2") as other_ip, serving() as other_port:
        targets = {
            "to-127-0-0-2": (other_ip.url("/x.ics"), "refused: 127.0.0.2 is a loopback address"),
            "to-other-port": (other_port.url("/x.ics"), "refused: 127.0.0.1 is a loopback address"),
            "to-10-0-0-1": ("http://10.0.0.1/x.ics", "refused: 10.0.0.1 is a private address"),
            "to-metadata": ("http://169.254.169.254/latest/meta-data/", "refused: 169.254.169.254 is a link-local address"),
            "to-mapped": ("http://[::ffff:10.0.0.1]/x.ics", "refused: ::ffff:10.0.0.1 is a private address"),
        }
        for sid, (target, _) in targets.items():
            srv.routes[f"/{sid}"] = Reply(302, b"", {"Location": target})
        other_ip.routes["/x.ics"] = other_port.routes["/x.ics"] = Reply(200, ICS)
        config = config_for([srv], {sid: srv.url(f"/{sid}") for sid in targets})
        results = fetch_sources(config.crawl_settings(), config.sources, {})
    for sid, (_, error) in targets.items():
        assert (sid, results[sid].outcome, results[sid].error, results[sid].body) == (sid, "failed", error, None)
    assert other_ip.hits == [] and other_port.hits == []


def test_configured_urls_on_non_public_addresses_are_refused() -> None:
    with serving() as srv, serving() as other_port:
        other_port.routes["/x.ics"] = Reply(200, ICS)
        config = config_for(
            [srv],
            {
                "other-port": other_port.url("/x.ics"),
                "by-name": f"http://localhost:{srv.port}/x.ics",  # allowed as 127.0.0.1:port, not as a name
            },
        )
        results = fetch_sources(config.crawl_settings(), config.sources, {})
    assert results["other-port"].error == "refused: 127.0.0.1 is a loopback address"
    by_name = results["by-name"].error or ""
    assert by_name.startswith("refused: localhost resolves to ") and by_name.endswith("a loopback address")
    assert other_port.hits == [] and srv.hits == []


def test_meta_refresh_is_followed_only_to_allowed_addresses() -> None:
    def refresh_to(url: str) -> Reply:
        page = f'<html><head><meta http-equiv="refresh" content="0; url={url}"></head></html>'.encode()
        return Reply(200, page, {"Content-Type": "text/html"})

    with serving() as srv, serving("127.0.0.2") as other_ip:
        srv.routes["/to-private"] = refresh_to("http://10.0.0.1/cal.ics")
        srv.routes["/to-loopback"] = refresh_to(other_ip.url("/cal.ics"))
        srv.routes["/to-allowed"] = refresh_to(srv.url("/cal.ics"))
        srv.routes["/cal.ics"] = other_ip.routes["/cal.ics"] = Reply(200, ICS)
        config = config_for([srv], {p.strip("/"): srv.url(p) for p in ("/to-private", "/to-loopback", "/to-allowed")})
        results = fetch_sources(config.crawl_settings(), config.sources, {})
    assert results["to-private"].error == "refused: 10.0.0.1 is a private address"
    assert results["to-loopback"].error == "refused: 127.0.0.2 is a loopback address"
    assert (results["to-allowed"].outcome, results["to-allowed"].body) == ("ok", ICS)  # meta refresh does work
    assert other_ip.hits == []


def test_redirects_to_other_schemes_are_refused_and_loops_are_bounded() -> None:
    with serving() as srv:
        srv.routes["/cal.ics"] = Reply(302, b"", {"Location": "file:///etc/passwd"})
        srv.routes["/data.ics"] = Reply(301, b"", {"Location": "data:text/calendar,BEGIN:VCALENDAR"})
        srv.routes["/loop-a"] = Reply(302, b"", {"Location": "/loop-b"})
        srv.routes["/loop-b"] = Reply(302, b"", {"Location": "/loop-a"})
        config = config_for([srv], {"cal": srv.url("/cal.ics"), "data": srv.url("/data.ics"), "loop": srv.url("/loop-a")})
        results = fetch_sources(config.crawl_settings(), config.sources, {})
    assert (results["cal"].outcome, results["cal"].error, results["cal"].body) == (
        "failed",
        "refused: redirect to a file: URL",
        None,
    )
    assert (results["data"].outcome, results["data"].error) == ("failed", "refused: redirect to a data: URL")
    assert (results["loop"].outcome, results["loop"].error) == ("failed", "too many redirects")
    assert len(srv.hits_for("/loop-a")) + len(srv.hits_for("/loop-b")) == 6  # the first request and 5 redirects


def test_robots_disallow_is_obeyed_for_our_user_agent() -> None:
    with serving() as srv:
        srv.routes["/robots.txt"] = Reply(200, b"User-agent: somebot\nDisallow: /\n\nUser-agent: pyevents\nDisallow: /private/\n")
        srv.routes["/private/cal.ics"] = srv.routes["/public.ics"] = Reply(200, ICS)
        config = config_for([srv], {"private": srv.url("/private/cal.ics"), "public": srv.url("/public.ics")})
        results = fetch_sources(config.crawl_settings(), config.sources, {})
    assert (results["private"].outcome, results["private"].error) == ("failed", "robots.txt disallows /private/cal.ics")
    assert results["public"].outcome == "ok"
    assert srv.hits_for("/private/cal.ics") == []
    assert len(srv.hits_for("/robots.txt")) == 1  # once per host:port


def test_robots_5xx_means_nothing_is_fetched_this_run() -> None:
    with serving() as srv:
        srv.routes["/robots.txt"] = Reply(503, b"busy")
        srv.routes["/cal.ics"] = Reply(200, ICS)
        config = config_for([srv], {"cal": srv.url("/cal.ics")})
        result = fetch_sources(config.crawl_settings(), config.sources, {})["cal"]
    assert (result.outcome, result.error) == ("failed", "robots.txt answered 503: not fetching this run")
    assert [h.path for h in srv.hits] == ["/robots.txt"]


def test_robots_is_known_before_any_other_request_to_the_host() -> None:
    with serving() as srv:
        # a second in which a page request sent before robots.txt's answer would show
        srv.routes["/robots.txt"] = Reply(200, b"User-agent: *\nDisallow: /no/\n", delay=1.0)
        paths = ["/a.ics", "/b.ics", "/c.ics", "/no/d.ics"]
        for path in paths:
            srv.routes[path] = Reply(200, ICS)
        config = config_for(
            [srv], {p.strip("/").replace("/", "-").removesuffix(".ics"): srv.url(p) for p in paths}, per_host_concurrency=4
        )
        results = fetch_sources(config.crawl_settings(), config.sources, {})
    (robots,) = srv.hits_for("/robots.txt")
    assert robots.answered is not None
    pages = [h for h in srv.hits if h.path != "/robots.txt"]
    assert sorted(h.path for h in pages) == ["/a.ics", "/b.ics", "/c.ics"]
    assert all(h.arrived >= robots.answered for h in pages)
    assert results["no-d"].error == "robots.txt disallows /no/d.ics"


def test_one_request_at_a_time_per_host_with_the_delay_between() -> None:
    with serving() as srv:
        paths = [f"/{n}.ics" for n in range(3)]
        for path in paths:
            srv.routes[path] = Reply(200, ICS, delay=0.1)
        config = config_for([srv], {f"s{n}": srv.url(p) for n, p in enumerate(paths)}, per_host_concurrency=1, delay_seconds=0.4)
        results = fetch_sources(config.crawl_settings(), config.sources, {})
    assert {r.outcome for r in results.values()} == {"ok"}
    hits = sorted(srv.hits, key=lambda h: h.arrived)
    assert len(hits) == 4  # robots.txt and three calendars
    for before, after in itertools.pairwise(hits):
        assert before.answered is not None and after.arrived >= before.answered  # never two at once
        # The configured 0.4 s between request starts; arrivals jitter with connection set-up on a busy
        # machine, but without the delay they would come 0.1 s apart (the reply time).
        assert after.arrived - before.arrived >= 0.3, [(h.path, h.arrived - hits[0].arrived) for h in hits]


def test_retry_after_is_honoured_and_bounded() -> None:
    with serving() as srv:
        srv.routes["/busy.ics"] = [Reply(503, b"", {"Retry-After": "1"}), Reply(200, ICS)]
        srv.routes["/later.ics"] = Reply(429, b"", {"Retry-After": "3600"})
        config = config_for([srv], {"busy": srv.url("/busy.ics"), "later": srv.url("/later.ics")}, per_host_concurrency=2)
        results = fetch_sources(config.crawl_settings(), config.sources, {})
    assert (results["busy"].outcome, results["busy"].body) == ("ok", ICS)
    first, second = srv.hits_for("/busy.ics")
    assert second.arrived - first.arrived >= 1.0
    assert (results["later"].outcome, results["later"].error) == ("failed", "HTTP 429: asked to retry after 3600 s")
    assert len(srv.hits_for("/later.ics")) == 1


def test_slow_source_times_out_after_bounded_retries() -> None:
    with serving() as srv:
        srv.routes["/slow.ics"] = Reply(200, ICS, hold=threading.Event())  # answers only when the server stops
        config = config_for([srv], {"slow": srv.url("/slow.ics")}, timeout_seconds=0.5, retries=1)
        result = fetch_sources(config.crawl_settings(), config.sources, {})["slow"]
        hits = srv.hits_for("/slow.ics")
        assert [hit.answered for hit in hits] == [None, None]  # both attempts given up while still held
    assert (result.outcome, result.error) == ("failed", "timed out after 0.5 s (2 attempts)")


def test_oversized_bodies_are_stopped_at_max_bytes() -> None:
    with serving() as srv:
        srv.routes["/declared.ics"] = Reply(200, b"x" * 5000)
        srv.routes["/streamed.ics"] = Reply(200, b"x" * 5000, send_length=False)
        srv.routes["/fits.ics"] = Reply(200, b"x" * 2000)
        config = config_for(
            [srv],
            {p.strip("/").removesuffix(".ics"): srv.url(p) for p in ("/declared.ics", "/streamed.ics", "/fits.ics")},
            max_bytes=2048,
        )
        results = fetch_sources(config.crawl_settings(), config.sources, {})
    assert (results["declared"].outcome, results["declared"].error) == ("failed", "exceeded 2048 bytes")
    assert (results["streamed"].outcome, results["streamed"].error) == ("failed", "exceeded 2048 bytes")
    assert results["fits"].outcome == "ok" and len(results["fits"].body or b"") == 2000


def test_decompression_bombs_are_stopped_at_max_bytes_of_decompressed_size() -> None:
    bomb = b"\0" * 4_000_000
    compressed = {"gzip": gzip.compress(bomb), "deflate": zlib.compress(bomb), "br": brotli.compress(bomb)}
    assert all(len(body) < 20_000 for body in compressed.values())  # small on the wire
    with serving() as srv:
        for encoding, body in compressed.items():
            srv.routes[f"/{encoding}.ics"] = Reply(200, body, {"Content-Encoding": encoding})
        srv.routes["/small.ics"] = Reply(200, gzip.compress(ICS), {"Content-Encoding": "gzip"})
        config = config_for([srv], {e: srv.url(f"/{e}.ics") for e in [*compressed, "small"]}, max_bytes=100_000)
        results = fetch_sources(config.crawl_settings(), config.sources, {})
    for encoding in compressed:
        assert (encoding, results[encoding].outcome, results[encoding].error) == (
            encoding,
            "failed",
            "exceeded 100000 bytes once decompressed",
        )
    assert (results["small"].outcome, results["small"].body) == ("ok", ICS)
