"""Human words for stored codes: places, countries, regions, kinds. Shared by the feeds and the site."""

from __future__ import annotations

import re
from functools import lru_cache

import pycountry

from pyevents.output.rows import Place

REGION_NAMES = {
    "africa": "Africa",
    "asia": "Asia",
    "europe": "Europe",
    "north-america": "North America",
    "south-america": "South America",
    "oceania": "Oceania",
    "online": "Online",
}
KIND_NAMES = {
    "conference": "Conference",
    "meetup": "Meetup",
    "sprint": "Sprint",
    "workshop": "Workshop",
    "other": "Other",
}
COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")
# Tags that name where an event was listed (a source's `defaults.tags`), not what it is about: the
# event page's "Where this comes from" says that already, so they are not topics.
PROVENANCE_TAGS = frozenset(
    {
        "python-org",
        "python-organizers",
        "confs-tech",
        "pretalx",
        "frab",
        "meetup",
        "meetup-com",
        "luma",
        "pythondeadlines",
    }
)
TOPIC = re.compile(r"^[a-z0-9][a-z0-9+.#-]{0,39}$")  # a tag fit for a filter value and a link's query


def topics(tags: object) -> tuple[str, ...]:
    """An event's topics: its tags but provenance, as filter values (lower case, no spaces)."""
    if not isinstance(tags, (list, tuple)):
        return ()
    return _topics(tuple(str(tag) for tag in tags))


@lru_cache(maxsize=4096)  # a source's events share their tags
def _topics(tags: tuple[str, ...]) -> tuple[str, ...]:
    found: list[str] = []
    for tag in tags:
        text = str(tag).strip().lower().replace(" ", "-")
        if TOPIC.match(text) and text not in PROVENANCE_TAGS and text not in found:
            found.append(text)
    return tuple(found)


# Names as people write them where ISO's short name reads like a register entry.
_PLAIN_NAMES = {
    "BN": "Brunei",
    "CD": "Democratic Republic of the Congo",
    "FM": "Micronesia",
    "PS": "Palestine",
    "RU": "Russia",
    "VA": "Vatican City",
}
# Countries whose English name takes "the" inside a sentence ("Python events in the Netherlands").
_WITH_THE = frozenset(
    {
        "AE",
        "BS",
        "CD",
        "CF",
        "CG",
        "DO",
        "FO",
        "GB",
        "GM",
        "KM",
        "KY",
        "MH",
        "MV",
        "NL",
        "PH",
        "SB",
        "TC",
        "US",
        "VA",
        "VG",
        "VI",
    }
)


@lru_cache(maxsize=512)
def country_name(code: str | None) -> str:
    """The common English name of an ISO alpha-2 code ('' when unknown)."""
    if not code or not COUNTRY_CODE.match(code):
        return ""
    if code in _PLAIN_NAMES:
        return _PLAIN_NAMES[code]
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return getattr(country, "common_name", None) or country.name


def country_in_sentence(code: str | None) -> str:
    """The country's name as it reads after "in": "the Netherlands", "Germany" ('' when unknown)."""
    name = country_name(code)
    return f"the {name}" if name and code in _WITH_THE else name


def region_name(region: str | None) -> str:
    return REGION_NAMES.get(region or "", "")


def kind_name(kind: str | None) -> str:
    return KIND_NAMES.get(kind or "", "Other")


def place_label(event: Place) -> str:
    """'Venue, City, Country', 'Online', or both for a hybrid event; '' when nothing is known."""
    parts: list[str] = []
    for part in (event.get("venue"), event.get("city"), country_name(event.get("country"))):
        text = str(part or "").strip()
        if text and text not in parts:
            parts.append(text)
    place = ", ".join(parts)
    if event.get("online"):
        return f"{place} and online" if place else "Online"
    return place
