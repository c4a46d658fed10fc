"""Test helper: publish a database as a run does."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pyevents.config import Config
from pyevents.output import publish as publisher
from pyevents.runtime import worker_pool


def publish(
    db_path: Path, out_dir: Path, config: Config, as_of: dt.datetime, *, chunk_events: int = publisher.CHUNK_EVENTS
) -> publisher.PublishSummary:
    """`output.publish.publish` with the config's publish settings and the run's worker pool."""
    return publisher.publish(
        db_path, out_dir, config.publish_settings(), as_of, start_workers=worker_pool, chunk_events=chunk_events
    )

