"""Every real-world .ics in ../shared/corpus/ics, parsed with expectations read off the file itself.

Each entry says what a reader of the file (not of our output) expects inside a window chosen for that
file: how many occurrences, the UTC instant of chosen ones (and of occurrences that must NOT appear:
EXDATEs, moved originals), all-day dates, cancellations, the local zone and the rejects. The
reasoning behind each count is in the comment beside it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from pyevents.pipeline.model import ParseContext, SourceDefaults, Window
from pyevents.pipeline.parsers.ical import parse_ical
from tests.shared_corpus import CORPUS as SHARED_CORPUS
from tests.shared_corpus import require

CORPUS = SHARED_CORPUS / "ics"


@dataclass(frozen=True)
class Expect:
    window: tuple[str, str]  # UTC dates [start, end)
    count: int
    starts: tuple[tuple[str, str], ...] = ()  # (title fragment, UTC start "YYYY-MM-DDTHH:MM") present
    absent: tuple[tuple[str, str], ...] = ()  # (title fragment, UTC start) that must not be there
    all_day: tuple[tuple[str, str, str], ...] = ()  # (title fragment, first day, day after the last)
    cancelled: int = 0
    zone: str | None = None  # the local zone of every event
    rejects: tuple[str, ...] = ()  # reasons, sorted
    reject_detail: str | None = None  # a fragment some reject's detail carries
    coords: tuple[str, float, float] | None = None
    zero_length: str | None = None  # title fragment of an event without DTEND/DURATION
    default_zone: str | None = None  # the source's configured zone (for floating times)


EXPECTATIONS: dict[str, Expect] = {
    # COUNT=7 daily from 2006-01-01 12:00 Brisbane (UTC+10, no DST) minus EXDATE Jan 3 and Jan 4.
    "apple_ical2_brisbane_exdate.ics": Expect(
        ("2006-01-01", "2006-02-01"),
        5,
        starts=(("Repeating", "2006-01-05T02:00"),),
        absent=(("Repeating", "2006-01-03T02:00"), ("Repeating", "2006-01-04T02:00")),
        zone="Australia/Brisbane",
    ),
    # One event 2010-04-08 00:00 in US/Pacific (PDT, UTC-7); the legacy alias becomes its current name.
    "apple_ical3_us_pacific.ics": Expect(
        ("2010-01-01", "2011-01-01"),
        1,
        starts=(("Coffee with Jason", "2010-04-08T07:00"),),
        zone="America/Los_Angeles",
    ),
    # 10:30 Vienna (CEST) on 2026-05-22; coordinates only in X-APPLE-STRUCTURED-LOCATION's geo: URI.
    "apple_ios26_structured_location.ics": Expect(
        ("2026-01-01", "2027-01-01"),
        1,
        starts=(("ID Austria", "2026-05-22T08:30"),),
        zone="Europe/Vienna",
        coords=("ID Austria", 48.309978, 14.283197),
    ),
    # 4 single events + a monthly all-day rule from Feb 18 UNTIL Nov 19 (Feb..Nov = 10 occurrences).
    "apple_macosx_bucharest.ics": Expect(
        ("2014-01-01", "2015-01-01"),
        14,
        starts=(("test event cu invitatie", "2014-02-09T11:00"),),
        all_day=(("all day recurrent", "2014-04-18", "2014-04-19"), ("I'd cal 462", "2014-02-12", "2014-02-13")),
        zone="Europe/Bucharest",
    ),
    # An empty but valid VCALENDAR behind a UTF-8 BOM: no events, no error.
    "bom_utf8.ics": Expect(("2000-01-01", "2030-01-01"), 0),
    # 24 talks, 10 of them on 2020-09-18 (UTC times); METHOD:PUBLISH inside each VEVENT cancels nothing.
    "conference_kielux_method_in_vevent.ics": Expect(
        ("2020-09-18", "2020-09-19"),
        10,
        starts=(("OpenCelium", "2020-09-18T11:00"),),
        zone="UTC",
    ),
    # The 126 RDATEs belong to the VTIMEZONE; the one event is all-day on 2021-12-15 (X-WR-TIMEZONE LA).
    "confluence_calendar_many_rdates.ics": Expect(
        ("2021-01-01", "2023-01-01"),
        1,
        all_day=(("test", "2021-12-15", "2021-12-16"),),
        zone="America/Los_Angeles",
    ),
    # 4 events in Berlin; the first has no DTEND: zero length (RFC 5545 for date-times).
    "discourse_events_no_dtend.ics": Expect(
        ("2019-01-01", "2020-01-01"),
        4,
        starts=(("openLab", "2019-01-17T17:00"), ("Hanf", "2019-02-28T14:00")),
        zero_length="openLab",
        zone="Europe/Berlin",
    ),
    # 20 VEVENTs without DTSTART (and an unclosed VCALENDAR): 20 rejects, nothing else.
    "empty_vevents_no_uid.ics": Expect(("2000-01-01", "2030-01-01"), 0, rejects=("no-dtstart",) * 20),
    # VERSION:1.0 and no UID: the event is still read, at 07:30Z.
    "eventbrite_vcalendar_1_0.ics": Expect(
        ("2013-01-01", "2014-01-01"),
        1,
        starts=(("Computing At School", "2013-10-26T07:30"),),
        zone="UTC",
    ),
    # 15 events, one in 2010; floating times read in the source's zone (Portland).
    "eventful_many.ics": Expect(
        ("2008-01-01", "2009-01-01"),
        14,
        starts=(("iMovie", "2008-07-03T22:00"),),
        default_zone="America/Los_Angeles",
    ),
    # Weekly Thursdays 17:30 "GMT Standard Time" = Europe/London; BST from 2023-03-26 moves it to 16:30Z.
    "exchange2010_gmt_standard_time_16010101.ics": Expect(
        ("2023-03-01", "2023-04-15"),
        7,
        starts=(("Free", "2023-03-23T17:30"), ("Free", "2023-03-30T16:30")),
        zone="Europe/London",
    ),
    # June 2018: Repair Café (1st Saturday, 14:00 CEST) and an all-day closure on June 9.
    "fablab_cottbus_community.ics": Expect(
        ("2018-06-01", "2018-07-01"),
        2,
        starts=(("Repair Café", "2018-06-02T12:00"),),
        all_day=(("Lab geschlossen", "2018-06-09", "2018-06-10"),),
        zone="Europe/Berlin",
        coords=("Repair Café", 51.76882, 14.32321),
    ),
    # 2006: six unbounded yearly holidays + New Year's override; two VEVENTs (of 2003 and 2005, outside
    # the window) have an empty SUMMARY: titled from the source and noted. The dates carry TZID=US/Pacific
    # without VALUE=DATE: all-day, local midnight in Los Angeles.
    "google_australia_holidays.ics": Expect(
        ("2006-01-01", "2007-01-01"),
        7,
        all_day=(("Australia Day", "2006-01-26", "2006-01-27"),),
        zone="America/Los_Angeles",
        rejects=("untitled", "untitled"),
        reject_detail="no SUMMARY; titled 'corpus'",
    ),
    # Three RECURRENCE-ID instances without master + a COUNT=1 series; its RDATEs "20131210Z" are invalid.
    "google_birthdays_rdate.ics": Expect(
        ("2012-01-01", "2015-01-01"),
        4,
        all_day=(("birthday", "2013-12-10", "2013-12-11"),),
        zone="America/Los_Angeles",
        rejects=("bad-date", "bad-date"),
        reject_detail="20131210Z",
    ),
    # November 2020 (US DST ended Nov 1): 13 series counted by hand with their EXDATEs = 40 occurrences.
    "google_chicago_dst_exdates.ics": Expect(
        ("2020-11-01", "2020-12-01"),
        40,
        starts=(("Event#2", "2020-11-30T16:15"), ("Event#1", "2020-11-13T14:15")),
        absent=(("Event#1", "2020-11-26T14:15"), ("Event#1", "2020-11-27T14:15")),
        zone="America/Chicago",
    ),
    # Yearly Aug 1 19:00 LA from 2014, EXDATE 2016, 2014 moved to 18:30 by RECURRENCE-ID.
    "google_la_rrule_exdate_recurrence_id.ics": Expect(
        ("2014-01-01", "2018-01-01"),
        3,
        starts=(("Vespers", "2014-08-02T01:30"), ("Vespers", "2017-08-02T02:00")),
        absent=(("Vespers", "2016-08-02T02:00"), ("Vespers", "2014-08-02T02:00")),
        zone="America/Los_Angeles",
    ),
    # Last Friday monthly 21:30 Berlin (written in UTC + X-WR-TIMEZONE); Dec 31 moved to Dec 17 (UTC override).
    "google_moved_event_recurrence_id.ics": Expect(
        ("2021-11-01", "2022-08-01"),
        9,
        starts=(("Karaoke", "2021-12-17T20:30"), ("Karaoke", "2022-07-29T19:30")),
        absent=(("Karaoke", "2021-12-31T20:30"),),
        zone="Europe/Berlin",
    ),
    # Python Events Calendar: June 2014 has DjangoVillage (13-15) and PyCon Singapore (18-20), all-day.
    "google_python_events_calendar.ics": Expect(
        ("2014-06-01", "2014-07-01"),
        2,
        all_day=(("DjangoVillage", "2014-06-13", "2014-06-16"), ("PyCon Singapore", "2014-06-18", "2014-06-21")),
        zone="UTC",
    ),
    # Times in UTC, X-WR-TIMEZONE Europe/London: the local zone is London, the instant unchanged.
    "google_python_glasgow_usergroup.ics": Expect(
        ("2016-01-01", "2017-01-01"),
        1,
        starts=(("Python talks night", "2016-10-11T16:30"),),
        zone="Europe/London",
    ),
    # Weekly Tue 14:00 Sydney until Aug 28 (Aug 15 moved to 14th) + weekly all-day Thu (Aug 17 moved to 16th).
    "google_sydney_moved_events.ics": Expect(
        ("2023-08-01", "2023-09-01"),
        6,
        starts=(("Datetime", "2023-08-14T04:00"),),
        absent=(("Datetime", "2023-08-15T04:00"),),
        all_day=(("All Day", "2023-08-16", "2023-08-17"),),
        zone="Australia/Sydney",
    ),
    # Weekdays 14:00 Zurich from Fri Oct 28; CET from Oct 30: 12:00Z then 13:00Z.
    "google_zurich_x_location.ics": Expect(
        ("2016-10-24", "2016-11-07"),
        6,
        starts=(("Daily Sync", "2016-10-28T12:00"), ("Daily Sync", "2016-10-31T13:00")),
        zone="Europe/Zurich",
    ),
    # A single event whose only occurrence is its own EXDATE: nothing.
    "hpr_community_exdate_xwr_timezone.ics": Expect(("2013-01-01", "2015-01-01"), 0),
    # 12 RDATEs (the first equals DTSTART) at 19:00Z, local zone London from X-WR-TIMEZONE.
    "hpr_community_rdate_xwr_timezone.ics": Expect(
        ("2013-01-01", "2015-01-01"),
        12,
        starts=(("HPR", "2013-08-03T19:00"), ("HPR", "2014-07-05T19:00")),
        zone="Europe/London",
    ),
    # DTSTART:201211129180000Z is no date: rejected with the value.
    "invalid_dtstart_value.ics": Expect(
        ("2000-01-01", "2030-01-01"),
        0,
        rejects=("bad-date",),
        reject_detail="201211129180000Z",
    ),
    # TZID=Japan;VALUE=DATE: 21 dated entries in 2006, all-day in Asia/Tokyo.
    "japan_legacy_tzid_alias.ics": Expect(
        ("2006-01-01", "2007-01-01"),
        21,
        all_day=(("Setsubun", "2006-02-03", "2006-02-04"),),
        zone="Asia/Tokyo",
    ),
    # 33 concerts in 2010, floating times (Dutch venues); one has a broken GEO and is kept.
    "lastfm_event_feed.ics": Expect(
        ("2010-01-01", "2011-01-01"),
        33,
        starts=(("Gerard van Maasakkers", "2010-02-10T19:30"),),
        default_zone="Europe/Amsterdam",
    ),
    # One RECURRENCE-ID instance (no master) moved +1 h to 10:00 "Eastern" (EDT).
    "lotus_notes_eastern_recurrence_id.ics": Expect(
        ("2005-01-01", "2006-01-01"),
        1,
        starts=(("More complicated stream", "2005-04-26T14:00"),),
        zone="America/New_York",
    ),
    # 12 Meetup events from several Amsterdam groups.
    "meetup_amsterdam_groups_merged.ics": Expect(
        ("2022-01-01", "2024-01-01"),
        12,
        starts=(("Dremio", "2022-12-06T17:00"),),
        zone="Europe/Amsterdam",
        coords=("Dremio", 52.36, 4.88),
    ),
    "meetup_angularjs_edinburgh.ics": Expect(
        ("2013-01-01", "2014-01-01"),
        1,
        starts=(("AngularJS", "2013-10-17T18:00"),),
        zone="Europe/London",
        coords=("AngularJS", 55.95, -3.19),
    ),
    "meetup_hnlondon.ics": Expect(
        ("2012-01-01", "2013-01-01"),
        1,
        starts=(("HNLondon", "2012-10-18T17:30"),),
        zone="Europe/London",
    ),
    # STATUS:CANCELLED and METHOD:CANCEL inside the VEVENT: kept, as cancelled.
    "openacalendar_cancelled_method_cancel.ics": Expect(
        ("2013-01-01", "2014-01-01"),
        1,
        cancelled=1,
        starts=(("SpecFic", "2013-11-12T18:00"),),
    ),
    # 11 German holidays dated 2010, all-day, no zone anywhere: UTC midnight.
    "outlook12_germany_holidays.ics": Expect(
        ("2010-01-01", "2011-01-01"),
        11,
        all_day=(("New Years Day", "2010-01-01", "2010-01-02"),),
        zone="UTC",
    ),
    # TZID "Canberra, Melbourne, Sydney" resolves; the only VEVENT has no SUMMARY: kept, titled from its source.
    "outlook12_ms_tzid_canberra.ics": Expect(
        ("2008-01-01", "2009-01-01"),
        1,
        starts=(("corpus", "2008-05-30T05:00"),),
        zone="Australia/Sydney",
        rejects=("untitled",),
    ),
    "outlook_exchange2010_eastern_standard_time.ics": Expect(
        ("2024-01-01", "2025-01-01"),
        1,
        starts=(("Anonymous", "2024-10-28T21:00"),),
        zone="America/New_York",
    ),
    "outlook_exchange2010_pacific_standard_time.ics": Expect(
        ("2017-01-01", "2018-01-01"),
        1,
        starts=(("Test 4", "2017-02-24T20:00"),),
        zone="America/Los_Angeles",
    ),
    # Daily 14:00 Berlin Apr 26 UNTIL Apr 29 00:00 = 3, EXDATE 20200427T120000Z (= 14:00 CEST) = 2.
    "outlook_exchange2010_w_europe_standard_time.ics": Expect(
        ("2020-01-01", "2021-01-01"),
        2,
        starts=(("Reoccur", "2020-04-28T12:00"),),
        absent=(("Reoccur", "2020-04-27T12:00"),),
        zone="Europe/Berlin",
    ),
    "outlook_windows_live_pacific_standard_time.ics": Expect(
        ("2014-01-01", "2015-01-01"),
        1,
        starts=(("Event from outlook", "2014-01-31T21:30"),),
        zone="America/Los_Angeles",
    ),
    # UTC times, X-WR-TIMEZONE Berlin; a property after END:VCALENDAR is dropped.
    "podio_xwr_timezone.ics": Expect(
        ("2022-01-01", "2023-01-01"),
        1,
        starts=(("Termin 4353", "2022-02-22T18:30"),),
        zone="Europe/Berlin",
    ),
    # A stray "X" line before END:VCALENDAR; the event survives.
    "stray_garbage_line.ics": Expect(
        ("2014-01-01", "2015-01-01"),
        1,
        starts=(("Broken Eevnt", "2014-04-01T00:00"),),
        zone="UTC",
    ),
    # Thunderbird: COUNT=3 daily 22:00 Berlin, the 2nd occurrence overridden as CANCELLED.
    "thunderbird_cancelled_occurrence.ics": Expect(
        ("2020-01-01", "2020-02-01"),
        3,
        cancelled=1,
        starts=(("one is cancelled", "2020-01-29T21:00"),),
        zone="Europe/Berlin",
    ),
    # 19 dated in 2008 (one in 2009), one of them DAILY Sep 8-10 (UNTIL Sep 11 00:00): 18 + 3.
    "upcoming_org_many.ics": Expect(
        ("2008-01-01", "2009-01-01"),
        21,
        starts=(("Substance Summit", "2008-07-09T22:30"),),
        default_zone="America/Los_Angeles",
    ),
    # First Tuesday monthly 10:00 LA + RDATE Nov 5/10/30, EXDATE Dec 4; Oct 2 moved to 15:00 and the
    # Nov 5 RDATE moved to Nov 6 20:00 PST by RECURRENCE-ID in UTC.
    "zimbra_recur_instances.ics": Expect(
        ("2012-10-01", "2013-01-01"),
        5,
        starts=(("Crazy Event", "2012-10-02T22:00"), ("Crazy Event", "2012-11-07T04:00")),
        absent=(("Crazy Event", "2012-12-04T18:00"), ("Crazy Event", "2012-11-05T18:00")),
        zone="America/Los_Angeles",
    ),
}


def _corpus_files() -> list[str]:
    return sorted(p.name for p in CORPUS.glob("*.ics")) if CORPUS.is_dir() else []


def _utc(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC)


def test_every_corpus_file_has_expectations() -> None:
    require(CORPUS)
    assert set(_corpus_files()) - set(EXPECTATIONS) == set()


@pytest.mark.parametrize("name", _corpus_files() or ["*.ics"])
def test_ics_corpus_file(name: str) -> None:
    require(CORPUS / name)
    expect = EXPECTATIONS.get(name)
    assert expect is not None, f"{name} has no entry in EXPECTATIONS"
    window = Window(_utc(expect.window[0]), _utc(expect.window[0]), _utc(expect.window[1]))
    ctx = ParseContext("corpus", "ical", f"https://example.org/{name}", window, SourceDefaults(timezone=expect.default_zone))
    parsed = parse_ical((CORPUS / name).read_bytes(), ctx)

    assert parsed.error is None
    events = parsed.events
    assert len(events) == expect.count
    starts = {(e.title, e.starts_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M")) for e in events}
    for fragment, instant in expect.starts:
        assert any(fragment in title and at == instant for title, at in starts), (fragment, instant, sorted(starts))
    for fragment, instant in expect.absent:
        assert not any(fragment in title and at == instant for title, at in starts), (fragment, instant)
    for fragment, first, after_last in expect.all_day:
        match = [e for e in events if fragment in e.title and e.all_day and e.starts_at.date().isoformat() == first]
        assert match, (fragment, first)
        assert match[0].ends_at.date().isoformat() == after_last
        assert match[0].starts_at.timetz().replace(tzinfo=None) == dt.time(0)
    assert sum(e.status == "cancelled" for e in events) == expect.cancelled
    if expect.zone is not None:
        assert {e.timezone for e in events} == {expect.zone}
    assert sorted(r.reason for r in parsed.rejects) == sorted(expect.rejects)
    if expect.reject_detail is not None:
        assert any(expect.reject_detail in r.detail for r in parsed.rejects)
    if expect.coords is not None:
        fragment, lat, lon = expect.coords
        located = [e for e in events if fragment in e.title]
        assert located and located[0].latitude == pytest.approx(lat) and located[0].longitude == pytest.approx(lon)
    if expect.zero_length is not None:
        assert all(e.starts_at == e.ends_at for e in events if expect.zero_length in e.title)
    assert all(e.starts_at < window.end and (e.ends_at > window.start or e.starts_at >= window.start) for e in events)
    assert len({e.source_uid for e in events}) == len(events)
