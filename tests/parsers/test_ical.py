"""parse_ical and resolve_tzid where a case file (tests/parsers/cases/ical, run by test_cases.py) does not fit:
zone names on their own, one document parsed twice, bodies too small to be a file."""

from __future__ import annotations

import datetime as dt

import pytest

from pyevents.pipeline.model import ParseContext, ParsedSource, SourceDefaults, Window
from pyevents.pipeline.normalize.timezones import resolve_tzid
from pyevents.pipeline.parsers.ical import parse_ical
from tests.parsers.casefiles import CASES, read_case

WINDOW = Window(
    dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
    dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
)


def _parse_bytes(body: bytes) -> ParsedSource:
    return parse_ical(body, ParseContext("test-source", "ical", "https://example.org/calendar.ics", WINDOW, SourceDefaults()))


@pytest.mark.parametrize(
    ("tzid", "zone"),
    [
        ("W. Europe Standard Time", "Europe/Berlin"),
        ("GMT Standard Time", "Europe/London"),
        ("(UTC-03:00) Brasília", "America/Sao_Paulo"),
        ("Canberra, Melbourne, Sydney", "Australia/Sydney"),
        ("Canberra\\, Melbourne\\, Sydney", "Australia/Sydney"),
        ("Kuala Lumpur, Singapore", "Asia/Singapore"),
        ("(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna", "Europe/Berlin"),
        ("/softwarestudio.org/Olson_20011030_5/America/Chicago", "America/Chicago"),
        ("/mozilla.org/20070129_1/Europe/Paris", "Europe/Paris"),
        ("US/Pacific", "America/Los_Angeles"),
        ("Japan", "Asia/Tokyo"),
        ("Eastern", "America/New_York"),
        ('"Europe/Vienna"', "Europe/Vienna"),
        ("europe/berlin", "Europe/Berlin"),
        ("Etc/GMT", "UTC"),
        ("UTC+2", "Etc/GMT-2"),
    ],
)
def test_resolve_tzid_known_dialects(tzid: str, zone: str) -> None:
    assert resolve_tzid(tzid) == zone


@pytest.mark.parametrize("tzid", ["", "Olympus Mons Time", "../../etc/passwd", "(UTC+01:00) Atlantis", "x" * 500])
def test_resolve_tzid_unknown(tzid: str) -> None:
    assert resolve_tzid(tzid) is None


def test_derived_uid_changes_with_the_event() -> None:
    body = read_case(CASES / "ical" / "all_day_defaults_and_rejects.ics").body
    first = {e.title: e.source_uid for e in _parse_bytes(body).events}["No UID here"]
    renamed = {e.title: e.source_uid for e in _parse_bytes(body.replace(b"No UID here", b"No UID here either")).events}
    assert renamed["No UID here either"].startswith("pyevents-derived-")
    assert renamed["No UID here either"] != first


@pytest.mark.parametrize(
    ("body", "message"),
    [(b"", "empty document"), (b'{"events": []}', "looks like JSON"), (b"Hello world\n", "no BEGIN:VCALENDAR")],
)
def test_other_non_calendars_are_errors(body: bytes, message: str) -> None:
    assert message in (_parse_bytes(body).error or "")
