"""Publish the site and every feed from a read-only snapshot of the database, atomically.

Layout on disk, for `out_dir = public`:

    public -> .public.versions/v-20250301T120000-ab12cd   (a symlink, switched by one atomic rename)
    .public.versions/v-...                                  (the current version and the previous one)
    .public.versions/v-.../events -> ../e-...               (an immutable generation of event files)

A publish writes a complete new version beside the current one, flushes it to disk, then renames a
new symlink over `out_dir`: a reader sees the old site or the new one, never a mix. Leftovers of a crashed publish are
removed by the next one. An `out_dir` that is still a real directory (from an older layout) is moved
into the versions folder once and kept as the previous version.

The event files (300k at 150k events) and the aggregate feeds depend only on the published events,
the site's configuration and the code, not on the sources' health nor the publish time: when their
digest (`CONTENT`) is unchanged, a new version shares the current one's event generation through
its `events` symlink and hard-links the few aggregate files, so only the listings are written.

Work is split by size: the event pages (150k) are rendered by a process pool in chunks
(`output.eventfiles`), while this process writes the listings and appends each chunk's VEVENTs (the
cached text straight from the Arrow batch) and JSON lines to the aggregate files in order. When nothing the site shows has changed
(same inputs digest, same day), the current version stays and the publish returns at once.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.compute as pc

from pyevents.output import agenda, atom, cadence, eventfiles, jsonfeed, site
from pyevents.output.ical import CALENDAR_END, calendar_head, cfp_tzid, calendar_text, ical_zone, serialize_cfp_vevent, span_of
from pyevents.output.labels import COUNTRY_CODE, REGION_NAMES, country_name, region_name
from pyevents.pipeline.codedigest import files_digest
from pyevents.pipeline.model import REGIONS, Window
from pyevents.pipeline.normalize import text as text_module
from pyevents.pipeline.store.reader import Overview, Snapshot
from pyevents.pipeline.workerpool import worker_context
from pyevents.config import Config

STATIC_DIR = Path(__file__).resolve().parent / "static"
FINGERPRINTS = ".fingerprints.json"  # event_id -> fingerprint of the inputs of its page and .ics
INPUTS = ".inputs"  # the inputs digest of the whole version
CONTENT = ".content"  # digest of what the event files and aggregate feeds show, and how many events have files
FRESHNESS = ".freshness"  # the "Data as of" markup of the version's listings, replaced when they are reused
CHUNK_EVENTS = 2000  # events per worker task: big enough to amortize a task, small enough to keep memory flat


class PublishError(OSError):
    """The output directory cannot be written (another publish holds it, or it is not a directory)."""


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


def _places(config: Config) -> list[site.SourcePlace]:
    """Each enabled source's country and region (the config's override, else the country's), for coverage."""
    from pyevents.pipeline.normalize.countries import region_of

    return [
        site.SourcePlace(s.id, s.defaults.country, s.region or region_of(s.defaults.country) or ("online" if s.defaults.online else None))
        for s in config.sources if s.enabled
    ]


def publish(
    db_path: Path, out_dir: Path, config: Config, as_of: dt.datetime, *, chunk_events: int = CHUNK_EVENTS
) -> PublishSummary:
    """Render every page and feed from the database at `db_path` into `out_dir`, swapped in atomically."""
    started = time.monotonic()
    fed = config.federation
    as_of = as_of.astimezone(dt.timezone.utc)
    window = Window.around(as_of, fed.window.past_days, fed.window.future_days)
    out_dir = Path(out_dir).absolute()
    versions = out_dir.parent / f".{out_dir.name}.versions"
    versions.mkdir(parents=True, exist_ok=True)
    with Snapshot(db_path) as snap, _exclusive(versions / ".lock", out_dir):
        _remove_leftovers(out_dir)
        health = snap.sources()
        countries = [c for c in snap.countries() if COUNTRY_CODE.match(c)]
        overview = snap.overview(window)
        events_digest = snap.inputs_digest(window, _event_salt(config))
        digest = _inputs_digest(events_digest, window, config, health, countries)
        current = out_dir.resolve() if out_dir.is_symlink() and out_dir.is_dir() else None
        if current is not None and _read(current / INPUTS) == digest:
            return PublishSummary(out_dir, current, overview.events, overview.upcoming, 0, 0, 0, 0,
                                  round(time.monotonic() - started, 3), unchanged=True)
        version = Path(tempfile.mkdtemp(prefix=f"v-{as_of:%Y%m%dT%H%M%S}-", dir=versions))
        version.chmod(0o755)
        content = _content_digest(events_digest, config, health, countries)
        reused = _reuse_content(version, current, content, config, countries)
        counts = reused or _Counts()
        page_site = _site(config, window, overview, countries)
        if reused is not None:  # event files shared with the current version, aggregate feeds linked
            assert current is not None
            if not _reuse_listings(version, current, page_site, countries, counts):
                _listings(snap, version, window, config, health, countries, overview, counts)()
            _write(version, "sources.html", site.render_sources(page_site, health, fed.stale_after_days, _places(config)), counts)
        else:
            listings = _listings(snap, version, window, config, health, countries, overview, counts)
            _write_version(snap, version, current, window, config, health, countries, overview, chunk_events, counts, listings)
            _write(version, "sources.html", site.render_sources(page_site, health, fed.stale_after_days, _places(config)), counts)
            _write(version, CONTENT, [f"{content} {counts.events_with_files}"], counts)
        (version / INPUTS).write_text(digest, encoding="utf-8")  # last: a version without it is never kept as is
        # On disk before anything points at it: a version truncated by a power loss would otherwise be
        # kept (same digest) and its event files linked into every later version. A new generation:
        # one sync (measured ~1 s for 150k events, 0.9 GB still dirty; fsync per file would cost far
        # more). Reused content: what a flushed version already holds is on disk, so only the version's
        # own few files and folders are flushed (a sync would also wait for every other writer's data).
        if reused is None:
            os.sync()
        else:
            _flush_version(version)
        previous = _swap(out_dir, version, versions)
        # Deleting a generation is 300k unlinks (10-20 s): left to the next publish that writes one.
        _remove_old_versions(versions, keep={version, previous}, generations=reused is None)
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


def _inputs_digest(events_digest: str, window: Window, config: Config, health: list[dict[str, Any]], countries: list[str]) -> str:
    """Everything the version shows, except the publish time on the listings: the data (`events_digest`,
    from Snapshot.inputs_digest), the code, the configuration, the day, and each source's health with
    how many days it has been stale."""
    as_of = window.as_of
    stale_days = [(as_of - s["last_success_at"]).days if s.get("last_success_at") else None for s in health]
    material = repr((
        _render_version(),
        config.federation.model_dump_json(),
        as_of.date().isoformat(),
        events_digest,
        [sorted(s.items()) for s in health],
        stale_days,
        countries,
    ))
    return _digest(material)


def _content_digest(events_digest: str, config: Config, health: list[dict[str, Any]], countries: list[str]) -> str:
    """What the event files and the aggregate feeds show: the published events (which ones, with
    their sources, history and VEVENTs), the code, the configuration, the countries with a feed and
    the number of calendars named in the feeds' description. Not the sources' health, not the time."""
    material = repr((_render_version(), config.federation.model_dump_json(), events_digest, countries, _source_count(health)))
    return _digest(material)


def _digest(material: str) -> str:
    return hashlib.blake2b(material.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _source_count(health: Sequence[Mapping[str, Any]]) -> int:
    return sum(1 for s in health if s.get("enabled", True))


def _event_salt(config: Config) -> str:
    """What an event's files depend on besides its own row: the rendering code and the site."""
    return _render_version() + "\x1f" + config.federation.name + "\x1f" + config.federation.base_url


@dataclass(slots=True)
class _Counts:
    files: int = 0
    vevents_cached: int = 0
    vevents_serialized: int = 0
    events_reused: int = 0
    events_with_files: int = 0


def _reuse_content(version: Path, current: Path | None, content: str, config: Config, countries: Sequence[str]) -> _Counts | None:
    """When the current version shows the same content: share its event generation (the `events`
    symlink) and hard-link its aggregate files into `version`. None, with nothing left behind in
    `version`, when it cannot (other content, an older layout, a file missing)."""
    if current is None:
        return None
    recorded = (_read(current / CONTENT) or "").split()
    generation = current / "events"
    if len(recorded) != 2 or recorded[0] != content or not recorded[1].isdigit() or not generation.is_symlink():
        return None
    target = os.readlink(generation)
    if os.path.isabs(target) or os.path.dirname(target) != os.pardir or not generation.is_dir():
        return None  # only a sibling generation in the versions folder is shared
    names = [*_feed_names(config.federation.name, _feed_routes(countries)), "events.json", FINGERPRINTS, CONTENT]
    linked: list[Path] = []
    try:
        for name in names:
            (version / name).parent.mkdir(parents=True, exist_ok=True)
            os.link(current / name, version / name)  # versions are never modified after their swap
            linked.append(version / name)
    except OSError:
        for path in linked:
            path.unlink()
        return None
    os.symlink(target, version / "events")
    events = int(recorded[1])
    return _Counts(files=len(linked) + events, events_reused=events, events_with_files=events)


def _listings(
    snap: Snapshot,
    version: Path,
    window: Window,
    config: Config,
    health: list[dict[str, Any]],
    countries: list[str],
    overview: Overview,
    counts: _Counts,
) -> Callable[[], None]:
    """Read what the listings (but sources.html), `feed.atom`, `cfp.ics` and the static assets need (now:
    one query at a time per connection, before any event stream), and return the function that writes them."""
    fed = config.federation
    page_site = _site(config, window, overview, countries)
    agenda_rows = snap.agenda_entries(window, site.AGENDA_LIMIT, cadence.SAMPLE)
    occurrences = snap.series_occurrences(window)
    announced = snap.announced(window, atom.ATOM_LIMIT)
    cfps = snap.open_cfps(window)

    def write() -> None:
        _write_listings(version, page_site, agenda_rows, overview, occurrences, countries, counts)
        _write(version, "feed.atom", atom.atom_feed(fed.name, fed.base_url, announced), counts)
        _write(version, "cfp.ics", calendar_text(
            f"{fed.name}: calls for proposals", (serialize_cfp_vevent(ev, fed.base_url) for ev in cfps),
            {tz for ev in cfps if (tz := cfp_tzid(ev))}, _span(overview), _description(health),
        ), counts)
        for asset in sorted(STATIC_DIR.iterdir()):
            if asset.is_file():
                (version / "static").mkdir(exist_ok=True)
                shutil.copyfile(asset, version / "static" / asset.name)
                counts.files += 1

    return write


def _listing_pages(countries: Sequence[str]) -> list[str]:
    """The pages `_write_listings` writes: they show the content and, in their footer, the publish time."""
    return ["index.html", *(f"regions/{r}.html" for r in REGIONS), *(f"countries/{c.lower()}.html" for c in countries), "about.html"]


def _reuse_listings(version: Path, current: Path, page_site: site.Site, countries: Sequence[str], counts: _Counts) -> bool:
    """With the content of `current` (same events, configuration, code): its listing pages with only the
    "Data as of" markup replaced (it cannot come from data: every value is escaped), and its feed.atom,
    cfp.ics and static files hard-linked. False, with nothing left behind, when any is missing or a
    page does not hold its version's freshness markup exactly once."""
    recorded = _read(current / FRESHNESS)
    if not recorded:
        return False
    new = site.freshness(page_site)
    old, new_bytes = recorded.encode("utf-8"), new.encode("utf-8")  # pages handled as bytes: ~20 MB at 150k events
    pages: list[tuple[str, bytes]] = []
    series = sorted(f"series/{page.name}" for page in (current / "series").glob("*.html"))
    for name in [*_listing_pages(countries), *series]:
        try:
            data = (current / name).read_bytes()
        except OSError:
            return False
        if data.count(old) != 1:
            return False
        pages.append((name, data.replace(old, new_bytes)))
    linked = ["feed.atom", "cfp.ics", *(f"static/{asset.name}" for asset in sorted(STATIC_DIR.iterdir()) if asset.is_file())]
    made: list[Path] = []
    try:
        for name in linked:
            made.append(version / name)
            (version / name).parent.mkdir(parents=True, exist_ok=True)
            os.link(current / name, version / name)  # versions are never modified after their swap
        for name, data in pages:
            made.append(version / name)
            (version / name).parent.mkdir(parents=True, exist_ok=True)
            (version / name).write_bytes(data)
            counts.files += 1
    except OSError:
        for path in made:
            path.unlink(missing_ok=True)
        return False
    _write(version, FRESHNESS, [new], counts)
    counts.files += len(linked)
    return True


def _site(config: Config, window: Window, overview: Overview, countries: Sequence[str]) -> site.Site:
    fed = config.federation
    return site.Site(
        name=fed.name,
        base_url=fed.base_url,
        as_of=window.as_of,
        regions=[(r, REGION_NAMES[r], overview.upcoming_by_region.get(r, 0)) for r in REGIONS],
        countries=sorted(
            ((c, country_name(c), overview.upcoming_by_country[c]) for c in countries if overview.upcoming_by_country.get(c)),
            key=lambda item: item[1].casefold(),
        ),
    )


def _span(overview: Overview) -> tuple[dt.date, dt.date]:
    """The years the feeds' VTIMEZONEs cover."""
    return (dt.date(overview.first_year, 1, 1), dt.date(overview.last_year, 1, 1)) if overview.first_year else span_of([])


def _description(health: Sequence[Mapping[str, Any]]) -> str:
    return f"Python community events from {_source_count(health)} calendars, merged by pyevents."


def _write_version(
    snap: Snapshot,
    version: Path,
    previous: Path | None,
    window: Window,
    config: Config,
    health: list[dict[str, Any]],
    countries: list[str],
    overview: Overview,
    chunk_events: int,
    counts: _Counts,
    listings: Callable[[], None],
) -> None:
    """Every event file into a new generation, and the aggregate feeds; `listings` runs meanwhile."""
    fed = config.federation
    span = _span(overview)
    description = _description(health)
    routes = _feed_routes(countries)
    feed_zones = _feed_zones(snap.zones_in_use(window, [column for column, _, _ in routes]), routes)
    previous_fingerprints = _load_fingerprints(_read(previous / FINGERPRINTS) if previous else None)
    generation = Path(tempfile.mkdtemp(prefix="e-", dir=version.parent))
    generation.chmod(0o755)
    os.symlink(os.path.join(os.pardir, generation.name), version / "events")  # workers write through it
    job = eventfiles.ChunkJob(version, previous, _site(config, window, overview, countries))

    feed_names = _feed_names(fed.name, routes)
    fingerprints: dict[str, str] = {}
    with ExitStack() as stack:
        files: dict[str, IO[bytes]] = {}
        for path, name in feed_names.items():
            files[path] = stack.enter_context(_open_binary(version, path))
            files[path].write(calendar_head(name, feed_zones.get(path, ()), span, description).encode("utf-8"))
        events_json = files["events.json"] = stack.enter_context(_open_binary(version, "events.json"))
        events_json.write(jsonfeed.document_head(fed.name, fed.base_url, overview.events, overview.latest_update).encode("utf-8"))
        first_line = True
        batches = snap.event_batches(window, _event_salt(config), chunk_events)
        for batch, result in _render_chunks(job, batches, previous_fingerprints, before_first_result=listings):
            _append_vevents(files, batch, result.vevents, routes)
            if result.json_lines:
                events_json.write((("" if first_line else jsonfeed.EVENT_SEPARATOR) + result.json_lines).encode("utf-8"))
                first_line = False
            fingerprints.update(result.fingerprints)
            counts.files += result.files_written + result.files_linked
            counts.vevents_cached += result.vevents_cached
            counts.vevents_serialized += len(result.vevents)
            counts.events_reused += result.events_reused
        for path in feed_names:
            files[path].write(CALENDAR_END.encode("utf-8"))
        events_json.write(jsonfeed.DOCUMENT_END.encode("utf-8"))
        counts.files += len(files)
    _write(version, FINGERPRINTS, [json.dumps(fingerprints, sort_keys=True, separators=(",", ":"))], counts)
    counts.events_with_files = len(fingerprints)


def _append_vevents(
    files: Mapping[str, IO[bytes]], batch: pa.RecordBatch, serialized: Mapping[int, str], routes: FeedRoutes
) -> None:
    """Append a chunk's VEVENTs to every aggregate .ics they belong to (`feeds_of`), in the batch's order:
    the cached text as Arrow keeps it, filtered and written as UTF-8 bytes without a Python string per
    event; `serialized` holds those a worker had to write again."""
    vevents = batch.column("vevent")
    if serialized:
        texts = vevents.to_pylist()
        for index, text in serialized.items():
            texts[index] = text
        vevents = pa.array(texts, pa.string())
    files["calendar.ics"].write(_utf8(vevents))
    for column, paths, _ in routes:
        values = batch.column(column)
        for value in pc.unique(values).to_pylist():
            if value in paths:
                _append_matching(files[paths[value]], vevents, values, value)


def _append_matching(file: IO[bytes], vevents: pa.Array, values: pa.Array, value: str) -> None:
    matching = vevents.filter(pc.fill_null(pc.equal(values, value), False))
    if len(matching):
        file.write(_utf8(matching))


def _utf8(strings: pa.Array) -> pa.Buffer:
    """The UTF-8 bytes of every string of a null-free string array, one after the other (no copy)."""
    if strings.null_count:
        raise ValueError("a VEVENT is missing")
    _validity, offsets_buffer, data = strings.buffers()
    offset_type = pa.int64() if pa.types.is_large_string(strings.type) else pa.int32()
    offsets = pa.Array.from_buffers(offset_type, len(strings) + 1, [None, offsets_buffer], offset=strings.offset)
    return data[offsets[0].as_py():offsets[-1].as_py()]


# Besides calendar.ics, which has every event: (events column, its value -> feed path, the feed's title
# for a value), in writing order. One table for routing events and batches and naming the feeds.
FeedRoutes = list[tuple[str, dict[str, str], Callable[[str], str]]]


def _feed_routes(countries: Sequence[str]) -> FeedRoutes:
    """The routes of a publish whose countries with a feed are `countries`."""
    return [
        ("kind", dict(site.FEED_KINDS), lambda kind: f"{kind}s"),
        ("region", {r: f"regions/{r}.ics" for r in REGIONS}, region_name),
        ("country", {c: f"countries/{c.lower()}.ics" for c in countries}, country_name),
    ]


def feeds_of(event: Mapping[str, Any], routes: FeedRoutes) -> list[str]:
    """The aggregate .ics files an event appears in (`_append_vevents` routes whole batches alike)."""
    return ["calendar.ics", *(paths[value] for column, paths, _ in routes if (value := event.get(column)) in paths)]


def _render_chunks(
    job: eventfiles.ChunkJob,
    batches: Iterator[pa.RecordBatch],
    previous_fingerprints: Mapping[str, str],
    before_first_result: Callable[[], None],
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
    with cf.ProcessPoolExecutor(workers, mp_context=worker_context(), initializer=eventfiles.init_worker, initargs=(job,)) as pool:
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


def _feed_names(name: str, routes: FeedRoutes) -> dict[str, str]:
    """Aggregate .ics path -> calendar name, in writing order."""
    names = {"calendar.ics": name}
    names.update({path: f"{name}: {title(value)}" for _, paths, title in routes for value, path in paths.items()})
    return names


def _feed_zones(zones: Iterable[tuple[Any, ...]], routes: FeedRoutes) -> dict[str, set[str]]:
    """Aggregate .ics path -> the TZIDs its VEVENTs refer to; `zones` as `Snapshot.zones_in_use` gives
    them for the routes' columns (a fixed-offset or UTC zone needs no VTIMEZONE: its times are UTC)."""
    columns = [column for column, _, _ in routes]
    by_feed: dict[str, set[str]] = {}
    for *values, timezone in zones:
        if ical_zone(timezone) is None:
            continue
        for path in feeds_of(dict(zip(columns, values)), routes):
            by_feed.setdefault(path, set()).add(timezone)
    return by_feed


def _write_listings(
    version: Path,
    page_site: site.Site,
    rows: list[dict[str, Any]],
    overview: Overview,
    occurrences: pa.Table,
    countries: Sequence[str],
    counts: _Counts,
) -> None:
    """The agenda pages (index, regions, countries), the series pages, about, and the freshness markup they show."""
    for path, chunks in agenda.agenda_pages(page_site, rows, overview, countries):
        _write(version, path, chunks, counts)
    for path, chunks in agenda.series_pages(page_site, occurrences):
        _write(version, path, chunks, counts)
    _write(version, "about.html", site.render_about(page_site), counts)
    _write(version, FRESHNESS, [site.freshness(page_site)], counts)


def _open(version: Path, relative: str) -> IO[str]:
    path = version / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    return open(path, "w", encoding="utf-8", newline="", buffering=1 << 20)


def _open_binary(version: Path, relative: str) -> IO[bytes]:
    path = version / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    return open(path, "wb", buffering=1 << 20)


def _write(version: Path, relative: str, chunks: Iterable[str], counts: _Counts) -> None:
    with _open(version, relative) as fh:
        for chunk in chunks:
            fh.write(chunk)
    counts.files += 1


def _flush_version(version: Path) -> None:
    """fsync every file and folder of `version`, not following its `events` link (a flushed generation)."""
    for folder, dirs, names in os.walk(version):
        for name in names:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                _fsync(path, os.O_RDONLY)
        _fsync(folder, os.O_RDONLY | os.O_DIRECTORY)
    _fsync(str(version.parent), os.O_RDONLY | os.O_DIRECTORY)


def _fsync(path: str, flags: int) -> None:
    fd = os.open(path, flags | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


def _load_fingerprints(text: str | None) -> dict[str, str]:
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


@lru_cache(maxsize=1)
def _render_version() -> str:
    """A hash of the code and templates that shape the files: any change there re-renders them all."""
    here = Path(__file__).resolve().parent
    return files_digest([*here.glob("*.py"), *(here / "templates").glob("*.html"), *STATIC_DIR.iterdir(), Path(text_module.__file__)])


class _exclusive:
    """An advisory lock so two publishes never write one output directory at once."""

    def __init__(self, path: Path, out_dir: Path) -> None:
        self.path = path
        self.out_dir = out_dir
        self.fd = -1

    def __enter__(self) -> None:
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            raise PublishError(f"another publish is writing {self.out_dir}") from None

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


def _swap(out_dir: Path, version: Path, versions: Path) -> Path | None:
    """Point `out_dir` at `version` with one atomic rename; return the version it pointed at before."""
    previous: Path | None = None
    if out_dir.is_symlink():
        previous = out_dir.resolve()
    elif out_dir.is_dir():  # an older plain directory: keep it whole as the previous version
        previous = versions / f"legacy-{version.name}"
        os.rename(out_dir, previous)
    elif out_dir.exists():
        raise PublishError(f"{out_dir} exists and is neither a directory nor a symlink")
    link = out_dir.parent / f".{out_dir.name}.{version.name}.link"
    os.symlink(os.path.relpath(version, out_dir.parent), link)
    os.replace(link, out_dir)
    return previous


def _remove_leftovers(out_dir: Path) -> None:
    """Symlinks a crashed publish created but never renamed into place."""
    for stray in out_dir.parent.glob(f".{out_dir.name}.*.link"):
        if stray.is_symlink():
            stray.unlink()


def _remove_old_versions(versions: Path, keep: set[Path | None], *, generations: bool) -> None:
    """Every version but `keep`, and (with `generations`) every event generation no kept version points to."""
    kept = {p.resolve() for p in keep if p is not None}
    kept |= {(p / "events").resolve() for p in set(kept) if (p / "events").is_symlink()}
    for entry in versions.iterdir():
        if entry.name == ".lock" or entry.resolve() in kept or (entry.name.startswith("e-") and not generations):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
