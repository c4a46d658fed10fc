"""What one fetch means for a source's stored reports: the lifecycle rules, as pure decisions.

- ok: the fresh reports replace the old ones; a report missing from the fetch is kept and counted,
  and after MISSES_BEFORE_CANCELLED successful fetches in a row without it becomes a cancelled tombstone.
- quarantined: a fresh parse with no events, or under QUARANTINE_FRACTION of the reports that were live
  (when there were at least QUARANTINE_MIN_LIVE), looks like a broken source rather than a real change;
  the old reports stay untouched and the source's health says why.
- not_modified (304 or the same bytes): the old reports stay, but those already missing from the last
  document count one more successful fetch without them.
- failed (fetch error or unusable document): the old reports stay as they were.
- gone (HTTP 410): the source is disabled; its reports stop being live, so the events only it reported
  become cancelled tombstones (unlike a source removed from the configuration, whose events only it
  reported are withdrawn: see `withdrawal.py`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol

import pyarrow as pa

from pyevents.pipeline.codedigest import parse_code_digest
from pyevents.pipeline.model import FetchResult, ParsedSource, Reject, SourceEvent

MISSES_BEFORE_CANCELLED = 2
QUARANTINE_FRACTION = 0.2
QUARANTINE_MIN_LIVE = 5
MAX_REJECTS_PER_SOURCE = 1000  # a hostile document can yield millions; keep a sample and a count

ACCEPTED = "ok"
NOT_MODIFIED = "not_modified"
FAILED = "failed"
GONE = "gone"
QUARANTINED = "quarantined"
DISABLED = "disabled"
SUCCESSES = (ACCEPTED, NOT_MODIFIED)


class ParseSummary(Protocol):
    """What judging needs of a parse (a staging.StagedSource)."""

    @property
    def error(self) -> str | None: ...

    @property
    def reports(self) -> pa.Table: ...  # one row per source_uid


@dataclass(frozen=True, slots=True)
class Verdict:
    """What to do with one source after its fetch (and parse)."""

    status: str  # ok | not_modified | failed | gone | quarantined
    error: str | None = None
    keep_validators: bool = False  # store the fetch's ETag/Last-Modified and the body hash


def body_sha256(body: bytes | None) -> str | None:
    """What `sources.content_sha256` holds: the body's sha256 keyed by the parse code's digest, so an
    unchanged body is parsed again once after the parsing or normalization code changed."""
    if body is None:
        return None
    return hashlib.sha256(parse_code_digest().encode() + b"\0" + body).hexdigest()


def judge(fetch: FetchResult, parsed: ParseSummary | None, stored_sha256: str | None, live_before: int) -> Verdict:
    """Decide a source's status from its fetch, its parse (None when not parsed) and what was live before.

    `live_before` counts the source's stored, not cancelled reports that overlap the window (past
    events dropping out of a feed do not make a source look shrunk).
    """
    if fetch.outcome == GONE:
        return Verdict(GONE, fetch.error or f"HTTP {fetch.http_status or 410}: the source is gone; disabled")
    if fetch.outcome == FAILED:
        return Verdict(FAILED, fetch.error or "the fetch failed")
    if fetch.outcome == NOT_MODIFIED:
        return Verdict(NOT_MODIFIED)
    if fetch.outcome != ACCEPTED:
        return Verdict(FAILED, f"unknown fetch outcome {fetch.outcome!r}")
    if parsed is None:
        # The orchestrator skips parsing a body identical to the last accepted one.
        if stored_sha256 is not None and body_sha256(fetch.body) == stored_sha256:
            return Verdict(NOT_MODIFIED, keep_validators=True)
        return Verdict(FAILED, "fetched but not parsed")
    if parsed.error:
        # Validators are not kept: a conditional GET must not turn a broken body into "not modified".
        return Verdict(FAILED, parsed.error)
    fresh = parsed.reports.num_rows  # one per source_uid
    if live_before > 0 and fresh == 0:
        return Verdict(QUARANTINED, f"the source returned no events where {live_before} were live; kept them")
    if live_before >= QUARANTINE_MIN_LIVE and fresh < QUARANTINE_FRACTION * live_before:
        return Verdict(
            QUARANTINED,
            f"the source returned {fresh} events, under {QUARANTINE_FRACTION:.0%} of the {live_before} "
            "that were live; kept the previous ones",
        )
    return Verdict(ACCEPTED, keep_validators=True)


def unique_reports(parsed: ParsedSource) -> tuple[list[SourceEvent], list[Reject]]:
    """The parse's events with one report per source_uid (the first wins), and a reject for each repeat."""
    seen: set[str] = set()
    kept: list[SourceEvent] = []
    repeats: list[Reject] = []
    for ev in parsed.events:
        if ev.source_uid in seen:
            repeats.append(Reject(parsed.source_id, "duplicate-uid", ev.source_uid))
            continue
        seen.add(ev.source_uid)
        kept.append(ev)
    return kept, repeats


def rejects_to_store(parsed: ParsedSource, repeats: list[Reject]) -> list[Reject]:
    """Everything worth recording about a parse, bounded: document error, warnings, rejects, repeats."""
    found: list[Reject] = []
    if parsed.error:
        found.append(Reject(parsed.source_id, "unusable-document", parsed.error))
    found.extend(Reject(parsed.source_id, "warning", w) for w in parsed.warnings[:MAX_REJECTS_PER_SOURCE])
    found.extend(parsed.rejects[:MAX_REJECTS_PER_SOURCE])
    found.extend(repeats[:MAX_REJECTS_PER_SOURCE])
    total = (1 if parsed.error else 0) + len(parsed.warnings) + len(parsed.rejects) + len(repeats)
    if total <= MAX_REJECTS_PER_SOURCE:
        return found
    kept = found[: MAX_REJECTS_PER_SOURCE - 1]
    more = Reject(parsed.source_id, "too-many-rejects", f"{total - len(kept)} more not recorded")
    return [*kept, more]
