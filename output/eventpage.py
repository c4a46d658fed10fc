"""An event's own page (`events/<event_id>.html`): its prepared fields (`EventPage`), the sharing card's
meta (`CardMeta`), the renderer of many pages at once (`EventPages`), and the page left at a moved
occurrence's old address (`moved_page`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any, NamedTuple
from urllib.parse import quote

from jinja2 import Template, nodes
from markupsafe import Markup, escape

from pyevents.output.calendarlink import google_calendar_url
from pyevents.output.cardimage import CARD_PATH
from pyevents.output.feeds import Feeds
from pyevents.output.jsonld import jsonld_markup
from pyevents.output.labels import kind_name, place_label, topics
from pyevents.output.rows import Change, Described, EventText
from pyevents.output.site import (
    Site,
    badges,
    environment,
    event_facts,
    event_feeds,
    event_page_path,
    event_status,
    macro,
    provenance,
    safe_href,
    series_page_path,
    source_view,
)
from pyevents.output.timefmt import When, day_text_on, deadline_text, label_city, utc_instant


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
    status, changed = event_status(event)
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
        jsonld=jsonld_markup(event, w, place, base_url + page if page else None, base_url, event_topics),
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
