"""`feed.atom`: newly announced events, newest first seen first, then soonest (a Jinja template).

Its entries are the ATOM_LIMIT most recently first seen events and, whatever their number, every
event starting within SOON_DAYS (counted from the end of the publish's UTC day, so that one day's
publishes agree). Entries carry `xml:lang="en"`: the site's language, in which their summaries are written.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined, Template

from pyevents.output.labels import kind_name, place_label
from pyevents.output.rows import Announced
from pyevents.output.site import event_link, safe_href
from pyevents.output.timefmt import when

ATOM_LIMIT = 100  # entries in feed.atom besides those of the next SOON_DAYS
SOON_DAYS = 14  # an event starting within these days is always an entry
SUMMARY_CHARS = 600
LANGUAGE = "en"
# Characters XML 1.0 forbids; stored text should not have them, but a feed must never be malformed.
_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def soon_until(as_of: dt.datetime) -> dt.datetime:
    """The end of the window whose events the feed never leaves out: SOON_DAYS after the end of as_of's UTC day."""
    day = as_of.astimezone(dt.UTC).date() + dt.timedelta(days=SOON_DAYS + 1)
    return dt.datetime.combine(day, dt.time(0, 0), dt.UTC)


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    title: str
    link: str
    published: str
    updated: str
    kind: str
    kind_label: str
    summary: str


@lru_cache(maxsize=1)
def _template() -> Template:
    env = Environment(
        loader=PackageLoader("pyevents.output", "templates"),
        autoescape=True,  # XML's five special characters, in text and attributes
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["xml"] = lambda value: _NOT_XML.sub("", str(value))
    return env.get_template("feed.atom.xml")


def atom_feed(name: str, base_url: str, entries: Sequence[Announced]) -> Iterator[str]:
    """Stream the Atom document for `entries` (already chosen and ordered: `Snapshot.announced`)."""
    updated = max((ev["updated_at"] for ev in entries), default=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    host = urlsplit(base_url).hostname or "pyevents.invalid"
    return _template().generate(
        name=name,
        title=name + ": newly announced events",
        self_url=base_url + "feed.atom",
        base_url=base_url,
        updated=_stamp(updated),
        language=LANGUAGE,
        entries=[_entry(ev, base_url, host) for ev in entries],
    )


def _entry(ev: Announced, base_url: str, host: str) -> Entry:
    first_seen: dt.datetime = ev.get("first_seen_at") or ev["updated_at"]
    page = event_link(ev["event_id"], ev.get("series_key"))
    w = when(ev)
    facts = " · ".join(p for p in (f"{w.text} {w.zone}".strip(), place_label(ev), kind_name(ev.get("kind"))) if p)
    description = str(ev.get("description") or "")
    if len(description) > SUMMARY_CHARS:
        description = description[: SUMMARY_CHARS - 1] + "…"
    return Entry(
        id=f"tag:{host},{first_seen.astimezone(dt.UTC):%Y-%m-%d}:event/{ev['event_id']}",
        title=ev.get("title") or "(untitled)",
        link=base_url + page if page else safe_href(ev.get("url")) or base_url,
        published=_stamp(first_seen),
        updated=_stamp(ev["updated_at"]),
        kind=ev.get("kind") or "other",
        kind_label=kind_name(ev.get("kind")),
        summary=facts + ("\n\n" + description if description else ""),
    )


def _stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
