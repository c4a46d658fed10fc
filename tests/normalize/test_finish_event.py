"""finish_event: parser fields win over the free-text location, which wins over the source's defaults."""

from __future__ import annotations

import copy
import datetime as dt

from pyevents.pipeline.model import SourceDefaults, SourceEvent
from pyevents.pipeline.normalize import _settled_place, finish_event, finish_events

START = dt.datetime(2027, 3, 4, 18, 30, tzinfo=dt.UTC)
BERLIN_GROUP = SourceDefaults(kind="meetup", country="DE", city="Berlin", timezone="Europe/Berlin", tags=["PyLadies", "python"])


def report(**fields: object) -> SourceEvent:
    base: dict[str, object] = dict(source_id="src", source_uid="uid-1", title="Monthly talks", starts_at=START,
                                   ends_at=START + dt.timedelta(hours=2), timezone="Europe/Berlin")  # fmt: skip
    base.update(fields)
    return SourceEvent(**base)  # type: ignore[arg-type]


def test_location_fills_venue_city_country_and_region() -> None:
    ev = finish_event(report(location="Bars Hub (Torstr. 1, Berlin, de)"), SourceDefaults())
    assert (ev.venue, ev.city, ev.country, ev.region, ev.online) == ("Bars Hub", "Berlin", "DE", "europe", False)


def test_structured_fields_from_the_parser_win_over_the_location() -> None:
    ev = finish_event(report(location="Portland, OR", city="Hamburg", country="Germany", venue="Betahaus"), SourceDefaults())
    assert (ev.venue, ev.city, ev.country, ev.region) == ("Betahaus", "Hamburg", "DE", "europe")


def test_source_defaults_fill_what_is_missing() -> None:
    ev = finish_event(report(tags=["Data", "python"]), BERLIN_GROUP)
    assert (ev.city, ev.country, ev.region, ev.kind, ev.online) == ("Berlin", "DE", "europe", "meetup", False)
    assert ev.tags == ["data", "python", "pyladies"]
    assert ev.timezone == "Europe/Berlin"


def test_default_city_never_moves_an_event_to_another_country() -> None:
    ev = finish_event(report(location="Paris, France"), BERLIN_GROUP)
    assert (ev.city, ev.country, ev.region) == ("Paris", "FR", "europe")
    ev = finish_event(report(location="Paris, France"), SourceDefaults(city="Berlin"))
    assert ev.city == "Paris"


def test_online_event_of_a_local_group_keeps_the_country_but_gets_no_city() -> None:
    ev = finish_event(report(location="Zoom"), BERLIN_GROUP)
    assert (ev.online, ev.venue, ev.city, ev.country, ev.region) == (True, None, None, "DE", "europe")


def test_online_event_without_country_is_in_the_online_region() -> None:
    ev = finish_event(report(location="Online"), SourceDefaults(kind="meetup"))
    assert (ev.online, ev.country, ev.region) == (True, None, "online")


def test_no_place_but_a_url_is_online_unless_the_source_says_otherwise() -> None:
    ev = finish_event(report(url="https://example.org/talks"), SourceDefaults())
    assert (ev.online, ev.region) == (True, "online")
    ev = finish_event(report(url="https://example.org/talks"), SourceDefaults(online=False))
    assert (ev.online, ev.region) == (False, None)
    ev = finish_event(report(), SourceDefaults())  # no URL either: nothing is known
    assert (ev.online, ev.region) == (False, None)


def test_video_call_url_with_a_place_is_hybrid() -> None:
    ev = finish_event(report(location="Kraków, Polska", url="https://us02web.zoom.us/j/812"), SourceDefaults())
    assert (ev.online, ev.city, ev.country, ev.region) == (True, "Kraków", "PL", "europe")


def test_source_default_online_marks_every_event_online() -> None:
    ev = finish_event(report(), SourceDefaults(online=True))
    assert (ev.online, ev.region) == (True, "online")


def test_region_override_wins() -> None:
    ev = finish_event(report(location="Istanbul, Turkey"), SourceDefaults(), region_override="asia")
    assert (ev.country, ev.region) == ("TR", "asia")
    assert finish_event(report(location="Istanbul, Turkey"), SourceDefaults()).region == "europe"


def test_kind_default_is_refined_by_the_title_but_a_parser_kind_stays() -> None:
    assert finish_event(report(title="Django Sprint"), BERLIN_GROUP).kind == "sprint"
    assert finish_event(report(title="PyCon talk rehearsal at the Berlin meetup"), BERLIN_GROUP).kind == "meetup"
    assert finish_event(report(title="PyCon DE 2027", kind="workshop"), BERLIN_GROUP).kind == "workshop"
    assert finish_event(report(title="Summer party"), SourceDefaults()).kind == "other"


def test_strings_are_cleaned_and_unsafe_urls_dropped() -> None:
    ev = finish_event(
        report(title="PyData\u202e Night\r\nBerlin", location=" Berlin,\x00 Germany ", url="javascript:alert(1)",
               cfp_url="https://cfp.example.org/", status="bogus"),
        SourceDefaults(),
    )  # fmt: skip
    assert ev.title == "PyData Night Berlin"
    assert ev.location == "Berlin, Germany"
    assert (ev.url, ev.cfp_url, ev.status) == (None, "https://cfp.example.org/", "confirmed")
    assert (ev.city, ev.country) == ("Berlin", "DE")


def test_finish_event_is_pure() -> None:
    original = report(location="Zoom", tags=["X"])
    snapshot = copy.deepcopy(original)
    finished = finish_event(original, BERLIN_GROUP)
    assert original == snapshot
    assert finished is not original
    assert finish_event(finished, BERLIN_GROUP) == finished  # and idempotent


def test_finish_events_equals_finishing_each_event_and_shares_no_tag_list() -> None:
    from pyevents.pipeline.normalize import finish_events

    week = dt.timedelta(days=7)
    occurrences = [
        report(source_uid=f"s/{n}", series_uid="s", starts_at=START + n * week, ends_at=START + n * week + dt.timedelta(hours=1),
               location="Betahaus, Hamburg", url="https://e.org/s", tags=["Python"], all_day=bool(n % 2))
        for n in range(4)
    ]  # fmt: skip
    variants = [
        report(location="Betahaus, Hamburg", url="https://e.org/s", tags=["Python", "data"]),
        report(location="Betahaus, Hamburg", url="https://e.org/s", tags=["Python"], latitude=53.5),
        report(location="Zoom", url="https://e.org/s", tags=["Python"], timezone="UTC"),
        report(title="PyCon DE sprint", location="Betahaus, Hamburg", url="https://e.org/s", tags=["Python"]),
    ]
    events = [*occurrences, *variants, occurrences[0]]
    finished = finish_events(events, BERLIN_GROUP, "europe")
    assert finished == [finish_event(ev, BERLIN_GROUP, "europe") for ev in events]
    assert len({id(ev.tags) for ev in finished}) == len(finished)


def test_the_website_is_recovered_from_the_description_when_the_source_gave_none() -> None:
    html = '<a href="https://nordic.pycon.example.no/">PyCon Nordic</a> Join us on https://zoom.us/j/123. More: https://x.example.org/faq.'
    ev = finish_event(report(description=html), SourceDefaults())
    assert ev.url == "https://nordic.pycon.example.no/"
    video_first = finish_event(
        report(description="Stream: https://meet.google.com/abc-defg-hij then https://site.example.org/."), SourceDefaults()
    )
    assert (
        video_first.url == "https://site.example.org/"
    )  # a video call is not the website, and a trailing dot is no part of a link
    own = finish_event(report(url="https://own.example.org/", description="see https://other.example.org/"), SourceDefaults())
    assert own.url == "https://own.example.org/"
    unsafe = finish_event(report(description="javascript:alert(1) and http://[::1 broken"), SourceDefaults())
    assert unsafe.url is None
    placeless = finish_event(report(description="https://site.example.org/"), SourceDefaults())
    assert placeless.url == "https://site.example.org/" and placeless.online is False  # a recovered link says nothing of online


def test_a_place_is_settled_once_for_every_event_at_it() -> None:
    _settled_place.cache_clear()
    talks = [report(source_uid=f"uid-{n}", title=f"Talk {n}", location="Bars Hub, Torstr. 1, Berlin, Germany",
                    latitude=13.405, longitude=52.52) for n in range(3)]  # fmt: skip  # GEO written longitude;latitude
    finished = finish_events(talks, SourceDefaults())
    assert _settled_place.cache_info().misses == 1 and _settled_place.cache_info().hits == 2
    assert {(ev.city, ev.country, ev.latitude, ev.longitude, ev.timezone) for ev in finished} == {
        ("Berlin", "DE", 52.52, 13.405, "Europe/Berlin")
    }
