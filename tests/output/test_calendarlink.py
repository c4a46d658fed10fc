"""The "Add to calendar" data: URL: the same VCALENDAR as a single-event .ics, nothing HTML or a URL could read."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import unquote

import icalendar
import lxml.html
from markupsafe import escape

from pyevents.output.calendarlink import DATA_URL_PREFIX, event_calendar_url, percent_encode
from pyevents.output.ical import CALENDAR_END, calendar_head, serialize_vevent, span_of, used_tzid
from tests.output.eventdb import make_event

BASE = "https://events.example.org/"
ONLY_KEPT = re.compile(r"^[!$()*+,\-./0-9:;=@A-Z_a-z~%]*$")  # what is left unencoded, and the % of a code


def test_plain_and_other_text_round_trip_and_keep_only_safe_characters() -> None:
    for text in (
        'BEGIN:VEVENT\r\nSUMMARY:Talks & <b>"Networking"</b> #1 100%\\, ok?\r\n',
        "SUMMARY:Café – Zürich ☕ 🐍\r\n",
        "".join(chr(c) for c in range(0x20, 0x7F)),
        "",
    ):
        encoded = percent_encode(text)
        assert unquote(encoded, errors="strict") == text
        assert ONLY_KEPT.match(encoded), encoded


def test_the_link_carries_the_single_event_calendar_and_no_markup() -> None:
    event = make_event("Evil", title='x"><script>alert(1)</script>\r\nBEGIN:VEVENT#', timezone="Europe/Berlin")
    vevent = serialize_vevent(event, BASE)
    span = span_of([event])
    url = event_calendar_url(event["title"], used_tzid(event), span, vevent)
    assert url.startswith(DATA_URL_PREFIX)
    expected = calendar_head(event["title"], [used_tzid(event)], span) + vevent + CALENDAR_END
    assert unquote(url.removeprefix(DATA_URL_PREFIX), errors="strict") == expected
    assert ONLY_KEPT.match(url.removeprefix(DATA_URL_PREFIX))
    (link,) = lxml.html.fromstring(f'<p><a href="{escape(url)}" download="x.ics">x</a></p>').xpath("//a")
    cal = icalendar.Calendar.from_ical(unquote(link.get("href").removeprefix(DATA_URL_PREFIX)))
    (only,) = cal.walk("VEVENT")
    assert str(only["SUMMARY"]) == 'x"><script>alert(1)</script>\nBEGIN:VEVENT#'  # a line break of the text, not a line
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Berlin"]


def test_an_all_day_or_utc_event_carries_no_vtimezone() -> None:
    event = make_event("Day", all_day=True, starts_at=dt.datetime(2025, 4, 22, 22, 0, tzinfo=dt.UTC))
    url = event_calendar_url("Day", used_tzid(event), span_of([event]), serialize_vevent(event, BASE))
    assert "VTIMEZONE" not in unquote(url)
