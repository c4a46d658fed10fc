"""Every listing in ../shared/corpus/listings against what reading it by eye says it holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyevents.pipeline.parsers.listings import FORMATS, detect_format, parse_listing
from tests.corpus.corpus_rows import CORPUS, Row, assert_rows_name_existing_files, check
from tests.shared_corpus import file_params, require

_KNOWN = f"not a known listing format ({', '.join(FORMATS)})"

ROWS: dict[str, Row] = {
    "c3voc_hub_schedule2.json": Row(
        2,
        "38C3: Opening Ceremony",
        "2024-12-27T09:30:00+00:00",
        "2024-12-27T10:00:00+00:00",
        timezone="Europe/Berlin",
    ),
    "confdata_2014_javascript_empty.json": Row(0),
    "confdata_2018_python.json": Row(
        15,
        "PyData London",
        "2018-04-25T23:00:00+00:00",
        "2018-04-29T23:00:00+00:00",
        all_day=True,
        timezone="Europe/London",  # London's midnight, in summer time
    ),
    # 235 conferences over 2019; June keeps 24.
    "confdata_2019_general.json": Row(
        24,
        "REFACTR.TECH",
        "2019-06-05T04:00:00+00:00",
        "2019-06-08T04:00:00+00:00",
        all_day=True,
        timezone="America/New_York",  # Atlanta, GA: Georgia's zone
        cfp_url="https://cfp.connectevents.io/en/refactr2019/cfp/session/new",
        cfp_ends_utc="2019-02-16T04:59:59+00:00",
        window=("2019-06-01", "2019-07-01"),
    ),
    "confdata_2020_python.json": Row(
        22,
        "Python Pizza",
        "2020-04-25T00:00:00+00:00",
        "2020-04-26T00:00:00+00:00",
        all_day=True,
        online=True,
        cfp_url="https://docs.google.com/forms/d/e/1FAIpQLSeUaY-CDE_3EEjpwbLugFhTb9x4nZcu9ehbLrzL9HgWWt41lA/viewform",
        cfp_ends_utc="2020-04-06T23:59:59+00:00",
    ),
    "confdata_2022_python.json": Row(
        14,
        "Python Pizza Holguín",
        "2022-01-15T05:00:00+00:00",
        all_day=True,
        online=True,
        timezone="America/Havana",
        cfp_url="https://forms.gle/feQmZLe2vb2LQJyN9",
        cfp_ends_utc="2021-12-19T04:59:59+00:00",
    ),
    # in the source's zone, all-day dates start at local midnight.
    "confdata_2024_python.json": Row(
        26,
        "PyCon Lithuania",
        "2024-04-01T21:00:00+00:00",
        "2024-04-06T21:00:00+00:00",
        all_day=True,
        timezone="Europe/Vilnius",
        default_tz="Europe/Vilnius",
        cfp_url="https://pycon.lt/2024/call-for-proposals",
        cfp_ends_utc="2024-01-10T21:59:59+00:00",
    ),
    "confdata_2026_python.json": Row(
        8,
        "PyConf Hyderabad",
        "2026-03-13T18:30:00+00:00",
        all_day=True,
        timezone="Asia/Kolkata",
        cfp_url="https://www.papercall.io/pyconfhyd2026",
        cfp_ends_utc="2026-01-15T18:29:59+00:00",
    ),
    "conrad_pycon.json": Row(
        34,
        "PyConf Hyderabad 2026",
        "2026-03-13T18:30:00+00:00",
        all_day=True,
        timezone="Asia/Kolkata",
        cfp_ends_utc="2026-01-15T18:29:59+00:00",
        window=("2026-01-01", "2027-01-01"),
    ),
    "delhi_events_aggregator.json": Row(0, error=f"JSON object with keys events: {_KNOWN}"),
    # status "completed", cancellation only in event_sales_status.message_code.
    "eventbrite_cancelled_event.json": Row(
        1,
        "Flywheel Café (Greenville)",
        "2023-12-09T22:00:00+00:00",
        "2023-12-09T23:00:00+00:00",
        cancelled=True,
        timezone="America/New_York",
    ),
    # no zone in the file: "09:30" on day 2013-08-24 is local to the source's default zone.
    "frab_froscon2013_schedule.xml": Row(
        63,
        "crowdgovernance",
        "2013-08-25T08:00:00+00:00",
        "2013-08-25T09:00:00+00:00",
        timezone="Europe/Berlin",
        default_tz="Europe/Berlin",
        window=("2013-08-25", "2013-08-26"),
    ),
    "luma_calendar_response.json": Row(
        2,
        "Alt.Computing Club - OpenWorks Edition!",
        "2025-07-16T22:30:00+00:00",
        "2025-07-17T00:30:00+00:00",
        timezone="America/New_York",
    ),
    "meetup_api_v2_event.json": Row(
        0,
        error="JSON object with keys id, utc_offset, time, status, yes_rsvp_count, visibility, event_url, "
        f"maybe_rsvp_count: {_KNOWN}",
    ),
    # 36 talks over three days; 15 December keeps 12.
    "pretalx_democon_schedule.json": Row(
        12,
        "User-centric non-volatile moderator",
        "2020-12-15T08:00:00+00:00",
        "2020-12-15T08:30:00+00:00",
        timezone="UTC+01:00",
        window=("2020-12-15", "2020-12-16"),  # the schedule says UTC, its times +01:00
    ),
    "python_org_events_fixture.json": Row(0, error="a Django fixture (model/pk/fields records), not a listing"),
}

DETECTED = {
    "c3voc_hub_schedule2.json": "pretalx",
    "confdata_2018_python.json": "confs-tech",
    "conrad_pycon.json": "conrad",
    "eventbrite_cancelled_event.json": "eventbrite",
    "frab_froscon2013_schedule.xml": "frab",
    "luma_calendar_response.json": "luma",
    "pretalx_democon_schedule.json": "pretalx",
}


@pytest.mark.parametrize("path", file_params("listings"))
def test_corpus_listing(path: Path) -> None:
    check(path, ROWS, parse_listing, "listing")


def test_rows_name_existing_files() -> None:
    assert_rows_name_existing_files("listings", ROWS)


@pytest.mark.parametrize(("name", "fmt"), sorted(DETECTED.items()))
def test_format_detected(name: str, fmt: str) -> None:
    path = CORPUS / "listings" / name
    require(path)
    assert detect_format(path.read_bytes())[0] == fmt
