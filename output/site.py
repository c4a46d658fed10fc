"""The static site's model and links: one Jinja environment (compiled once, autoescaped), the `Site`
every page is rendered for, its feeds, the paths of event and series pages, and the fragments several
kinds of page share (badges, facts, provenance).

The pages themselves are in `eventpage` (an event's own page), `eventview` and `agenda` (the agendas),
`sourcespage` and `cfppage`; their functions return page text as an iterator of chunks and
`output.publish` writes them. Every URL that came from a source reaches a template only through
`safe_href`, because autoescaping alone does not stop a `javascript:` link.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, cast

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from pyevents.output.feeds import CFP_PATH, KIND_SLUGS, Feeds, main_specs
from pyevents.output.labels import REGION_NAMES, country_name, kind_name, region_name
from pyevents.output.rows import Listed, Provenance, SeriesSource
from pyevents.output.timefmt import day_text_on
from pyevents.pipeline.normalize.text import safe_url

AGENDA_LIMIT = 2000  # entries on one agenda page; more would make a page too heavy for a phone
EVENT_ID = re.compile(r"^[0-9a-f]{16}$")  # ids become file names: nothing else is trusted as one


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
    """An event page's list of `source_view`s, rendered once per distinct list."""
    return Markup(macro("provenance")(sources))


def event_status(event: Listed) -> tuple[str, bool]:
    """The event's status, and whether it is shown as changed."""
    status = str(event.get("status") or "confirmed")
    return status, int(event.get("sequence") or 0) > 0 and status != "cancelled"


def event_feeds(feeds: Feeds, event: Mapping[str, Any]) -> list[Feed]:
    """The feeds an event (or a series, by its kind and place) is in, most specific first: what its page offers."""
    return [Feed(spec.label, spec.path) for spec in reversed(feeds.of_event(event))]


def freshness(site: Site) -> str:
    """The footer's "Data as of" markup of every listing page (base.html's `freshness` block)."""
    template = environment().get_template("base.html")
    return "".join(template.blocks["freshness"](template.new_context({"site": site})))


def source_view(row: Provenance | SeriesSource) -> tuple[str, str, str, str]:
    """(href, name, source id, day first seen) of one provenance entry."""
    return (
        safe_href(row.get("source_url")) or safe_href(row.get("source_feed_url")),
        row.get("name") or row.get("source_id") or "",
        row.get("source_id") or "",
        day_text_on(row.get("first_seen_on")),
    )
