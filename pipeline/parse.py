"""From one source's bytes to its normalized events: dispatch on the source type, then finish each event.

`parse_source` never raises: an unexpected exception of a parser or of the normalizers becomes the
source's error, so one broken document cannot take the run down. It is a pure function and runs in a
process pool.
"""

from __future__ import annotations

import traceback

from pyevents.pipeline.model import ParseContext, ParsedSource, Reject, SourceEvent
from pyevents.pipeline.normalize import finish_events
from pyevents.pipeline.parsers import feed, html, ical, listings

PARSERS = {
    "ical": ical.parse_ical,
    "feed": feed.parse_feed,
    "html": html.parse_html,
    "listing": listings.parse_listing,
}


def parse_source(body: bytes, ctx: ParseContext, region_override: str | None = None) -> ParsedSource:
    """Parse and normalize one source's document; errors are reported, never raised."""
    parser = PARSERS.get(ctx.source_type)
    if parser is None:
        return ParsedSource(ctx.source_id, error=f"no parser for source type {ctx.source_type!r}")
    try:
        parsed = parser(body, ctx)
        # Inside the try: below the pool threshold this runs in the run's own process, so a normalizer
        # bug escaping here would end the whole run.
        parsed.events = finish_events(parsed.events, ctx.defaults, region_override, ctx.federation_timezone)
        parsed.rejects.extend(unplaced_floating(parsed.events, ctx))
    except RecursionError:
        return ParsedSource(ctx.source_id, error="document nested too deeply to parse")
    except Exception as exc:  # noqa: BLE001 - a parser bug must not stop the other sources
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return ParsedSource(
            ctx.source_id,
            error=f"parser failed: {type(exc).__name__}: {exc} ({where.filename.rsplit('/', 1)[-1]}:{where.lineno})",
        )
    return parsed


def unplaced_floating(events: list[SourceEvent], ctx: ParseContext) -> list[Reject]:
    """One note when times without zone had no place to read them in: an operator can add a default zone."""
    count = sum(
        1 for ev in events if ev.zone_basis == "federation" and not ev.all_day
    )  # dates stay dates (VALUE=DATE) in any zone
    if not count:
        return []
    detail = (
        f"{count} event(s) give times without a zone and no place; read in the federation's zone "
        f"{ctx.federation_timezone} (set defaults.timezone for this source)"
    )
    return [Reject(ctx.source_id, "floating-time", detail)]
