"""Reuse: what a new version can take from the current one instead of writing it again.

The event files and the aggregate feeds depend only on the published events, the site's
configuration and the code, not on the sources' health nor the publish time: when their digest
(`CONTENT`) is unchanged, a new version shares the current one's event generation through its
`events` symlink and hard-links the aggregate files. When the listings' content is unchanged too,
they are copied with only their "Data as of" markup replaced. When nothing the site shows has changed
(same inputs digest, `INPUTS`, same day), the current version stays as it is.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pyevents.output.rows import SourceHealth
from pyevents.pipeline.codedigest import files_digest
from pyevents.pipeline.model import Window
from pyevents.pipeline.normalize import text as text_module

STATIC_DIR = Path(__file__).resolve().parent / "static"
FINGERPRINTS = ".fingerprints.json"  # event_id -> fingerprint of the inputs of its page and .ics
INPUTS = ".inputs"  # the inputs digest of the whole version
CONTENT = ".content"  # digest of what the event files and aggregate feeds show, and how many events have files
FRESHNESS = ".freshness"  # the "Data as of" markup of the version's listings, replaced when they are reused


@dataclass(slots=True)
class Counts:
    files: int = 0
    vevents_cached: int = 0
    vevents_serialized: int = 0
    events_reused: int = 0
    events_with_files: int = 0


def inputs_digest(
    events_digest: str, window: Window, federation_json: str, health: Sequence[SourceHealth], countries: list[str]
) -> str:
    """Everything the version shows, except the publish time on the listings: the data (`events_digest`,
    from Snapshot.inputs_digest), the code, the configuration, the day, and each source's health with
    how many days it has been stale."""
    as_of = window.as_of
    stale_days = [(as_of - last).days if (last := s.get("last_success_at")) else None for s in health]
    material = repr(
        (
            render_version(),
            federation_json,
            as_of.date().isoformat(),
            events_digest,
            [sorted(s.items()) for s in health],
            stale_days,
            countries,
        )
    )
    return _digest(material)


def content_digest(events_digest: str, federation_json: str, health: Sequence[SourceHealth], countries: list[str]) -> str:
    """What the event files and the aggregate feeds show: the published events (which ones, with
    their sources, history and VEVENTs), the code, the configuration, the countries with a feed and
    the number of calendars named in the feeds' description. Not the sources' health, not the time."""
    return _digest(repr((render_version(), federation_json, events_digest, countries, source_count(health))))


def _digest(material: str) -> str:
    return hashlib.blake2b(material.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def source_count(health: Sequence[SourceHealth]) -> int:
    return sum(1 for s in health if s.get("enabled", True))


def event_salt(name: str, base_url: str) -> str:
    """What an event's files depend on besides its own row: the rendering code and the site."""
    return render_version() + "\x1f" + name + "\x1f" + base_url


@lru_cache(maxsize=1)
def render_version() -> str:
    """A hash of the code and templates that shape the files: any change there re-renders them all."""
    here = Path(__file__).resolve().parent
    return files_digest([*here.glob("*.py"), *(here / "templates").iterdir(), *STATIC_DIR.iterdir(), Path(text_module.__file__)])


def static_assets() -> list[Path]:
    return [asset for asset in sorted(STATIC_DIR.iterdir()) if asset.is_file()]


def reuse_content(version: Path, current: Path | None, content: str, feed_paths: Sequence[str]) -> Counts | None:
    """When the current version shows the same content: share its event generation (the `events`
    symlink) and hard-link its aggregate files into `version`. None, with nothing left behind in
    `version`, when it cannot (other content, an older layout, a file missing)."""
    if current is None:
        return None
    recorded = (read(current / CONTENT) or "").split()
    generation = current / "events"
    if len(recorded) != 2 or recorded[0] != content or not recorded[1].isdigit() or not generation.is_symlink():
        return None
    target = os.readlink(generation)
    if os.path.isabs(target) or os.path.dirname(target) != os.pardir or not generation.is_dir():
        return None  # only a sibling generation in the versions folder is shared
    names = [*feed_paths, "events.json", FINGERPRINTS, CONTENT]
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
    return Counts(files=len(linked) + events, events_reused=events, events_with_files=events)


def reuse_listings(version: Path, current: Path, freshness: str, pages: Sequence[str], linked: Sequence[str]) -> int | None:
    """With the content of `current` (same events, configuration, code): its listing `pages` with only
    the "Data as of" markup replaced by `freshness` (it cannot come from data: every value is escaped),
    and its `linked` files hard-linked; the number of files made. None, with nothing left behind, when
    any is missing or a page does not hold its version's freshness markup exactly once."""
    recorded = read(current / FRESHNESS)
    if not recorded:
        return None
    old, new = recorded.encode("utf-8"), freshness.encode("utf-8")  # pages handled as bytes: never decoded
    replaced: list[tuple[str, bytes]] = []
    for name in pages:
        try:
            data = (current / name).read_bytes()
        except OSError:
            return None
        if data.count(old) != 1:
            return None
        replaced.append((name, data.replace(old, new)))
    made: list[Path] = []
    try:
        for name in linked:
            made.append(version / name)
            (version / name).parent.mkdir(parents=True, exist_ok=True)
            os.link(current / name, version / name)  # versions are never modified after their swap
        for name, data in replaced:
            made.append(version / name)
            (version / name).parent.mkdir(parents=True, exist_ok=True)
            (version / name).write_bytes(data)
    except OSError:
        for path in made:
            path.unlink(missing_ok=True)
        return None
    (version / FRESHNESS).write_text(freshness, encoding="utf-8")
    return len(made) + 1


def read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


def load_fingerprints(text: str | None) -> dict[str, str]:
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
