"""Free-text locations ("Bratislava\\, Slovakia", "Bars Hub (Torstr. 1, Berlin, de)", "Zoom") into a place.

A location is read as comma-separated parts, most specific first: venue, street, city, region,
country. The country is found from the end (names in many languages, ISO codes, US/CA states), the
city is the nearest usable part before it, the venue the first part when it is not the city.
Online markers (words and video-call links) set `online` and are removed before the place is read.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from pyevents.pipeline.normalize import countries, gazetteer
from pyevents.pipeline.normalize.text import clean_text

MAX_LOCATION_CHARS = 500  # longer "locations" are descriptions pasted into the field
MAX_PARTS = 12

_ONLINE_WORDS = re.compile(
    r"\b(?:online|on-line|virtual(?:ly)?|remote|webinar|live[ -]?stream(?:ed|ing)?|zoom|google meet|"
    r"microsoft teams|ms teams|teams meeting|jitsi|discord|twitch|youtube(?: live)?|webex|gotomeeting|"
    r"hangouts?|mumble|hybrid|en ligne|en l[ií]nea|virtuell|internet)\b",
    re.IGNORECASE,
)
_FILLER = re.compile(r"\b(?:and|und|et|y|or|oder|only|event|meeting|via|on|the|also|\+|/|&)\b|[+/&()\[\]:.-]", re.I)
VIDEO_HOSTS = (
    "zoom.us", "zoom.com", "meet.google.com", "teams.microsoft.com", "teams.live.com", "meet.jit.si", "jitsi",
    "youtube.com", "youtu.be", "twitch.tv", "webex.com", "gotomeeting.com", "whereby.com", "hopin.com",
    "streamyard.com", "discord.gg", "discord.com", "crowdcast.io", "airmeet.com", "bigbluebutton",
)  # fmt: skip
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"^(?:tba|tbd|tbc|to be (?:announced|determined|confirmed)|n/?a|none|unknown|various|\?+)$", re.I)
_ESCAPES = re.compile(r"\\([,;])|\\[nN]")
_PAREN_WITH_COMMA = re.compile(r"\(([^()]*,[^()]*)\)")
_SPLIT = re.compile(r"\s*(?:[,;\n|·•]|\s[-@]\s)\s*")  # "FabLab @ Street 5, 03044 Cottbus"
_HAS_DIGIT = re.compile(r"\d")
_EMPTY_PARENS = re.compile(r"\(\s*\)")
# "139651", "2312 NV", "E14 5AB", "H2X 1Y4" after a name; "51105", "D-10115" before it.
_TRAILING_POSTCODE = re.compile(r"\s+(?:(?:[A-Z]{1,2}-?)?\d[\dA-Z-]{2,}|[A-Z]{1,2}\d[\dA-Z]?)(?:\s+(?:\d[\dA-Z]{2}|[A-Z]{2}))?$")
# "1098 XG Amsterdam" (NL), "00-950 Warszawa" (PL), "1000-001 Lisboa" (PT), "D-10115 Berlin", "75001 Paris".
# "111 51 Stockholm" (SE, CZ, GR), "C1043AAZ Buenos Aires" (AR).
_LEADING_POSTCODE = re.compile(
    r"^(?:\d{4}\s?[A-Z]{2}\s+|\d{3}\s\d{2}\s+|[A-Z]\d{4}[A-Z]{0,3}\s+|(?:[A-Z]{1,2}-)?\d{2,}(?:-\d{3,4})?[\dA-Z-]*\s+)"
)
_POSTCODE_EDGE = re.compile(_LEADING_POSTCODE.pattern + "|" + _TRAILING_POSTCODE.pattern)
_DOMAIN = re.compile(r"\b[\w-]+\.(?:[a-z]{2,}\.)*[a-z]{2,}\b")
_DETAIL_PARENS = re.compile(r"\s*\([^()]*\)\s*$")
# Street numbers come first in these countries' addresses, so "1601 Broadway" is never "postcode city".
_TRAILING_POSTCODE_COUNTRIES = {"US", "CA", "GB", "AU", "NZ", "IE"}
_VENUE_WORDS = re.compile(
    r"\b(?:cent(?:er|re)|university|universit[äéà]t?|universidad|universidade|università|college|school|"
    r"institute?|hub|hall|campus|office|offices|building|hotel|library|labs?|space|hq|room|floor|fl|"
    r"café|cafe|bar|pub|restaurant|brewery|coworking|co-working|ag|gmbh|inc|ltd|llc|s\.?a\.?|b\.?v\.?|"
    r"plaza|square|tower|house|museum|auditorium|theat(?:er|re)|arena|venue|academy|akademie|factory|"
    r"laborat\w*|polytechnic\w*|polit[eé]cnic\w*|tecnol[oó]gic\w*|"
    r"academia|palacio|palais|palazzo|pal[aá]cio|congress\w*|kongress\w*|congres\w*|messe|expo|centro|zentrum|"
    r"haus|hackerspace|makerspace|"
    r"street|road|avenue|ave|blvd|boulevard|weg|platz|gasse|rue|calle|via|rua|st|rd|av|avda|avenida|carrer|"
    r"praça|piazza|paseo|rynek|caddesi|gate|út|náměstí|jl|ward|district|barrio|bezirk|arrondissement)\b|"
    r"\w*str(?:\.|a(?:ß|ss)e)|\w*(?:gatan|gade|vej)\b|\w-(?:gu|ku|shi)\b",
    re.IGNORECASE,
)
MAX_DISTRICT_POPULATION = 100_000
METROPOLIS_POPULATION = 1_000_000
# Countries whose cities are subdivisions themselves (Manchester is GB-MAN): a known city there is never
# skipped as "the region after the town".
_CITIES_ARE_SUBDIVISIONS = {"GB"}
_CITY_STATES = {"SG": "Singapore", "HK": "Hong Kong", "MO": "Macau", "MC": "Monaco", "VA": "Vatican City"}


@dataclass(frozen=True, slots=True)
class Place:
    """What a location string says: a physical place (any of venue/city/country), an online part, or both."""

    venue: str | None = None
    city: str | None = None
    country: str | None = None  # ISO alpha-2
    online: bool = False
    subdivision: str | None = None  # ISO 3166-2, when a part names the state or province ("NSW", "Karnataka")


def is_video_call_url(url: str | None) -> bool:
    """Whether a URL points at a video-call or streaming service (zoom.us, meet.google.com, …)."""
    if not url:
        return False
    try:
        host = (urlsplit(url if "://" in url else "https://" + url).hostname or "").lower()
    except ValueError:
        return False
    return _is_video_host(host)


@functools.lru_cache(maxsize=4096)  # an event's URL host repeats across a source's events
def _is_video_host(host: str) -> bool:
    return any(host == h or host.endswith("." + h) or (h.isalpha() and h in host.split(".")) for h in VIDEO_HOSTS)


# A calendar repeats its few venues across hundreds of occurrences; Place is immutable, so results are shared.
@functools.lru_cache(maxsize=8192)
def parse_location(text: str | None, hint_country: str | None = None) -> Place:
    """Read a free-text location; `hint_country` (the source's country) settles "Wilmington, DE"-style codes."""
    text = clean_text(text, single_line=True)[:MAX_LOCATION_CHARS] if text else ""
    if not text:
        return Place()
    online = any(is_video_call_url(u) for u in _URL.findall(text)) or bool(_ONLINE_WORDS.search(text))
    parts = _place_parts(_URL.sub(" ", text))
    if not parts:
        return Place(online=online)
    country, country_at = _find_country(parts, hint_country)
    city, city_at = _find_city(parts, country, country_at)
    if country is None and city is None:
        city, city_at, country = _known_city(parts)
    venue = parts[0] if _venue_candidate(parts, city_at, country_at, country) else None
    subdivision = _find_subdivision(parts, country, city, city_at) if country else None
    return Place(venue=venue, city=city, country=country, online=online, subdivision=subdivision)


def _find_subdivision(parts: list[str], country: str, city: str | None, city_at: int | None) -> str | None:
    """The ISO 3166-2 code of the first part after the city naming a state ("Karnataka 560001", "NSW 2000",
    "OR"), the city's own part's trailing words included ("Sydney NSW 2000")."""
    for i in range(city_at or 0, len(parts)):
        bare = _without_postcode(parts[i], country)
        if i == city_at and city:
            bare = bare[len(city) :] if bare.startswith(city) else ""
        elif i != city_at and _country_named(bare, False) != country:  # "Mexico" is also a state of MX
            found = gazetteer.subdivision_code(bare, country)
            if found:
                return found
        for word in bare.split()[-2:]:
            found = gazetteer.subdivision_code(word, country) if word.isupper() else None
            if found:
                return found
    return None


def _place_parts(text: str) -> list[str]:
    """The non-empty, non-online, non-placeholder comma parts of a location, parentheses flattened."""
    text = _ESCAPES.sub(lambda m: m.group(1) or ",", text)
    text = _PAREN_WITH_COMMA.sub(r", \1,", text)
    return [part for part in map(_place_part, _SPLIT.split(text)[:MAX_PARTS]) if part]


# The parts of a calendar's locations repeat ("Berlin", "Germany") across its venues.
@functools.lru_cache(maxsize=16384)
def _place_part(raw: str) -> str:
    """One comma part cleaned: quotes, stray parentheses, online words and placeholders gone ("" if nothing is left)."""
    part = _balance_parens(raw.strip(" \t\"'"))
    if _ONLINE_WORDS.search(part):  # "Berlin + Online" keeps Berlin; "Zoom ID 123" keeps nothing
        rest = " ".join(_FILLER.sub(" ", _ONLINE_WORDS.sub(" ", _DOMAIN.sub(" ", part))).split())
        part = "" if _HAS_DIGIT.search(rest) else rest
    part = _EMPTY_PARENS.sub("", part).strip(" -–—:")
    return part if part and not _PLACEHOLDER.match(part) else ""


def _balance_parens(part: str) -> str:
    """Drop a parenthesis left open or closed by the comma split ("Hub (Torstr. 1" -> "Hub Torstr. 1")."""
    if part.count("(") != part.count(")"):
        part = " ".join(part.replace("(", " ").replace(")", " ").split())
    return part


@functools.lru_cache(maxsize=16384)
def _without_postcode(part: str, country: str | None = None) -> str:
    """The part without a postcode at its edges; countries writing addresses "1601 Broadway" keep leading numbers."""
    if country in _TRAILING_POSTCODE_COUNTRIES:
        return _TRAILING_POSTCODE.sub("", part).strip()
    return _POSTCODE_EDGE.sub("", part).strip()


def _country_of_part(part: str, is_last: bool, hint: str | None, before: str | None) -> str | None:
    """The country a single part names: a name, an ISO code or, in the last part, its trailing words."""
    bare = _without_postcode(part)
    if not bare:
        return None
    if countries.ambiguous_code(bare):
        return _settle_ambiguous(bare, hint, before)
    return _country_named(bare, is_last)


@functools.lru_cache(maxsize=16384)
def _country_named(bare: str, is_last: bool) -> str | None:
    """The country a part without postcode names by a name or code, or, in the last part, by its trailing words."""
    found = countries.country_by_name(bare) or (countries.country_by_code(bare) if len(bare) == 2 else None)
    if found or not is_last:
        return found
    if bare.isupper() and len(bare) == 3:
        return countries.country_by_code(bare)
    words = bare.split()
    for n in range(min(3, len(words) - 1), 0, -1):
        tail = " ".join(words[-n:])
        hit = countries.country_by_name(tail)
        if hit is None and tail.isupper() and len(tail) in (2, 3) and not countries.ambiguous_code(tail):
            hit = countries.country_by_code(tail)
        if hit:
            return hit
    return None


def _settle_ambiguous(code: str, hint: str | None, before: str | None) -> str:
    """ "CA", "DE", "IN", "PA": the country when the source or a known city says so, else the US/CA state."""
    as_country = countries.country_by_code(code)
    if as_country and as_country in (hint, countries.city_country(_without_postcode(before or ""))):
        return as_country
    return countries.state_country(code) or as_country or code


def _find_country(parts: list[str], hint: str | None) -> tuple[str | None, int | None]:
    """The country and the index of the part naming it, scanning the last parts first; states count."""
    last = len(parts) - 1
    for i in range(last, max(-1, last - 5), -1):
        found = _country_of_part(parts[i], i == last, hint, parts[i - 1] if i else None)
        if found:
            return found, i
    for i in range(last, max(-1, last - 3), -1):
        found = countries.state_country(_without_postcode(parts[i]))
        if found:
            return found, i
    return None, None


def _city_candidate(part: str, country: str | None) -> str | None:
    """The city a part could be ("51105 Cologne" -> "Cologne"), or None for streets, venues and codes."""
    bare = _DETAIL_PARENS.sub("", _without_postcode(part, country))  # "Onomichi (Jodoji Temple)"
    if not bare or _HAS_DIGIT.search(bare) or _VENUE_WORDS.search(bare) or _DOMAIN.search(bare) or len(bare) > 60:
        return None
    if bare.isupper() and len(bare) <= 3:  # "NY", "ON", "NSW"
        return None
    words = bare.split()
    while len(words) > 1 and words[-1].isupper() and gazetteer.subdivision_code(words[-1], country):
        words.pop()  # "Sydney NSW"
    return " ".join(words)


def _find_city(parts: list[str], country: str | None, country_at: int | None) -> tuple[str | None, int | None]:
    """The nearest city-like part before the country; a region ("Terni") is skipped if a city precedes it."""
    if country is None or country_at is None:  # `_find_country` finds both or neither
        return None, None
    if country in _CITY_STATES:
        return _CITY_STATES[country], None
    tail_city = _tail_city(parts[country_at], country)
    if tail_city:
        return tail_city, country_at
    for i in range(country_at - 1, -1, -1):
        city = _city_candidate(parts[i], country)
        if city is None or _only_country(city, country) or _only_subdivision(city, country):
            continue
        earlier = [c for c in (_city_candidate(p, country) for p in parts[:i]) if c]
        if (
            earlier
            and (countries.is_subdivision(city, country) or countries.state_country(city) == country)
            and not (
                _known_city_state(city, country) or _state_follows(parts, i, city, country) or _dwarfs(city, earlier[-1], country)
            )
        ):
            continue
        return city, i
    return None, None


def _state_follows(parts: list[str], i: int, name: str, country: str | None) -> bool:
    """ "Bela Vista, São Paulo - SP": a part named like its state is the city when the state's code follows it."""
    if i + 1 >= len(parts) or not country:
        return False
    after = _without_postcode(parts[i + 1], country)
    own = gazetteer.subdivision_code(name, country)
    return after.isupper() and own is not None and gazetteer.subdivision_code(after, country) == own


def _only_country(name: str, country: str | None) -> bool:
    """A country's name that is no city of the event's country ("Brasília" is also a name of Brazil)."""
    return countries.country_by_name(name) is not None and (not country or gazetteer.find_city(name, None, country) is None)


def _known_city_state(city: str, country: str | None) -> bool:
    return country in _CITIES_ARE_SUBDIVISIONS and gazetteer.find_city(city, None, country) is not None


def _dwarfs(city: str, district: str, country: str | None) -> bool:
    """ "Barranco, Lima, Peru": a city named like its region is the city when the known place before it is
    a tenth of its size and small (a district), not a town of the province ("Orvieto, Terni", "São José
    dos Campos, São Paulo")."""
    big = gazetteer.find_city(city, None, country)
    small = gazetteer.find_city(district, None, country)
    if big is None:
        return False
    if small is None:  # "Yaba, Lagos", "Beyoğlu, İstanbul": an unknown part before a metropolis is a district
        return big.population >= METROPOLIS_POPULATION
    return small.population < MAX_DISTRICT_POPULATION and small.population * 10 < big.population


def _only_subdivision(name: str, country: str | None) -> bool:
    """ "Karnataka", "Noord-Holland": a state's name that is no city the gazetteer knows in that country."""
    return (
        bool(country) and gazetteer.subdivision_code(name, country) is not None and not gazetteer.find_city(name, None, country)
    )


def _tail_city(part: str, country: str | None) -> str | None:
    """ "Berlin DE" / "Columbus OH USA": the words before a trailing country or state in one part."""
    words = _without_postcode(part, country).split()
    while (
        words
        and words[-1].isupper()
        and (
            countries.state_country(words[-1])
            or countries.country_by_code(words[-1]) == country
            or gazetteer.subdivision_code(words[-1], country) is not None
        )
    ):
        words.pop()
    rest = " ".join(words)
    if rest and rest != _without_postcode(part, country) and _city_candidate(rest, country):
        return rest
    return None


def _known_city(parts: list[str]) -> tuple[str | None, int | None, str | None]:
    """Without a country: a well-known city anywhere in the parts, else a lone plain part as the city."""
    for i in range(len(parts) - 1, -1, -1):
        bare = _without_postcode(parts[i])
        cc = countries.city_country(bare)
        if cc:
            return bare, i, cc
    last = len(parts) - 1
    if _LEADING_POSTCODE.match(parts[last]) and len(parts) > 1:  # "…, 03044 Cottbus": an address ends in its city
        city = _city_candidate(_LEADING_POSTCODE.sub("", parts[last]), None)
        if city:
            return city, last, None
    if len(parts) == 1:
        city = _city_candidate(parts[0], None)
        if city and len(city.split()) <= 3:
            return city, 0, None
    return None, None, None


def _venue_candidate(parts: list[str], city_at: int | None, country_at: int | None, country: str | None) -> bool:
    """The first part is the venue unless it already is the city, the country or a state."""
    if 0 in (city_at, country_at):
        return False
    if city_at is None and country_at is None:
        return True
    first = _without_postcode(parts[0])
    return bool(first) and countries.state_country(first) is None and not _only_subdivision(first, country)


_MARKUP = re.compile(r"[<>{}\[\]=@#*_|\\/]|&\w+;")
MAX_CITY_WORDS = 4
MIN_POPULATION_WITHOUT_COUNTRY = 500_000  # a namesake big city elsewhere is likelier than a small one


def settle_city(city: str | None, subdivision: str | None, country: str | None) -> tuple[str | None, str | None, str | None]:
    """(city, subdivision, country) with the city as the gazetteer names it, accents kept ("Sao Paulo" ->
    "São Paulo"); the subdivision (ISO 3166-2) from the text, else the city's; the country from the city
    only for a big city when none was known. A city the gazetteer does not know is kept when it is a
    plausible name and dropped when it is markup, a street, a building or a code."""
    if not city:
        return None, subdivision, country
    found = gazetteer.find_city(city, subdivision, country) or gazetteer.find_city(
        _bare_city(city, country), subdivision, country
    )
    if found is not None and (country is not None or found.population >= MIN_POPULATION_WITHOUT_COUNTRY):
        return found.name, subdivision or found.subdivision, country or found.country
    return (city if plausible_city(city, country) else None), subdivision, country


def _bare_city(city: str, country: str | None) -> str:
    """A source's city field without postcode and trailing state code ("Sydney NSW 2000" -> "Sydney")."""
    return _city_candidate(city, country) or city


def plausible_city(name: str, country: str | None = None) -> bool:
    """Whether an unknown name could be a small town: letters, no markup, digits, street or venue words."""
    if _MARKUP.search(name) or len(name.split()) > MAX_CITY_WORDS or not any(ch.isalpha() for ch in name):
        return False
    return _city_candidate(name, country) == name
