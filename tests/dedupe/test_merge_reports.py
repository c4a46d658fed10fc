"""merge_reports over a small test federation written as pure data (issue 4, "one event per real event").

One conference from three source types, one meetup series from two calendars, near misses that
must stay apart; then merged fields by priority, identity under shuffling and rescheduling.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import random
import zoneinfo

import pytest

from pyevents.pipeline.dedupe import merge_reports, normalize_title, site_of, title_keys
from pyevents.pipeline.model import Event, SourceDefaults, SourceEvent
from pyevents.pipeline.normalize import finish_event

UTC = dt.UTC
PRAGUE = zoneinfo.ZoneInfo("Europe/Prague")
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
PRIORITIES = {"python-org": 40, "confs-tech": 30, "europython-site": 80, "meetup-pyberlin": 20, "pyberlin-cal": 60,
              "django-girls": 50, "django-meetup": 50, "pydata-listing": 30}  # fmt: skip


def day(y: int, m: int, d: int) -> dt.datetime:
    return dt.datetime(y, m, d, tzinfo=UTC)


def finished(defaults: SourceDefaults | None = None, **fields: object) -> SourceEvent:
    """A report as parse_source hands it on: parsed fields, then finish_event with the source's defaults."""
    return finish_event(SourceEvent(**fields), defaults or SourceDefaults())  # type: ignore[arg-type]


def federation() -> list[SourceEvent]:
    conference = [
        # python.org's Google calendar: all-day, 12-18 July (exclusive end 19), X-WR-TIMEZONE Etc/GMT
        finished(
            source_id="python-org",
            source_uid="ep27@google.com",
            title="EuroPython 2027",
            starts_at=day(2027, 7, 12),
            ends_at=day(2027, 7, 19),
            timezone="Etc/GMT",
            all_day=True,
            location="Prague, Czech Republic",
            description="<a href='https://ep2027.europython.eu'>EuroPython</a>",
            url="https://www.python.org/events/python-events/1234/",
        ),
        # confs.tech listing: dates only, country as a full name, a CFP
        finished(
            SourceDefaults(kind="conference"),
            source_id="confs-tech",
            source_uid="https://ep2027.europython.eu",
            title="EuroPython",
            starts_at=day(2027, 7, 12),
            ends_at=day(2027, 7, 19),
            timezone="UTC",
            all_day=True,
            city="Prague",
            country="Czechia",
            url="https://ep2027.europython.eu",
            cfp_url="https://ep2027.europython.eu/cfp",
            cfp_ends_at=day(2027, 2, 1),
            tags=["python"],
        ),
        # the conference's own page: JSON-LD with a timed start on the first conference day
        finished(
            source_id="europython-site",
            source_uid="https://ep2027.europython.eu/#event",
            title="EuroPython 2027 – Prague",
            starts_at=dt.datetime(2027, 7, 14, 9, 0, tzinfo=PRAGUE),
            ends_at=dt.datetime(2027, 7, 16, 18, 0, tzinfo=PRAGUE),
            timezone="Europe/Prague",
            venue="Prague Congress Centre",
            city="Prague",
            country="CZ",
            latitude=50.0625,
            longitude=14.4286,
            url="https://ep2027.europython.eu/",
            description="The largest Python conference in Europe.",
            tags=["europython"],
        ),
    ]
    meetups = []
    for month, meetup_id in ((3, "301"), (4, "302")):
        local = dt.datetime(2027, month, 10, 19, 0, tzinfo=BERLIN)
        # Meetup export: UTC times, another UID, a title suffix
        meetups.append(
            finished(
                SourceDefaults(kind="meetup", country="DE", city="Berlin"),
                source_id="meetup-pyberlin",
                source_uid=f"event_{meetup_id}@meetup.com",
                title="Python Users Berlin - Talks & Networking",
                starts_at=local.astimezone(UTC),
                ends_at=(local + dt.timedelta(hours=3)).astimezone(UTC),
                timezone="UTC",
                location="Bars Hub, Torstr. 1, Berlin, de",
                url=f"https://www.meetup.com/python-users-berlin/events/{meetup_id}/",
            )
        )
        # the group's Google calendar: local TZID, a weekly-series occurrence UID
        meetups.append(
            finished(
                SourceDefaults(kind="meetup", country="DE", city="Berlin", tags=["pub"]),
                source_id="pyberlin-cal",
                source_uid=f"pub-series@google.com/{local.isoformat()}",
                series_uid="pub-series@google.com",
                title="Python Users Berlin",
                starts_at=local,
                ends_at=local + dt.timedelta(hours=3),
                timezone="Europe/Berlin",
                location="Bars Hub (Torstr. 1, Berlin, de)",
                description="Talks, then pizza.",
            )
        )
    evening = dt.datetime(2027, 3, 10, 18, 30, tzinfo=BERLIN)
    near_misses = [
        # same dates, different countries
        finished(
            source_id="python-org",
            source_uid="pycon-at@google.com",
            title="PyCon AT 2027",
            starts_at=day(2027, 9, 10),
            ends_at=day(2027, 9, 13),
            timezone="Etc/GMT",
            all_day=True,
            location="Vienna, Austria",
        ),
        finished(
            source_id="confs-tech",
            source_uid="https://pycon.org.au",
            title="PyCon AU",
            starts_at=day(2027, 9, 10),
            ends_at=day(2027, 9, 13),
            timezone="UTC",
            all_day=True,
            city="Melbourne",
            country="Australia",
        ),
        # same evening, same city, different groups
        finished(
            SourceDefaults(kind="workshop", country="DE", city="Berlin"),
            source_id="django-girls",
            source_uid="dg-berlin-2027",
            title="Django Girls Berlin",
            starts_at=evening,
            ends_at=evening + dt.timedelta(hours=3),
            timezone="Europe/Berlin",
        ),
        finished(
            SourceDefaults(kind="meetup", country="DE", city="Berlin"),
            source_id="django-meetup",
            source_uid="djm-2027-03",
            title="Django Meetup Berlin",
            starts_at=evening,
            ends_at=evening + dt.timedelta(hours=3),
            timezone="Europe/Berlin",
        ),
        # same day, one listing without a country: only the title tells them apart
        finished(
            source_id="pydata-listing",
            source_uid="pydata-ams",
            title="PyData Amsterdam 2027",
            starts_at=day(2027, 9, 20),
            ends_at=day(2027, 9, 22),
            timezone="UTC",
            all_day=True,
        ),
        finished(
            source_id="confs-tech",
            source_uid="https://pydata.org/berlin2027",
            title="PyData Berlin 2027",
            starts_at=day(2027, 9, 20),
            ends_at=day(2027, 9, 22),
            timezone="UTC",
            all_day=True,
            city="Berlin",
            country="Germany",
        ),
    ]
    return conference + meetups + near_misses


def clusters(events: list[Event]) -> set[frozenset[tuple[str, str]]]:
    return {frozenset((r.source_id, r.source_uid) for r in e.reports) for e in events}


def by_title(events: list[Event], title: str) -> Event:
    (event,) = [e for e in events if e.title == title]
    return event


def hash16(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


EXPECTED_CLUSTERS = {
    frozenset({("python-org", "ep27@google.com"), ("confs-tech", "https://ep2027.europython.eu"),
               ("europython-site", "https://ep2027.europython.eu/#event")}),
    frozenset({("meetup-pyberlin", "event_301@meetup.com"), ("pyberlin-cal", "pub-series@google.com/2027-03-10T19:00:00+01:00")}),
    frozenset({("meetup-pyberlin", "event_302@meetup.com"), ("pyberlin-cal", "pub-series@google.com/2027-04-10T19:00:00+02:00")}),
    frozenset({("python-org", "pycon-at@google.com")}),
    frozenset({("confs-tech", "https://pycon.org.au")}),
    frozenset({("django-girls", "dg-berlin-2027")}),
    frozenset({("django-meetup", "djm-2027-03")}),
    frozenset({("pydata-listing", "pydata-ams")}),
    frozenset({("confs-tech", "https://pydata.org/berlin2027")}),
}  # fmt: skip


def test_federation_yields_exactly_the_real_events() -> None:
    events = merge_reports(federation(), PRIORITIES, {})
    assert clusters(events) == EXPECTED_CLUSTERS
    assert len({e.event_id for e in events}) == len(events)


def test_conference_fields_come_from_the_highest_priority_source_that_has_them() -> None:
    ep = by_title(merge_reports(federation(), PRIORITIES, {}), "EuroPython 2027 – Prague")
    assert [r.source_id for r in ep.reports] == ["europython-site", "python-org", "confs-tech"]
    assert (ep.starts_at, ep.all_day, ep.timezone) == (dt.datetime(2027, 7, 14, 9, 0, tzinfo=PRAGUE), False, "Europe/Prague")
    assert (ep.venue, ep.city, ep.country, ep.region) == ("Prague Congress Centre", "Prague", "CZ", "europe")
    assert (ep.latitude, ep.longitude) == (50.0625, 14.4286)
    assert ep.url == "https://ep2027.europython.eu/"
    assert ep.description == "The largest Python conference in Europe."
    assert (ep.cfp_url, ep.cfp_ends_at) == ("https://ep2027.europython.eu/cfp", day(2027, 2, 1))  # only confs.tech has it
    assert ep.kind == "conference"  # from the title on the site, the default on confs.tech
    assert ep.tags == ["europython", "python"]
    assert ep.series_id is None
    assert ep.event_id == hash16(min("confs-tech\x1fhttps://ep2027.europython.eu", "europython-site\x1fhttps://ep2027.europython.eu/#event",
                                     "python-org\x1fep27@google.com"))  # fmt: skip


def test_meetup_merges_utc_export_with_local_calendar() -> None:
    events = merge_reports(federation(), PRIORITIES, {})
    march = [e for e in events if e.starts_at.astimezone(UTC) == dt.datetime(2027, 3, 10, 18, 0, tzinfo=UTC)]
    assert len(march) == 1
    (pub,) = march
    assert pub.title == "Python Users Berlin"  # the calendar (60) outranks Meetup (20)
    assert pub.timezone == "Europe/Berlin"
    assert (pub.venue, pub.city, pub.country) == ("Bars Hub", "Berlin", "DE")
    assert pub.url == "https://www.meetup.com/python-users-berlin/events/301/"  # only Meetup has a URL
    assert pub.series_id == hash16("pyberlin-cal\x1fpub-series@google.com")
    assert pub.kind == "meetup" and pub.tags == ["pub"]


def test_ids_do_not_depend_on_input_order() -> None:
    reports = federation()
    reference = {
        (e.event_id, frozenset((r.source_id, r.source_uid) for r in e.reports)) for e in merge_reports(reports, PRIORITIES, {})
    }
    rnd = random.Random(7)
    for _ in range(5):
        shuffled = reports[:]
        rnd.shuffle(shuffled)
        again = merge_reports(shuffled, PRIORITIES, {})
        assert {(e.event_id, frozenset((r.source_id, r.source_uid) for r in e.reports)) for e in again} == reference


def known_from(events: list[Event]) -> dict[tuple[str, str], str]:
    return {(r.source_id, r.source_uid): e.event_id for e in events for r in e.reports}


def test_ids_survive_a_reschedule_and_a_new_source() -> None:
    first = merge_reports(federation(), PRIORITIES, {})
    ep_id = by_title(first, "EuroPython 2027 – Prague").event_id
    moved = [dataclasses.replace(r, starts_at=r.starts_at + dt.timedelta(days=7), ends_at=r.ends_at + dt.timedelta(days=7))
             if "europython" in r.title.lower() else r for r in federation()]  # fmt: skip
    # with no memory at all, the id is still the same (hash of the smallest report key) ...
    assert by_title(merge_reports(moved, PRIORITIES, {}), "EuroPython 2027 – Prague").event_id == ep_id
    # ... and with the store's memory, a newly listed source joins the event without changing its id
    newcomer = finished(
        source_id="aaa-first-listing",
        source_uid="ep",
        title="EuroPython 2027",
        starts_at=day(2027, 7, 19),
        ends_at=day(2027, 7, 26),
        timezone="UTC",
        all_day=True,
        country="CZ",
    )
    second = merge_reports([*moved, newcomer], PRIORITIES, known_from(first))
    ep = by_title(second, "EuroPython 2027 – Prague")
    assert ep.event_id == ep_id
    assert len(ep.reports) == 4
    assert {e.event_id for e in second} == {e.event_id for e in first}


def test_cluster_takes_the_smallest_known_id_and_a_split_keeps_ids_distinct() -> None:
    reports = federation()
    known = {
        ("python-org", "ep27@google.com"): "ffff000000000000",
        ("confs-tech", "https://ep2027.europython.eu"): "0000aaaa00000000",
    }
    ep = by_title(merge_reports(reports, PRIORITIES, known), "EuroPython 2027 – Prague")
    assert ep.event_id == "0000aaaa00000000"
    # both near-miss conferences claim one id (say a bad earlier merge): one keeps it, the other gets a fresh id
    known = {
        ("python-org", "pycon-at@google.com"): "1111111111111111",
        ("confs-tech", "https://pycon.org.au"): "1111111111111111",
    }
    events = merge_reports(reports, PRIORITIES, known)
    at = by_title(events, "PyCon AT 2027")
    au = by_title(events, "PyCon AU")
    assert au.event_id == "1111111111111111"  # its claim "confs-tech\x1f…" is smaller than "python-org\x1f…"
    assert at.event_id == hash16("python-org\x1fpycon-at@google.com")
    assert len({e.event_id for e in events}) == len(events)


def timed(
    source_id: str, uid: str, title: str, start: dt.datetime, country: str | None = "DE", tz: str = "Europe/Berlin"
) -> SourceEvent:
    return SourceEvent(source_id, uid, title, start, start + dt.timedelta(hours=2), tz, country=country)


def test_never_merges_two_reports_of_one_source() -> None:
    start = dt.datetime(2027, 5, 5, 19, 0, tzinfo=BERLIN)
    reports = [
        timed("a", "1", "Python Night", start),
        timed("a", "2", "Python Night", start),
        timed("b", "x", "Python Night", start),
    ]
    events = merge_reports(reports, {"a": 10, "b": 5}, {})
    assert clusters(events) == {frozenset({("a", "1"), ("b", "x")}), frozenset({("a", "2")})}


def test_same_title_same_dates_in_two_countries_stay_two() -> None:
    reports = [SourceEvent("a", "1", "PyCon 2027", day(2027, 9, 10), day(2027, 9, 13), "UTC", all_day=True, country="AT"),
               SourceEvent("b", "1", "PyCon 2027", day(2027, 9, 10), day(2027, 9, 13), "UTC", all_day=True, country="AU"),
               SourceEvent("c", "1", "PyCon 2027", day(2027, 9, 10), day(2027, 9, 13), "UTC", all_day=True)]  # fmt: skip
    events = merge_reports(reports, {}, {})
    assert len(events) == 2  # the country-less report joins one of them, never both
    assert sorted(len(e.reports) for e in events) == [1, 2]


def test_status_is_the_best_reports() -> None:
    start = dt.datetime(2027, 6, 2, 19, 0, tzinfo=BERLIN)
    best, other = timed("best", "1", "PyLadies Berlin Meetup", start), timed("other", "1", "PyLadies Berlin Meetup", start)
    cancelled_low = merge_reports([best, dataclasses.replace(other, status="cancelled")], {"best": 90, "other": 10}, {})
    cancelled_best = merge_reports([dataclasses.replace(best, status="cancelled"), other], {"best": 90, "other": 10}, {})
    assert [e.status for e in cancelled_low] == ["confirmed"]
    assert [e.status for e in cancelled_best] == ["cancelled"]


def test_timezone_slop_needs_near_identical_titles() -> None:
    local = dt.datetime(2027, 5, 1, 0, 30, tzinfo=zoneinfo.ZoneInfo("Asia/Tokyo"))  # 30 April in UTC
    right = timed("a", "1", "Tokyo Python Night", local, "JP", "Asia/Tokyo")
    same_instant_utc = timed("b", "1", "Tokyo Python Night - Lightning Talks", local.astimezone(UTC), "JP", "UTC")
    assert len(merge_reports([right, same_instant_utc], {}, {})) == 1
    floating_misread = timed("c", "1", "Tokyo Python Night", local.replace(tzinfo=UTC), "JP", "UTC")  # 9 h off
    assert len(merge_reports([right, floating_misread], {}, {})) == 1
    different_event = timed("c", "1", "Tokyo Python Night: Django", local.replace(tzinfo=UTC), "JP", "UTC")
    assert len(merge_reports([right, different_event], {}, {})) == 2
    next_week = timed("c", "1", "Tokyo Python Night", local + dt.timedelta(days=7), "JP", "Asia/Tokyo")
    assert len(merge_reports([right, next_week], {}, {})) == 2


def test_same_site_lowers_the_title_bar() -> None:
    start = dt.datetime(2027, 6, 9, 19, 0, tzinfo=BERLIN)
    a = dataclasses.replace(timed("a", "1", "PyData Berlin June", start), url="https://www.meetup.com/pydata-berlin/events/1/")
    b = dataclasses.replace(
        timed("b", "1", "PyData Berlin: Data pipelines in production", start), url="https://meetup.com/PyData-Berlin/events/1"
    )
    c = dataclasses.replace(b, source_id="c", url="https://www.meetup.com/other-group/events/1")
    assert len(merge_reports([a, b], {}, {})) == 1  # "pydata berlin" vs "pydata berlin june": 84 < 88, same group page
    assert len(merge_reports([a, c], {}, {})) == 2


@pytest.mark.parametrize(
    ("left", "right"),
    [("PyCon US 2027", "PyCon US"), ("DjangoCon Europe '27", "DjangoCon Europe"), ("PyData Berlin #42", "PyData Berlin"),
     ("10th Python Summit", "Python Summit"), ("PyLadies: Monthly Meetup", "pyladies monthly meetup")],
)  # fmt: skip
def test_title_normalization_drops_years_editions_and_separators(left: str, right: str) -> None:
    assert normalize_title(left) == normalize_title(right)


def test_title_variants_and_numbers() -> None:
    variants, numbers = title_keys("Python Users Berlin - Talks & Networking")
    assert variants == ("berlin networking python talks users", "berlin python users")
    assert title_keys("Python Group 12 (Talks)") == (("12 group python talks", "12 group python"), ("12",))
    assert numbers == ()


@pytest.mark.parametrize(
    ("url", "site"),
    [("https://www.meetup.com/PyData-Berlin/events/1/", "meetup.com/pydata-berlin"),
     ("https://ep2027.europython.eu/x", "ep2027.europython.eu"), ("https://www.python.org/events/python-events/1/", None),
     ("https://calendar.google.com/x", None), (None, None),
     ("https://www.eventbrite.de/e/pycon-123", None), ("https://pretalx.com/pyconde-2027/talk/1", "pretalx.com/pyconde-2027")],
)  # fmt: skip
def test_site_of(url: str | None, site: str | None) -> None:
    assert site_of(url) == site


def test_an_oversized_day_compares_only_equal_titles() -> None:
    start = dt.datetime(2027, 8, 1, 19, 0, tzinfo=BERLIN)
    crowd = [timed(f"s{i}", "1", f"Event number {i:05d}", start) for i in range(3100)]
    twins = [timed("left", "1", "PyLadies Berlin Meetup", start), timed("right", "1", "PyLadies Berlin Meetup", start)]
    near = [timed("n1", "1", "Django Meetup Berlin", start), timed("n2", "1", "Django Meetups Berlin", start)]
    events = merge_reports(crowd + twins + near, {}, {})
    merged = [sorted(r.source_id for r in e.reports) for e in events if len(e.reports) > 1]
    assert merged == [["left", "right"]]  # "Meetup"/"Meetups" would match fuzzily, but not in a block this big
    assert len(merge_reports(near, {}, {})) == 1
