"""The per-event half of a publish, run on every core: one chunk of events at a time, in a worker process.

For each event of a chunk a worker checks (or re-serializes) its VEVENT, builds its `events.json`
line, and writes its page and single-event .ics straight into the new version, or hard-links both
from the previous version when the event's fingerprint is unchanged. It returns the chunk's VEVENTs,
which feeds each belongs to, and its JSON lines; the parent appends them to the aggregate files in
publishing order. Workers share nothing but the read-only previous version, so chunks are independent.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from output import jsonfeed, site
from output.ical import CALENDAR_END, calendar_head, serialize_vevent, span_of, used_tzid, vevent_head
from output.timefmt import when
from pipeline.model import REGIONS

_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC


@dataclass(frozen=True, slots=True)
class ChunkJob:
    """What every chunk of one publish shares (sent once to each worker)."""

    version: Path  # the new version's directory; `events/` exists
    previous: Path | None  # the current version, whose unchanged event files are linked
    site: site.Site
    countries: frozenset[str]  # countries that have a feed


@dataclass(slots=True)
class ChunkResult:
    vevents: list[str] = field(default_factory=list)  # one per event, in publishing order
    feeds: dict[str, list[int]] = field(default_factory=dict)  # feed path -> indexes into vevents
    json_lines: list[str] = field(default_factory=list)
    fingerprints: dict[str, str] = field(default_factory=dict)  # event_id -> fingerprint of its files' inputs
    vevents_cached: int = 0
    files_written: int = 0
    files_linked: int = 0
    events_reused: int = 0


def feeds_of(event: Mapping[str, Any], countries: frozenset[str]) -> list[str]:
    """The aggregate .ics files an event appears in."""
    paths = ["calendar.ics"]
    kind_feed = site.FEED_KINDS.get(event.get("kind") or "")
    if kind_feed:
        paths.append(kind_feed)
    if event.get("region") in REGIONS:
        paths.append(f"regions/{event['region']}.ics")
    country = event.get("country")
    if country in countries:
        paths.append(f"countries/{country.lower()}.ics")
    return paths


def render_chunk(job: ChunkJob, batch: pa.RecordBatch, previous_fingerprints: Mapping[str, str]) -> ChunkResult:
    """Everything per event for one batch of `Snapshot.event_batches` rows."""
    result = ChunkResult()
    base = job.site.base_url
    pages = site.EventPages(job.site)
    for index, event in enumerate(batch.to_pylist()):
        event_id = event["event_id"]
        text = event["vevent"]
        if text is not None and text.startswith(vevent_head(event, base)):
            result.vevents_cached += 1
        else:  # missing, or stale (changed since cached, or another base URL)
            text = serialize_vevent(event, base)
        result.vevents.append(text)
        for path in feeds_of(event, job.countries):
            result.feeds.setdefault(path, []).append(index)
        w = when(event)
        result.json_lines.append(jsonfeed.event_line(event, w, event["sources"], base))
        page = site.event_page_path(event_id)
        if page is None:  # not an id we can trust as a file name: no page, but in every feed
            continue
        fingerprint = event["fingerprint"]
        result.fingerprints[event_id] = fingerprint
        ics = page.removesuffix(".html") + ".ics"
        if previous_fingerprints.get(event_id) == fingerprint and _link_previous(job, (page, ics)):
            result.files_linked += 2
            result.events_reused += 1
            continue
        tzid = used_tzid(event)
        calendar = calendar_head(event.get("title") or job.site.name, [tzid] if tzid else [], span_of([event])) + text + CALENDAR_END
        _write(job.version / ics, calendar)
        detail = site.event_detail(event, w, event["sources"], event["changes"], base)
        _write(job.version / page, pages.render(detail))
        result.files_written += 2
    return result


def _write(path: Path, text: str) -> None:
    """Create a new file with `text` as UTF-8: one open and one write, no buffering layers."""
    data = text.encode("utf-8")
    fd = os.open(path, _FILE_FLAGS, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def _link_previous(job: ChunkJob, relatives: tuple[str, ...]) -> bool:
    """Hard-link these files from the previous version (never modified after its swap, so sharing an
    inode is safe); False, with nothing linked, when any is missing or on another file system."""
    if job.previous is None:
        return False
    done: list[Path] = []
    try:
        for relative in relatives:
            target = job.version / relative
            os.link(job.previous / relative, target)
            done.append(target)
    except OSError:
        for target in done:
            target.unlink()
        return False
    return True


# The worker's share of one publish, set once per worker process by the pool's initializer.
_job: ChunkJob | None = None


def init_worker(job: ChunkJob) -> None:
    global _job
    _job = job


def render_chunk_in_worker(batch: pa.RecordBatch, previous_fingerprints: Mapping[str, str]) -> ChunkResult:
    if _job is None:
        raise RuntimeError("render_chunk_in_worker runs only in a worker started with init_worker")
    return render_chunk(_job, batch, previous_fingerprints)
