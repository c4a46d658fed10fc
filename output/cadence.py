"""A recurring series' rhythm in words ("every Tuesday", "monthly, first Thursday"), read from its dates.

The database keeps occurrences, not rules (a series is expanded inside the window), so the cadence is
derived from the local start days of the upcoming occurrences. Pure functions over dates.
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
from collections import Counter
from collections.abc import Sequence

_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_ORDINALS = ("first", "second", "third", "fourth")
_MONTH_STEPS = {1: "monthly", 2: "every other month", 3: "every three months"}
SAMPLE = 16  # dates enough to see a rhythm; the agenda reads no more per series


def cadence(days: Sequence[dt.date]) -> str:
    """The rhythm of `days` (local start days, ascending), or '' when none can be told.

    A few dates off the rhythm (a meetup moved to another day, a summer break) do not hide it: the
    rhythm is read from the weekday that at least three quarters of the dates share.
    """
    days = sorted(set(days))
    if len(days) < 2:
        return ""
    if all((b - a).days == 1 for a, b in itertools.pairwise(days)):
        return "daily"
    weekday, count = Counter(d.weekday() for d in days).most_common(1)[0]
    if count >= 2 and count * 4 >= len(days) * 3:
        main = [d for d in days if d.weekday() == weekday]
        name = _DAY_NAMES[weekday]
        gaps = [(b - a).days for a, b in itertools.pairwise(main)]
        usual = _usual(gaps)
        if all(g % 7 == 0 for g in gaps) and usual in (7, 14):
            return f"every {name}" if usual == 7 else f"every other {name}"
        monthly = _monthly(main, name)
        if monthly:
            return monthly
    if _weekly_pattern(days):
        names = [_DAY_NAMES[w] for w in sorted({d.weekday() for d in days})]
        return "every " + ", ".join(names[:-1]) + " and " + names[-1]
    if len({d.day for d in days}) == 1:
        step = _month_step(days)
        if step:
            return f"{_MONTH_STEPS[step]}, on the {_ordinal_day(days[0].day)}"
    return ""


def _usual(values: Sequence[int]) -> int:
    """The most common value (the smallest of equally common ones)."""
    counts = Counter(values)
    return min(counts, key=lambda v: (-counts[v], v))


def _monthly(days: Sequence[dt.date], name: str) -> str:
    """'monthly, first Thursday' / 'monthly, last Friday' when (nearly) every day is that weekday of its month."""
    step = _month_step(days)
    if not step:
        return ""
    nth, count = Counter((d.day - 1) // 7 for d in days).most_common(1)[0]
    if count == len(days) and nth < 4:
        return f"{_MONTH_STEPS[step]}, {_ORDINALS[nth]} {name}"
    if all(d.day + 7 > calendar.monthrange(d.year, d.month)[1] for d in days):
        return f"{_MONTH_STEPS[step]}, last {name}"
    if count * 4 >= len(days) * 3 and nth < 4:
        return f"{_MONTH_STEPS[step]}, {_ORDINALS[nth]} {name}"
    return ""


def _month_step(days: Sequence[dt.date]) -> int:
    """The usual number of months between consecutive days (1, 2 or 3; a skipped month allowed), else 0."""
    steps = [(b.year - a.year) * 12 + b.month - a.month for a, b in itertools.pairwise(days)]
    step = _usual(steps)
    return step if step in _MONTH_STEPS and all(s >= step for s in steps) else 0


def _weekly_pattern(days: Sequence[dt.date]) -> bool:
    """Every week from the first to the last has the same weekdays (a group meeting Tuesday and Thursday)."""
    weekdays = {d.weekday() for d in days}
    first_monday = days[0] - dt.timedelta(days=days[0].weekday())
    weeks: dict[int, set[int]] = {}
    for d in days:
        weeks.setdefault((d - first_monday).days // 7, set()).add(d.weekday())
    inner = [weeks.get(w, set()) for w in range(1, max(weeks))]  # the first and last weeks may be partial
    return len(weeks) >= 2 and all(w == weekdays for w in inner)


def _ordinal_day(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
