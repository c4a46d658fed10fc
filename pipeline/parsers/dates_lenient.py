"""Lenient reading of the date and time strings that web pages, feeds and listings really contain.

schema.org, microformats and feeds promise ISO 8601 or RFC 822 but send unpadded fields
(`2024-5-24T19:00`), decimal-hour offsets (`+5.5:00`), offsets without colon or minutes (`-0800`,
`-08`), a lower-case `t` or a space as separator, 7-digit fractions (.NET), compact iCalendar forms
(`19970324T123000Z`), ordinal dates (`2013-034`), words for UTC and "AoE" (Anywhere on Earth, UTC−12,
as calls for proposals say). The result keeps what the text said: a `date` when it has no time, a
naive `datetime` when it has no offset, an aware one otherwise; a day "AoE" ends at 23:59:59 UTC−12.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re

_MAX_LEN = 100  # longer strings are prose, not a date

_ISO = re.compile(
    r"""^\s*
    (?P<y>\d{4})-?(?P<mo>\d{1,2})-?(?P<d>\d{1,2})          # 2024-5-24, 20240524
    (?:\s*[Tt\s]\s*
       (?P<h>\d{1,2})(?::?(?P<mi>\d{2}))?(?::?(?P<s>\d{2}))?(?:[.,](?P<frac>\d+))?
       \s*(?P<ampm>[AaPp]\.?\s*[Mm]\.?)?
    )?
    \s*(?P<tz>[Zz]|UTC|GMT|[Aa][Oo][Ee]|[+-]\d{1,2}(?:[.,]\d+)?(?::?\d{2})?)?
    \s*$""",
    re.VERBOSE,
)
AOE = dt.timezone(dt.timedelta(hours=-12), "AoE")  # Anywhere on Earth: a deadline not yet passed anywhere
_ORDINAL = re.compile(r"^\s*(?P<y>\d{4})-(?P<doy>\d{3})\s*$")
_OFFSET = re.compile(r"^(?P<sign>[+-])(?P<h>\d{1,2})(?:[.,](?P<hfrac>\d+))?(?::?(?P<m>\d{2}))?$")


def parse_when(value: object) -> dt.date | dt.datetime | None:
    """A date, a naive datetime or an aware datetime read from `value`; None when it is not a date."""
    if isinstance(value, dt.datetime | dt.date):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > _MAX_LEN:
        return None
    match = _ORDINAL.match(text)  # before ISO: "2013-034" is day 34, not 2013-03-04
    if match:
        return _from_ordinal(int(match["y"]), int(match["doy"]))
    match = _ISO.match(text)
    if match:
        return _from_iso_match(match)
    return _from_rfc822(text)


def _from_iso_match(m: re.Match[str]) -> dt.date | dt.datetime | None:
    try:
        day = dt.date(int(m["y"]), int(m["mo"]), int(m["d"]))
    except ValueError:
        return None
    if m["h"] is None:
        if m["tz"] and m["tz"].lower() == "aoe":  # a whole day, wherever on Earth it still is
            return dt.datetime.combine(day, dt.time(23, 59, 59), AOE)
        return day
    hour = int(m["h"])
    if m["ampm"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if m["ampm"][0] in "Pp" else 0)
    micro = int((m["frac"] or "0")[:6].ljust(6, "0"))
    try:
        moment = dt.datetime.combine(day, dt.time(hour, int(m["mi"] or 0), int(m["s"] or 0), micro))
    except ValueError:
        return None
    if m["tz"] is None:
        return moment
    zone = parse_offset(m["tz"])
    return moment.replace(tzinfo=zone) if zone is not None else None


def parse_offset(text: str) -> dt.tzinfo | None:
    """A fixed zone from `Z`, `UTC`, `+05:30`, `+0530`, `-08` or the decimal-hour `+5.5:00`."""
    if text in ("Z", "z", "UTC", "GMT"):
        return dt.UTC
    if text.lower() == "aoe":
        return AOE
    m = _OFFSET.match(text)
    if not m:
        return None
    minutes = int(m["h"]) * 60 + int(m["m"] or 0)
    if m["hfrac"]:
        minutes += round(float("0." + m["hfrac"]) * 60)
    if minutes >= 24 * 60:
        return None
    delta = dt.timedelta(minutes=minutes)
    return dt.timezone(-delta if m["sign"] == "-" else delta)


def _from_ordinal(year: int, day_of_year: int) -> dt.date | None:
    if not 1 <= day_of_year <= 366:
        return None
    day = dt.date(year, 1, 1) + dt.timedelta(days=day_of_year - 1)
    return day if day.year == year else None


def _from_rfc822(text: str) -> dt.datetime | None:
    """RFC 822/2822 dates as feeds write them ("Fri, 04 Apr 2025 17:00:00 GMT")."""
    try:
        return email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
