"""Helpers for end-to-end tests: a loopback fixture server, config files, and the real CLI in a subprocess."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "e2e"


HOLD_LIMIT_SECONDS = 120.0  # a held reply forgotten by its test still ends


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/plain"
    hold: threading.Event | None = None  # when given: answer only once the test (or the server's end) sets it
    arrived: threading.Event = field(default_factory=threading.Event)  # set when a request for the route comes


@dataclass
class FixtureServer:
    directory: Path
    routes: dict[str, Route] = field(default_factory=dict)
    port: int = 0
    requests: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def host_port(self) -> str:
        return f"127.0.0.1:{self.port}"


def _handler(server: FixtureServer) -> type[SimpleHTTPRequestHandler]:
    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(server.directory), **kwargs)

        def do_GET(self) -> None:
            server.requests.append(self.path)
            route = server.routes.get(self.path.split("?")[0])
            if route is None:
                return super().do_GET()
            route.arrived.set()
            if route.hold is not None:
                route.hold.wait(HOLD_LIMIT_SECONDS)
            self.send_response(route.status)
            self.send_header("Content-Type", route.content_type)
            self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            self.wfile.write(route.body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's signature)
            return None

    return Handler


@contextlib.contextmanager
def serve_directory(directory: Path) -> Iterator[FixtureServer]:
    """Serves a directory on 127.0.0.1 (never any other address); callers may add routes."""
    server = FixtureServer(directory, routes={"/robots.txt": Route(404)})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(server))
    server.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        for route in server.routes.values():
            if route.hold is not None:
                route.hold.set()  # held replies end with the server
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def fixture_server() -> Iterator[FixtureServer]:
    """tests/fixtures/e2e on 127.0.0.1."""
    with serve_directory(FIXTURES) as server:
        yield server


def write_config(path: Path, server: FixtureServer, sources: list[dict[str, Any]], **federation: Any) -> Path:
    """A federation config (JSON is YAML) pointing at the fixture server, with politeness off for speed."""
    fed = {
        "name": "Test federation",
        "base_url": "https://events.example.org/",
        "contact": "mailto:test@example.org",
        "window": {"past_days": 30, "future_days": 400},
        "crawl": {"delay_seconds": 0, "per_host_concurrency": 4, "timeout_seconds": 10, "retries": 0},
        "allow_private_hosts": [server.host_port],
    }
    fed.update(federation)
    path.write_text(json.dumps({"federation": fed, "sources": sources}, indent=1))
    return path


def run_cli(*args: str, cwd: Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """The real `python -m pyevents` in a subprocess, importing this checkout."""
    env = dict(os.environ, PYTHONPATH=str(REPO), COLUMNS="200")
    return subprocess.run(
        [sys.executable, "-m", "pyevents", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def start_cli(*args: str, cwd: Path) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO), COLUMNS="200")
    return subprocess.Popen(
        [sys.executable, "-m", "pyevents", *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
