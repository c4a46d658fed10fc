"""The rows output reads from the store's `Snapshot`, one TypedDict per query, so mypy checks what output
reads of them. Each is a row as DuckDB returns it: every column is present, and any may be null (the
schema declares no NOT NULL but the keys). Columns several queries share are bases of their rows."""

from __future__ import annotations

import datetime as dt
from typing import TypedDict


class Place(TypedDict):
    """Where an event is (`labels.place_label`)."""

    venue: str | None
    city: str | None
    country: str | None
    region: str | None
    online: bool | None


class Listed(Place):
    """The columns every query of events returns."""

    event_id: str
    title: str | None
    timezone: str | None
    all_day: bool | None
    kind: str | None
    status: str | None
    sequence: int | None
    tags: list[str] | None


class UtcTexts(Listed):
    """Rows whose start and end also come as UTC text (YYYY-MM-DDTHH:MM:SSZ)."""

    starts_z: str
    ends_z: str


class Described(Listed):
    """The `events` table's other published columns but its instants, and the series links."""

    series_id: str | None
    description: str | None
    url: str | None
    latitude: float | None
    longitude: float | None
    cfp_url: str | None
    subdivision: str | None
    series_page: str | None  # the series whose page lists the event
    series_key: str | None  # the same, while the event is upcoming


class EventColumns(Described):
    """The published columns with their instants, but the CFP deadline."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    first_seen_at: dt.datetime | None
    updated_at: dt.datetime  # the store sets it for every event


class Announced(EventColumns):
    """A row of `Snapshot.announced`."""

    cfp_ends_at: dt.datetime | None


class OpenCfp(EventColumns):
    """A row of `Snapshot.open_cfps`: an event whose call for proposals is open, so has a deadline."""

    cfp_ends_at: dt.datetime


class Provenance(TypedDict):
    """One source of an event (`EventText.sources`), by first seen."""

    source_id: str
    source_uid: str | None
    source_url: str | None
    first_seen_on: str | None  # UTC day, ISO
    name: str | None
    type: str | None
    source_feed_url: str | None


class Change(TypedDict):
    """One of an event's latest changes (`EventText.changes`), newest first."""

    changed_on: str | None  # UTC day, ISO
    field: str | None
    old_value: str | None
    new_value: str | None


class EventText(Described, UtcTexts):
    """A row of `Snapshot.event_batches` without its datetime columns (`eventfiles.ROW_COLUMNS`): an
    event with everything its page and its JSON line show, its instants as UTC text."""

    sources: list[Provenance]
    changes: list[Change]
    vevent: str | None  # the cached VEVENT
    fingerprint: str
    cfp_ends_z: str | None
    first_seen_z: str | None
    updated_z: str


class EventRow(EventText, Announced):
    """A whole row of `Snapshot.event_batches`."""


class AgendaEntry(UtcTexts):
    """A row of `Snapshot.agenda_entries`: a one-off event, or a series by its next date."""

    series_id: str | None
    series_dates: int | None  # a series' upcoming dates, not cancelled
    series_starts: list[str] | None  # UTC text of the first of them


class SeriesSource(TypedDict):
    """A source of a series (`SeriesDate.series_sources`)."""

    source_id: str
    name: str | None
    source_url: str | None
    source_feed_url: str | None


class SeriesDate(UtcTexts):
    """A row of `Snapshot.series_occurrences`: one upcoming date of a series; the series' own fields
    (`series_description`, `series_sources`) are on its first date's row only."""

    series_id: str
    series_key: str
    url: str | None
    latitude: float | None
    longitude: float | None
    moved_from: str | None  # UTC text of the start before its latest move
    updated_z: str | None
    series_description: str | None
    series_sources: list[SeriesSource] | None


class SourceHealth(TypedDict):
    """A row of `Snapshot.sources`: a source's configuration and the health of its last runs."""

    source_id: str
    name: str | None
    type: str | None
    url: str | None
    enabled: bool | None
    last_attempt_at: dt.datetime | None
    last_success_at: dt.datetime | None
    last_status: str | None
    last_error: str | None
    consecutive_failures: int | None
    http_etag: str | None
    http_last_modified: str | None
    content_sha256: str | None
    event_count: int | None
    last_parsed_at: dt.datetime | None
    configured_url: str | None
