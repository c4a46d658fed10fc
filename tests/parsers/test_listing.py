"""parse_listing over fixtures for each listing format and field variant, and format detection."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pyevents.pipeline.model import ParseContext, SourceDefaults, Window
from pyevents.pipeline.parsers.listings import detect_format, parse_listing
from pyevents.pipeline.parsers.listings.common import ListingError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "listings"
UTC = dt.UTC


def ctx(
    fmt: str | None = None, timezone: str | None = None, as_of: dt.datetime = dt.datetime(2025, 3, 1, tzinfo=UTC)
) -> ParseContext:
    window = Window.around(as_of, 30, 365)
    return ParseContext(
        "list", "listing", "https://list.example/data", window, SourceDefaults(timezone=timezone), listing_format=fmt
    )


def test_confs_tech_field_variants() -> None:
    result = parse_listing((FIXTURES / "confs_tech_variants.json").read_bytes(), ctx("confs-tech"))
    events = {e.title: e for e in result.events}
    assert sorted(events) == ["PyCon Old Style", "PyHybrid", "Python Online Day", "Remote PyDay"]  # 2014 is outside the window
    assert [r.reason for r in result.rejects] == ["no-dtstart"]
    old = events["PyCon Old Style"]
    assert (old.city, old.country, old.location, old.online) == ("Kraków", "Poland", "Kraków, Poland", False)
    assert (
        old.all_day
        and old.starts_at == dt.datetime(2025, 4, 3, tzinfo=UTC)
        and old.ends_at == dt.datetime(2025, 4, 6, tzinfo=UTC)
    )
    assert old.source_uid == old.url == "https://old.pycon.example"
    online = events["Python Online Day"]
    assert (online.city, online.country, online.online) == (None, None, True)  # "Online" is not a place
    assert online.cfp_url == "https://online.example/cfp"
    assert online.cfp_ends_at == dt.datetime(2025, 4, 1, 23, 59, 59, tzinfo=UTC)
    assert events["PyHybrid"].online and events["PyHybrid"].city == "Seattle, WA"
    assert events["Remote PyDay"].online and events["Remote PyDay"].location is None


def test_confs_tech_days_in_the_source_zone() -> None:
    result = parse_listing((FIXTURES / "confs_tech_variants.json").read_bytes(), ctx(timezone="Europe/Warsaw"))
    old = next(e for e in result.events if e.title == "PyCon Old Style")
    assert old.timezone == "Europe/Warsaw" and old.starts_at.isoformat() == "2025-04-03T00:00:00+02:00"


def test_pretalx_schedule() -> None:
    result = parse_listing((FIXTURES / "pretalx_schedule.json").read_bytes(), ctx())
    events = {e.title: e for e in result.events}
    assert list(events) == ["Free-threaded Python in practice", "Late night lightning talks", "Keynote"]
    talk = events["Free-threaded Python in practice"]
    assert talk.timezone == "Europe/Berlin"
    assert talk.starts_at == dt.datetime(2025, 4, 23, 8, 30, tzinfo=UTC)
    assert talk.ends_at == dt.datetime(2025, 4, 23, 9, 15, tzinfo=UTC)  # duration 00:45
    assert talk.source_uid == "0a0f5f7e-1111-4c3b-9a1e-000000000101"
    assert talk.description == "What changes without the GIL."
    assert talk.location == "Platinum3" and talk.tags == ["pyconde-2025", "CPython"]
    late = events["Late night lightning talks"]
    assert late.ends_at == dt.datetime(2025, 4, 23, 22, 45, tzinfo=UTC)  # 23:30+02:00 plus 01:15
    assert events["Keynote"].url is None


def test_frab_schedule_with_zone_after_midnight_and_dates() -> None:
    result = parse_listing((FIXTURES / "frab_schedule.xml").read_bytes(), ctx())
    events = {e.title: e for e in result.events}
    opening = events["Opening & welcome"]  # the external entity is not resolved
    assert opening.timezone == "Africa/Johannesburg"
    assert opening.starts_at == dt.datetime(2025, 10, 8, 7, 0, tzinfo=UTC)
    assert opening.ends_at == dt.datetime(2025, 10, 8, 7, 45, tzinfo=UTC)
    assert opening.url == "https://za.pycon.example/talks/1" and opening.tags == ["pyconza2025", "Community"]
    midnight = events["Midnight hack session"]  # 00:30 on the schedule day that started 08:00 on the 8th
    assert midnight.starts_at == dt.datetime(2025, 10, 8, 22, 30, tzinfo=UTC)
    assert midnight.ends_at - midnight.starts_at == dt.timedelta(hours=1)
    assert events["Packaging Python for Africa"].starts_at == dt.datetime(2025, 10, 9, 12, tzinfo=UTC)


def test_python_organizers_csv_2025_columns() -> None:
    result = parse_listing((FIXTURES / "python_organizers_2025.csv").read_bytes(), ctx(as_of=dt.datetime(2025, 1, 1, tzinfo=UTC)))
    events = {e.title: e for e in result.events}
    assert sorted(events) == ["DjangoCongress JP", "PyCon Italia", "PyCon Namibia"]
    assert [r.reason for r in result.rejects] == ["end-before-start"]  # EuroSciPy's end date is in 2024
    namibia = events["PyCon Namibia"]
    assert (namibia.country, namibia.location) == ("NA", "Windhoek, Namibia")  # alpha-3 NAM mapped
    assert namibia.cfp_url == "https://na.pycon.example/cfp"
    assert namibia.cfp_ends_at == dt.datetime(2024, 11, 17, 23, 59, 59, tzinfo=UTC)
    italia = events["PyCon Italia"]
    assert italia.venue == "Savoia Hotel Regency"
    assert italia.cfp_ends_at.date() == dt.date(2025, 1, 10)  # the talk deadline, not the tutorial one
    assert italia.ends_at == dt.datetime(2025, 6, 1, tzinfo=UTC)


def test_python_organizers_csv_2018_columns() -> None:
    result = parse_listing((FIXTURES / "python_organizers_2018.csv").read_bytes(), ctx(as_of=dt.datetime(2018, 1, 1, tzinfo=UTC)))
    [event] = result.events
    assert (event.title, event.country, event.location) == ("PyCon SK", None, "Bratislava, Slovakia")
    assert event.cfp_url == "https://2018.pycon.example.sk/cfp.html"


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("confs_tech_variants.json", "confs-tech"),
        ("pretalx_schedule.json", "pretalx"),
        ("frab_schedule.xml", "frab"),
        ("python_organizers_2025.csv", "python-organizers-csv"),
        ("python_organizers_2018.csv", "python-organizers-csv"),
    ],
)
def test_detection(name: str, fmt: str) -> None:
    body = (FIXTURES / name).read_bytes()
    assert detect_format(body)[0] == fmt
    assert parse_listing(body, ctx()).error is None


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"", "empty document"),
        (
            b"<!DOCTYPE html><html><body>Login</body></html>",
            "an HTML page, not a listing (use type: html for pages with event markup)",
        ),
        (b"<?xml version='1.0'?><rss version='2.0'><channel/></rss>", "an RSS/Atom feed, not a listing (use type: feed)"),
        (b'{"data": []}', "JSON object with keys data: not a known listing format"),
        (b"[1, 2", "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "JSON nested too deeply to read"),
        (b"name,when\nx,y\n", "neither JSON, XML nor a python-organizers CSV: not a listing"),
    ],
)
def test_unrecognized_documents_are_named(body: bytes, error: str) -> None:
    result = parse_listing(body, ctx())
    assert result.events == [] and result.error is not None and result.error.startswith(error)


def test_configured_format_must_match() -> None:
    assert parse_listing(b'{"schedule": 1}', ctx("confs-tech")).error == "a confs.tech listing is a JSON list of conferences"
    assert parse_listing(b"Subject,Start Date\n", ctx("pretalx")).error.startswith("not valid JSON")
    assert parse_listing(b"[]", ctx("unknown")).error.startswith("unknown listing format 'unknown'")
    with pytest.raises(ListingError):
        detect_format(b"<rsp stat='ok'/>")
