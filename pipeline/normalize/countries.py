"""Country knowledge for place parsing: names in many languages, common short forms, regions, states.

The names come from pycountry (ISO 3166 plus its gettext translations), so "Deutschland",
"Allemagne", "España", "Česko", "日本" all resolve; a small alias table adds the forms people actually
write ("USA", "UK", "Korea", "Russia", "Holland"). Regions follow the continents, with two choices
made for the Python community: Central America and the Caribbean are north-america, Russia, Turkey
and Cyprus are europe.
"""

from __future__ import annotations

import functools
import gettext
import re
import unicodedata

import pycountry

# Languages whose country names are indexed (pycountry's gettext catalogues).
NAME_LANGUAGES = (
    "de", "fr", "es", "pt", "pt_BR", "it", "nl", "pl", "cs", "sk", "sl", "hr", "hu", "ro", "bg", "el",
    "da", "sv", "nb", "fi", "et", "lv", "lt", "ru", "uk", "tr", "ja", "ko", "zh_CN", "zh_TW", "id", "vi",
    "ca", "eu", "gl", "he", "ar", "fa", "hi", "th",
)  # fmt: skip

# What people write that is no ISO name in any language pycountry knows.
ALIASES: dict[str, str] = {
    "usa": "US", "us": "US", "u s": "US", "u s a": "US", "united states": "US", "america": "US",
    "united states of america": "US", "uk": "GB", "u k": "GB", "great britain": "GB", "britain": "GB",
    "england": "GB", "scotland": "GB", "wales": "GB", "northern ireland": "GB",
    "korea": "KR", "south korea": "KR", "republic of korea": "KR", "north korea": "KP",
    "russia": "RU", "россия": "RU", "russland": "RU", "russie": "RU", "rusia": "RU",
    "holland": "NL", "the netherlands": "NL", "czech republic": "CZ", "turkey": "TR", "türkei": "TR",
    "vietnam": "VN", "taiwan": "TW", "iran": "IR", "syria": "SY", "laos": "LA", "bolivia": "BO",
    "venezuela": "VE", "tanzania": "TZ", "moldova": "MD", "macedonia": "MK", "ivory coast": "CI",
    "palestine": "PS", "brunei": "BN", "cape verde": "CV", "swaziland": "SZ", "burma": "MM",
    "hong kong": "HK", "macau": "MO", "macao": "MO", "uae": "AE", "emirates": "AE",
    "the philippines": "PH", "vatican": "VA", "deutschland": "DE", "brasil": "BR", "méxico": "MX",
    "perú": "PE", "schweiz": "CH", "suisse": "CH", "svizzera": "CH", "österreich": "AT",
    "sverige": "SE", "norge": "NO", "danmark": "DK", "suomi": "FI", "éire": "IE", "polska": "PL",
    "česko": "CZ", "slovensko": "SK", "magyarország": "HU", "ελλάδα": "GR", "türkiye": "TR",
    "україна": "UA", "中国": "CN", "台灣": "TW", "台湾": "TW", "한국": "KR", "대한민국": "KR",
    "日本": "JP", "भारत": "IN", "nippon": "JP", "españa": "ES", "italia": "IT", "nederland": "NL",
}  # fmt: skip

_REGION_CODES = {
    "africa": "DZ AO BJ BW BF BI CV CM CF TD KM CG CD CI DJ EG GQ ER SZ ET GA GM GH GN GW KE LS LR LY MG MW "
    "ML MR MU YT MA MZ NA NE NG RE RW SH ST SN SC SL SO ZA SS SD TZ TG TN UG EH ZM ZW IO TF",
    "asia": "AF AM AZ BH BD BT BN KH CN GE HK IN ID IR IQ IL JP JO KZ KW KG LA LB MO MY MV MN MM NP KP OM "
    "PK PS PH QA SA SG KR LK SY TW TJ TH TL TM AE UZ VN YE",
    "europe": "AX AL AD AT BY BE BA BG HR CY CZ DK EE FO FI FR DE GI GR GG HU IS IE IM IT JE LV LI LT LU MT "
    "MD MC ME NL MK NO PL PT RO RU SM RS SK SI ES SJ SE CH UA GB VA TR",
    "north-america": "AI AG AW BS BB BZ BM BQ VG CA KY CR CU CW DM DO SV GL GD GP GT HT HN JM MQ MX MS NI PA "
    "PR BL KN LC MF PM VC SX TT TC US VI UM",
    "south-america": "AR BO BV BR CL CO EC FK GF GY PY PE GS SR UY VE",
    "oceania": "AS AU CK FJ PF GU KI MH FM NR NC NZ NU NF MP PW PG PN WS SB TK TO TV VU WF HM CC CX",
}
REGION_OF_COUNTRY: dict[str, str] = {cc: region for region, codes in _REGION_CODES.items() for cc in codes.split()}

# Well-known cities of the Python community, in local and English spellings, for locations that name
# a city but no country ("Dublin", "51105 Cologne"). Only consulted when no country was found.
_CITIES = {
    "DE": "berlin hamburg munich münchen cologne köln frankfurt stuttgart düsseldorf leipzig dresden "
    "karlsruhe hannover nuremberg nürnberg bonn darmstadt freiburg aachen mannheim heidelberg jena potsdam",
    "AT": "vienna wien graz linz salzburg innsbruck",
    "CH": "zurich zürich geneva genève bern basel lausanne",
    "FR": "paris lyon toulouse nantes bordeaux lille marseille strasbourg grenoble rennes montpellier",
    "GB": "london manchester edinburgh glasgow cardiff bristol leeds birmingham cambridge oxford belfast",
    "IE": "dublin cork galway",
    "NL": "amsterdam rotterdam utrecht eindhoven groningen delft",
    "BE": "brussels bruxelles brussel antwerp antwerpen ghent gent leuven",
    "ES": "madrid barcelona valencia sevilla seville bilbao zaragoza málaga granada",
    "PT": "lisbon lisboa porto coimbra",
    "IT": "rome milan milano florence firenze turin torino bologna naples napoli",
    "PL": "warsaw warszawa kraków krakow cracow wrocław wroclaw poznań poznan gdańsk gdansk łódź lodz",
    "CZ": "prague praha brno ostrava",
    "SK": "bratislava košice kosice",
    "HU": "budapest",
    "RO": "bucharest bucurești cluj-napoca",
    "UA": "kyiv kiev kiew lviv kharkiv odesa odessa",
    "RU": "moscow moskva москва saint petersburg st. petersburg санкт-петербург novosibirsk yekaterinburg",
    "LT": "vilnius kaunas",
    "LV": "riga",
    "EE": "tallinn tartu",
    "FI": "helsinki espoo tampere",
    "SE": "stockholm gothenburg göteborg malmö",
    "NO": "oslo bergen trondheim",
    "DK": "copenhagen københavn aarhus",
    "GR": "athens thessaloniki",
    "TR": "istanbul ankara izmir",
    "IL": "tel aviv jerusalem haifa",
    "US": "new york nyc san francisco seattle boston chicago austin portland pittsburgh los angeles "
    "denver atlanta washington dc philadelphia houston dallas",
    "CA": "toronto montreal montréal vancouver ottawa calgary",
    "MX": "mexico city ciudad de méxico guadalajara monterrey",
    "BR": "são paulo sao paulo rio de janeiro belo horizonte porto alegre brasília brasilia curitiba recife",
    "AR": "buenos aires córdoba rosario",
    "CL": "santiago de chile",
    "CO": "bogotá bogota medellín medellin cali",
    "PE": "lima",
    "UY": "montevideo",
    "IN": "bangalore bengaluru mumbai delhi new delhi pune hyderabad chennai kolkata",
    "JP": "tokyo osaka kyoto 東京 大阪",
    "KR": "seoul busan",
    "CN": "beijing shanghai shenzhen hangzhou 北京 上海",
    "TW": "taipei",
    "SG": "singapore",
    "HK": "hong kong",
    "MY": "kuala lumpur",
    "TH": "bangkok",
    "ID": "jakarta",
    "PH": "manila",
    "VN": "hanoi ho chi minh city",
    "AU": "sydney melbourne brisbane perth adelaide canberra hobart",
    "NZ": "auckland wellington christchurch",
    "ZA": "cape town johannesburg durban",
    "NG": "lagos abuja",
    "KE": "nairobi",
    "GH": "accra",
    "EG": "cairo",
    "MA": "casablanca rabat",
    "UG": "kampala",
}
_MULTIWORD_CITIES = {
    "new york", "san francisco", "los angeles", "washington dc", "mexico city", "ciudad de méxico",
    "são paulo", "sao paulo", "rio de janeiro", "belo horizonte", "porto alegre", "buenos aires",
    "santiago de chile", "new delhi", "kuala lumpur", "ho chi minh city", "cape town", "hong kong",
    "tel aviv", "saint petersburg", "st. petersburg",
}  # fmt: skip

# US states and Canadian provinces: "Portland, OR" and "Toronto, ON" name their country this way.
_STATE_COUNTRIES = ("US", "CA")
# Australian states are written out ("Hobart, Tasmania"); their codes clash with US ones (WA).
_STATE_NAME_COUNTRIES = ("US", "CA", "AU")


def fold(text: str) -> str:
    """A lookup key: case-folded, dots and extra spaces gone ("U.S.A." -> "u s a")."""
    text = unicodedata.normalize("NFC", text).casefold().replace(".", " ")
    return " ".join(text.split())


def _strip_accents(key: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFD", key) if not unicodedata.combining(ch))


@functools.cache
def _names() -> dict[str, str]:
    """Every known name of every country -> alpha-2; English and aliases win over translations."""
    names: dict[str, str] = {}
    translations = []
    for lang in NAME_LANGUAGES:
        try:
            translations.append(gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang]))
        except OSError:  # a pycountry build without that catalogue
            continue
    english: list[tuple[str, str]] = []
    for country in pycountry.countries:
        code = country.alpha_2
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value:
                english.append((value, code))
    for name, code in list(ALIASES.items()) + english:
        names.setdefault(fold(name), code)
    for tr in translations:
        for name, code in english:
            local = tr.gettext(name)
            if "," not in local:  # "Korea, Republik" never stands alone in a location
                names.setdefault(fold(local), code)
    for key, code in list(names.items()):
        names.setdefault(_strip_accents(key), code)
    return names


@functools.cache
def _codes() -> dict[str, str]:
    """alpha-2 and alpha-3 codes (folded) -> alpha-2, plus the UK/EL forms in common use."""
    codes = {"uk": "GB"}
    for country in pycountry.countries:
        codes[country.alpha_2.casefold()] = country.alpha_2
        codes[country.alpha_3.casefold()] = country.alpha_2
    return codes


@functools.lru_cache(maxsize=16384)  # a location's city and country parts repeat across events
def country_by_name(text: str) -> str | None:
    """The alpha-2 code for a country name in any indexed language or a common alias."""
    key = fold(text).removeprefix("the ")
    names = _names()
    return names.get(key) or names.get(fold(text)) or names.get(_strip_accents(key))


def country_by_code(text: str) -> str | None:
    """The alpha-2 code for an alpha-2/alpha-3 code ("de", "DEU", "UK")."""
    return _codes().get(text.strip().casefold()) if len(text.strip()) in (2, 3) else None


def normalize_country(value: str | None) -> str | None:
    """A parser's country (code, name, any language) as ISO alpha-2, or None when unknown."""
    if not value:
        return None
    value = value.strip()
    return country_by_code(value) or country_by_name(value)


@functools.cache
def _state_codes() -> dict[str, str]:
    out: dict[str, str] = {}
    for cc in _STATE_COUNTRIES:
        for sub in pycountry.subdivisions.get(country_code=cc):
            if sub.type != "Outlying area":
                out.setdefault(sub.code.split("-", 1)[1], cc)
    return out


@functools.cache
def _state_names() -> dict[str, str]:
    out: dict[str, str] = {}
    for cc in _STATE_NAME_COUNTRIES:
        for sub in pycountry.subdivisions.get(country_code=cc):
            if sub.type != "Outlying area":
                out.setdefault(fold(sub.name), cc)
    return out


@functools.lru_cache(maxsize=16384)
def state_country(text: str) -> str | None:
    """US/CA for a state or province code in capitals ("OR", "ON") or a written-out state name."""
    stripped = text.strip()
    if stripped.isupper() and stripped in _state_codes():
        return _state_codes()[stripped]
    return _state_names().get(fold(stripped))


@functools.cache
def _subdivision_names(cc: str) -> frozenset[str]:
    names = set()
    for sub in pycountry.subdivisions.get(country_code=cc) or ():
        names.add(fold(re.sub(r"\s*\[.*?\]", "", sub.name)))
    return frozenset(names)


def is_subdivision(text: str, cc: str) -> bool:
    """Whether `text` names a state, province or county of country `cc` ("Ceará" in BR, "Wales" in GB)."""
    key = fold(text)
    return key in _subdivision_names(cc) or (cc == "GB" and key in ("england", "scotland", "wales", "northern ireland"))


@functools.cache
def _cities() -> dict[str, str]:
    out: dict[str, str] = {}
    for cc, text in _CITIES.items():
        for multi in _MULTIWORD_CITIES:
            if multi in text:
                out.setdefault(fold(multi), cc)
                text = text.replace(multi, " ")
        for name in text.split():
            out.setdefault(fold(name), cc)
    return out


@functools.lru_cache(maxsize=16384)
def city_country(text: str) -> str | None:
    """The country of a well-known Python-community city, or None."""
    return _cities().get(fold(text))


def region_of(country: str | None) -> str | None:
    """The region (one of model.REGIONS except "online") of an alpha-2 country, or None."""
    return REGION_OF_COUNTRY.get(country.upper()) if country else None


def ambiguous_code(text: str) -> bool:
    """True for capitals that are both a country code and a US/CA state code ("CA", "DE", "IN", "PA")."""
    stripped = text.strip()
    return stripped.isupper() and stripped in _state_codes() and stripped.casefold() in _codes()
