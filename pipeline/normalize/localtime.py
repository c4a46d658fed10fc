"""An event's times in its own place's zone: the last step of normalization, once the place is known.

Parsers state how the source gave the times (`SourceEvent.zone_basis`) and read them provisionally;
`settle_zone` then decides the zone, in this order: the place's zone (coordinates, city, one-zone
country: `gazetteer.zone_for_place`), else the source's default zone, else the federation's.

- "zone": an IANA zone the source named is kept.
- "floating": wall times and all-day dates in no zone are read in that zone, so the instant moves
  (18:30 floating in Portland, OR is 01:30 UTC the next day); all-day events start at local midnight.
  Nothing placed and no default: the zone the parser read them in (a calendar's X-WR-TIMEZONE, else the
  federation's zone, then marked "federation" so the run notes it).
- "offset": the instant is kept. A zero offset (`Z`) takes the place's or the default zone; another
  offset takes the zone when it has that offset at the start, else a fixed-offset name ("UTC-05:00",
  written as UTC times in iCal), never "UTC".
- "alias": a Windows or vendor name (read in its CLDR city, "W. Europe Standard Time" = Berlin) takes
  the place's or the default zone when it has the same offsets at start and end; the instant is kept.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from pyevents.pipeline.model import SourceEvent
from pyevents.pipeline.normalize.timezones import offset_zone_name, zone_info


def settle_zone(ev: SourceEvent, place_zone: str | None, default_zone: str | None, federation_zone: str) -> SourceEvent:
    """The event with its times in the zone its place, source or federation gives (see the module docstring)."""
    basis = ev.zone_basis
    if basis == "floating":
        zone = place_zone or default_zone
        if zone:
            return _rewall(ev, zone, "floating")
        # nothing placed: the zone the parser read them in (a calendar's X-WR-TIMEZONE, else the federation's)
        return ev if ev.timezone != federation_zone else dataclasses.replace(ev, zone_basis="federation")
    if basis == "offset":
        return _offset(ev, place_zone or default_zone, federation_zone)
    if basis == "alias":
        zone = place_zone or default_zone
        if zone and zone != ev.timezone and _same_offsets(zone, ev.starts_at, ev.ends_at):
            return _convert(ev, zone)
    return ev


def _rewall(ev: SourceEvent, zone: str, basis: str) -> SourceEvent:
    """The same wall times (and dates) read in `zone`: the instant changes."""
    if zone == ev.timezone:
        return ev if basis == ev.zone_basis else dataclasses.replace(ev, zone_basis=basis)
    tz = zone_info(zone)
    if tz is None:
        return ev
    provisional = ev.starts_at.tzinfo
    cfp = ev.cfp_ends_at
    if cfp is not None and cfp.tzinfo is provisional:  # a deadline read in the same provisional zone
        cfp = cfp.replace(tzinfo=tz)
    return dataclasses.replace(
        ev,
        starts_at=ev.starts_at.replace(tzinfo=tz),
        ends_at=ev.ends_at.astimezone(provisional).replace(tzinfo=tz),
        timezone=zone,
        cfp_ends_at=cfp,
        zone_basis=basis,
    )


def _offset(ev: SourceEvent, zone: str | None, federation_zone: str) -> SourceEvent:
    offset = ev.starts_at.utcoffset() or dt.timedelta(0)
    if not offset:
        return _convert(ev, zone or ev.timezone)
    candidate = zone or federation_zone
    tz = zone_info(candidate)
    if tz is not None and ev.starts_at.astimezone(tz).utcoffset() == offset:
        return _convert(ev, candidate)
    return _convert(ev, offset_zone_name(offset))


def _convert(ev: SourceEvent, zone: str) -> SourceEvent:
    """The same instants shown in `zone`."""
    tz = zone_info(zone)
    if tz is None:
        return ev
    return dataclasses.replace(ev, starts_at=ev.starts_at.astimezone(tz), ends_at=ev.ends_at.astimezone(tz), timezone=zone)


def _same_offsets(zone: str, *instants: dt.datetime) -> bool:
    tz = zone_info(zone)
    return tz is not None and all(moment.astimezone(tz).utcoffset() == moment.utcoffset() for moment in instants)
