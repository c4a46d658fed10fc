"""A series' cadence in words, read from its local start days."""

from __future__ import annotations

import datetime as dt

import pytest

from pyevents.output.cadence import cadence

D = dt.date
WEEK = dt.timedelta(days=7)


def weekly(first: dt.date, n: int, step: dt.timedelta = WEEK) -> list[dt.date]:
    return [first + i * step for i in range(n)]


@pytest.mark.parametrize(
    ("days", "words"),
    [
        (weekly(D(2026, 12, 8), 10), "every Tuesday"),
        (weekly(D(2026, 12, 8), 6, 2 * WEEK), "every other Tuesday"),
        # a holiday break and one date moved to a Thursday do not hide the rhythm
        (
            [D(2026, 12, 8), D(2026, 12, 15), D(2027, 1, 7), D(2027, 1, 12), D(2027, 1, 19), D(2027, 1, 26), D(2027, 2, 2)],
            "every Tuesday",
        ),
        ([D(2026, 12, 3), D(2027, 1, 7), D(2027, 2, 4), D(2027, 3, 4)], "monthly, first Thursday"),
        ([D(2026, 12, 9), D(2027, 1, 13), D(2027, 2, 10), D(2027, 3, 10)], "monthly, second Wednesday"),
        ([D(2026, 12, 25), D(2027, 1, 29), D(2027, 2, 26), D(2027, 3, 26)], "monthly, last Friday"),
        ([D(2026, 12, 3), D(2027, 2, 4), D(2027, 4, 1)], "every other month, first Thursday"),
        ([D(2026, 12, 15), D(2027, 1, 15), D(2027, 2, 15)], "monthly, on the 15th"),
        (
            [D(2026, 12, 8), D(2026, 12, 10), D(2026, 12, 15), D(2026, 12, 17), D(2026, 12, 22), D(2026, 12, 24)],
            "every Tuesday and Thursday",
        ),
        (weekly(D(2026, 12, 8), 4, dt.timedelta(days=1)), "daily"),
        ([D(2026, 12, 15), D(2027, 1, 3), D(2027, 2, 27)], ""),  # no rhythm: no words rather than wrong ones
        ([D(2026, 12, 15)], ""),
    ],
)
def test_cadence_in_words(days: list[dt.date], words: str) -> None:
    assert cadence(days) == words
