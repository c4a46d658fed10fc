"""pretalx schedule JSON (frab-compatible `schedule.json`) and its c3voc "schedule2" variant.

pretalx nests talks as `conference.days[].rooms{room: [talk]}` with an ISO `date` (with offset) and a
`duration` of "HH:MM"; schedule2 lists `schedule.events[]` with ISO `start`/`end`. The conference's
`time_zone_name` is the talks' local zone. Each talk becomes one event.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

from pyevents.pipeline.model import ParseContext, ParsedSource
from pyevents.pipeline.parsers.dates_lenient import parse_when
from pyevents.pipeline.parsers.listings.common import MAX_RECORDS, ListingError, finish, load_json, records, text
from pyevents.pipeline.parsers.markup_event import EventFields

_DURATION = re.compile(r"^\s*(?P<h>\d{1,3}):(?P<m>\d{2})(?::(?P<s>\d{2}))?\s*$")


def parse(body: bytes, ctx: ParseContext) -> ParsedSource:
    return read(load_json(body), ctx)


def read(data: Any, ctx: ParseContext) -> ParsedSource:
    conference = _conference(data)
    zone = text(conference.get("time_zone_name"))
    acronym = text(conference.get("acronym"))
    fields = [_fields(talk, zone, acronym) for talk in _talks(data, conference)]
    return finish(ctx, fields)


def is_schedule(data: Any) -> bool:
    return (
        isinstance(data, dict) and isinstance(data.get("schedule"), dict) and isinstance(data["schedule"].get("conference"), dict)
    )


def parse_duration(value: object) -> dt.timedelta | None:
    """A frab duration, "HH:MM" or "HH:MM:SS", as a timedelta."""
    m = _DURATION.match(value) if isinstance(value, str) else None
    if not m:
        return None
    return dt.timedelta(hours=int(m["h"]), minutes=int(m["m"]), seconds=int(m["s"] or 0))


def _conference(data: Any) -> dict[str, Any]:
    if not is_schedule(data):
        raise ListingError("JSON without schedule.conference: not a pretalx/frab schedule")
    conference: dict[str, Any] = data["schedule"]["conference"]
    return conference


def _talks(data: dict[str, Any], conference: dict[str, Any]) -> Iterator[dict[str, Any]]:
    flat = data["schedule"].get("events")
    if isinstance(flat, list):  # c3voc schedule2
        yield from records(flat)
        return
    count = 0
    for day in records(conference.get("days")):
        rooms = day.get("rooms")
        for talks in rooms.values() if isinstance(rooms, dict) else []:
            for talk in records(talks):
                count += 1
                if count > MAX_RECORDS:
                    return
                yield talk


def _fields(talk: dict[str, Any], zone: str | None, acronym: str | None) -> EventFields:
    start = parse_when(talk.get("date")) or parse_when(talk.get("start"))
    end = parse_when(talk.get("end"))
    duration = parse_duration(talk.get("duration"))
    if end is None and isinstance(start, dt.datetime) and duration is not None:
        end = start + duration
    room = talk.get("room")
    track = talk.get("track")
    return EventFields(
        title=talk.get("title"),
        start=start,
        end=end,
        timezone=zone,
        uid=text(talk.get("guid")) or text(talk.get("id")),
        url=talk.get("url"),
        description=text(talk.get("abstract")) or text(talk.get("description")),
        location=text(room.get("name")) if isinstance(room, dict) else text(room),
        tags=[
            t for t in (acronym, text(track.get("name") or track.get("slug")) if isinstance(track, dict) else text(track)) if t
        ],
    )
