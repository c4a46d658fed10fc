"""The event model shared by every stage: what a source reported, what a fetch returned, what a run did.

Plain dataclasses (picklable, so parse workers in a process pool can return them). Nothing here does I/O.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

KINDS = ("conference", "meetup", "sprint", "workshop", "other")
REGIONS = ("africa", "asia", "europe", "north-america", "south-america", "oceania", "online")
STATUSES = ("confirmed", "tentative", "cancelled")

FetchOutcome = Literal["ok", "not_modified", "failed", "gone"]


@dataclass(frozen=True, slots=True)
class Window:
    """The span of time that is expanded, kept live and published: [start, end)."""

    as_of: dt.datetime  # aware, UTC
    start: dt.datetime  # aware, UTC
    end: dt.datetime  # aware, UTC

    @classmethod
    def around(cls, as_of: dt.datetime, past_days: int, future_days: int) -> Window:
        as_of = as_of.astimezone(dt.UTC)
        return cls(as_of, as_of - dt.timedelta(days=past_days), as_of + dt.timedelta(days=future_days))


@dataclass(slots=True)
class SourceDefaults:
    """What a source's configuration says about events the source itself does not describe fully."""

    kind: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2, upper case
    city: str | None = None
    timezone: str | None = None  # IANA
    online: bool | None = None
    tags: list[str] = field(default_factory=list)


@dataclass(slots=True)
class SourceEvent:
    """One occurrence as one source reported it, parsed and normalized.

    A recurring series yields one SourceEvent per occurrence inside the window; all share `series_uid`.
    Timed events: `starts_at`/`ends_at` are aware datetimes (any zone; the store keeps the instant) and
    `timezone` is the IANA name of the local zone, or a fixed offset such as "UTC-05:00" when the source
    gave only an offset that no zone of the place has. All-day events: `all_day=True`,
    `starts_at`/`ends_at` are local midnight in `timezone` of the first day and of the day after the
    last (exclusive end, as RFC 5545).
    """

    source_id: str
    source_uid: str  # stable within the source: UID for single events, UID + "/" + original start for occurrences
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    timezone: str
    all_day: bool = False
    series_uid: str | None = None  # the UID shared by the occurrences of one recurring series
    description: str = ""
    status: str = "confirmed"  # one of STATUSES
    url: str | None = None  # only http(s) URLs survive normalization
    location: str | None = None  # free text as the source gave it (cleaned)
    venue: str | None = None
    city: str | None = None
    country: str | None = None  # ISO alpha-2
    subdivision: str | None = None  # ISO 3166-2 ("AU-NSW"), the state or province where known
    region: str | None = None  # one of REGIONS
    latitude: float | None = None
    longitude: float | None = None
    online: bool = False
    kind: str = "other"  # one of KINDS
    tags: list[str] = field(default_factory=list)
    cfp_url: str | None = None
    cfp_ends_at: dt.datetime | None = None
    source_url: str | None = None  # the document the event was read from (feed entry page, listing URL…)
    # How the source stated the times, for normalization (not stored; last, as reports are rebuilt from
    # the stored fields by position): "zone" (an IANA zone), "floating" (wall times or dates in no zone,
    # read for now in `timezone`), "offset" (a UTC offset only), "alias" (a Windows or vendor zone
    # name, read in the one city `timezone` names for it); after `settle_zone`, "federation" marks
    # floating times that nothing placed, read in the federation's zone.
    zone_basis: str = "zone"


@dataclass(slots=True)
class Reject:
    """Something a source sent that could not be used, and why (goes to the `rejects` table)."""

    source_id: str
    reason: str  # short stable code: "bad-date", "no-dtstart", "end-before-start", "unsafe-url", "rule-too-large", …
    detail: str = ""


@dataclass(slots=True)
class SourceState:
    """What the store remembers of a source between runs (for conditional GET and health)."""

    source_id: str
    url: str | None = None  # the URL last used (a 301 updates it)
    http_etag: str | None = None
    http_last_modified: str | None = None
    content_sha256: str | None = None
    event_count: int = 0
    consecutive_failures: int = 0
    enabled: bool = True
    last_success_at: dt.datetime | None = None
    last_parsed_at: dt.datetime | None = None  # when its reports were last expanded from a body


@dataclass(slots=True)
class FetchResult:
    """What the crawler brought back for one source."""

    source_id: str
    outcome: FetchOutcome
    url: str  # the URL requested
    final_url: str | None = None  # after redirects
    moved_to: str | None = None  # set when a permanent redirect (301/308) should update the configured URL
    http_status: int | None = None
    body: bytes | None = None
    content_type: str | None = None
    http_etag: str | None = None
    http_last_modified: str | None = None
    error: str | None = None  # one human line: why the source failed
    unreachable: bool = False  # failed because its host could not be resolved or connected to
    linked: dict[str, bytes] = field(default_factory=dict)  # pages fetched on the source's behalf (feed entry links)
    linked_errors: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass(slots=True)
class ParseContext:
    """Everything a parser needs besides the bytes; built by the orchestrator from the config."""

    source_id: str
    source_type: str
    url: str
    window: Window
    defaults: SourceDefaults
    federation_timezone: str = "UTC"
    listing_format: str | None = None
    max_occurrences_per_series: int = 1000
    linked: dict[str, bytes] = field(default_factory=dict)
    source_name: str = ""  # the source's configured name (titles untitled events)


@dataclass(slots=True)
class ParsedSource:
    """What parsing one source's bytes yielded."""

    source_id: str
    events: list[SourceEvent] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    error: str | None = None  # set when the document as a whole is unusable (HTML login page instead of ICS…)
    warnings: list[str] = field(default_factory=list)  # salvaged but flagged (bozo feeds…)


@dataclass(slots=True)
class Event:
    """One real event after de-duplication: the merged row of the `events` table plus its reports."""

    event_id: str
    series_id: str | None
    title: str
    description: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    timezone: str
    all_day: bool
    kind: str
    status: str
    url: str | None
    venue: str | None
    city: str | None
    country: str | None
    subdivision: str | None  # ISO 3166-2
    region: str | None
    latitude: float | None
    longitude: float | None
    online: bool
    tags: list[str]
    cfp_url: str | None
    cfp_ends_at: dt.datetime | None
    reports: list[SourceEvent] = field(default_factory=list)
