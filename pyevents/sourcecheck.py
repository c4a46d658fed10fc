"""`pyevents sources --check`: what the config loader cannot see in one source alone.

The loader (pyevents.config) already refuses bad ids, types, formats, country codes and zone names.
This module looks across sources and at the calendar: https only (but for the federation's
allow_private_hosts), no URL listed twice, a format only on listings, a zone that belongs to the
source's country, and per-edition sources whose edition is over (a past year in the id, URL or
name, or a stored history of successful runs with no event in the window). Errors make the check
fail; warnings are advice. Pure: the caller passes the clock and the stored source health, so the
check never touches the network.
"""

from __future__ import annotations

import datetime as dt
import importlib.resources
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal
from urllib.parse import urlsplit

from pyevents.config import Config, SourceConfig

# A year token in an id, URL or name: 2025 in "pycon-au-2025", "/pycones-2025/", "PyCon AU 2025".
YEAR = re.compile(r"(?<![0-9])(20[0-9]{2})(?![0-9])")
# Runs a per-edition source may come back empty before the check calls its edition over.
EMPTY_RUNS_BEFORE_STALE = 3
SUCCESS_STATUSES = ("ok", "not_modified")


@dataclass(frozen=True)
class Finding:
    level: Literal["error", "warning"]
    source_id: str
    line: int | None
    message: str

    def render(self, path: str) -> str:
        where = f"{path}:{self.line}" if self.line else path
        return f"{where}: source {self.source_id!r}: {self.level}: {self.message}"


@dataclass(frozen=True)
class StoredHealth:
    """What the database says of one source: the latest run's outcome and events in the window."""

    last_status: str | None
    event_count: int
    last_success_at: dt.datetime | None


def check_config(
    config: Config,
    as_of: dt.datetime,
    health: Mapping[str, StoredHealth] | None = None,
    runs: int = 0,
    text: str | None = None,
) -> list[Finding]:
    """Every finding for the config, in file order; `runs` is how many crawl runs the database recorded."""
    lines = _id_lines(text) if text is not None else {}
    findings: list[Finding] = []
    first_url: dict[str, str] = {}
    private = set(config.federation.allow_private_hosts)
    for s in config.sources:
        line = lines.get(s.id)
        for level, message in _source_findings(s, as_of, (health or {}).get(s.id), runs, private):
            findings.append(Finding(level, s.id, line, message))
        key = _url_key(s.url)
        if key in first_url:
            findings.append(Finding("error", s.id, line, f"URL already listed by {first_url[key]!r}: {s.url}"))
        else:
            first_url[key] = s.id
    return findings


def stored_health(rows: Iterable[Mapping[str, Any]]) -> dict[str, StoredHealth]:
    """The `sources` table's rows (pipeline.store.reader.Snapshot.sources) keyed by source id."""
    return {
        r["source_id"]: StoredHealth(r.get("last_status"), int(r.get("event_count") or 0), r.get("last_success_at")) for r in rows
    }


def edition_year(source: SourceConfig) -> int | None:
    """The edition's year when the source is per edition (a year in its id, URL or name), else None."""
    years = [int(y) for text in (source.id, source.url, source.name) for y in YEAR.findall(text)]
    return max(years) if years else None


def _source_findings(
    s: SourceConfig, as_of: dt.datetime, health: StoredHealth | None, runs: int, private: set[str]
) -> Iterable[tuple[Literal["error", "warning"], str]]:
    parts = urlsplit(s.url)
    # A host:port the operator allowed as private (a test server on loopback) may speak plain http.
    if parts.scheme == "http" and parts.netloc not in private:
        yield "error", f"URL must be https: {s.url}"
    if s.format and s.type != "listing":
        yield "error", f"format {s.format!r} is only for listings (type is {s.type!r})"
    if s.defaults.timezone and s.defaults.country and not _zone_fits(s.defaults.timezone, s.defaults.country):
        yield "warning", f"zone {s.defaults.timezone} is not one of {s.defaults.country}'s zones"
    if s.defaults.kind == "meetup" and s.defaults.country and not (s.defaults.city and s.defaults.timezone):
        yield "warning", "a group calendar in one country needs defaults.city and defaults.timezone to place its events"
    if not s.enabled:
        return
    year = edition_year(s)
    if year is not None and year < as_of.year:
        yield "warning", f"edition {year} is over: bump it to the next edition's URL or remove it"
    elif year is not None and health is not None and _empty_for_runs(health, runs):
        yield "warning", (f"per-edition source had no event inside the window after {runs} runs: its edition may be over")


def _empty_for_runs(health: StoredHealth, runs: int) -> bool:
    return runs >= EMPTY_RUNS_BEFORE_STALE and health.last_status in SUCCESS_STATUSES and health.event_count == 0


def _url_key(url: str) -> str:
    parts = urlsplit(url)
    return f"{(parts.hostname or '').lower()}{parts.path.rstrip('/').lower()}?{parts.query}"


def _id_lines(text: str) -> dict[str, int]:
    """Each source id's 1-based line, found in the raw text (the loader has validated the file already)."""
    out: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        m = re.match(r"\s*-\s+id:\s*['\"]?([a-z0-9-]+)", line)
        if m:
            out.setdefault(m.group(1), number)
    return out


def _zone_fits(zone: str, country: str) -> bool:
    zones = _zones_by_country().get(country.upper())
    return zones is None or zone in zones or zone == "UTC"


@cache
def _zones_by_country() -> dict[str, frozenset[str]]:
    """ISO country -> IANA zones, from tzdata's zone.tab and zone1970.tab (a zone may serve several countries)."""
    folder = importlib.resources.files("tzdata").joinpath("zoneinfo")
    found: dict[str, set[str]] = {}
    for name in ("zone.tab", "zone1970.tab"):
        for line in folder.joinpath(name).read_text(encoding="utf-8").splitlines():
            if line.startswith("#") or not line.strip():
                continue
            codes, _, zone = line.split("\t")[:3]
            for code in codes.split(","):
                found.setdefault(code, set()).add(zone)
    return {k: frozenset(v) for k, v in found.items()}
