"""`feed.atom`: newly announced events, newest first (by when pyevents first saw them), bounded."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape, quoteattr

from pyevents.output.labels import kind_name, place_label
from pyevents.output.site import event_page_path, safe_href
from pyevents.output.timefmt import when

ATOM_LIMIT = 100  # entries in feed.atom
SUMMARY_CHARS = 600
# Characters XML 1.0 forbids; stored text should not have them, but a feed must never be malformed.
_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def atom_feed(name: str, base_url: str, entries: Sequence[Mapping[str, Any]]) -> Iterator[str]:
    """Stream the Atom document for `entries` (already chosen and ordered: `Snapshot.announced`)."""
    updated = max((ev["updated_at"] for ev in entries), default=dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc))
    self_url = base_url + "feed.atom"
    yield (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom">\n'
        f"  <id>{_text(self_url)}</id>\n"
        f"  <title>{_text(name + ': newly announced events')}</title>\n"
        f"  <updated>{_stamp(updated)}</updated>\n"
        f"  <link rel=\"self\" type=\"application/atom+xml\" href={_attr(self_url)}/>\n"
        f"  <link rel=\"alternate\" type=\"text/html\" href={_attr(base_url)}/>\n"
        f"  <author><name>{_text(name)}</name></author>\n"
        "  <generator>pyevents</generator>\n"
    )
    host = urlsplit(base_url).hostname or "pyevents.invalid"
    for ev in entries:
        yield _entry(ev, base_url, host)
    yield "</feed>\n"


def _entry(ev: Mapping[str, Any], base_url: str, host: str) -> str:
    first_seen: dt.datetime = ev.get("first_seen_at") or ev["updated_at"]
    page = event_page_path(ev["event_id"])
    link = base_url + page if page else safe_href(ev.get("url")) or base_url
    w = when(ev)
    facts = " · ".join(p for p in (f"{w.text} {w.zone}".strip(), place_label(ev), kind_name(ev.get("kind"))) if p)
    description = str(ev.get("description") or "")
    if len(description) > SUMMARY_CHARS:
        description = description[: SUMMARY_CHARS - 1] + "…"
    summary = facts + ("\n\n" + description if description else "")
    return (
        "  <entry>\n"
        f"    <id>tag:{_text(host)},{first_seen.astimezone(dt.timezone.utc):%Y-%m-%d}:event/{_text(ev['event_id'])}</id>\n"
        f"    <title>{_text(ev.get('title') or '(untitled)')}</title>\n"
        f"    <link rel=\"alternate\" type=\"text/html\" href={_attr(link)}/>\n"
        f"    <published>{_stamp(first_seen)}</published>\n"
        f"    <updated>{_stamp(ev['updated_at'])}</updated>\n"
        f"    <category term={_attr(ev.get('kind') or 'other')} label={_attr(kind_name(ev.get('kind')))}/>\n"
        f"    <summary type=\"text\">{_text(summary)}</summary>\n"
        "  </entry>\n"
    )


def _text(value: object) -> str:
    return escape(_NOT_XML.sub("", str(value)))


def _attr(value: object) -> str:
    return quoteattr(_NOT_XML.sub("", str(value)))


def _stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
