"""The static site's pages: one Jinja environment (compiled once, autoescaped) and the view of each event.

Functions here return page text as an iterator of chunks; `output.publish` writes them. Every URL that
came from a source reaches a template only through `safe_href`, because autoescaping alone does not
stop a `javascript:` link.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple, cast
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined, Template, nodes, select_autoescape
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup, escape

from pyevents.output.calendarlink import google_calendar_url
from pyevents.output.cardimage import CARD_PATH
from pyevents.output.federation import SourcePlace
from pyevents.output.feeds import CFP_PATH, KIND_SLUGS, Feeds, main_specs
from pyevents.output.ical import event_uid
from pyevents.output.labels import REGION_NAMES, country_name, kind_name, place_label, region_name, topics
from pyevents.output.rows import (
    AgendaEntry,
    Change,
    Described,
    EventText,
    Listed,
    Provenance,
    SeriesDate,
    SeriesSource,
    SourceHealth,
)
from pyevents.output.timefmt import When, day_text_on, deadline_text, label_city, stamp_text, utc_instant
from pyevents.pipeline.normalize.text import safe_url

AGENDA_LIMIT = 2000  # entries on one agenda page; more would make a page too heavy for a phone
EVENT_ID = re.compile(r"^[0-9a-f]{16}$")  # ids become file names: nothing else is trusted as one
STATUS_WORDS = {
    "ok": "OK",
    "not_modified": "OK (not modified)",
    "failed": "Failing",
    "gone": "Gone (410)",
    "quarantined": "Quarantined",
    "disabled": "Disabled",
}
HEALTHY = frozenset({"ok", "not_modified"})


# Plain ASCII http(s) URLs with a host and no space, quote, angle bracket, backslash or control
# character: safe_url returns these unchanged, so they skip its (slower) general path.
_PLAIN_HTTP_URL = re.compile(r"^https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:[/?#][!#$%&'()*+,\-./0-9:;=?@A-Z\[\]^_a-z{|}~]*)?\Z")


def safe_href(value: object) -> str:
    """An http(s) URL fit for href, or '' (javascript:, data:, vbscript:, relative junk never pass)."""
    if not isinstance(value, str):
        return ""
    if _PLAIN_HTTP_URL.match(value):
        return value
    return safe_url(value) or ""


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("pyevents.output", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters["safe_href"] = safe_href
    env.globals["feed_kinds"] = KIND_SLUGS  # the kinds with feeds: the filter's feed link follows them
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}
    return env


@dataclass(frozen=True, slots=True)
class Feed:
    label: str
    path: str  # relative to the site root
    calendar: bool = True  # offer webcal:// too


@dataclass(slots=True)
class Site:
    """What every page needs to know about the federation and the moment of the publish."""

    name: str
    base_url: str
    as_of: dt.datetime
    regions: list[tuple[str, str, int]] = field(default_factory=list)  # slug, name, upcoming count
    countries: list[tuple[str, str, int]] = field(default_factory=list)  # code, name, upcoming count
    contact: str = ""  # the federation's contact: a mailto: or http(s) URL
    repository: str = ""  # where a calendar is proposed (http(s)), or ''

    @property
    def contact_link(self) -> tuple[str, str]:
        """(href, text) of the contact: an e-mail address or a web page; ('', '') when it is neither."""
        if self.contact.startswith("mailto:") and "@" in self.contact:
            return self.contact, self.contact.removeprefix("mailto:")
        href = safe_href(self.contact)
        return href, href

    def https(self, path: str) -> str:
        return self.base_url + path

    def webcal(self, path: str) -> str:
        # base_url is an absolute http(s) URL (validated by the config): swap the scheme, keep the rest.
        return "webcal:" + self.base_url.split(":", 1)[1] + path


MAIN_FEEDS = (
    *(Feed(spec.label, spec.path) for spec in main_specs()),
    Feed("Calls for proposals", CFP_PATH),
    Feed("Events as JSON", "events.json", calendar=False),
    Feed("Newly announced (Atom)", "feed.atom", calendar=False),
)


def event_page_path(event_id: str) -> str | None:
    return f"events/{event_id}.html" if EVENT_ID.match(event_id) else None


def series_page_path(series_id: str | None) -> str | None:
    return f"series/{series_id}.html" if series_id and EVENT_ID.match(series_id) else None


def occurrence_anchor(event_id: str) -> str:
    return f"o-{event_id}"


def event_link(event_id: str, series_key: str | None) -> str | None:
    """Where an event is read: at its anchor on its series' page when one lists it (`series_key` of the
    store's rows), else on its own page; None when neither can be trusted as a path."""
    series = series_page_path(series_key)
    if series is not None and EVENT_ID.match(event_id):
        return f"{series}#{occurrence_anchor(event_id)}"
    return event_page_path(event_id)


@dataclass(slots=True)
class EventView:
    """What an agenda shows about one event (attributes, not a dict: templates read them fastest)."""

    id: str
    page: str | None
    title: str
    when: When
    place: str
    online: bool
    kind: str
    kind_name: str
    region: str | None
    region_name: str
    country: str | None
    country_name: str
    status: str
    changed: bool
    search: str
    badges: Markup
    topics: str  # space-separated, for the filter
    series_page: str | None = None  # a recurring series' page (then the entry stands for all its dates)
    cadence: str = ""  # "every Tuesday"; '' when no rhythm can be told
    dates: int = 0  # a series' upcoming dates, not cancelled
    short_when: str = ""  # "Tue 8 Dec 18:00": the compact list's date


def macro(name: str) -> Callable[..., str]:
    """A macro of `_macros.html`, called from Python (Jinja's template module has no static attributes)."""
    return cast(Callable[..., str], getattr(environment().get_template("_macros.html").module, name))


@lru_cache(maxsize=64)
def badges(kind_name: str, status: str, changed: bool, online: bool) -> Markup:
    """The kind and status badges (the `badges` macro), rendered once per distinct combination."""
    return Markup(macro("badges")(kind_name, status, changed, online))


@lru_cache(maxsize=1024)
def event_facts(country: str | None, region: str | None, kind: str) -> Markup:
    """An event page's country, region and kind facts (the stored codes; unknown ones are left out),
    rendered once per distinct combination."""
    known_country = country if country_name(country) else None
    known_region = region if region in REGION_NAMES else None
    return Markup(
        macro("event_facts")(known_country, country_name(known_country), known_region, region_name(known_region), kind_name(kind))
    )


@lru_cache(maxsize=4096)
def provenance(sources: tuple[tuple[str, str, str, str], ...]) -> Markup:
    """An event page's list of `_source_view`s, rendered once per distinct list."""
    return Markup(macro("provenance")(sources))


def _status(event: Listed) -> tuple[str, bool]:
    """The event's status, and whether it is shown as changed."""
    status = str(event.get("status") or "confirmed")
    return status, int(event.get("sequence") or 0) > 0 and status != "cancelled"


def _view_fields(event: AgendaEntry, w: When, place: str) -> dict[str, Any]:
    status, changed = _status(event)
    country = event.get("country") if country_name(event.get("country")) else None
    region = event.get("region")
    kind = event.get("kind") or "other"
    online = bool(event.get("online"))
    return {
        "id": event["event_id"],
        "page": event_page_path(event["event_id"]),  # an agenda entry's series has its own link (series_page)
        "title": event.get("title") or "(untitled)",
        "when": w,
        "place": place or "Place not announced",
        "online": online,
        "kind": kind,
        "kind_name": kind_name(kind),
        "region": region if region in REGION_NAMES else None,
        "region_name": region_name(region),
        "country": country,
        "country_name": country_name(country),
        "status": status,
        "changed": changed,
        "search": " ".join([event.get("title") or "", place, kind_name(kind)]).casefold(),
        "badges": badges(kind_name(kind), status, changed, online),
        "topics": " ".join(topics(event.get("tags"))),
    }


def event_view(event: AgendaEntry, w: When) -> EventView:
    """What an agenda shows about one event; `w` is `when(event)`, computed once per event by the caller."""
    return EventView(**_view_fields(event, w, place_label(event)))


class EventPage(NamedTuple):
    """Everything an event's own page shows, prepared (strings, Markup, tuples): the fields
    event_body.html's loop unpacks, in its order (EventPages checks that they match)."""

    title: Markup  # escaped once: a page shows it twice, and its card twice
    card: Markup  # the head's description, Open Graph and Twitter card meta and canonical link (EventPages.card)
    jsonld: Markup
    badges: Markup
    status: str
    start_iso: str
    when_text: str
    zone: str
    place: str
    map_url: str
    facts: Markup
    series_page: str  # its series' page when it has one ('' when not)
    url: str
    cfp_deadline: str
    cfp_url: str
    topics: tuple[str, ...]
    description: str
    calendar_url: Markup
    google_url: str
    event_id: str
    subscribe: Markup
    sources: Markup
    changes: list[tuple[str, str, str, str]]
    updated_iso: str
    updated: str


def event_page_context(
    event: EventText, w: When, base_url: str, calendar_url: Markup, subscribe: Markup, card: CardMeta
) -> EventPage:
    """Everything an event's own page shows.

    `event` is a row of `Snapshot.event_batches` with its instants as UTC text (`*_z`), `w` its `when`,
    `calendar_url` the "Add to calendar" link (output.calendarlink), `subscribe` its feeds (EventPages.subscribe),
    `card` the site's card meta (EventPages.card).
    """
    place = place_label(event)
    event_id = event["event_id"]
    page = event_page_path(event_id)
    status, changed = _status(event)
    kind = event.get("kind") or "other"
    updated = event.get("updated_z")
    deadline = event.get("cfp_ends_z")
    title = event.get("title") or "(untitled)"
    page_url = base_url + page if page else base_url
    description = event.get("description") or ""
    event_topics = topics(event.get("tags"))
    escaped_title = escape(title)
    return EventPage(
        title=escaped_title,
        card=card.render(escaped_title, _summary(w, place, description), escape(page_url)),
        jsonld=_html_safe_json(_jsonld(event, w, place, base_url + page if page else None, base_url, event_topics)),
        badges=badges(kind_name(kind), status, changed, bool(event.get("online"))),
        status=status,
        start_iso=w.start_iso,
        when_text=w.text,
        zone=w.zone,
        place=place or "Place not announced",
        map_url=_map_url(event, place),
        facts=event_facts(event.get("country"), event.get("region"), kind),
        series_page=series_page_path(event.get("series_page")) or "",
        url=safe_href(event.get("url")),
        cfp_deadline=deadline_text(utc_instant(deadline) if deadline else None, event.get("timezone"), label_city(event)),
        cfp_url=safe_href(event.get("cfp_url")),
        topics=event_topics,
        description=description,
        calendar_url=calendar_url,
        google_url=google_calendar_url(
            title,
            event["starts_z"],
            event["ends_z"],
            w.start_iso[:10],
            w.end_iso[:10],
            all_day=bool(event.get("all_day")),
            timezone=event.get("timezone"),
            location=place,
            page_url=page_url,
        ),
        event_id=event_id,
        subscribe=subscribe,
        sources=provenance(tuple(source_view(s) for s in event.get("sources") or [])),
        changes=[_change_view(c) for c in event.get("changes") or []],
        updated_iso=updated.removesuffix("Z") + "+00:00" if updated else "",
        updated=f"{updated[:10]} {updated[11:16]} UTC" if updated else "",
    )


class CardMeta:
    """The sharing card's meta of an event page: the site's parts filled in once, the page's by one format."""

    def __init__(self, site_name: str, image_url: str) -> None:
        self._text = (
            (
                '<meta name="description" content="{summary}">\n'
                '<meta property="og:type" content="website">\n'
                '<meta property="og:site_name" content="@site">\n'
                '<meta property="og:title" content="{title}">\n'
                '<meta property="og:description" content="{summary}">\n'
                '<meta property="og:url" content="{url}">\n'
                '<meta property="og:image" content="@image">\n'
                '<meta property="og:image:width" content="1200">\n'
                '<meta property="og:image:height" content="630">\n'
                '<meta property="og:image:alt" content="A calendar page with one day marked">\n'
                '<meta name="twitter:card" content="summary_large_image">\n'  # its title, text and image: the og: ones
                '<link rel="canonical" href="{url}">\n'
            )
            .replace("@site", _brace_safe(escape(site_name)))
            .replace("@image", _brace_safe(escape(image_url)))
        )

    def render(self, title: Markup, summary: Markup, url: Markup) -> Markup:
        """The card of one page from its escaped title, summary and URL."""
        return Markup(self._text.format(title=title, summary=summary, url=url))


def _brace_safe(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def event_feeds(feeds: Feeds, event: Mapping[str, Any]) -> list[Feed]:
    """The feeds an event (or a series, by its kind and place) is in, most specific first: what its page offers."""
    return [Feed(spec.label, spec.path) for spec in reversed(feeds.of_event(event))]


def moved_page(site: Site, event: EventText, w: When, link: str) -> str:
    """The page left at an occurrence's old address: it sends the reader to `link`, its date on the series page."""
    return (
        environment()
        .get_template("moved.html")
        .render(
            site=site,
            title=event.get("title") or "(untitled)",
            root="../",
            page="event",
            link=link,
            start_iso=w.start_iso,
            when_text=w.text,
        )
    )


class EventPages:
    """Event pages of one site, fast enough for one page per event of a large federation.

    The layout (base.html, through event.html) is the same on every event page, so it is rendered once
    with a marker for each part that belongs to one event. event_body.html renders those parts of many
    pages in one call (Jinja's per-render set-up is paid once per slice, not per page), and a
    page is the layout's pieces and its own parts, interleaved. Same markup, a fraction of the work.
    """

    PART = "\x00pyevents-part\x00"  # clean_text and tojson never let a NUL through: it cannot come from data
    # Pages per render: enough to share Jinja's set-up; more would make the collector walk a growing list of pieces.
    PAGES_PER_RENDER = 8
    _PARTS_PER_PAGE = 4  # title, head, main, freshness

    def __init__(self, site: Site, feeds: Feeds) -> None:
        self.site = site
        self.feeds = feeds
        self._subscribe: dict[tuple[Any, ...], Markup] = {}
        marker = Markup(self.PART)
        layout = (
            environment()
            .get_template("event.html")
            .render(site=site, title=self.PART, head=marker, main=marker, freshness=marker, root="../", page="event")
        )
        self._layout = layout.split(self.PART)  # around: the title, the head's part, main, the footer's freshness
        if len(self._layout) != self._PARTS_PER_PAGE + 1:
            raise ValueError("the site's name must not contain a NUL character")
        self._body = _event_body_template()
        self._shared: dict[str, Any] = {}
        self.card = CardMeta(site.name, site.https(CARD_PATH))

    def subscribe(self, event: Mapping[str, Any]) -> Markup:
        """The feeds an event appears in (its kind in its country, ... all events), rendered once per combination."""
        key = tuple(event.get(column) for column in self.feeds.columns)
        markup = self._subscribe.get(key)
        if markup is None:
            markup = self._subscribe[key] = Markup(macro("subscribe")(self.site, event_feeds(self.feeds, event), "../"))
        return markup

    def render(self, pages: Sequence[EventPage]) -> list[str]:
        """The text of each page, in order."""
        before_title, before_head, before_main, before_freshness, end = self._layout
        texts: list[str] = []
        step = self.PAGES_PER_RENDER
        for first in range(0, len(pages), step):
            parts = self._body.render(self._shared, pages=pages[first : first + step]).split(self.PART)
            for at in range(0, len(parts) - 1, self._PARTS_PER_PAGE):
                title, head, main, freshness = parts[at : at + self._PARTS_PER_PAGE]
                texts.append(
                    "".join((before_title, title, before_head, head, before_main, main, before_freshness, freshness, end))
                )
        return texts


@lru_cache(maxsize=1)
def _event_body_template() -> Template:
    """event_body.html, once its loop was checked to unpack EventPage's fields in their order, with
    each `{{ part }}` replaced by the marker itself: text, not a value escaped 4 times per page."""
    env = environment()
    source, _filename, _uptodate = env.loader.get_source(env, "event_body.html")  # type: ignore[union-attr]
    loop = env.parse(source).find(nodes.For)
    names = tuple(getattr(item, "name", None) for item in getattr(loop.target, "items", ())) if loop else ()
    if names != EventPage._fields:
        raise ValueError(f"event_body.html's loop unpacks {names}, not EventPage's fields {EventPage._fields}")
    return env.from_string(source.replace("{{ part }}", EventPages.PART))


def coverage(places: Sequence[SourcePlace], sources: Sequence[SourceHealth]) -> list[dict[str, Any]]:
    """Sources and reported events per region, each with its countries: sources.html's coverage table.

    Events are the `sources` rows' event counts (reports in the window), so an event two sources
    report counts in both; a source with no country counts under its region, or under "worldwide".
    """
    events = {str(r.get("source_id")): int(r.get("event_count") or 0) for r in sources}
    regions: dict[str, dict[str, Any]] = {}
    for p in places:
        key = p.region if p.region in REGION_NAMES else "worldwide"
        region = regions.setdefault(
            key,
            {
                "region": key,
                "name": region_name(key) if key != "worldwide" else "Worldwide",
                "sources": 0,
                "events": 0,
                "countries": {},
            },
        )
        region["sources"] += 1
        region["events"] += events.get(p.source_id, 0)
        if p.country:
            country = region["countries"].setdefault(
                p.country, {"code": p.country, "name": country_name(p.country), "sources": 0, "events": 0}
            )
            country["sources"] += 1
            country["events"] += events.get(p.source_id, 0)
    order = {r: i for i, r in enumerate(REGION_NAMES)}
    out = sorted(regions.values(), key=lambda r: (order.get(r["region"], -1), r["name"]))
    for r in out:
        r["countries"] = sorted(r["countries"].values(), key=lambda c: c["name"])
    return out


def render_sources(
    site: Site, sources: Sequence[SourceHealth], stale_after_days: int, places: Sequence[SourcePlace] = ()
) -> Iterator[str]:
    rows = [_health_view(s, site.as_of, stale_after_days) for s in sources]
    rows.sort(key=lambda r: (r["healthy"], r["name"].casefold(), r["id"]))
    return (
        environment()
        .get_template("sources.html")
        .generate(
            site=site,
            title="Sources and their health",
            rows=rows,
            coverage=coverage(places, sources),
            failing=sum(1 for r in rows if not r["healthy"]),
            root="",
            feeds=[MAIN_FEEDS[0]],
            page="sources",
        )
    )


def freshness(site: Site) -> str:
    """The footer's "Data as of" markup of every listing page (base.html's `freshness` block)."""
    template = environment().get_template("base.html")
    return "".join(template.blocks["freshness"](template.new_context({"site": site})))


def render_about(site: Site) -> Iterator[str]:
    return (
        environment()
        .get_template("about.html")
        .generate(site=site, title="Add a calendar", root="", feeds=MAIN_FEEDS, page="about")
    )


@lru_cache(maxsize=4096)  # a series' occurrences share their times of day, place and description
def _summary(w: When, place: str, description: str, limit: int = 200) -> Markup:
    """The sharing card's text: 'Tue 8 Dec 2026, 18:00–20:00 Berlin time (UTC+1) · Bars Hub, Berlin, Germany. The start…'."""
    facts = " · ".join(p for p in (f"{w.text} {w.zone}".strip(), place) if p)
    text = " ".join(description.split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return escape(f"{facts}. {text}" if text else facts)


def _map_url(event: Described, place: str) -> str:
    lat, lon = event.get("latitude"), event.get("longitude")
    if isinstance(lat, (int, float)) and isinstance(lon, (int, float)) and -90 <= lat <= 90 and -180 <= lon <= 180:
        return f"https://www.openstreetmap.org/?mlat={lat:.5f}&mlon={lon:.5f}#map=16/{lat:.5f}/{lon:.5f}"
    if place and place != "Online" and (event.get("venue") or event.get("city")):
        where = place.removesuffix(" and online")
        return "https://www.openstreetmap.org/search?query=" + quote(where, safe="")
    return ""


def source_view(row: Provenance | SeriesSource) -> tuple[str, str, str, str]:
    """(href, name, source id, day first seen) of one provenance entry."""
    return (
        safe_href(row.get("source_url")) or safe_href(row.get("source_feed_url")),
        row.get("name") or row.get("source_id") or "",
        row.get("source_id") or "",
        day_text_on(row.get("first_seen_on")),
    )


def _change_view(row: Change) -> tuple[str, str, str, str]:
    """(day, field, old value, new value) of one change, shortened."""
    return (
        day_text_on(row.get("changed_on")),
        str(row.get("field") or "").replace("_", " "),
        _short(row.get("old_value")),
        _short(row.get("new_value")),
    )


def _short(value: object, limit: int = 120) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _health_view(row: SourceHealth, as_of: dt.datetime, stale_after_days: int) -> dict[str, Any]:
    status = str(row.get("last_status") or "")
    last_success: dt.datetime | None = row.get("last_success_at")
    stale_days = (as_of - last_success).days if last_success else None
    stale = stale_days is not None and stale_days >= stale_after_days
    if not status:
        status_text = "Not fetched yet"
    else:
        status_text = STATUS_WORDS.get(status, status)
    problem = str(row.get("last_error") or "") if status not in HEALTHY else ""
    if stale:
        problem = f"Stale for {stale_days} days. " + problem
    elif last_success is None and status:
        problem = "Never fetched successfully. " + problem
    return {
        "id": row.get("source_id") or "",
        "name": row.get("name") or row.get("source_id") or "",
        "href": safe_href(row.get("url")),
        "type": row.get("type") or "",
        "status": status_text,
        "healthy": status in HEALTHY and not stale,
        "last_success": stamp_text(last_success) or "never",
        "last_success_iso": last_success.isoformat() if last_success else "",
        "events": int(row.get("event_count") or 0),
        "failures": int(row.get("consecutive_failures") or 0),
        "problem": problem.strip(),
    }


def event_jsonld(event: SeriesDate, w: When, place: str, base_url: str) -> Markup:
    """An event's schema.org Event JSON-LD, fit for a <script> element, its @id where it is read (`event_link`)."""
    page = event_link(event["event_id"], event.get("series_key"))
    return _html_safe_json(_jsonld(event, w, place, base_url + page if page else None, base_url, topics(event.get("tags"))))


def _html_safe_json(data: dict[str, Any]) -> Markup:
    """JSON text fit for a <script> element (<, >, & and ' escaped), keys sorted so a page is reproducible."""
    return htmlsafe_json_dumps(data, sort_keys=True, ensure_ascii=False)


def _jsonld(
    event: Mapping[str, Any], w: When, place: str, page_url: str | None, base_url: str, keywords: Sequence[str]
) -> dict[str, Any]:
    """schema.org Event."""
    online = bool(event.get("online"))
    has_place = bool(event.get("venue") or event.get("city") or event.get("country"))
    url = safe_href(event.get("url"))
    status = "EventCancelled" if event.get("status") == "cancelled" else "EventScheduled"
    mode = (
        "MixedEventAttendanceMode"
        if online and has_place
        else "OnlineEventAttendanceMode"
        if online
        else "OfflineEventAttendanceMode"
    )
    locations: list[dict[str, Any]] = []
    if has_place:
        address = {"@type": "PostalAddress"}
        for key, column in (("addressCountry", "country"), ("addressLocality", "city"), ("addressRegion", "subdivision")):
            if event.get(column):
                address[key] = event[column]
        venue: dict[str, Any] = {"@type": "Place", "address": address, "name": event.get("venue") or place}
        lat, lon = event.get("latitude"), event.get("longitude")
        if isinstance(lat, (int, float)) and isinstance(lon, (int, float)):
            venue["geo"] = {"@type": "GeoCoordinates", "latitude": lat, "longitude": lon}
        locations.append(venue)
    if online:
        locations.append({"@type": "VirtualLocation", "url": url or page_url or base_url})
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.get("title") or "(untitled)",
        "startDate": w.start_iso,
        "endDate": w.end_iso,
        "eventAttendanceMode": f"https://schema.org/{mode}",
        "eventStatus": f"https://schema.org/{status}",
        "identifier": event_uid(event["event_id"], base_url),
        "image": base_url + CARD_PATH,
    }
    if page_url:
        data["@id"] = page_url
    if event.get("description"):
        data["description"] = event["description"]
    if keywords:
        data["keywords"] = ", ".join(keywords)
    if locations:
        data["location"] = locations[0] if len(locations) == 1 else locations
    if url or page_url:
        data["url"] = url or page_url
    return data
