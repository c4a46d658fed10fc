"""`cfp.html`: the open calls for proposals, soonest deadline first.

Each call shows its deadline in the zone it was stated in (Anywhere on Earth where the source said
so) and, through static/cfp.js, in the reader's zone; a countdown from the publish time that the
script keeps current; and the event's dates and place. A call whose deadline passed is not listed
(Snapshot.open_cfps), so the page is rendered on every publish, never reused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pyevents.output.labels import kind_name, place_label
from pyevents.output.rows import OpenCfp
from pyevents.output.site import Site, environment, event_link, safe_href
from pyevents.output.timefmt import countdown_text, deadline_text, label_city, when


@dataclass(frozen=True, slots=True)
class OpenCall:
    title: str
    page: str | None  # the event's page, relative to the site root
    deadline_iso: str  # the instant, UTC, for <time datetime> and the script
    deadline: str  # in the zone it was stated in
    countdown: str
    when: str
    zone: str
    when_iso: str
    place: str
    kind: str
    cfp_url: str


def open_call(event: OpenCfp, as_of: dt.datetime) -> OpenCall:
    """One row of Snapshot.open_cfps as the page shows it."""
    deadline: dt.datetime = event["cfp_ends_at"]
    w = when(event)
    return OpenCall(
        title=event.get("title") or "(untitled)",
        page=event_link(event["event_id"], event.get("series_key")),
        deadline_iso=deadline.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        deadline=deadline_text(deadline, event.get("timezone"), label_city(event)),
        countdown=countdown_text(deadline, as_of),
        when=w.text,
        zone=w.zone,
        when_iso=w.start_iso,
        place=place_label(event) or "Place not announced",
        kind=kind_name(event.get("kind")),
        cfp_url=safe_href(event.get("cfp_url")) or safe_href(event.get("url")),
    )


def render_cfp(site: Site, rows: Sequence[OpenCfp], feeds: Sequence[Any]) -> Iterator[str]:
    """The page, from Snapshot.open_cfps (already by deadline, then id)."""
    calls = [open_call(row, site.as_of) for row in rows if row["cfp_ends_at"] >= site.as_of]
    return (
        environment()
        .get_template("cfp.html")
        .generate(site=site, title="Calls for proposals", calls=calls, root="", feeds=feeds, page="cfp")
    )
