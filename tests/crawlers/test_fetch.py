"""fetch_sources end to end against a loopback server: outcomes, conditional GET, redirects, the child process."""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from pathlib import Path

import pytest

from pyevents.crawlers.fetch import JOIN_SECONDS, CrawlerChild, fetch_sources
from pyevents.pipeline.model import FetchResult, SourceState
from tests.crawlers.loopback import Reply, by_id, config_for, serving

ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nEND:VCALENDAR\r\n"


def test_ok_fetch_then_etag_makes_the_second_fetch_a_304() -> None:
    # Two crawls in one test process: the reactor lives and dies in each call's child process.
    with serving() as srv:
        srv.routes["/cal.ics"] = [
            Reply(
                200,
                ICS,
                {
                    "Content-Type": "text/calendar; charset=utf-8",
                    "ETag": '"v1"',
                    "Last-Modified": "Mon, 02 Mar 2026 10:00:00 GMT",
                },
            ),
            Reply(304, b"", {"ETag": '"v1"'}),
        ]
        config = config_for([srv], {"cal": srv.url("/cal.ics")})
        first = by_id(fetch_sources(config.crawl_settings(), config.sources, {}), "cal")
        assert (first.outcome, first.http_status, first.body) == ("ok", 200, ICS)
        assert first.content_type == "text/calendar; charset=utf-8"
        assert (first.http_etag, first.http_last_modified) == ('"v1"', "Mon, 02 Mar 2026 10:00:00 GMT")
        assert first.seconds > 0

        state = SourceState("cal", url=first.url, http_etag=first.http_etag, http_last_modified=first.http_last_modified)
        second = by_id(fetch_sources(config.crawl_settings(), config.sources, {"cal": state}), "cal")
    assert (second.outcome, second.http_status, second.body) == ("not_modified", 304, None)
    assert (second.http_etag, second.http_last_modified) == ('"v1"', "Mon, 02 Mar 2026 10:00:00 GMT")
    first_hit, second_hit = srv.hits_for("/cal.ics")
    assert "if-none-match" not in first_hit.headers
    assert second_hit.headers["if-none-match"] == '"v1"'
    assert second_hit.headers["if-modified-since"] == "Mon, 02 Mar 2026 10:00:00 GMT"


def test_a_failing_source_does_not_stop_the_others() -> None:
    with serving() as srv:
        srv.routes["/broken.ics"] = Reply(500, b"oops")
        srv.routes["/good.ics"] = Reply(200, ICS)
        srv.routes["/gone.ics"] = Reply(410, b"gone")
        config = config_for(
            [srv],
            {
                "broken": srv.url("/broken.ics"),
                "good": srv.url("/good.ics"),
                "missing": srv.url("/missing.ics"),
                "gone": srv.url("/gone.ics"),
            },
        )
        seen: list[FetchResult] = []
        results = fetch_sources(config.crawl_settings(), config.sources, {}, on_progress=seen.append)
    assert sorted(r.source_id for r in seen) == ["broken", "gone", "good", "missing"]  # once per source
    assert (results["good"].outcome, results["good"].body) == ("ok", ICS)
    assert (results["broken"].outcome, results["broken"].error, results["broken"].http_status) == ("failed", "HTTP 500", 500)
    assert len(srv.hits_for("/broken.ics")) == 2  # retries: 1
    assert (results["missing"].outcome, results["missing"].error) == ("failed", "HTTP 404")
    assert (results["gone"].outcome, results["gone"].http_status) == ("gone", 410)


def test_permanent_redirect_sets_moved_to_and_temporary_does_not() -> None:
    with serving() as srv:
        srv.routes["/old.ics"] = Reply(301, b"", {"Location": "/new.ics"})
        srv.routes["/new.ics"] = Reply(302, b"", {"Location": "/today.ics"})
        srv.routes["/today.ics"] = Reply(200, ICS)
        srv.routes["/temp.ics"] = Reply(307, b"", {"Location": "/today.ics"})
        config = config_for([srv], {"moved": srv.url("/old.ics"), "temp": srv.url("/temp.ics")})
        results = fetch_sources(config.crawl_settings(), config.sources, {})
    moved, temp = results["moved"], results["temp"]
    assert (moved.outcome, moved.url, moved.final_url) == ("ok", srv.url("/old.ics"), srv.url("/today.ics"))
    assert moved.moved_to == srv.url("/new.ics")  # the permanent hop, not the temporary one after it
    assert (temp.outcome, temp.moved_to, temp.final_url) == ("ok", None, srv.url("/today.ics"))


def test_user_agent_names_the_federation_and_its_contact() -> None:
    with serving() as srv:
        srv.routes["/cal.ics"] = Reply(200, ICS)
        config = config_for([srv], {"cal": srv.url("/cal.ics")})
        fetch_sources(config.crawl_settings(), config.sources, {})
    agents = {h.headers["user-agent"] for h in srv.hits}
    assert agents == {config.user_agent}
    assert "mailto:ops@example.org" in config.user_agent and "https://events.example.org/" in config.user_agent
    assert {h.path for h in srv.hits} == {"/robots.txt", "/cal.ics"}


def test_file_url_is_read_when_it_is_the_configured_source(tmp_path: Path) -> None:
    calendar = tmp_path / "demo.ics"
    calendar.write_bytes(ICS)
    config = config_for([], {"demo": calendar.as_uri()})
    result = by_id(fetch_sources(config.crawl_settings(), config.sources, {}), "demo")
    assert (result.outcome, result.body, result.error) == ("ok", ICS, None)


def test_feed_entry_pages_are_fetched_within_the_limit() -> None:
    with serving() as srv:
        pages = ["/events/café.html", "/events/2.html", "/events/3.html"]  # the first is re-escaped by Scrapy
        items = "".join(
            f"<item><title>Meetup {n}</title><link>{srv.url(page)}</link><description>See the page.</description></item>"
            for n, page in enumerate(pages)
        )
        srv.routes["/feed.rss"] = Reply(
            200,
            f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Group</title>'
            f"<link>{srv.url('/')}</link>{items}</channel></rss>".encode(),
            {"Content-Type": "application/rss+xml"},
        )
        srv.routes["/events/caf%C3%A9.html"] = Reply(200, b"<html>one</html>", {"Content-Type": "text/html"})
        srv.routes["/events/2.html"] = Reply(500, b"down")
        config = config_for([srv], {"feed": srv.url("/feed.rss")}, source_type="feed", max_linked_pages=2)
        result = by_id(fetch_sources(config.crawl_settings(), config.sources, {}), "feed")
    assert result.outcome == "ok"
    assert result.linked == {srv.url("/events/café.html"): b"<html>one</html>"}
    assert result.linked_errors == {srv.url("/events/2.html"): "HTTP 500"}
    assert srv.hits_for("/events/3.html") == []  # beyond max_linked_pages


def test_a_crash_of_the_child_fails_the_unfinished_sources_instead_of_raising() -> None:
    with serving() as srv:
        srv.routes["/fast.ics"] = Reply(200, ICS)
        srv.routes["/slow.ics"] = Reply(200, ICS, hold=threading.Event())  # still unanswered when the crawler dies
        config = config_for(
            [srv], {"fast": srv.url("/fast.ics"), "slow": srv.url("/slow.ics")}, per_host_concurrency=2, timeout_seconds=10.0
        )

        def kill_the_crawler(result: FetchResult) -> None:
            if result.source_id == "fast":
                (child,) = [p for p in multiprocessing.active_children() if p.name == "pyevents-crawl"]
                os.kill(child.pid, signal.SIGKILL)

        results = fetch_sources(config.crawl_settings(), config.sources, {}, on_progress=kill_the_crawler)
    assert results["fast"].outcome == "ok"
    assert results["slow"].outcome == "failed"
    assert results["slow"].error == "the crawler process ended (exit code -9) before this source finished"


def test_scrapy_warnings_reach_the_scrapy_logger_and_nothing_reaches_stdout(
    capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    with serving() as srv:
        srv.routes["/big.ics"] = Reply(200, b"x" * 5000)
        config = config_for([srv], {"big": srv.url("/big.ics")}, max_bytes=2048)
        with caplog.at_level(logging.WARNING):
            result = by_id(fetch_sources(config.crawl_settings(), config.sources, {}), "big")
    assert result.error == "exceeded 2048 bytes"
    scrapy_records = [r for r in caplog.records if r.name.startswith("scrapy.")]
    assert any("larger than download max size (2048)" in r.getMessage() for r in scrapy_records)
    assert all(r.levelno >= logging.WARNING for r in scrapy_records)
    assert capfd.readouterr().out == ""


def test_no_sources_starts_no_crawl() -> None:
    assert fetch_sources(config_for([], {}).crawl_settings(), [], {}) == {}


def _crawl_children() -> list[multiprocessing.Process]:
    return [p for p in multiprocessing.active_children() if p.name == "pyevents-crawl"]


def test_a_child_started_before_the_sources_are_known_crawls_them_once() -> None:
    with serving() as srv:
        srv.routes["/cal.ics"] = Reply(200, ICS, {"ETag": '"v1"'})
        config = config_for([srv], {"cal": srv.url("/cal.ics")})
        with CrawlerChild() as crawler:
            seen: list[FetchResult] = []
            result = by_id(
                fetch_sources(config.crawl_settings(), config.sources, {}, on_progress=seen.append, crawler=crawler), "cal"
            )
            (child,) = _crawl_children() or [None]
            if child is not None:  # the child ends by itself after its crawl (reaped when the context ends)
                child.join(timeout=JOIN_SECONDS)
                assert child.exitcode == 0
            with pytest.raises(RuntimeError, match="crawls once"):
                fetch_sources(config.crawl_settings(), config.sources, {}, crawler=crawler)
    assert (result.outcome, result.body, result.http_etag) == ("ok", ICS, '"v1"')
    assert [r.source_id for r in seen] == ["cal"]
    assert len(srv.hits_for("/cal.ics")) == 1


def test_a_child_that_never_crawls_ends_at_once_without_a_request(monkeypatch: pytest.MonkeyPatch) -> None:
    joins: list[float | None] = []  # the timeout of every join of the child: a bounded wait shows as a number
    process_class = multiprocessing.get_context("spawn").Process
    join = process_class.join

    def recording_join(process: multiprocessing.process.BaseProcess, timeout: float | None = None) -> None:
        joins.append(timeout)
        join(process, timeout)

    monkeypatch.setattr(process_class, "join", recording_join)
    with serving() as srv:
        srv.routes["/cal.ics"] = Reply(200, ICS)
        with CrawlerChild():
            (child,) = _crawl_children()
        assert _crawl_children() == []
    assert all(timeout is None for timeout in joins)  # never waited JOIN_SECONDS for a shutdown: ended, then reaped
    assert child.exitcode in (0, -signal.SIGTERM)  # it saw its request pipe close, or was ended
    assert srv.hits_for("/cal.ics") == []


def test_a_child_dead_before_its_request_fails_every_source() -> None:
    with serving() as srv:
        srv.routes["/cal.ics"] = Reply(200, ICS)
        config = config_for([srv], {"cal": srv.url("/cal.ics")})
        with CrawlerChild() as crawler:
            (child,) = _crawl_children()
            os.kill(child.pid, signal.SIGKILL)
            child.join()
            result = by_id(fetch_sources(config.crawl_settings(), config.sources, {}, crawler=crawler), "cal")
    assert result.outcome == "failed"
    assert result.error == "the crawler process ended (exit code -9) before this source finished"
