"""A work budget for recurrence rules, checked before recurring-ical-events expands anything.

recurring-ical-events (through dateutil) has no cap: to find the occurrences inside the window it
walks every period of a rule from DTSTART on, and a rule that can never match (BYMONTH=2;
BYMONTHDAY=31) is walked period by period up to the year 9999. A `FREQ=SECONDLY` rule from 1900 or
an impossible `FREQ=DAILY` rule therefore runs for seconds to minutes. Meetup and conference
calendars need DAILY, WEEKLY, MONTHLY and YEARLY rules; this module estimates, for such a rule, how
much walking dateutil will do before it passes the window, and refuses rules over the budget.

The estimate, in units of about a microsecond of dateutil's time (benchmarks/RESULTS.md, "Why the
tricks"): periods walked × candidates per period × cost of one period for the frequency. A rule is walked up
to the window's end (or its UNTIL) when its BY-parts cannot leave periods empty, else up to 9999.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

ALLOWED_FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
_PERIODS_PER_DAY = {"DAILY": 1.0, "WEEKLY": 1 / 7, "MONTHLY": 12 / 365.25, "YEARLY": 1 / 365.25}
# Microseconds dateutil spends per period walked (yearly periods build a whole year's day set).
_PERIOD_COST = {"DAILY": 1, "WEEKLY": 2, "MONTHLY": 3, "YEARLY": 20}
_LAST_DAY = dt.date(9999, 12, 31)
_TIME_PARTS = ("BYHOUR", "BYMINUTE", "BYSECOND")
# A series' budget fits any MONTHLY or YEARLY rule, even one that never matches; a calendar's, a few such series.
SERIES_WORK_LIMIT = 400_000
CALENDAR_WORK_LIMIT = 1_500_000


@dataclass(frozen=True, slots=True)
class RuleCost:
    """The estimated work of one rule, or why it is refused outright."""

    work: int
    problem: str | None = None


def rule_cost(rule: Mapping[str, Sequence[object]], dtstart: dt.date, window_end: dt.date) -> RuleCost:
    """Estimate dateutil's work to expand `rule` (icalendar's vRecur mapping) up to `window_end`."""
    freq = str(_first(rule, "FREQ") or "").upper()
    if freq not in ALLOWED_FREQUENCIES:
        return RuleCost(0, f"FREQ={freq or '(none)'} is not one of {', '.join(ALLOWED_FREQUENCIES)}")
    interval = _positive_int(_first(rule, "INTERVAL"), default=1)
    until = _as_date(_first(rule, "UNTIL"))
    sparse = _can_leave_periods_empty(rule, freq, interval)
    if sparse:
        horizon = _LAST_DAY  # dateutil walks an unmatched rule to the end of its calendar
    else:
        horizon = min(window_end, until) if until is not None else window_end
    days = max((horizon - dtstart).days, 0) + 1
    periods = int(days * _PERIODS_PER_DAY[freq] / interval) + 1
    count = _positive_int(_first(rule, "COUNT"), default=0)
    candidates = _candidates_per_period(rule, freq)
    if count and not sparse:
        # a COUNT ends the walk early only for rules that match in every period
        periods = min(periods, count // candidates + 1)
    return RuleCost(periods * candidates * _PERIOD_COST[freq])


def _can_leave_periods_empty(rule: Mapping[str, Sequence[object]], freq: str, interval: int) -> bool:
    """True unless every period of the rule surely yields at least one occurrence.

    Only shapes real calendars use are recognised as dense; anything else is costed as if it could
    match nothing, which is exact for impossible rules and merely cautious for rare odd ones.
    """
    parts = {key.upper() for key in rule} - {"FREQ", "INTERVAL", "COUNT", "UNTIL", "WKST", *_TIME_PARTS}
    if not _valid_time_parts(rule):
        return True
    if freq == "DAILY":
        if "BYDAY" in parts and (interval % 7 == 0 or _has_ordinals(rule)):
            return True
        if "BYMONTH" in parts and interval > 1:
            return True
        return bool(parts - {"BYDAY", "BYMONTH"})
    if freq == "WEEKLY":
        # weeks of every month come round within a year unless the interval skips most of them
        allowed = {"BYDAY", "BYMONTH"} if interval <= 4 else {"BYDAY"}
        return bool(parts - allowed) or _has_ordinals(rule)
    if freq == "MONTHLY":
        if parts == {"BYDAY"}:
            return any(abs(n) > 4 for n in _ordinals(rule))
        if parts == {"BYMONTHDAY"}:
            return not any(1 <= abs(day) <= 28 for day in _ints(rule, "BYMONTHDAY"))
        return bool(parts)
    return bool(parts - {"BYMONTH", "BYMONTHDAY", "BYDAY"})  # YEARLY: at most 8000 periods anyway


def _candidates_per_period(rule: Mapping[str, Sequence[object]], freq: str) -> int:
    """An upper bound of the occurrences one period can yield (every BY-list that expands)."""
    candidates = 1
    for part in _TIME_PARTS:
        candidates *= max(len(_values(rule, part)), 1)
    by_day = len(_values(rule, "BYDAY"))
    if freq == "WEEKLY":
        candidates *= max(by_day, 1)
    elif freq == "MONTHLY":
        candidates *= max(len(_values(rule, "BYMONTHDAY")), by_day * 5, 1)
    elif freq == "YEARLY":
        days = max(len(_values(rule, "BYMONTHDAY")), by_day * 5, len(_values(rule, "BYYEARDAY")), 1)
        candidates *= max(len(_values(rule, "BYMONTH")), len(_values(rule, "BYWEEKNO")), 1) * days
    return candidates


def _valid_time_parts(rule: Mapping[str, Sequence[object]]) -> bool:
    limits = {"BYHOUR": 23, "BYMINUTE": 59, "BYSECOND": 59}
    return all(0 <= value <= limits[part] for part in _TIME_PARTS for value in _ints(rule, part))


def _values(rule: Mapping[str, Sequence[object]], key: str) -> Sequence[object]:
    for name, values in rule.items():
        if name.upper() == key:
            return values if isinstance(values, (list, tuple)) else [values]
    return []


def _first(rule: Mapping[str, Sequence[object]], key: str) -> object:
    values = _values(rule, key)
    return values[0] if values else None


def _ints(rule: Mapping[str, Sequence[object]], key: str) -> list[int]:
    out = []
    for value in _values(rule, key):
        try:
            out.append(int(str(value)))
        except ValueError:
            out.append(10_000)  # unparsable: out of every valid range
    return out


def _ordinals(rule: Mapping[str, Sequence[object]]) -> list[int]:
    """The ordinals of BYDAY entries such as 2TU or -1FR (0 when the entry has none)."""
    out = []
    for value in _values(rule, "BYDAY"):
        text = str(value).strip().upper()
        number = text[:-2]
        try:
            out.append(int(number) if number not in ("", "+", "-") else 0)
        except ValueError:
            out.append(10_000)
    return out


def _has_ordinals(rule: Mapping[str, Sequence[object]]) -> bool:
    return any(_ordinals(rule))


def _positive_int(value: object, default: int) -> int:
    try:
        number = int(str(value)) if value is not None else default
    except ValueError:
        return default
    return number if number > 0 else default


def _as_date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return None
