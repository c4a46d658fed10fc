"""Events marked up in web pages: schema.org Event (JSON-LD, microdata) and microformats (h-event, hCalendar).

Extraction is done by extruct (JSON-LD, microdata) and mf2py (microformats2 with hCalendar
backward compatibility); this module reads what they extract. Each JSON-LD block is extracted on its
own, so a broken or absurdly nested block loses only itself. The same event marked up twice on one
page (JSON-LD and microdata) is reported once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import lxml.etree
import lxml.html
import mf2py
from extruct.jsonld import JsonLdExtractor
from extruct.w3cmicrodata import MicrodataExtractor

from pyevents.pipeline.model import ParseContext, ParsedSource, Reject, SourceEvent
from pyevents.pipeline.parsers.dates_lenient import parse_when
from pyevents.pipeline.parsers.dates_prose import ProseDates, language_of
from pyevents.pipeline.parsers.markup_bytes import decode_html
from pyevents.pipeline.parsers.markup_event import EventFields, build_event, collect

MAX_JSONLD_BLOCKS = 500
MAX_EVENTS = 2000  # per page
MAX_DEPTH = 8  # how deep events are searched for inside one JSON-LD or microdata item
MAX_LIST = 1000  # items of one JSON array looked at
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def parse_html(body: bytes, ctx: ParseContext, prose: ProseDates | None = None) -> ParsedSource:
    """Every schema.org Event, h-event and hCalendar vevent of the page that overlaps ctx.window.

    Dates in prose are read in the page's language (`lang`) by `prose`, or by a reader of this page's own."""
    result = ParsedSource(ctx.source_id)
    text = decode_html(body)
    if not text.strip():
        return result
    try:
        tree = lxml.html.document_fromstring(text)
    except (lxml.etree.ParserError, ValueError):
        result.error = "not an HTML document"
        return result
    prose = prose or ProseDates(language_of(tree.get("lang") or tree.get("xml:lang")), ctx.window.as_of)
    candidates: list[SourceEvent | Reject | None] = []
    for fields in _all_fields(tree, text, ctx, result.warnings):
        candidates.append(build_event(fields, ctx, prose=prose))
        if len(candidates) >= MAX_EVENTS:
            result.warnings.append(f"more than {MAX_EVENTS} events on the page; the rest were ignored")
            break
    collect(_without_repeats(candidates), result.events, result.rejects)
    return result


def _all_fields(tree: lxml.html.HtmlElement, text: str, ctx: ParseContext, warnings: list[str]) -> Iterator[EventFields]:
    for obj in _jsonld_items(tree, ctx.url, warnings):
        yield from (schema_event_fields(ev, ctx.url) for ev in find_events(obj))
    try:
        microdata = MicrodataExtractor().extract_items(tree, ctx.url)
    except (ValueError, RecursionError, lxml.etree.LxmlError) as exc:
        warnings.append(f"microdata could not be read: {type(exc).__name__}")
        microdata = []
    for item in microdata[:MAX_LIST]:
        yield from (schema_event_fields(ev, ctx.url) for ev in find_events(_microdata_as_jsonld(item, 0)))
    for item in _hevents(text, ctx.url, warnings):
        yield _hevent_fields(item)


def _jsonld_items(tree: lxml.html.HtmlElement, base_url: str, warnings: list[str]) -> Iterator[Any]:
    """Items of each JSON-LD block, block by block: one that is broken or nested too deeply is skipped."""
    extractor = JsonLdExtractor()
    scripts = tree.xpath('//script[@type="application/ld+json"]')
    for index, script in enumerate(scripts[:MAX_JSONLD_BLOCKS]):
        if script.text:
            script.text = _CONTROL.sub(" ", script.text)  # raw control characters break json outside strings
        try:
            items = extractor.extract_items(script, base_url=base_url)
        except RecursionError:
            warnings.append(f"JSON-LD block {index + 1} is nested too deeply; skipped")
            continue
        except ValueError:
            warnings.append(f"JSON-LD block {index + 1} is not valid JSON; skipped")
            continue
        yield from items


def find_events(obj: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """schema.org objects whose type ends in "Event", found in @graph, lists and nested properties."""
    if depth > MAX_DEPTH:
        return
    if isinstance(obj, list):
        for item in obj[:MAX_LIST]:
            yield from find_events(item, depth + 1)
    elif isinstance(obj, dict):
        if any(t.endswith("Event") for t in schema_types(obj)):
            yield obj  # its sub-events are parts of it, not separate entries
            return
        for value in list(obj.values())[:MAX_LIST]:
            if isinstance(value, dict | list):
                yield from find_events(value, depth + 1)


def schema_types(obj: dict[str, Any]) -> list[str]:
    """Short type names: "http://schema.org/MusicEvent" and "schema:MusicEvent" become "MusicEvent"."""
    raw = obj.get("@type", obj.get("type"))
    values = raw if isinstance(raw, list) else [raw]
    return [re.split(r"[/#:]", v)[-1] for v in values[:20] if isinstance(v, str)]


def schema_event_fields(ev: dict[str, Any], base_url: str) -> EventFields:
    """What a schema.org Event object states, in EventFields."""
    status = _text(ev.get("eventStatus")) or ""
    mode = _text(ev.get("eventAttendanceMode")) or ""
    start_text, end_text = _text(ev.get("startDate")), _text(ev.get("endDate"))
    fields = EventFields(
        title=_text(ev.get("name")) or _text(ev.get("headline")),
        start=parse_when(start_text),
        end=parse_when(end_text),
        start_text=start_text,
        end_text=end_text,
        uid=_text(ev.get("@id")) if _is_absolute(_text(ev.get("@id"))) else None,
        url=_text(ev.get("url")),
        description=_text(ev.get("description")),
        online="Online" in mode or "Mixed" in mode or "MovedOnline" in status,
        cancelled="Cancelled" in status or "Canceled" in status,
        tentative="Postponed" in status,
        source_url=base_url,
    )
    _read_location(ev.get("location"), fields)
    return fields


def _read_location(value: Any, fields: EventFields) -> None:
    """Place, PostalAddress, GeoCoordinates, VirtualLocation or plain text; several places for hybrids."""
    places = value if isinstance(value, list) else [value]
    texts: list[str] = []
    for place in places[:5]:
        if isinstance(place, str):
            texts.append(place)
        elif isinstance(place, dict):
            if "VirtualLocation" in schema_types(place):
                fields.online = True
                continue
            fields.venue = fields.venue or _text(place.get("name"))
            texts.append(_read_address(place.get("address"), fields))
            geo = place["geo"] if isinstance(place.get("geo"), dict) else place
            fields.latitude = fields.latitude or _text(geo.get("latitude"))
            fields.longitude = fields.longitude or _text(geo.get("longitude"))
    parts = [fields.venue] if isinstance(fields.venue, str) else []
    fields.location = ", ".join(p for p in dict.fromkeys(parts + texts) if p) or None


def _read_address(address: Any, fields: EventFields) -> str:
    if isinstance(address, list):
        address = address[0] if address else None
    if isinstance(address, str):
        return address
    if not isinstance(address, dict):
        return ""
    country = address.get("addressCountry")
    fields.city = fields.city or _text(address.get("addressLocality"))
    fields.country = fields.country or (_text(country.get("name")) if isinstance(country, dict) else _text(country))
    keys = ("streetAddress", "addressLocality", "addressRegion", "postalCode")
    return ", ".join(v for v in [*(_text(address.get(k)) for k in keys), _text(fields.country)] if v)


def _text(value: Any) -> str | None:
    """The first scalar of a JSON-LD value (lists, {"@value": …} and {"@id": …} included) as text."""
    for _ in range(4):
        if isinstance(value, list):
            value = value[0] if value else None
        elif isinstance(value, dict):
            value = value.get("@value", value.get("@id", value.get("name")))
        else:
            break
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _is_absolute(uid: str | None) -> bool:
    return uid is not None and "://" in uid  # page-local ids such as "event_1" are not stable identities


def _microdata_as_jsonld(item: Any, depth: int) -> Any:
    """An extruct microdata item ({"type", "properties"}) in JSON-LD shape, so one reader serves both."""
    if depth > MAX_DEPTH:
        return None
    if isinstance(item, list):
        return [_microdata_as_jsonld(v, depth + 1) for v in item[:MAX_LIST]]
    if not isinstance(item, dict) or "properties" not in item:
        return item
    out: dict[str, Any] = {"@type": item.get("type")}
    if item.get("id"):
        out["@id"] = item["id"]
    for key, value in list(item["properties"].items())[:MAX_LIST]:
        out[key] = _microdata_as_jsonld(value, depth + 1)
    if "value" in item and not out.get("name"):
        out["@value"] = item["value"]
    return out


def _hevents(text: str, base_url: str, warnings: list[str]) -> Iterator[dict[str, Any]]:
    """h-event items (hCalendar vevents included) at the top level or nested in other items."""
    try:
        parsed = mf2py.parse(doc=text, url=base_url, html_parser="lxml", metaformats=False)
    except (ValueError, RecursionError, AttributeError, TypeError) as exc:
        warnings.append(f"microformats could not be read: {type(exc).__name__}")
        return
    stack: list[tuple[dict[str, Any], int]] = [(item, 0) for item in reversed(parsed.get("items", []))]
    seen = 0
    while stack and seen < MAX_EVENTS * 4:
        item, depth = stack.pop()
        seen += 1
        if "h-event" in item.get("type", []):
            yield item
            continue
        if depth < MAX_DEPTH:
            children = item.get("children", []) + [
                v for values in item.get("properties", {}).values() for v in values if isinstance(v, dict) and "type" in v
            ]
            stack.extend((child, depth + 1) for child in reversed(children))


def _hevent_fields(item: dict[str, Any]) -> EventFields:
    props: dict[str, list[Any]] = item.get("properties", {})
    fields = EventFields(
        title=_mf_text(props.get("name")),
        start=_mf_when(props.get("start")),
        end=_mf_when(props.get("end")),
        start_text=_mf_text(props.get("start")),
        end_text=_mf_text(props.get("end")),
        uid=_mf_text(props.get("uid")),
        url=_mf_text(props.get("url")),
        description=_mf_html(props.get("description")) or _mf_html(props.get("summary")),
        tags=[t for t in (_mf_text([c]) for c in props.get("category", [])[:20]) if t],
    )
    location = (props.get("location") or [None])[0]
    if isinstance(location, dict):
        _read_mf_place(location, fields)
    else:
        fields.location = location
    return fields


def _read_mf_place(place: dict[str, Any], fields: EventFields) -> None:
    """An h-card, h-adr or h-geo location; nested adr/geo give the address and coordinates."""
    props: dict[str, list[Any]] = place.get("properties", {})
    name = _mf_text(props.get("org")) or _mf_text(props.get("name"))
    fields.venue = name if "h-adr" not in place.get("type", []) else None
    fields.city = _mf_text(props.get("locality"))
    fields.country = _mf_text(props.get("country-name"))
    fields.latitude = _mf_text(props.get("latitude"))
    fields.longitude = _mf_text(props.get("longitude"))
    texts = [name]
    for adr in props.get("adr", [])[:1]:
        texts.append(adr.get("value") if isinstance(adr, dict) else adr)
    for geo in props.get("geo", [])[:1]:
        if isinstance(geo, dict):
            fields.latitude = _mf_text(geo.get("properties", {}).get("latitude"))
            fields.longitude = _mf_text(geo.get("properties", {}).get("longitude"))
            if fields.latitude is None and isinstance(geo.get("value"), str):
                lat, _, lon = geo["value"].partition(",")
                fields.latitude, fields.longitude = lat.strip(), lon.strip()
    fields.location = ", ".join(t for t in dict.fromkeys(texts) if isinstance(t, str) and t) or None


def _mf_text(values: list[Any] | None) -> str | None:
    for value in (values or [])[:5]:
        if isinstance(value, dict):
            value = value.get("value")
        if isinstance(value, str) and value.strip():
            return value
    return None


def _mf_html(values: list[Any] | None) -> str | None:
    for value in (values or [])[:5]:
        html = value.get("html") if isinstance(value, dict) else None
        if isinstance(html, str):
            return html
    return _mf_text(values)


def _mf_when(values: list[Any] | None) -> Any:
    """The first of several dt-start/dt-end values that reads as a date."""
    for value in (values or [])[:20]:
        when = parse_when(value.get("value") if isinstance(value, dict) else value)
        if when is not None:
            return when
    return None


def _without_repeats(candidates: list[SourceEvent | Reject | None]) -> list[SourceEvent | Reject | None]:
    """One event marked up in several syntaxes (same title and start) is kept once, first syntax first."""
    seen: set[tuple[str, object]] = set()
    out: list[SourceEvent | Reject | None] = []
    for item in candidates:
        if isinstance(item, SourceEvent):
            key = (item.title.casefold(), item.starts_at)
            if key in seen:
                continue
            seen.add(key)
        out.append(item)
    return out
