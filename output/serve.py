"""Preview a published site on 127.0.0.1 with the content types calendar clients and feed readers expect."""

from __future__ import annotations

import functools
import http.server
import os
from http import HTTPStatus
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"  # a preview is never exposed beyond this machine
CONTENT_TYPES = {
    ".ics": "text/calendar; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
}


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Static files from the published directory; follows the `out_dir` symlink on every request, and
    the symlinks inside it (a version's `events` generation) only while they stay in `confine`."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **CONTENT_TYPES}  # noqa: RUF012 (the stdlib's attribute)

    def __init__(self, *args: Any, confine: str, **kwargs: Any) -> None:
        self.confine = confine
        super().__init__(*args, **kwargs)

    def send_head(self) -> Any:
        real = os.path.realpath(self.translate_path(self.path))
        if os.path.commonpath([real, self.confine]) != self.confine:
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        return super().send_head()

    def end_headers(self) -> None:
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib signature)
        pass  # the preview stays quiet; errors still reach the client as HTTP statuses


def make_server(out_dir: Path, port: int) -> http.server.ThreadingHTTPServer:
    """A server bound to 127.0.0.1:`port` (0 picks a free port) serving `out_dir`."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise FileNotFoundError(f"nothing published at {out_dir}; run `pyevents publish` first")
    # A site is `out_dir` (a symlink) and its versions folder beside it: links may lead there, no further.
    confine = os.path.realpath(out_dir.absolute().parent)
    handler = functools.partial(SiteHandler, directory=str(out_dir), confine=confine)
    return http.server.ThreadingHTTPServer((HOST, port), handler)


def serve(out_dir: Path, port: int) -> None:
    """Serve `out_dir` on http://127.0.0.1:`port`/ until interrupted."""
    server = make_server(out_dir, port)
    with server:
        server.serve_forever()
