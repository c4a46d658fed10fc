"""A small threaded HTTP server on a loopback address for crawler tests, recording every request.

Routes map a path to one `Reply` or to a list of replies served in turn (the last one repeats).
Each request is recorded with its headers, the time it arrived and the time its reply was sent.
A reply with a `hold` waits until the test sets that event (or the server stops), so a test decides
when a slow server answers instead of guessing a delay.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pyevents.config import Config, CrawlConfig, FederationConfig, SourceConfig
from pyevents.pipeline.model import FetchResult

HOLD_LIMIT_SECONDS = 120.0  # a held reply forgotten by its test still ends


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (a window in which the client could misbehave)
    hold: threading.Event | None = None  # when set: answer only once the test (or `stop`) sets it
    send_length: bool = True  # False: no Content-Length, the body ends when the connection closes


@dataclass
class Hit:
    path: str
    headers: dict[str, str]
    arrived: float  # time.monotonic()
    answered: float | None = None


class LoopbackServer:
    def __init__(self, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None) -> None:
        self.routes: dict[str, Reply | list[Reply]] = {}
        self.hits: list[Hit] = []
        self._served: dict[str, int] = {}
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((host, 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False  # a deliberately slow reply must not hold up the test's end
        if tls is not None:
            self._httpd.socket = tls.wrap_socket(self._httpd.socket, server_side=True)
        self.scheme = "https" if tls is not None else "http"
        self.host, self.port = host, self._httpd.server_address[1]

    @property
    def host_port(self) -> str:
        return f"{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return f"{self.scheme}://{self.host}:{self.port}{path}"

    def hits_for(self, path: str) -> list[Hit]:
        return [h for h in self.hits if h.path == path]

    def next_reply(self, path: str) -> Reply:
        with self._lock:
            route = self.routes.get(path)
            if route is None:
                return Reply(404, b"not found")
            if isinstance(route, Reply):
                return route
            index = self._served.get(path, 0)
            self._served[path] = index + 1
            return route[min(index, len(route) - 1)]

    def record(self, hit: Hit) -> None:
        with self._lock:
            self.hits.append(hit)

    def start(self) -> None:
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        for route in self.routes.values():
            for reply in route if isinstance(route, list) else [route]:
                if reply.hold is not None:
                    reply.hold.set()  # held replies end with the server
        self._httpd.shutdown()
        self._httpd.server_close()


def _handler_for(server: LoopbackServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hit = Hit(self.path, {k.lower(): v for k, v in self.headers.items()}, time.monotonic())
            server.record(hit)
            reply = server.next_reply(self.path)
            time.sleep(reply.delay)
            if reply.hold is not None:
                reply.hold.wait(HOLD_LIMIT_SECONDS)
            try:
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if reply.send_length:
                    self.send_header("Content-Length", str(len(reply.body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(reply.body)
                self.wfile.flush()
            except OSError:
                pass  # the crawler gave up on this reply (timeout, size limit): that is the point
            hit.answered = time.monotonic()

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep test output quiet
            pass

    return Handler


@contextmanager
def serving(host: str = "127.0.0.1", tls: ssl.SSLContext | None = None) -> Iterator[LoopbackServer]:
    server = LoopbackServer(host, tls)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def config_for(allowed: list[LoopbackServer], sources: dict[str, str], *, source_type: str = "ical", **crawl: Any) -> Config:
    """A config fetching `sources` (id -> URL), with only `allowed` servers' host:port let through.

    Test defaults keep the suite fast: no delay, 2 s timeout, 1 retry; keywords override CrawlConfig.
    """
    crawl_values: dict[str, Any] = {"delay_seconds": 0.0, "timeout_seconds": 2.0, "retries": 1, **crawl}
    return Config(
        federation=FederationConfig(allow_private_hosts=[s.host_port for s in allowed], crawl=CrawlConfig(**crawl_values)),
        sources=[SourceConfig(id=sid, name=sid, type=source_type, url=url) for sid, url in sources.items()],
    )


def by_id(results: dict[str, FetchResult], source_id: str) -> FetchResult:
    assert source_id in results, f"no result for {source_id}: {sorted(results)}"
    return results[source_id]
