"""Time merge_reports on a synthetic federation shaped like ../shared/bench/synth.py (~150k reports).

Not a test (pytest does not collect it): run `python tests/dedupe/bench_merge.py [N_GROUPS]` from the
repository root. Each of N_GROUPS meetup calendars has 100 events (5 weekly series of 10 occurrences);
150 JSON-LD pages have 20 workshops, 50 listings 50 conferences; every tenth group also appears in
a second "Meetup export" source with UTC times and a title suffix, so there is real work to merge.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
import zoneinfo
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from pyevents.pipeline.dedupe import merge_reports
from pyevents.pipeline.model import SourceEvent
from pyevents.runtime import no_cyclic_gc

ZONES = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "America/Sao_Paulo", "Australia/Sydney",
         "Africa/Lagos", "Asia/Tokyo", "Europe/London"]  # fmt: skip
COUNTRIES = ["DE", "US", "IN", "BR", "AU", "NG", "JP", "GB"]
WORDS = [
    "python",
    "data",
    "science",
    "django",
    "flask",
    "async",
    "typing",
    "packaging",
    "testing",
    "web",
    "ml",
    "community",
    "sprint",
    "workshop",
    "talk",
    "night",
]


def synthetic(n_groups: int) -> list[SourceEvent]:
    rnd = random.Random(42)
    base = dt.datetime(2027, 1, 1, 18, 0)
    out: list[SourceEvent] = []
    for i in range(n_groups):
        z = rnd.randrange(len(ZONES))
        zone = zoneinfo.ZoneInfo(ZONES[z])
        for j in range(100):
            start = (base + dt.timedelta(days=rnd.randrange(360), hours=rnd.randrange(4))).replace(tzinfo=zone)
            title = f"Python Group {i} {' '.join(rnd.choice(WORDS) for _ in range(3))} {j}"
            for k in range(10 if j < 5 else 1):
                s = start + dt.timedelta(weeks=k)
                uid = f"g{i}-e{j}@synth" + (f"/{s.isoformat()}" if j < 5 else "")
                common = dict(
                    title=title,
                    timezone=ZONES[z],
                    country=COUNTRIES[z],
                    kind="meetup",
                    series_uid=f"g{i}-e{j}@synth" if j < 5 else None,
                    url=f"https://group{i}.example.org/e/{j}",
                )
                out.append(SourceEvent(f"g{i}", uid, starts_at=s, ends_at=s + dt.timedelta(hours=2), **common))
                if i % 10 == 0:
                    utc = s.astimezone(dt.UTC)
                    common.update(
                        title=title + " - Talks & Networking", timezone="UTC", url=f"https://www.meetup.com/g{i}/events/{j}{k}"
                    )
                    out.append(
                        SourceEvent(
                            f"meetup-g{i}",
                            f"event_{i}_{j}_{k}@meetup.com",
                            starts_at=utc,
                            ends_at=utc + dt.timedelta(hours=2),
                            **common,
                        )
                    )
    for i in range(150):
        for j in range(20):
            s = (base + dt.timedelta(days=rnd.randrange(360))).replace(tzinfo=dt.timezone(dt.timedelta(hours=2)))
            out.append(
                SourceEvent(
                    f"w{i}",
                    f"https://ws{i}.example.org/{j}",
                    f"PyWorkshop {i}-{j} data web",
                    s,
                    s + dt.timedelta(hours=3),
                    "Europe/Berlin",
                    country="DE",
                    kind="workshop",
                )
            )
    for i in range(50):
        for j in range(50):
            d = (base + dt.timedelta(days=rnd.randrange(360))).date()
            s = dt.datetime.combine(d, dt.time(0), dt.UTC)
            out.append(
                SourceEvent(
                    f"l{i}",
                    f"https://pycon{i}-{j}.example.org",
                    f"PyCon Synth {i}-{j}",
                    s,
                    s + dt.timedelta(days=3),
                    "UTC",
                    all_day=True,
                    country="DE",
                    kind="conference",
                    url=f"https://pycon{i}-{j}.example.org",
                )
            )
    return out


def main() -> None:
    n_groups = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    reports = synthetic(n_groups)
    started, cpu_started = time.perf_counter(), time.process_time()
    with no_cyclic_gc():  # as the run merges
        events = merge_reports(reports, {}, {})
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    merged = sum(1 for e in events if len(e.reports) > 1)
    expected = 145 * len(range(0, n_groups, 10))  # every tenth group's 145 occurrences, nothing else
    print(
        f"{len(reports)} reports -> {len(events)} events; {merged} merged from several sources "
        f"(expected {expected}); {wall:.2f} s wall, {cpu:.2f} s CPU"
    )


if __name__ == "__main__":
    main()
