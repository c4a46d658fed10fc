"""Publish the site and every feed from a read-only snapshot of the database, atomically.

Layout on disk, for `out_dir = public`:

    public -> .public.versions/v-20250301T120000-ab12cd   (a symlink, switched by one atomic rename)
    .public.versions/v-...                                  (the current version and the previous one)

A publish writes a complete new version beside the current one, flushes it to disk, then renames a
new symlink over `out_dir`. A crash at any moment leaves the previous site whole; leftovers of a
crashed publish are removed by the next one. An `out_dir` that is still a real directory (from an
older layout) is moved into the versions folder once and kept as the previous version.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from output import atom, jsonfeed, site
from output.ical import calendar_text, serialize_cfp_vevent, serialize_vevent, span_of, used_tzid, vevent_head
from output.labels import COUNTRY_CODE, REGION_NAMES, country_name, region_name
from pipeline.model import REGIONS, Window
from pipeline.normalize import text as text_module
from pipeline.store.reader import Snapshot
from pyevents.config import Config

STATIC_DIR = Path(__file__).resolve().parent / "static"


class PublishError(OSError):
    """The output directory cannot be written (another publish holds it, or it is not a directory)."""


@dataclass(frozen=True, slots=True)
class PublishSummary:
    out_dir: Path
    version_dir: Path
    events: int  # published: every event in the feeds
    upcoming: int  # on the agenda pages
    files: int
    vevents_cached: int  # taken from the event_ical cache
    vevents_serialized: int  # missing or stale in the cache, serialized now
    event_files_reused: int  # events whose page and .ics were unchanged, linked from the previous version
    seconds: float


def publish(db_path: Path, out_dir: Path, config: Config, as_of: dt.datetime) -> PublishSummary:
    """Render every page and feed from the database at `db_path` into `out_dir`, swapped in atomically."""
    started = time.monotonic()
    fed = config.federation
    as_of = as_of.astimezone(dt.timezone.utc)
    window = Window.around(as_of, fed.window.past_days, fed.window.future_days)
    with Snapshot(db_path) as snap:
        events = snap.events(window)
        provenance = snap.event_sources(window)
        changes = snap.event_changes(window)
        cached = snap.vevents(window)
        health = snap.sources()
        countries = [c for c in snap.countries() if COUNTRY_CODE.match(c)]

    out_dir = Path(out_dir).absolute()
    versions = out_dir.parent / f".{out_dir.name}.versions"
    versions.mkdir(parents=True, exist_ok=True)
    with _exclusive(versions / ".lock", out_dir):
        _remove_leftovers(out_dir)
        version = Path(tempfile.mkdtemp(prefix=f"v-{as_of:%Y%m%dT%H%M%S}-", dir=versions))
        version.chmod(0o755)
        writer = _Writer(version, out_dir.resolve() if out_dir.is_symlink() and out_dir.is_dir() else None)
        reused = _write_everything(writer, events, provenance, changes, cached, health, countries, config, as_of)
        os.sync()  # the new version is on disk before anything points at it
        previous = _swap(out_dir, version, versions)
        _remove_old_versions(versions, keep={version, previous})
    return PublishSummary(
        out_dir=out_dir,
        version_dir=version,
        events=len(events),
        upcoming=sum(1 for ev in events if ev["ends_at"] >= as_of),
        files=writer.files,
        vevents_cached=reused,
        vevents_serialized=len(events) - reused,
        event_files_reused=writer.reused,
        seconds=round(time.monotonic() - started, 3),
    )


class _Writer:
    """Writes text files under one version directory, streaming chunks, and counts them.

    Files of the previous version can be hard-linked instead of written again: versions are never
    modified after the swap, so sharing an inode is safe, and it makes an unchanged rebuild cheap.
    """

    def __init__(self, root: Path, previous: Path | None = None) -> None:
        self.root = root
        self.previous = previous
        self.files = 0
        self.reused = 0
        self._dirs: set[Path] = set()

    def _parent(self, path: Path) -> None:
        if path.parent not in self._dirs:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(path.parent)

    def write(self, relative: str, chunks: Iterable[str]) -> None:
        path = self.root / relative
        self._parent(path)
        with open(path, "w", encoding="utf-8", newline="", buffering=1 << 16) as fh:
            for chunk in chunks:
                fh.write(chunk)
        self.files += 1

    def link_previous(self, relatives: Sequence[str]) -> bool:
        """Hard-link these files from the previous version; False (nothing linked) when any is missing."""
        if self.previous is None:
            return False
        done: list[Path] = []
        try:
            for relative in relatives:
                target = self.root / relative
                self._parent(target)
                os.link(self.previous / relative, target)
                done.append(target)
        except OSError:  # gone, or another file system: render it instead
            for target in done:
                target.unlink()
            return False
        self.files += len(done)
        return True

    def read_previous(self, relative: str) -> str | None:
        if self.previous is None:
            return None
        try:
            return (self.previous / relative).read_text(encoding="utf-8")
        except OSError:
            return None

    def copy(self, source: Path, relative: str) -> None:
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        self.files += 1


def _write_everything(
    writer: _Writer,
    events: list[dict[str, Any]],
    provenance: Mapping[str, Sequence[Mapping[str, Any]]],
    changes: Mapping[str, Sequence[Mapping[str, Any]]],
    cached: Mapping[str, str],
    health: Sequence[Mapping[str, Any]],
    countries: Sequence[str],
    config: Config,
    as_of: dt.datetime,
) -> int:
    """Write all files of one version; return how many VEVENTs came from the cache."""
    fed = config.federation
    base = fed.base_url
    vevents: dict[str, str] = {}
    reused = 0
    for ev in events:
        text = cached.get(ev["event_id"])
        if text is not None and text.startswith(vevent_head(ev, base)):
            reused += 1
        else:  # missing, or stale (changed since cached, or another base URL)
            text = serialize_vevent(ev, base)
        vevents[ev["event_id"]] = text
    span = span_of(events)
    source_count = sum(1 for s in health if s.get("enabled", True))
    description = f"Python community events from {source_count} calendars, merged by pyevents."

    def calendar(path: str, name: str, chosen: Iterable[Mapping[str, Any]]) -> None:
        chosen = list(chosen)
        tzids = {tz for ev in chosen if (tz := used_tzid(ev))}
        writer.write(path, calendar_text(name, (vevents[ev["event_id"]] for ev in chosen), tzids, span, description))

    calendar("calendar.ics", fed.name, events)
    for kind, path in site.FEED_KINDS.items():
        calendar(path, f"{fed.name}: {kind}s", (ev for ev in events if ev.get("kind") == kind))
    for region in REGIONS:
        calendar(f"regions/{region}.ics", f"{fed.name}: {region_name(region)}", (ev for ev in events if ev.get("region") == region))
    for code in countries:
        calendar(f"countries/{code.lower()}.ics", f"{fed.name}: {country_name(code)}", (ev for ev in events if ev.get("country") == code))
    cfps = sorted(
        (ev for ev in events if ev.get("cfp_ends_at") and ev["cfp_ends_at"] >= as_of and ev.get("status") != "cancelled"),
        key=lambda ev: (ev["cfp_ends_at"], ev["event_id"]),
    )
    writer.write(
        "cfp.ics",
        calendar_text(f"{fed.name}: calls for proposals", (serialize_cfp_vevent(ev, base) for ev in cfps), set(), span, description),
    )
    writer.write("events.json", jsonfeed.events_json(fed.name, base, events, provenance))
    writer.write("feed.atom", atom.atom_feed(fed.name, base, atom.announced(events, as_of)))
    _write_pages(writer, events, vevents, provenance, changes, health, countries, config, as_of)
    for asset in sorted(STATIC_DIR.iterdir()):
        if asset.is_file():
            writer.copy(asset, f"static/{asset.name}")
    return reused


def _write_pages(
    writer: _Writer,
    events: list[dict[str, Any]],
    vevents: Mapping[str, str],
    provenance: Mapping[str, Sequence[Mapping[str, Any]]],
    changes: Mapping[str, Sequence[Mapping[str, Any]]],
    health: Sequence[Mapping[str, Any]],
    countries: Sequence[str],
    config: Config,
    as_of: dt.datetime,
) -> None:
    fed = config.federation
    upcoming = [ev for ev in events if ev["ends_at"] >= as_of]
    views: dict[str, dict[str, Any]] = {}

    def agenda_views(chosen: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for ev in chosen:
            if ev["event_id"] not in views:
                views[ev["event_id"]] = site.event_view(ev)
            out.append(views[ev["event_id"]])
        return out

    by_region = {r: [ev for ev in upcoming if ev.get("region") == r] for r in REGIONS}
    by_country = {c: [ev for ev in upcoming if ev.get("country") == c] for c in countries}
    page_site = site.Site(
        name=fed.name,
        base_url=fed.base_url,
        as_of=as_of,
        regions=[(r, REGION_NAMES[r], len(by_region[r])) for r in REGIONS],
        countries=sorted(
            ((c, country_name(c), len(evs)) for c, evs in by_country.items() if evs),
            key=lambda item: item[1].casefold(),
        ),
    )
    writer.write(
        "index.html",
        site.render_agenda(page_site, _lazy(upcoming, agenda_views), title="Upcoming Python events", root="", feeds=site.MAIN_FEEDS, scope="all"),
    )
    for region, evs in by_region.items():
        feed = site.Feed(f"{region_name(region)} events", f"regions/{region}.ics")
        writer.write(
            f"regions/{region}.html",
            site.render_agenda(page_site, _lazy(evs, agenda_views), title=f"Python events: {region_name(region)}",
                               root="../", feeds=[feed, site.MAIN_FEEDS[0]], scope=f"region:{region}"),
        )
    for code, evs in by_country.items():
        feed = site.Feed(f"{country_name(code)} events", f"countries/{code.lower()}.ics")
        writer.write(
            f"countries/{code.lower()}.html",
            site.render_agenda(page_site, _lazy(evs, agenda_views), title=f"Python events in {country_name(code)}",
                               root="../", feeds=[feed, site.MAIN_FEEDS[0]], scope=f"country:{code}"),
        )
    _write_event_files(writer, events, vevents, provenance, changes, page_site)
    writer.write("sources.html", site.render_sources(page_site, health, fed.stale_after_days))
    writer.write("about.html", site.render_about(page_site))


FINGERPRINTS = ".fingerprints.json"  # event_id → fingerprint of the inputs of its page and .ics


def _write_event_files(
    writer: _Writer,
    events: Sequence[Mapping[str, Any]],
    vevents: Mapping[str, str],
    provenance: Mapping[str, Sequence[Mapping[str, Any]]],
    changes: Mapping[str, Sequence[Mapping[str, Any]]],
    page_site: site.Site,
) -> None:
    """Each event's page and single-event .ics; linked from the previous version when their inputs are unchanged."""
    previous = _load_fingerprints(writer.read_previous(FINGERPRINTS))
    current: dict[str, str] = {}
    salt = _render_version() + "\x1f" + page_site.name + "\x1f" + page_site.base_url
    for ev in events:
        event_id = ev["event_id"]
        page = site.event_page_path(event_id)
        if page is None:
            continue
        sources, history = provenance.get(event_id, ()), changes.get(event_id, ())
        fingerprint = _fingerprint(salt, ev, sources, history)
        current[event_id] = fingerprint
        ics = page.removesuffix(".html") + ".ics"
        if previous.get(event_id) == fingerprint and writer.link_previous((page, ics)):
            writer.reused += 1
            continue
        tzid = used_tzid(ev)
        writer.write(ics, calendar_text(ev.get("title") or page_site.name, [vevents[event_id]], {tzid} if tzid else set(), span_of([ev])))
        writer.write(page, site.render_event(page_site, site.event_detail(ev, sources, history, page_site.base_url)))
    writer.write(FINGERPRINTS, [json.dumps(current, sort_keys=True, separators=(",", ":"))])


# Bumped on every successful fetch, and shown on no page nor in any .ics: leaving them out lets a
# nightly run reuse the files of every event whose content did not change.
VOLATILE = frozenset({"last_seen_at"})


def _fingerprint(salt: str, event: Mapping[str, Any], sources: Sequence[Mapping[str, Any]], history: Sequence[Mapping[str, Any]]) -> str:
    def stable(row: Mapping[str, Any]) -> list[tuple[str, Any]]:
        return sorted((k, v) for k, v in row.items() if k not in VOLATILE)

    material = repr((salt, stable(event), [stable(s) for s in sources], [stable(c) for c in history]))
    return hashlib.blake2b(material.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _load_fingerprints(text: str | None) -> dict[str, str]:
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


@lru_cache(maxsize=1)
def _render_version() -> str:
    """A hash of the code and templates that shape an event's files: any change there re-renders them all."""
    digest = hashlib.blake2b(digest_size=16)
    here = Path(__file__).resolve().parent
    for path in sorted([*here.glob("*.py"), *(here / "templates").glob("*.html"), Path(text_module.__file__)]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


class _lazy(Sequence[dict[str, Any]]):
    """A sequence of agenda views built only for the slice a page actually shows."""

    def __init__(self, events: Sequence[Mapping[str, Any]], build: Callable[[Iterable[Mapping[str, Any]]], list[dict[str, Any]]]) -> None:
        self._events = events
        self._build = build

    def __len__(self) -> int:
        return len(self._events)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return self._build(self._events[index])
        return self._build([self._events[index]])[0]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self._build(self._events))


class _exclusive:
    """An advisory lock so two publishes never write one output directory at once."""

    def __init__(self, path: Path, out_dir: Path) -> None:
        self.path = path
        self.out_dir = out_dir
        self.fd = -1

    def __enter__(self) -> None:
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
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


def _remove_old_versions(versions: Path, keep: set[Path | None]) -> None:
    kept = {p.resolve() for p in keep if p is not None}
    for entry in versions.iterdir():
        if entry.name == ".lock" or entry.resolve() in kept:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
