"""The event page's "Add to calendar" links: the event's own VCALENDAR in a percent-encoded `data:` URL,
and Google Calendar's event template URL.

A publish writes no single-event .ics per event (it would double a publish's files); the link
carries the same text instead. That text comes from our iCal writer, so it is escaped there, and
percent-encoding leaves no character that HTML or the URL could give a meaning to.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from urllib.parse import quote

from markupsafe import Markup

from pyevents.output.ical import CALENDAR_BEGIN, CALENDAR_END, CALENDAR_REFRESH, calendar_name_lines, ical_zone, vtimezone

DATA_URL_PREFIX = "data:text/calendar;charset=utf-8,"
GOOGLE_TEMPLATE = "https://calendar.google.com/calendar/render"

# Besides letters, digits and "_.-~": the printable ASCII to which neither HTML nor a data: URL gives a meaning.
_DATA_SAFE = "!$()*+,/:;=@"
_PLAIN_NAME = re.compile(r"[A-Za-z0-9._-]*\Z")  # a page's file name that percent-encoding leaves as it is


def percent_encode(text: str) -> str:
    """`text` as UTF-8, percent-encoded but for letters, digits, "_.-~" and `_DATA_SAFE`."""
    return quote(text, safe=_DATA_SAFE)


def event_calendar_url(name: str, tzid: str | None, span: tuple[dt.date, dt.date], vevent: str) -> Markup:
    """A `data:` URL of the VCALENDAR holding one VEVENT (its VTIMEZONE too, when it refers to one).

    Markup: percent-encoding leaves none of & < > " ' in it, so escaping it for HTML changes nothing
    (and would scan its few kilobytes on every page)."""
    zone = _encoded_vtimezone(tzid, span[0], span[1]) if tzid else ""
    return Markup(_URL_HEAD + _encoded_name_lines(name) + _ENCODED_REFRESH + zone + percent_encode(vevent) + _ENCODED_END)


# Percent-encoding maps each character on its own, so the calendar's fixed lines are encoded once and
# its name lines once per distinct name (a series repeats its title).
@lru_cache(maxsize=4096)
def _encoded_name_lines(name: str) -> str:
    return percent_encode(calendar_name_lines(name))


@lru_cache(maxsize=512)
def _encoded_vtimezone(tzid: str, first: dt.date, last: dt.date) -> str:
    return percent_encode(vtimezone(tzid, first, last))


_URL_HEAD = DATA_URL_PREFIX + percent_encode(CALENDAR_BEGIN)
_ENCODED_REFRESH = percent_encode(CALENDAR_REFRESH)
_ENCODED_END = percent_encode(CALENDAR_END)


def google_calendar_url(
    title: str,
    starts_z: str,
    ends_z: str,
    first_day: str,
    last_day: str,
    *,
    all_day: bool,
    timezone: str | None,
    location: str,
    page_url: str,
) -> str:
    """Google Calendar's template URL for one event: UTC instants (or dates, the end exclusive, for an
    all-day event), the event's zone as `ctz`, and its page as the details (the page has the description)."""
    if all_day:
        after = dt.date.fromisoformat(last_day) + dt.timedelta(days=1)
        dates = f"{first_day.replace('-', '')}%2F{after:%Y%m%d}"
    else:
        dates = f"{_compact(starts_z)}%2F{_compact(ends_z)}"
    parts = [GOOGLE_TEMPLATE, "?action=TEMPLATE&text=", _encoded(title), "&dates=", dates, "&details="]
    folder, _, name = page_url.rpartition("/")
    parts += [_encoded(folder + "/"), name if _PLAIN_NAME.match(name) else _encoded(name)]
    if location:
        parts += ["&location=", _encoded(location)]
    if not all_day and ical_zone(timezone) is not None:
        parts += ["&ctz=", _encoded(str(timezone))]
    return "".join(parts)


# A series repeats its title, place and zone: each is encoded once.
@lru_cache(maxsize=4096)
def _encoded(text: str) -> str:
    return quote(text, safe="")


def _compact(utc_text: str) -> str:
    """20261208T180000Z from 2026-12-08T18:00:00Z."""
    return utc_text.replace("-", "").replace(":", "")
