"""RSS and Atom feeds whose entries announce events.

feedparser reads the bytes the crawler fetched (from a stream, so nothing is ever opened or fetched
by it: given bytes or str, feedparser would try them as a file name or URL). Entity declarations are
never expanded (expat refuses the external ones, feedparser leaves the rest as text).

An entry becomes an event when it carries event data:
1. dedicated elements — the RSS event module (`ev:startdate`, `ev:enddate`, `ev:location`), xCal
   (`xcal:dtstart`…) or vendor elements such as Campus Labs' `<start>`/`<end>`/`<location>`/`<status>`;
2. event markup (h-event, hCalendar, schema.org JSON-LD/microdata) inside the entry's HTML;
3. the same markup on the entry's linked page, fetched by the crawler into `ctx.linked`.
Entries with none of these are news, not events, and are skipped silently.
"""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Iterator
from typing import Any

import feedparser
import lxml.etree

from pyevents.pipeline.model import KINDS, ParseContext, ParsedSource, Reject, SourceEvent
from pyevents.pipeline.normalize.text import clean_text, safe_url
from pyevents.pipeline.parsers.dates_lenient import parse_when
from pyevents.pipeline.parsers.dates_prose import ProseDates, language_of
from pyevents.pipeline.parsers.html import parse_html
from pyevents.pipeline.parsers.markup_bytes import xml_as_utf8
from pyevents.pipeline.parsers.markup_event import EventFields, build_event, collect

MAX_ENTRIES = 5000
HTML_PAGE_ERROR = "this is an HTML page, not an RSS/Atom feed"
_START_KEY = re.compile(r"^(?:\w+_)?(?:dtstart|startdate|start|starttime)$")
_END_KEY = re.compile(r"^(?:\w+_)?(?:dtend|enddate|end|endtime)$")
_LOCATION_KEYS = ("ev_location", "location")
_KIND_SYNONYMS = {"meeting": "meetup", "user group": "meetup", "tutorial": "workshop", "hackathon": "sprint"}
_EVENT_MARKUP = re.compile(r"h-event|\bvevent\b|application/ld\+json|schema\.org/\w*Event", re.IGNORECASE)
_FIRST_TAG = re.compile(r"<(?![?!])\s*([A-Za-z][\w:.-]*)")
_PROLOG = re.compile(r"\A(?:\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>)*", re.DOTALL | re.IGNORECASE)
# Repairs ill-formed feeds; never loads a DTD, resolves an entity or touches the network.
_RECOVERING_PARSER = lxml.etree.XMLParser(recover=True, resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def parse_feed(body: bytes, ctx: ParseContext) -> ParsedSource:
    """The events announced by the feed's entries (see the module docstring for where they are read)."""
    result = ParsedSource(ctx.source_id)
    parsed, error, problem = _read(body)
    if error:
        result.error = error
        return result
    if problem:
        result.warnings.append(f"feed is not well-formed ({problem}); read what could be salvaged")
    prose = ProseDates(language_of(parsed.feed.get("language")), ctx.window.as_of)
    candidates: list[SourceEvent | Reject | None] = []
    for entry in _entries(parsed, result.warnings):
        candidates.extend(_entry_events(entry, ctx, prose))
    collect(candidates, result.events, result.rejects)
    return result


def entry_links_needing_page(body: bytes, limit: int) -> list[str]:
    """http(s) links of entries that carry no event data themselves, in feed order, unique, at most `limit`."""
    parsed, error, _ = _read(body)
    if error or limit <= 0:
        return []
    base = parsed.feed.get("link") if isinstance(parsed.feed.get("link"), str) else None
    links: list[str] = []
    for entry in _entries(parsed, []):
        if _element_fields(entry) is not None or _EVENT_MARKUP.search(_entry_html(entry)):
            continue
        link = safe_url(entry.get("link"), base)
        if link and link not in links:
            links.append(link)
            if len(links) >= limit:
                break
    return links


def _read(body: bytes) -> tuple[Any, str | None, str | None]:
    """The feedparser result, an error naming what the document is instead of a feed, and the reason
    it was ill-formed (None when well-formed)."""
    data = xml_as_utf8(body)
    head = data[:4096].decode("utf-8", "replace")
    root = _FIRST_TAG.search(_PROLOG.sub("", head, count=1)[:1024])
    root_name = root.group(1).lower() if root else None
    if root_name in ("html", "head", "body") or (root_name is None and "<html" in head.lower()):
        return None, HTML_PAGE_ERROR, None
    parsed = _feedparser(data)
    if not parsed.get("version") and not parsed.entries:
        if root_name is None:
            return None, "not an RSS/Atom feed: the document has no XML element", None
        return None, f"not an RSS/Atom feed: the root element is <{clean_text(root_name, single_line=True)[:40]}>", None
    if not parsed.bozo:
        return parsed, None, None
    problem = _bozo_reason(parsed)
    # feedparser's fallback parser loses the text of unknown elements that have attributes (Campus Labs'
    # <start xmlns="events">); lxml's recovering parser repairs the XML so the strict parser can read it.
    repaired = _repaired(data)
    if repaired is not None:
        again = _feedparser(repaired)
        if again.get("version") and len(again.entries) >= len(parsed.entries):
            return again, None, problem
    return parsed, None, problem


def _feedparser(data: bytes) -> Any:
    # A stream, never bytes or str: feedparser would try those as a file name or URL first.
    return feedparser.parse(io.BytesIO(data), sanitize_html=False, resolve_relative_uris=False)


def _repaired(data: bytes) -> bytes | None:
    try:
        root: lxml.etree._Element | None = lxml.etree.fromstring(data, _RECOVERING_PARSER)  # None: recovered nothing
    except lxml.etree.XMLSyntaxError:
        return None
    if root is None:
        return None
    return lxml.etree.tostring(root, encoding="utf-8", xml_declaration=True)


def _entries(parsed: Any, warnings: list[str]) -> Iterator[Any]:
    entries = parsed.entries
    if len(entries) > MAX_ENTRIES:
        warnings.append(f"{len(entries)} entries; only the first {MAX_ENTRIES} were read")
    yield from entries[:MAX_ENTRIES]


def _entry_events(entry: Any, ctx: ParseContext, prose: ProseDates) -> list[SourceEvent | Reject | None]:
    link = safe_url(entry.get("link"), ctx.url)
    fields = _element_fields(entry)
    if fields is not None:
        fields.source_url = link or ctx.url
        event = build_event(fields, ctx, base_url=link or ctx.url, prose=prose)
        kind = _entry_kind(entry)
        if isinstance(event, SourceEvent) and kind is not None:
            event.kind = kind
        return [event]
    page_ctx = dataclasses.replace(ctx, url=link or ctx.url)
    html = _entry_html(entry)
    if _EVENT_MARKUP.search(html):
        found = parse_html(html.encode("utf-8"), page_ctx, prose)
        if found.events or found.rejects:
            return _adopt(found.events, entry, link, single_uid=True) + list(found.rejects)
    if link and link in ctx.linked:
        found = parse_html(ctx.linked[link], page_ctx)  # its own language
        own = [ev for ev in found.events if ev.url == link] or found.events[:1]
        return list(_adopt(own, entry, link, single_uid=False)) + list(found.rejects)
    return []


def _element_fields(entry: Any) -> EventFields | None:
    """Event data in dedicated entry elements, or None when the entry has no start date of its own
    (a start written in prose counts: it is read in the feed's language)."""
    start = _first_when(entry, _START_KEY)
    start_text = _first_text(entry, _START_KEY) if start is None else None
    if start is None and start_text is None:
        return None
    status = str(entry.get("status") or entry.get("ev_status") or "").lower()
    point = entry.get("where") if isinstance(entry.get("where"), dict) else {}
    coordinates = point.get("coordinates") if point.get("type") == "Point" else None
    return EventFields(
        title=entry.get("title"),
        start=start,
        end=_first_when(entry, _END_KEY),
        start_text=start_text,
        end_text=_first_text(entry, _END_KEY),
        uid=entry.get("id"),
        url=entry.get("link"),
        description=_entry_html(entry),
        location=next((entry[k] for k in _LOCATION_KEYS if isinstance(entry.get(k), str)), None),
        latitude=coordinates[1] if coordinates else None,
        longitude=coordinates[0] if coordinates else None,
        cancelled=status in ("cancelled", "canceled"),
        tentative=status == "tentative",
        tags=[t.get("term") for t in entry.get("tags", [])[:20] if isinstance(t.get("term"), str)],
    )


def _entry_kind(entry: Any) -> str | None:
    """The RSS event module's `ev:type`, when it names one of our kinds (or a close synonym)."""
    value = clean_text(entry.get("ev_type"), single_line=True).lower()
    value = _KIND_SYNONYMS.get(value, value)
    return value if value in KINDS else None


def _first_when(entry: Any, key_pattern: re.Pattern[str]) -> Any:
    for key, value in entry.items():
        if key_pattern.match(key) and isinstance(value, str):
            when = parse_when(value)
            if when is not None:
                return when
    return None


def _first_text(entry: Any, key_pattern: re.Pattern[str]) -> str | None:
    """The first non-empty text of a date element, as written."""
    return next((v for k, v in entry.items() if key_pattern.match(k) and isinstance(v, str) and v.strip()), None)


def _entry_html(entry: Any) -> str:
    content = entry.get("content")
    value = content[0].get("value") if content else None
    if isinstance(value, str):
        return value
    summary = entry.get("summary")
    return summary if isinstance(summary, str) else ""


def _adopt(events: list[SourceEvent], entry: Any, link: str | None, *, single_uid: bool) -> list[SourceEvent | Reject | None]:
    """Events found in an entry's markup take the entry's identity and link where they have none."""
    out: list[SourceEvent | Reject | None] = []
    entry_id = clean_text(entry.get("id"), single_line=True)
    for ev in events:
        if single_uid and entry_id and len(events) == 1:
            ev.source_uid = entry_id
        ev.url = ev.url or link
        ev.source_url = link or ev.source_url
        out.append(ev)
    return out


def _bozo_reason(parsed: Any) -> str:
    exc = parsed.get("bozo_exception")
    return clean_text(f"{type(exc).__name__}: {exc}" if exc else "unknown problem", single_line=True)[:200]
