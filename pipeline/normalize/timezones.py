"""TZID strings as calendar software writes them, mapped to canonical IANA zone names.

Sources name zones in many dialects: IANA names and their legacy aliases (`US/Pacific`, `Japan`),
Windows zone IDs (`W. Europe Standard Time`, via CLDR's windowsZones table that icalendar ships),
Windows display names (`(UTC-03:00) Brasília`, `Canberra, Melbourne, Sydney`), vendor-prefixed
"globally unique" TZIDs (`/softwarestudio.org/Olson_20011030_5/America/Chicago`) and Lotus Notes'
short names (`Eastern`). `resolve_tzid` answers the IANA name, or None when it cannot know;
`tzid_basis` says how much that name tells: an IANA name ("zone"), a Windows, display or short name
that stands for many cities and was mapped to one of them ("alias"), or a bare UTC offset ("offset").
Fixed offsets that are no zone of a place are named "UTC+05:30" (`offset_zone_name`, `zone_info`).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
import zoneinfo

from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

# Backward-compatible aliases (tzdata's `backward` file) that sources still write, to current names.
LEGACY_ALIASES: dict[str, str] = {
    "US/Alaska": "America/Anchorage",
    "US/Aleutian": "America/Adak",
    "US/Arizona": "America/Phoenix",
    "US/Central": "America/Chicago",
    "US/East-Indiana": "America/Indiana/Indianapolis",
    "US/Eastern": "America/New_York",
    "US/Hawaii": "Pacific/Honolulu",
    "US/Indiana-Starke": "America/Indiana/Knox",
    "US/Michigan": "America/Detroit",
    "US/Mountain": "America/Denver",
    "US/Pacific": "America/Los_Angeles",
    "US/Samoa": "Pacific/Pago_Pago",
    "Canada/Atlantic": "America/Halifax",
    "Canada/Central": "America/Winnipeg",
    "Canada/Eastern": "America/Toronto",
    "Canada/Mountain": "America/Edmonton",
    "Canada/Newfoundland": "America/St_Johns",
    "Canada/Pacific": "America/Vancouver",
    "Australia/ACT": "Australia/Sydney",
    "Australia/Canberra": "Australia/Sydney",
    "Australia/NSW": "Australia/Sydney",
    "Australia/North": "Australia/Darwin",
    "Australia/Queensland": "Australia/Brisbane",
    "Australia/South": "Australia/Adelaide",
    "Australia/Tasmania": "Australia/Hobart",
    "Australia/Victoria": "Australia/Melbourne",
    "Australia/West": "Australia/Perth",
    "Brazil/East": "America/Sao_Paulo",
    "Chile/Continental": "America/Santiago",
    "Mexico/General": "America/Mexico_City",
    "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
    "America/Indianapolis": "America/Indiana/Indianapolis",
    "America/Godthab": "America/Nuuk",
    "Asia/Calcutta": "Asia/Kolkata",
    "Asia/Katmandu": "Asia/Kathmandu",
    "Asia/Rangoon": "Asia/Yangon",
    "Asia/Saigon": "Asia/Ho_Chi_Minh",
    "Asia/Ulan_Bator": "Asia/Ulaanbaatar",
    "Europe/Kiev": "Europe/Kyiv",
    "Pacific/Samoa": "Pacific/Pago_Pago",
    "Cuba": "America/Havana",
    "Egypt": "Africa/Cairo",
    "Eire": "Europe/Dublin",
    "GB": "Europe/London",
    "GB-Eire": "Europe/London",
    "Hongkong": "Asia/Hong_Kong",
    "Iceland": "Atlantic/Reykjavik",
    "Iran": "Asia/Tehran",
    "Israel": "Asia/Jerusalem",
    "Jamaica": "America/Jamaica",
    "Japan": "Asia/Tokyo",
    "Libya": "Africa/Tripoli",
    "Navajo": "America/Denver",
    "NZ": "Pacific/Auckland",
    "Poland": "Europe/Warsaw",
    "Portugal": "Europe/Lisbon",
    "PRC": "Asia/Shanghai",
    "ROC": "Asia/Taipei",
    "ROK": "Asia/Seoul",
    "Singapore": "Asia/Singapore",
    "Turkey": "Europe/Istanbul",
    "W-SU": "Europe/Moscow",
    "Etc/GMT": "UTC",
    "Etc/GMT+0": "UTC",
    "Etc/GMT-0": "UTC",
    "Etc/GMT0": "UTC",
    "Etc/Greenwich": "UTC",
    "Etc/UCT": "UTC",
    "Etc/Universal": "UTC",
    "Etc/UTC": "UTC",
    "Etc/Zulu": "UTC",
    "GMT": "UTC",
    "GMT+0": "UTC",
    "GMT-0": "UTC",
    "GMT0": "UTC",
    "Greenwich": "UTC",
    "UCT": "UTC",
    "Universal": "UTC",
    "Zulu": "UTC",
}

# Windows display names (what Outlook writes when it has no zone ID), keyed by their city list
# without the "(UTC+hh:mm) " prefix; accent-folded and case-folded when looked up.
WINDOWS_DISPLAY_NAMES: dict[str, str] = {
    "International Date Line West": "Etc/GMT+12",
    "Coordinated Universal Time-11": "Etc/GMT+11",
    "Aleutian Islands": "America/Adak",
    "Hawaii": "Pacific/Honolulu",
    "Marquesas Islands": "Pacific/Marquesas",
    "Alaska": "America/Anchorage",
    "Baja California": "America/Tijuana",
    "Pacific Time (US & Canada)": "America/Los_Angeles",
    "Pacific Time (US & Canada); Tijuana": "America/Los_Angeles",
    "Arizona": "America/Phoenix",
    "Chihuahua, La Paz, Mazatlan": "America/Mazatlan",
    "Mountain Time (US & Canada)": "America/Denver",
    "Central America": "America/Guatemala",
    "Central Time (US & Canada)": "America/Chicago",
    "Easter Island": "Pacific/Easter",
    "Guadalajara, Mexico City, Monterrey": "America/Mexico_City",
    "Saskatchewan": "America/Regina",
    "Bogota, Lima, Quito, Rio Branco": "America/Bogota",
    "Bogota, Lima, Quito": "America/Bogota",
    "Chetumal": "America/Cancun",
    "Eastern Time (US & Canada)": "America/New_York",
    "Haiti": "America/Port-au-Prince",
    "Havana": "America/Havana",
    "Indiana (East)": "America/Indiana/Indianapolis",
    "Turks and Caicos": "America/Grand_Turk",
    "Asuncion": "America/Asuncion",
    "Atlantic Time (Canada)": "America/Halifax",
    "Caracas": "America/Caracas",
    "Cuiaba": "America/Cuiaba",
    "Georgetown, La Paz, Manaus, San Juan": "America/La_Paz",
    "Santiago": "America/Santiago",
    "Newfoundland": "America/St_Johns",
    "Araguaina": "America/Araguaina",
    "Brasilia": "America/Sao_Paulo",
    "Cayenne, Fortaleza": "America/Cayenne",
    "City of Buenos Aires": "America/Argentina/Buenos_Aires",
    "Buenos Aires": "America/Argentina/Buenos_Aires",
    "Greenland": "America/Nuuk",
    "Montevideo": "America/Montevideo",
    "Punta Arenas": "America/Punta_Arenas",
    "Saint Pierre and Miquelon": "America/Miquelon",
    "Salvador": "America/Bahia",
    "Coordinated Universal Time-02": "Etc/GMT+2",
    "Azores": "Atlantic/Azores",
    "Cabo Verde Is.": "Atlantic/Cape_Verde",
    "Cape Verde Is.": "Atlantic/Cape_Verde",
    "Coordinated Universal Time": "UTC",
    "Dublin, Edinburgh, Lisbon, London": "Europe/London",
    "Greenwich Mean Time : Dublin, Edinburgh, Lisbon, London": "Europe/London",
    "Monrovia, Reykjavik": "Atlantic/Reykjavik",
    "Sao Tome": "Africa/Sao_Tome",
    "Casablanca": "Africa/Casablanca",
    "Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna": "Europe/Berlin",
    "Belgrade, Bratislava, Budapest, Ljubljana, Prague": "Europe/Budapest",
    "Brussels, Copenhagen, Madrid, Paris": "Europe/Paris",
    "Sarajevo, Skopje, Warsaw, Zagreb": "Europe/Warsaw",
    "West Central Africa": "Africa/Lagos",
    "Amman": "Asia/Amman",
    "Athens, Bucharest": "Europe/Bucharest",
    "Athens, Bucharest, Istanbul": "Europe/Bucharest",
    "Beirut": "Asia/Beirut",
    "Cairo": "Africa/Cairo",
    "Chisinau": "Europe/Chisinau",
    "Damascus": "Asia/Damascus",
    "Gaza, Hebron": "Asia/Hebron",
    "Harare, Pretoria": "Africa/Johannesburg",
    "Helsinki, Kyiv, Riga, Sofia, Tallinn, Vilnius": "Europe/Kyiv",
    "Helsinki, Kiev, Riga, Sofia, Tallinn, Vilnius": "Europe/Kyiv",
    "Jerusalem": "Asia/Jerusalem",
    "Juba": "Africa/Juba",
    "Kaliningrad": "Europe/Kaliningrad",
    "Khartoum": "Africa/Khartoum",
    "Tripoli": "Africa/Tripoli",
    "Windhoek": "Africa/Windhoek",
    "Baghdad": "Asia/Baghdad",
    "Istanbul": "Europe/Istanbul",
    "Kuwait, Riyadh": "Asia/Riyadh",
    "Minsk": "Europe/Minsk",
    "Moscow, St. Petersburg": "Europe/Moscow",
    "Moscow, St. Petersburg, Volgograd": "Europe/Moscow",
    "Nairobi": "Africa/Nairobi",
    "Volgograd": "Europe/Volgograd",
    "Tehran": "Asia/Tehran",
    "Abu Dhabi, Muscat": "Asia/Dubai",
    "Astrakhan, Ulyanovsk": "Europe/Astrakhan",
    "Baku": "Asia/Baku",
    "Izhevsk, Samara": "Europe/Samara",
    "Port Louis": "Indian/Mauritius",
    "Saratov": "Europe/Saratov",
    "Tbilisi": "Asia/Tbilisi",
    "Yerevan": "Asia/Yerevan",
    "Kabul": "Asia/Kabul",
    "Ashgabat, Tashkent": "Asia/Tashkent",
    "Ekaterinburg": "Asia/Yekaterinburg",
    "Islamabad, Karachi": "Asia/Karachi",
    "Qyzylorda": "Asia/Qyzylorda",
    "Chennai, Kolkata, Mumbai, New Delhi": "Asia/Kolkata",
    "Sri Jayawardenepura": "Asia/Colombo",
    "Kathmandu": "Asia/Kathmandu",
    "Astana": "Asia/Almaty",
    "Dhaka": "Asia/Dhaka",
    "Omsk": "Asia/Omsk",
    "Yangon (Rangoon)": "Asia/Yangon",
    "Bangkok, Hanoi, Jakarta": "Asia/Bangkok",
    "Barnaul, Gorno-Altaysk": "Asia/Barnaul",
    "Hovd": "Asia/Hovd",
    "Krasnoyarsk": "Asia/Krasnoyarsk",
    "Novosibirsk": "Asia/Novosibirsk",
    "Tomsk": "Asia/Tomsk",
    "Beijing, Chongqing, Hong Kong, Urumqi": "Asia/Shanghai",
    "Irkutsk": "Asia/Irkutsk",
    "Kuala Lumpur, Singapore": "Asia/Singapore",
    "Perth": "Australia/Perth",
    "Taipei": "Asia/Taipei",
    "Ulaanbaatar": "Asia/Ulaanbaatar",
    "Eucla": "Australia/Eucla",
    "Chita": "Asia/Chita",
    "Osaka, Sapporo, Tokyo": "Asia/Tokyo",
    "Pyongyang": "Asia/Pyongyang",
    "Seoul": "Asia/Seoul",
    "Yakutsk": "Asia/Yakutsk",
    "Adelaide": "Australia/Adelaide",
    "Darwin": "Australia/Darwin",
    "Brisbane": "Australia/Brisbane",
    "Canberra, Melbourne, Sydney": "Australia/Sydney",
    "Guam, Port Moresby": "Pacific/Port_Moresby",
    "Hobart": "Australia/Hobart",
    "Vladivostok": "Asia/Vladivostok",
    "Lord Howe Island": "Australia/Lord_Howe",
    "Bougainville Island": "Pacific/Bougainville",
    "Chokurdakh": "Asia/Srednekolymsk",
    "Magadan": "Asia/Magadan",
    "Norfolk Island": "Pacific/Norfolk",
    "Sakhalin": "Asia/Sakhalin",
    "Solomon Is., New Caledonia": "Pacific/Guadalcanal",
    "Magadan, Solomon Is., New Caledonia": "Pacific/Guadalcanal",
    "Anadyr, Petropavlovsk-Kamchatsky": "Asia/Kamchatka",
    "Auckland, Wellington": "Pacific/Auckland",
    "Coordinated Universal Time+12": "Etc/GMT-12",
    "Fiji": "Pacific/Fiji",
    "Chatham Islands": "Pacific/Chatham",
    "Coordinated Universal Time+13": "Etc/GMT-13",
    "Nuku'alofa": "Pacific/Tongatapu",
    "Samoa": "Pacific/Apia",
    "Kiritimati Island": "Pacific/Kiritimati",
}

# Lotus Notes and some Outlook versions write only the region's short name.
SHORT_NAMES: dict[str, str] = {
    "Eastern": "America/New_York",
    "Central": "America/Chicago",
    "Mountain": "America/Denver",
    "Pacific": "America/Los_Angeles",
    "Atlantic": "America/Halifax",
    "Alaskan": "America/Anchorage",
    "Hawaiian": "Pacific/Honolulu",
    "Eastern Daylight Time": "America/New_York",
    "Central Daylight Time": "America/Chicago",
    "Mountain Daylight Time": "America/Denver",
    "Pacific Daylight Time": "America/Los_Angeles",
    "Central European Standard Time": "Europe/Warsaw",
    "Central European Summer Time": "Europe/Warsaw",
}

_DISPLAY_PREFIX = re.compile(r"^\((?:UTC|GMT)(?:\s*[+-]\s*\d{1,2}(?::?\d{2})?)?\)\s*", re.IGNORECASE)
_OFFSET_ONLY = re.compile(r"^(?:UTC|GMT)\s*([+-])\s*(\d{1,2})(?::?00)?$", re.IGNORECASE)
_MAX_TZID_LENGTH = 200  # longer values are junk, not zone names


ZoneBasis = str  # "zone" | "alias" | "offset" (see the module docstring)


def resolve_tzid(name: str) -> str | None:
    """The canonical IANA zone a TZID means, or None when it names nothing known."""
    resolved = _resolve(name)
    return resolved[0] if resolved is not None else None


def tzid_basis(name: str) -> ZoneBasis:
    """How a TZID that `resolve_tzid` resolves names its zone: "zone", "alias" or "offset"."""
    resolved = _resolve(name)
    return resolved[1] if resolved is not None else "zone"


@functools.lru_cache(maxsize=1024)  # a calendar names its few zones on every date
def _resolve(name: str) -> tuple[str, ZoneBasis] | None:
    if not name or len(name) > _MAX_TZID_LENGTH:
        return None
    return _resolve_cleaned(_clean(name))


@functools.lru_cache(maxsize=1024)
def _resolve_cleaned(name: str) -> tuple[str, ZoneBasis] | None:
    if not name:
        return None
    iana = _iana(name) or _vendor_suffix(name)
    if iana is not None:
        return iana, "offset" if iana.startswith("Etc/GMT") or iana == "UTC" else "zone"
    folded = _fold(name)
    match = _FOLDED_IDS.get(folded)
    if match is not None:
        return canonical_zone(match), "alias"
    cities = _fold(_DISPLAY_PREFIX.sub("", name))
    # Windows XP style: "(GMT+01:00) Greenwich Mean Time : Dublin, …" also appears without the label.
    for candidate in (cities, cities.rpartition(" : ")[2]):
        match = _FOLDED_DISPLAY_NAMES.get(candidate)
        if match is not None:
            return canonical_zone(match), "offset" if match.startswith("Etc/") or match == "UTC" else "alias"
    fixed = _fixed_offset(name)
    return (fixed, "offset") if fixed is not None else None


def canonical_zone(name: str) -> str:
    """The current IANA name for a zone name zoneinfo accepts (legacy aliases replaced)."""
    return LEGACY_ALIASES.get(name, name)


def _clean(name: str) -> str:
    """Unquote, unescape (`Canberra\\, Melbourne`) and squeeze spaces."""
    text = unicodedata.normalize("NFC", name).strip().strip('"').replace("\\", "")
    return re.sub(r"\s+", " ", text).strip()


def _fold(text: str) -> str:
    """Case- and accent-insensitive key: "(UTC-03:00) Brasília" matches "Brasilia"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().strip()


@functools.lru_cache(maxsize=1)
def _available_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _iana(name: str) -> str | None:
    if name in _available_zones() or name in LEGACY_ALIASES:
        return canonical_zone(name)
    by_case = _zones_by_case().get(name.casefold())
    return canonical_zone(by_case) if by_case is not None else None


@functools.lru_cache(maxsize=1)
def _zones_by_case() -> dict[str, str]:
    return {zone.casefold(): zone for zone in _available_zones()}


def _vendor_suffix(name: str) -> str | None:
    """`/softwarestudio.org/Olson_20011030_5/America/Chicago` → `America/Chicago` (longest IANA suffix)."""
    parts = [part for part in name.split("/") if part]
    for start in range(1, len(parts)):
        iana = _iana("/".join(parts[start:]))
        if iana is not None:
            return iana
    return None


_FOLDED_IDS = {_fold(key): value for table in (WINDOWS_TO_OLSON, SHORT_NAMES) for key, value in table.items()}
_FOLDED_DISPLAY_NAMES = {_fold(key): value for key, value in WINDOWS_DISPLAY_NAMES.items()}


def _fixed_offset(name: str) -> str | None:
    """`UTC+2` / `GMT-05:00` → `Etc/GMT-2` / `Etc/GMT+5` (POSIX sign inverted, whole hours only)."""
    match = _OFFSET_ONLY.match(name)
    if match is None:
        return None
    sign, hours = match.group(1), int(match.group(2))
    if hours == 0:
        return "UTC"
    if hours > 14:
        return None
    return f"Etc/GMT{'-' if sign == '+' else '+'}{hours}"


def offset_zone_name(offset: dt.timedelta) -> str:
    """The name stored for a fixed UTC offset that is no place's zone: "UTC-05:00", "UTC+05:30"; "UTC" for zero."""
    minutes = round(offset.total_seconds() / 60)
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{mins:02d}"


_OFFSET_ZONE_NAME = re.compile(r"^UTC([+-])(\d{2}):(\d{2})$")


@functools.lru_cache(maxsize=1024)
def zone_info(name: str | None) -> dt.tzinfo | None:
    """The tzinfo of a stored zone name: an IANA zone or an `offset_zone_name`; None when it is neither."""
    if not name:
        return None
    fixed = _OFFSET_ZONE_NAME.match(name)
    if fixed is not None:
        minutes = int(fixed.group(2)) * 60 + int(fixed.group(3))
        return dt.timezone(dt.timedelta(minutes=-minutes if fixed.group(1) == "-" else minutes))
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def is_offset_zone_name(name: str | None) -> bool:
    """Whether a stored zone name is a fixed offset ("UTC-05:00"), which calendars get as UTC times."""
    return bool(name) and _OFFSET_ZONE_NAME.match(name) is not None  # type: ignore[arg-type]
