"""Dates written in prose: read with dateparser in the document's language, bounded, relative to as_of."""

from __future__ import annotations

import datetime as dt

import pytest

from pyevents.pipeline.model import ParseContext, SourceDefaults, Window
from pyevents.pipeline.parse import parse_source
from pyevents.pipeline.parsers.dates_prose import MAX_READS, MAX_TEXT, ProseDates, language_of

AS_OF = dt.datetime(2027, 1, 10, tzinfo=dt.UTC)
D = dt.date
T = dt.datetime

PROSE = [
    # text, document language, first day or instant, last day of a range (None: one day)
    ("Del 22 al 26 de juliol", "ca", D(2027, 7, 22), D(2027, 7, 26)),  # no year: the next July
    ("June 25-26, 2011", "en", D(2011, 6, 25), D(2011, 6, 26)),
    ("June 25-26, 2011", "ca", D(2011, 6, 25), D(2011, 6, 26)),  # English on a Catalan page
    ("22-26 July 2027", "en", D(2027, 7, 22), D(2027, 7, 26)),
    ("March 3rd-5th, 2027", "en", D(2027, 3, 3), D(2027, 3, 5)),
    ("from 3 to 5 March 2027", None, D(2027, 3, 3), D(2027, 3, 5)),
    ("del 15 al 17 de octubre de 2027", "es", D(2027, 10, 15), D(2027, 10, 17)),
    ("25 juin 2027 à 18h30", "fr", T(2027, 6, 25, 18, 30), None),
    ("12. März 2027, 19:00 Uhr", "de", T(2027, 3, 12, 19, 0), None),
    ("Tuesday, 9 March 2027 at 7pm", "en", T(2027, 3, 9, 19, 0), None),
    ("26 de juliol de 2027, 18:00", "ca", T(2027, 7, 26, 18, 0), None),
    ("5 de janeiro", "pt", D(2028, 1, 5), None),  # past as_of this year: next year's
]


@pytest.mark.parametrize(("text", "language", "first", "last"), PROSE)
def test_prose_dates(text: str, language: str | None, first: dt.date, last: dt.date | None) -> None:
    assert ProseDates(language, AS_OF).span(text) == (first, last)


@pytest.mark.parametrize("text", ["next tuesday", "2027", "soon", "Room 5", "", "x" * (MAX_TEXT + 1) + " 5 June 2027"])
def test_what_is_no_date_stays_unread(text: str) -> None:
    assert ProseDates("en", AS_OF).span(text) is None


def test_a_document_reads_a_bounded_number_of_texts() -> None:
    reader = ProseDates("en", AS_OF)
    assert [reader.span(f"{day} May 2027") for day in (1, 1, 1)] == [(D(2027, 5, 1), None)] * 3
    assert reader.reads == 1  # a repeated text is read once
    for n in range(MAX_READS + 5):
        reader.span(f"room {n}: not a date")
    assert reader.reads == MAX_READS
    assert reader.span("2 May 2027") is None  # the budget is spent


def test_language_tags() -> None:
    assert [language_of(t) for t in ("ca", "en-US", "fr_FR", " DE ", "", None, "12")] == [
        "ca",
        "en",
        "fr",
        "de",
        None,
        None,
        None,
    ]


def _ctx(source_type: str) -> ParseContext:
    return ParseContext("src", source_type, "https://example.org/", Window.around(AS_OF, 30, 400), SourceDefaults())


def test_a_feed_in_catalan_with_a_prose_range_becomes_an_all_day_event_in_its_place() -> None:
    feed = (
        b'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:ev="http://purl.org/rss/1.0/modules/event/">'
        b"<channel><title>PyBCN</title><link>https://pybcn.example/</link><language>ca</language>"
        b"<item><title>PyDay BCN</title><link>https://pybcn.example/pyday</link>"
        b"<ev:startdate>Del 22 al 26 de juliol</ev:startdate><ev:location>Barcelona, Spain</ev:location></item>"
        b"<item><title>Sprint</title><link>https://pybcn.example/sprint</link>"
        b"<ev:startdate>quan hi hagi prou gent</ev:startdate></item></channel></rss>"
    )
    parsed = parse_source(feed, _ctx("feed"))
    (ev,) = parsed.events
    assert ev.all_day and ev.timezone == "Europe/Madrid"
    assert ev.starts_at == dt.datetime(2027, 7, 21, 22, tzinfo=dt.UTC)  # local midnight, CEST
    assert ev.ends_at == dt.datetime(2027, 7, 26, 22, tzinfo=dt.UTC)  # the day after the 26th
    assert [(r.reason, r.detail) for r in parsed.rejects] == [("no-dtstart", "Sprint: unreadable date 'quan hi hagi prou gent'")]


def test_a_page_with_a_prose_start_in_its_hevent() -> None:
    page = (
        b'<html lang="en"><body><div class="h-event"><h1 class="p-name">SciPy Sprint</h1>'
        b'<span class="dt-start">June 25-26, 2027</span><span class="p-location">Austin, TX, USA</span></div></body></html>'
    )
    (ev,) = parse_source(page, _ctx("html")).events
    assert ev.all_day and ev.timezone == "America/Chicago"
    assert (ev.starts_at.date(), ev.ends_at.date()) == (D(2027, 6, 25), D(2027, 6, 27))
