"""Every page in ../shared/corpus/html against what reading it by eye says it holds."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import icalendar
import pytest

from pyevents.pipeline.parsers.dates_lenient import parse_when
from pyevents.pipeline.parsers.html import parse_html
from tests.corpus.corpus_rows import CORPUS, Row, assert_rows_name_existing_files, check, context
from tests.shared_corpus import file_params, require

ROWS: dict[str, Row] = {
    # JSON-LD "2024-5-24T19:00+5.5:00" (unpadded month, decimal-hour offset), also as microdata: one event.
    "courtyardkoota_single_event_jsonld_bad_offset.html": Row(
        1,
        "Ashwin Srinivas Live - Stand Up Comedy",
        "2024-05-24T13:30:00+00:00",
        "2024-05-24T14:45:00+00:00",
        timezone="Asia/Kolkata",
        default_tz="Asia/Kolkata",
        window=("2024-05-01", "2024-06-01"),
    ),
    # microdata startDate without zone: local to the source's default zone.
    "extruct_event_microdata_nba.html": Row(
        1,
        "Miami Heat at Philadelphia 76ers - Game 3 (Home Game 1)",
        "2016-04-22T00:00:00+00:00",
        default_tz="America/New_York",
        timezone="America/New_York",
        window=("2016-04-01", "2016-05-01"),
    ),
    "extruct_jsonld_with_js_comments.html": Row(0),  # a NewsArticle (comments, trailing comma): no event, no crash
    "extruct_theater_event_microdata.html": Row(
        1,
        "Julius Caesar at Shakespeare's Globe",
        "2014-10-01T18:30:00+00:00",
        default_tz="Europe/London",
    ),
    "ical4j_hcalendar_example.html": Row(
        1,
        "Calendaring Interoperability Planning Meeting",
        "1997-03-24T12:30:00+00:00",
        "1997-03-24T21:00:00+00:00",
        window=("1997-01-01", "1998-01-01"),
    ),
    "mf1_hcalendar_combining_hcard.html": Row(
        1,
        "IndieWebCamp 2012",
        "2012-06-30T07:00:00+00:00",
        "2012-07-02T07:00:00+00:00",
        all_day=True,
        timezone="America/Los_Angeles",  # Portland's midnight
    ),
    # first of nine dtstart spellings wins: 19:00:00-08:00; dtend "2013-034" is the ordinal date 3 Feb 2013
    # (through that day at the start's offset, which no place names: a fixed-offset zone).
    "mf1_hcalendar_vevent_time.html": Row(
        1,
        "The 4th Microformat party",
        "2009-06-27T03:00:00+00:00",
        "2013-02-04T08:00:00+00:00",
        timezone="UTC-08:00",
    ),
    "mf2_hevent_ampm.html": Row(1, "The 4th Microformat party", "2009-06-26T19:00:00+00:00"),  # 07:00:00pm, no zone
    "mf2_hevent_attendees.html": Row(
        1,
        "CPJ Online Press Freedom Summit",
        "2012-10-10T07:00:00+00:00",
        "2012-10-11T07:00:00+00:00",
        all_day=True,
        timezone="America/Los_Angeles",  # San Francisco's midnight
    ),
    "mf2_hevent_concatenate.html": Row(
        1,
        "The 4th Microformat party",
        "2009-06-27T01:00:00+00:00",
        "2009-06-27T04:00:00+00:00",
    ),
    "mf2_hevent_dates.html": Row(1, "The 4th Microformat party", "2009-06-27T03:00:00+00:00"),
    "mf2_hevent_just_a_hyperlink.html": Row(0),  # no dt-start: rejected, not an event
    "mf2_hevent_time_value_class.html": Row(
        1,
        "The 4th Microformat party",
        "2009-06-27T03:00:00+00:00",
        "2013-02-04T08:00:00+00:00",
        timezone="UTC-08:00",
    ),
    # three vevents; "October 5-7" is dtstart 2005-10-05, dtend 2005-10-08 (read as the inclusive last day).
    "mofo_hcalendar_events.html": Row(
        3,
        "XYZ Project Review",
        "1998-03-12T13:30:00+00:00",
        "1998-03-12T14:30:00+00:00",
    ),
    "mofo_upcoming_listing.html": Row(0),  # 17 table-row vevents, none with a dtstart
    "songkick_elysian_fields_owl_parlor_2015.html": Row(
        1,
        "Elysian Fields",
        "2015-10-31T23:30:00+00:00",
        default_tz="America/New_York",
        timezone="America/New_York",
        window=("2015-10-01", "2015-11-01"),
    ),
    # four MusicEvents from 2016 to 2017; the 2017 window keeps two.
    "songkick_elysianfields_artist.html": Row(
        2,
        "Elysian Fields",
        "2017-06-10T23:30:00+00:00",
        window=("2017-01-01", "2018-01-01"),
    ),
    "songkick_tovestyrke_artist.html": Row(1, "Tove Styrke", "2017-06-12T19:00:00+00:00"),
    "upcoming_org_hcal_barcamp_2008.html": Row(
        1,
        "February BarCamp Portland Informal Tech Meetup",
        "2008-02-29T01:30:00+00:00",
        "2008-02-29T03:30:00+00:00",
        default_tz="America/Los_Angeles",
    ),
    "upcoming_org_hcal_ignite_portland_4.html": Row(
        1,
        "Ignite Portland 4",
        "2008-11-14T03:00:00+00:00",
        default_tz="America/Los_Angeles",
    ),
    "upcoming_org_hcal_lunch20_two_vevents.html": Row(
        1,
        "Lunch 2.0 Party Train to OTBC",
        "2009-01-14T19:00:00+00:00",
        default_tz="America/Los_Angeles",
    ),
    "xray_hevent_with_http_headers.html": Row(
        1,
        "Homebrew Website Club",
        "2016-03-10T02:30:00+00:00",
        "2016-03-10T03:30:00+00:00",
        default_tz="America/Los_Angeles",
    ),
}


@pytest.mark.parametrize("path", file_params("html"))
def test_corpus_page(path: Path) -> None:
    check(path, ROWS, parse_html, "html")


def test_rows_name_existing_files() -> None:
    assert_rows_name_existing_files("html", ROWS)


def _reference_pairs() -> list[object]:
    pairs = (
        [
            (p, p.with_name(p.name.replace(".expected", "").rsplit(".", 1)[0] + ".html"))
            for p in sorted((CORPUS / "html").glob("*.expected.*"))
        ]
        if (CORPUS / "html").is_dir()
        else []
    )
    return [pytest.param(ref, page, id=page.name) for ref, page in pairs] or [
        pytest.param(CORPUS / "html" / "*.expected.*", None, id="html-absent")
    ]


@pytest.mark.parametrize(("reference", "page"), _reference_pairs())
def test_agrees_with_reference_extraction(reference: Path, page: Path) -> None:
    """The first event's name and start equal those of the reference (.ics, mf2 JSON or extruct JSON-LD)."""
    require(reference)
    if reference.suffix == ".ics":
        vevent = icalendar.Calendar.from_ical(reference.read_bytes()).walk("VEVENT")[0]
        name, start = str(vevent["SUMMARY"]), vevent["DTSTART"].dt
    else:
        data = json.loads(reference.read_text(encoding="utf-8"))
        if isinstance(data, dict):  # mf2 JSON
            props = data["items"][0]["properties"]
            name, start = props["name"][0], parse_when(props["start"][0])
        else:  # extruct JSON-LD
            name, start = data[0]["name"], parse_when(data[0]["startDate"])
    assert isinstance(start, dt.datetime)
    result = parse_html(page.read_bytes(), context("html", Row(0)))
    first = result.events[0]
    assert first.title == name
    expected = start if start.tzinfo else start.replace(tzinfo=dt.UTC)
    assert first.starts_at == expected
