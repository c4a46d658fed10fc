"""The per-event half of a publish, run on every core: one chunk of events at a time, in a worker process.

For each event of a chunk a worker checks (or re-serializes) its VEVENT, builds its `events.json`
line, and renders its page (with the event's own VCALENDAR in the "Add to calendar" link), or
hard-links the page from the previous version when the event's fingerprint is unchanged. It creates
the chunk's pages itself and returns the VEVENTs it had to serialize and the JSON lines; the parent
appends those and the cached VEVENTs to the aggregate files in publishing order. Workers share
nothing but the read-only previous version, so chunks are independent.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import pyarrow as pa

from pyevents.output import eventpage, jsonfeed, site
from pyevents.output.calendarlink import event_calendar_url
from pyevents.output.feeds import Feeds
from pyevents.output.ical import serialize_vevent, used_tzid, vevent_head_of
from pyevents.output.rows import EventText, UtcTexts
from pyevents.output.timefmt import when_of_row

_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
MOVED = "moved:"  # a fingerprint's prefix for an occurrence's old page, which only sends readers on

# The columns of `Snapshot.event_batches` a chunk turns into Python values: the instants as UTC text
# (`*_z`), not as datetimes, which cost far more to convert; only a VEVENT to serialize again
# needs its row's datetimes.
ROW_COLUMNS = (
    "event_id",
    "series_id",
    "title",
    "description",
    "timezone",
    "all_day",
    "kind",
    "status",
    "url",
    "venue",
    "city",
    "country",
    "subdivision",
    "region",
    "latitude",
    "longitude",
    "online",
    "tags",
    "cfp_url",
    "sequence",
    "sources",
    "series_page",
    "series_key",
    "changes",
    "vevent",
    "fingerprint",
    "starts_z",
    "ends_z",
    "cfp_ends_z",
    "first_seen_z",
    "updated_z",
)


@dataclass(frozen=True, slots=True)
class ChunkJob:
    """What every chunk of one publish shares (sent once to each worker)."""

    version: Path  # the new version's directory; `events/` exists
    previous: Path | None  # the current version, whose unchanged event pages are linked
    site: site.Site
    feeds: Feeds  # which feeds each event's page offers


@dataclass(slots=True)
class ChunkResult:
    vevents: dict[int, str] = field(default_factory=dict)  # row -> VEVENT serialized now; others: the batch's `vevent`
    json_lines: str = ""  # the chunk's events.json objects, separated by jsonfeed.EVENT_SEPARATOR
    fingerprints: dict[str, str] = field(default_factory=dict)  # event_id -> fingerprint of its page's inputs
    vevents_cached: int = 0
    files_written: int = 0
    files_linked: int = 0
    events_reused: int = 0


def render_chunk(job: ChunkJob, batch: pa.RecordBatch, previous_fingerprints: Mapping[str, str]) -> ChunkResult:
    """Everything per event for one batch of `Snapshot.event_batches` rows."""
    result = ChunkResult()
    base = job.site.base_url
    pages = eventpage.EventPages(job.site, job.feeds)
    json_lines: list[str] = []
    names: list[str] = []  # in events/, of the pages to create
    contexts: list[eventpage.EventPage] = []
    moved: list[tuple[str, str]] = []  # (name in events/, text) of the pages left at occurrences' old addresses
    columns = [batch.column(name).to_pylist() for name in ROW_COLUMNS]
    for index, values in enumerate(zip(*columns)):
        event = cast(EventText, dict(zip(ROW_COLUMNS, values)))
        event_id = event["event_id"]
        vevent = event["vevent"]
        stamp = (event["updated_z"] or "").replace("-", "").replace(":", "")  # DTSTAMP is updated_at
        if vevent is not None and vevent.startswith(vevent_head_of(event_id, stamp, int(event["sequence"] or 0), base)):
            result.vevents_cached += 1
        else:  # missing, or stale (changed since cached, or another base URL): serialized from the whole row
            vevent = result.vevents[index] = serialize_vevent(batch.slice(index, 1).to_pylist()[0], base)
        w = when_of_row(event)
        json_lines.append(jsonfeed.event_line(event, w, base))
        page = site.event_page_path(event_id)
        if page is None:  # not an id we can trust as a file name: no page, but in every feed
            continue
        fingerprint = event["fingerprint"]
        link = site.event_link(event_id, event["series_key"])
        on_series = link is not None and link != page
        if on_series:  # read on its series' page; its own old address, if it had one, sends readers there
            if event_id not in previous_fingerprints:
                continue
            fingerprint = MOVED + fingerprint
        result.fingerprints[event_id] = fingerprint
        if previous_fingerprints.get(event_id) == fingerprint and _link_previous(job, page):
            result.files_linked += 1
            result.events_reused += 1
            continue
        if on_series:
            assert link is not None
            moved.append((os.path.basename(page), eventpage.moved_page(job.site, event, w, link)))
            continue
        calendar = event_calendar_url(event["title"] or job.site.name, used_tzid(event), _span(event), vevent)
        names.append(os.path.basename(page))
        contexts.append(eventpage.event_page_context(event, w, base, calendar, pages.subscribe(event), pages.card))
    create_files(job.version / "events", [*zip(names, pages.render(contexts)), *moved])
    result.files_written = len(names) + len(moved)
    result.json_lines = jsonfeed.EVENT_SEPARATOR.join(json_lines)
    return result


def _span(event: UtcTexts) -> tuple[dt.date, dt.date]:
    """`ical.span_of([event])` from the UTC text of its instants (whose first four digits are the year)."""
    years = (int(event["starts_z"][:4]) - 1, int(event["ends_z"][:4]) + 1)
    return dt.date(min(years), 1, 1), dt.date(max(years), 1, 1)


def create_files(directory: Path, files: Sequence[tuple[str, str]]) -> None:
    """Create each (name, text) in `directory` as UTF-8: one open relative to the directory (no path
    walk per file) and one write. Two workers create files in the one directory at once, which takes
    less wall time than one after the other (benchmarks/RESULTS.md, "Why the tricks")."""
    folder = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for name, text in files:
            fd = os.open(name, _FILE_FLAGS, 0o644, dir_fd=folder)
            try:
                view = memoryview(text.encode("utf-8"))
                while view:
                    view = view[os.write(fd, view) :]
            finally:
                os.close(fd)
    finally:
        os.close(folder)


def _link_previous(job: ChunkJob, relative: str) -> bool:
    """Hard-link this file from the previous version (never modified after its swap, so sharing an
    inode is safe); False when it is missing or on another file system."""
    if job.previous is None:
        return False
    try:
        os.link(job.previous / relative, job.version / relative)
    except OSError:
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
