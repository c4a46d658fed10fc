"""Test helpers: publish a database as a run does, and serve the site it makes."""

from __future__ import annotations

import datetime as dt
import http.server
import threading
from pathlib import Path

from pyevents.config import Config
from pyevents.output import publish as publisher
from pyevents.output.serve import HOST, make_server
from pyevents.runtime import worker_pool


def publish(
    db_path: Path, out_dir: Path, config: Config, as_of: dt.datetime, *, chunk_events: int = publisher.CHUNK_EVENTS
) -> publisher.PublishSummary:
    """`output.publish.publish` with the config's publish settings and the run's worker pool."""
    return publisher.publish(
        db_path, out_dir, config.publish_settings(), as_of, start_workers=worker_pool, chunk_events=chunk_events
    )


def serve_in_background(out_dir: Path, port: int = 0) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Start `pyevents serve`'s server in a daemon thread; return it and its base URL (callers `shutdown()` it)."""
    server = make_server(out_dir, port)
    threading.Thread(target=server.serve_forever, name="pyevents-serve", daemon=True).start()
    return server, f"http://{HOST}:{server.server_address[1]}/"
