"""Publish the site and every feed from a read-only snapshot of the database, atomically.

A publish writes a complete new version beside the current one (`output.versions`), taking from the
current version what it can (`output.reuse`), and writes every aggregate feed the registry declares
(`output.feeds`). Work is split by size: the event pages (one per event) are rendered by a process pool in
chunks (`output.eventfiles`), while this process writes the listings and appends each chunk's
VEVENTs (the cached text straight from the Arrow batch) and JSON lines to the aggregate files in order.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import json
import os
import shutil
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

import pyarrow as pa

from pyevents.output import agenda, atom, cadence, cfppage, eventfiles, jsonfeed, site, sourcespage
from pyevents.output.cardimage import CARD_PATH, card_png
from pyevents.output.federation import Federation
from pyevents.output.feeds import CFP_PATH, Feeds, FeedWriter
from pyevents.output.ical import calendar_text, cfp_tzid, serialize_cfp_vevent, span_of
from pyevents.output.labels import REGION_NAMES, country_name
from pyevents.output.reuse import (
    CONTENT,
    FINGERPRINTS,
    FRESHNESS,
    INPUTS,
    Counts,
    content_digest,
    event_salt,
    inputs_digest,
    load_fingerprints,
    read,
    reuse_content,
    reuse_listings,
    source_count,
    static_assets,
)
from pyevents.output.rows import AgendaEntry, Announced, OpenCfp, SourceHealth
from pyevents.output.versions import PublishError, exclusive, flush_version, remove_leftovers, remove_old_versions, swap
from pyevents.pipeline.model import REGIONS, Window
from pyevents.pipeline.store.reader import Overview, Snapshot

__all__ = ["PublishError", "PublishSummary", "StartWorkers", "publish"]
CHUNK_EVENTS = 2000  # events per worker task: big enough to amortize a task, small enough to keep memory flat
# Starts the processes that render event pages: (how many, initializer, its arguments) -> a pool. The run
# hands its own, so how workers start (and what they preload) is decided there, not here.
StartWorkers = Callable[[int, Callable[[eventfiles.ChunkJob], None], tuple[eventfiles.ChunkJob]], cf.Executor]


@dataclass(frozen=True, slots=True)
class PublishSummary:
    out_dir: Path
    version_dir: Path
    events: int  # published: every event in the feeds
    upcoming: int  # on the agenda pages
    files: int  # written or linked into the new version (0 when unchanged)
    vevents_cached: int  # taken from the event_ical cache
    vevents_serialized: int  # missing or stale in the cache, serialized now
    event_files_reused: int  # events whose page was unchanged, linked from the previous version
    seconds: float
    unchanged: bool = False  # nothing the site shows changed: the current version was kept as it is


def publish(
    db_path: Path,
    out_dir: Path,
    fed: Federation,
    as_of: dt.datetime,
    *,
    start_workers: StartWorkers,
    chunk_events: int = CHUNK_EVENTS,
) -> PublishSummary:
    """Render every page and feed from the database at `db_path` into `out_dir`, swapped in atomically."""
    started = time.monotonic()
    as_of = as_of.astimezone(dt.UTC)
    window = Window.around(as_of, fed.past_days, fed.future_days)
    out_dir = Path(out_dir).absolute()
    versions = out_dir.parent / f".{out_dir.name}.versions"
    versions.mkdir(parents=True, exist_ok=True)
    with Snapshot(db_path) as snap, exclusive(versions / ".lock", out_dir):
        remove_leftovers(out_dir)
        health = cast(list[SourceHealth], snap.sources())
        feeds = Feeds.of(snap.countries())
        countries = list(feeds.countries)
        overview = snap.overview(window)
        federation_json = fed.config_json
        events_digest = snap.inputs_digest(window, _event_salt(fed))
        digest = inputs_digest(events_digest, window, federation_json, health, countries)
        current = out_dir.resolve() if out_dir.is_symlink() and out_dir.is_dir() else None
        if current is not None and read(current / INPUTS) == digest:
            return PublishSummary(
                out_dir,
                current,
                overview.events,
                overview.upcoming,
                0,
                0,
                0,
                0,
                round(time.monotonic() - started, 3),
                unchanged=True,
            )
        version = Path(tempfile.mkdtemp(prefix=f"v-{as_of:%Y%m%dT%H%M%S}-", dir=versions))
        version.chmod(0o755)
        content = content_digest(events_digest, federation_json, health, countries)
        reused = reuse_content(version, current, content, feeds.paths())
        counts = reused or Counts()
        page_site = _site(fed, window, overview, countries)
        if reused is not None:  # event files shared with the current version, aggregate feeds linked
            assert current is not None
            linked = [*_linked_listings(), *_series_pages(current)]
            made = reuse_listings(version, current, site.freshness(page_site), _listing_pages(countries), linked)
            if made is None:
                _listings(snap, version, window, fed, health, countries, overview, counts)()
            else:
                counts.files += made
            _write(
                version, "sources.html", sourcespage.render_sources(page_site, health, fed.stale_after_days, fed.places), counts
            )
            _write(version, "cfp.html", _cfp_page(snap, page_site, window), counts)
            _write(version, "feed.atom", _atom(snap, fed, window), counts)
        else:
            listings = _listings(snap, version, window, fed, health, countries, overview, counts)
            _write_version(
                snap, version, current, window, fed, health, feeds, overview, chunk_events, counts, listings, start_workers
            )
            _write(
                version, "sources.html", sourcespage.render_sources(page_site, health, fed.stale_after_days, fed.places), counts
            )
            _write(version, "cfp.html", _cfp_page(snap, page_site, window), counts)
            _write(version, "feed.atom", _atom(snap, fed, window), counts)
            _write(version, CONTENT, [f"{content} {counts.events_with_files}"], counts)
        (version / INPUTS).write_text(digest, encoding="utf-8")  # last: a version without it is never kept as is
        # On disk before anything points at it: a version truncated by a power loss would otherwise be
        # kept (same digest) and its event files linked into every later version. A new generation:
        # one sync (far cheaper than an fsync per file). Reused content: what a flushed version already
        # holds is on disk, so only the version's own few files and folders are flushed (a sync would
        # also wait for every other writer's data).
        if reused is None:
            os.sync()
        else:
            flush_version(version)
        previous = swap(out_dir, version, versions)
        # Deleting a generation is an unlink per event file: left to the next publish that writes one.
        remove_old_versions(versions, keep={version, previous}, generations=reused is None)
    return PublishSummary(
        out_dir=out_dir,
        version_dir=version,
        events=overview.events,
        upcoming=overview.upcoming,
        files=counts.files + 1,
        vevents_cached=counts.vevents_cached,
        vevents_serialized=counts.vevents_serialized,
        event_files_reused=counts.events_reused,
        seconds=round(time.monotonic() - started, 3),
    )


def _listings(
    snap: Snapshot,
    version: Path,
    window: Window,
    fed: Federation,
    health: list[SourceHealth],
    countries: list[str],
    overview: Overview,
    counts: Counts,
) -> Callable[[], None]:
    """Read what the listings (but sources.html, cfp.html and feed.atom), `cfp.ics` and the static assets need (now:
    one query at a time per connection, before any event stream), and return the function that writes them."""
    page_site = _site(fed, window, overview, countries)
    agenda_rows = cast(list[AgendaEntry], snap.agenda_entries(window, site.AGENDA_LIMIT, cadence.SAMPLE))
    occurrences = snap.series_occurrences(window)
    cfps = cast(list[OpenCfp], snap.open_cfps(window))

    def write() -> None:
        _write_listings(version, page_site, agenda_rows, overview, occurrences, countries, counts)
        _write(
            version,
            CFP_PATH,
            calendar_text(
                f"{fed.name}: calls for proposals",
                (serialize_cfp_vevent(ev, fed.base_url) for ev in cfps),
                {tz for ev in cfps if (tz := cfp_tzid(ev))},
                _span(overview),
                _description(health),
            ),
            counts,
        )
        (version / "static").mkdir(exist_ok=True)
        for asset in static_assets():
            shutil.copyfile(asset, version / "static" / asset.name)
            counts.files += 1
        (version / CARD_PATH).write_bytes(card_png())
        counts.files += 1

    return write


def _cfp_page(snap: Snapshot, page_site: site.Site, window: Window) -> Iterator[str]:
    """cfp.html: its countdowns follow the publish time, so it is written on every publish."""
    cfps = cast(list[OpenCfp], snap.open_cfps(window))
    return cfppage.render_cfp(page_site, cfps, [site.Feed("Calls for proposals", CFP_PATH)])


def _atom(snap: Snapshot, fed: Federation, window: Window) -> Iterator[str]:
    """feed.atom: which events are soon follows the publish's day, so it is written on every publish."""
    announced = cast(list[Announced], snap.announced(window, atom.ATOM_LIMIT, atom.soon_until(window.as_of)))
    return atom.atom_feed(fed.name, fed.base_url, announced)


def _listing_pages(countries: Sequence[str]) -> list[str]:
    """The pages `_write_listings` writes: they show the content and, in their footer, the publish time."""
    return [
        "index.html",
        *(f"regions/{r}.html" for r in REGIONS),
        *(f"countries/{c.lower()}.html" for c in countries),
        "about.html",
    ]


def _series_pages(current: Path) -> list[str]:
    """The series pages of `current`: with the same content, the same series."""
    return sorted(f"series/{page.name}" for page in (current / "series").glob("*.html"))


def _linked_listings() -> list[str]:
    """The files `_listings` writes that do not show the publish time: a version with the same content links them."""
    return [CFP_PATH, CARD_PATH, *(f"static/{asset.name}" for asset in static_assets())]


def _event_salt(fed: Federation) -> str:
    return event_salt(fed.name, fed.base_url)


def _site(fed: Federation, window: Window, overview: Overview, countries: Sequence[str]) -> site.Site:
    return site.Site(
        name=fed.name,
        base_url=fed.base_url,
        as_of=window.as_of,
        regions=[(r, REGION_NAMES[r], overview.upcoming_by_region.get(r, 0)) for r in REGIONS],
        countries=sorted(
            ((c, country_name(c), overview.upcoming_by_country[c]) for c in countries if overview.upcoming_by_country.get(c)),
            key=lambda item: item[1].casefold(),
        ),
        contact=fed.contact,
        repository=fed.repository or "",
    )


def _span(overview: Overview) -> tuple[dt.date, dt.date]:
    """The years the feeds' VTIMEZONEs cover."""
    if overview.first_year is None or overview.last_year is None:
        return span_of([])
    return dt.date(overview.first_year, 1, 1), dt.date(overview.last_year, 1, 1)


def _description(health: Sequence[SourceHealth]) -> str:
    return f"Python community events from {source_count(health)} calendars, merged by pyevents."


def _write_version(
    snap: Snapshot,
    version: Path,
    previous: Path | None,
    window: Window,
    fed: Federation,
    health: list[SourceHealth],
    feeds: Feeds,
    overview: Overview,
    chunk_events: int,
    counts: Counts,
    listings: Callable[[], None],
    start_workers: StartWorkers,
) -> None:
    """Every event file into a new generation, and the aggregate feeds; `listings` runs meanwhile."""
    span = _span(overview)
    description = _description(health)
    specs = feeds.specs()
    feed_zones = feeds.zones(snap.zones_in_use(window, feeds.columns))
    previous_fingerprints = load_fingerprints(read(previous / FINGERPRINTS) if previous else None)
    generation = Path(tempfile.mkdtemp(prefix="e-", dir=version.parent))
    generation.chmod(0o755)
    os.symlink(os.path.join(os.pardir, generation.name), version / "events")  # workers write through it
    job = eventfiles.ChunkJob(version, previous, _site(fed, window, overview, list(feeds.countries)), feeds)

    fingerprints: dict[str, str] = {}
    with ExitStack() as stack:
        files = {spec.path: stack.enter_context(_open_binary(version, spec.path)) for spec in specs}
        writer = FeedWriter(specs, files)
        writer.begin(fed.name, feed_zones, span, description)
        events_json = stack.enter_context(_open_binary(version, "events.json"))
        events_json.write(jsonfeed.document_head(fed.name, fed.base_url, overview.events, overview.latest_update).encode("utf-8"))
        first_line = True
        batches = snap.event_batches(window, _event_salt(fed), chunk_events)
        for batch, result in _render_chunks(job, batches, previous_fingerprints, listings, start_workers):
            writer.append(batch, _vevents(batch, result.vevents))
            if result.json_lines:
                events_json.write((("" if first_line else jsonfeed.EVENT_SEPARATOR) + result.json_lines).encode("utf-8"))
                first_line = False
            fingerprints.update(result.fingerprints)
            counts.files += result.files_written + result.files_linked
            counts.vevents_cached += result.vevents_cached
            counts.vevents_serialized += len(result.vevents)
            counts.events_reused += result.events_reused
        writer.end()
        events_json.write(jsonfeed.DOCUMENT_END.encode("utf-8"))
        counts.files += len(files) + 1
    _write(version, FINGERPRINTS, [json.dumps(fingerprints, sort_keys=True, separators=(",", ":"))], counts)
    counts.events_with_files = len(fingerprints)


def _vevents(batch: pa.RecordBatch, serialized: Mapping[int, str]) -> pa.Array:
    """A chunk's VEVENTs: the cached text as Arrow keeps it (no Python string per event), but those a
    worker had to serialize again (`serialized`)."""
    vevents = batch.column("vevent")
    if not serialized:
        return vevents
    texts = vevents.to_pylist()
    for index, text in serialized.items():
        texts[index] = text
    return pa.array(texts, pa.string())


def _render_chunks(
    job: eventfiles.ChunkJob,
    batches: Iterator[pa.RecordBatch],
    previous_fingerprints: Mapping[str, str],
    before_first_result: Callable[[], None],
    start_workers: StartWorkers,
) -> Iterator[tuple[pa.RecordBatch, eventfiles.ChunkResult]]:
    """Each batch with its ChunkResult, in order. One batch renders here; more go to a process pool (one
    worker per core, at most two chunks in flight per worker) while this process writes the listings."""
    head = list(_take(batches, 2))
    if len(head) < 2:  # nothing worth a pool
        before_first_result()
        for batch in head:
            yield batch, eventfiles.render_chunk(job, batch, _subset(previous_fingerprints, batch))
        return
    workers = os.cpu_count() or 1
    with start_workers(workers, eventfiles.init_worker, (job,)) as pool:
        pending: deque[tuple[pa.RecordBatch, cf.Future[eventfiles.ChunkResult]]] = deque()

        def submit(batch: pa.RecordBatch) -> None:
            future = pool.submit(eventfiles.render_chunk_in_worker, batch, _subset(previous_fingerprints, batch))
            pending.append((batch, future))

        for batch in head:
            submit(batch)
        for batch in _take(batches, 2 * workers - 2):
            submit(batch)
        before_first_result()
        while pending:
            batch, future = pending.popleft()
            result = future.result()
            for more in _take(batches, 1):
                submit(more)
            yield batch, result


def _take(batches: Iterator[pa.RecordBatch], n: int) -> Iterator[pa.RecordBatch]:
    for _ in range(n):
        batch = next(batches, None)
        if batch is None:
            return
        yield batch


def _subset(fingerprints: Mapping[str, str], batch: pa.RecordBatch) -> dict[str, str]:
    """The previous fingerprints of a batch's events (a worker needs no others)."""
    return {eid: fp for eid in batch.column("event_id").to_pylist() if (fp := fingerprints.get(eid)) is not None}


def _write_listings(
    version: Path,
    page_site: site.Site,
    rows: list[AgendaEntry],
    overview: Overview,
    occurrences: pa.Table,
    countries: Sequence[str],
    counts: Counts,
) -> None:
    """The agenda pages (index, regions, countries), the series pages, about, and the freshness markup they show."""
    feeds = Feeds.of(countries)
    for path, chunks in agenda.agenda_pages(page_site, rows, overview, feeds):
        _write(version, path, chunks, counts)
    for path, chunks in agenda.series_pages(page_site, occurrences, feeds):
        _write(version, path, chunks, counts)
    _write(version, "about.html", sourcespage.render_about(page_site), counts)
    _write(version, FRESHNESS, [site.freshness(page_site)], counts)


def _open(version: Path, relative: str) -> IO[str]:
    path = version / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    return open(path, "w", encoding="utf-8", newline="", buffering=1 << 20)


def _open_binary(version: Path, relative: str) -> IO[bytes]:
    path = version / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    return open(path, "wb", buffering=1 << 20)


def _write(version: Path, relative: str, chunks: Iterable[str], counts: Counts) -> None:
    with _open(version, relative) as fh:
        for chunk in chunks:
            fh.write(chunk)
    counts.files += 1
