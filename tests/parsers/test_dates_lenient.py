"""The lenient date reader on the spellings pages, feeds and listings really use."""

from __future__ import annotations

import datetime as dt

import pytest

from pyevents.pipeline.parsers.dates_lenient import parse_when


def tz(hours: float) -> dt.timezone:
    return dt.timezone(dt.timedelta(hours=hours))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-5-24T19:00+5.5:00", dt.datetime(2024, 5, 24, 19, 0, tzinfo=tz(5.5))),
        ("2009-06-26T19:00-08", dt.datetime(2009, 6, 26, 19, 0, tzinfo=tz(-8))),
        ("2009-06-26T19:00-0800", dt.datetime(2009, 6, 26, 19, 0, tzinfo=tz(-8))),
        ("2009-06-26t19:00+08:00", dt.datetime(2009, 6, 26, 19, 0, tzinfo=tz(8))),
        ("2009-06-26 19:00:00Z", dt.datetime(2009, 6, 26, 19, 0, tzinfo=dt.UTC)),
        ("2009-06-26 07:00pm", dt.datetime(2009, 6, 26, 19, 0)),
        ("2009-06-26 12:15 a.m.", dt.datetime(2009, 6, 26, 0, 15)),
        ("19970324T123000Z", dt.datetime(1997, 3, 24, 12, 30, tzinfo=dt.UTC)),
        ("2025-04-04T13:00:00.0000000-04:00", dt.datetime(2025, 4, 4, 13, 0, tzinfo=tz(-4))),
        ("2024-06-18 12:14:41 +00:00", dt.datetime(2024, 6, 18, 12, 14, 41, tzinfo=dt.UTC)),
        ("2009-11-20 03:00:00 UTC", dt.datetime(2009, 11, 20, 3, 0, tzinfo=dt.UTC)),
        ("Fri, 04 Apr 2025 17:00:00 GMT", dt.datetime(2025, 4, 4, 17, 0, tzinfo=dt.UTC)),
        ("2012-10-10", dt.date(2012, 10, 10)),
        ("2013-034", dt.date(2013, 2, 3)),
        ("20250703", dt.date(2025, 7, 3)),
        ("2027-01-15 AoE", dt.datetime(2027, 1, 15, 23, 59, 59, tzinfo=dt.timezone(dt.timedelta(hours=-12)))),
        ("2027-01-15T18:00 aoe", dt.datetime(2027, 1, 15, 18, 0, tzinfo=dt.timezone(dt.timedelta(hours=-12)))),
    ],
)
def test_reads(text: str, expected: dt.date | dt.datetime) -> None:
    value = parse_when(text)
    assert value == expected and type(value) is type(expected)
    if isinstance(expected, dt.datetime):
        assert (value.utcoffset() if isinstance(value, dt.datetime) else None) == expected.utcoffset()


@pytest.mark.parametrize(
    "text", ["", "soon", "2025-13-01", "2025-02-30", "2025-04-01T25:00", "2025-04-01T13:00pm", "2013-400", "x" * 500, None, 12]
)
def test_refuses(text: object) -> None:
    assert parse_when(text) is None
