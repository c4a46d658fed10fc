"""The blocked matching finds exactly the pairs an all-pairs comparison finds.

A generated federation of a few thousand reports, most of them near-duplicates of each other across
sources (suffixes, case, years, typos, plurals, UTC exports, zone errors, all-day and multi-day copies,
missing countries, same-site URLs, other numbers), is clustered by `merge_reports` and by a reference
that scores every pair with `match_score` and clusters them the same way: the clusters must be equal,
so the day/country blocking and the title pre-selection cannot silently drop a pair.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import zoneinfo

from pyevents.pipeline import dedupe
from pyevents.pipeline.model import SourceEvent

ZONES = ("Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC")
COUNTRIES = ("DE", "US", "JP", None)
WORDS = [
    "python",
    "data",
    "django",
    "flask",
    "async",
    "typing",
    "packaging",
    "testing",
    "web",
    "sprint",
    "workshop",
    "night",
    "users",
]
SUFFIXES = ("", " - Talks & Networking", " @ Community Hall", " (online)", " | PyData", ": hands-on")


def _title_variant(rnd: random.Random, title: str) -> str:
    """The same event's title as another source may write it (or, sometimes, a different event's)."""
    choice = rnd.randrange(9)
    if choice == 0:
        return title.upper()
    if choice == 1:
        return f"{title} 2027"
    if choice == 2:  # a typo
        at = rnd.randrange(len(title))
        return title[:at] + "x" + title[at + 1 :]
    if choice == 3:
        return title.replace("night", "nights").replace("user", "users")
    if choice == 4:
        return title + " 2"  # another number: another event
    if choice == 5:
        words = title.split()
        rnd.shuffle(words)
        return " ".join(words)
    if choice == 6:
        return " ".join(rnd.choice(WORDS) for _ in range(4))  # unrelated
    return title + rnd.choice(SUFFIXES)


def federation(seed: int, events: int = 1000, sources: int = 8) -> list[SourceEvent]:
    rnd = random.Random(seed)
    base = dt.datetime(2027, 3, 1, 18, tzinfo=dt.UTC)
    out: list[SourceEvent] = []
    uid = itertools.count()
    for n in range(events):
        zone_name = rnd.choice(ZONES)
        zone = zoneinfo.ZoneInfo(zone_name)
        start = (base + dt.timedelta(days=rnd.randrange(40), hours=rnd.randrange(-6, 6))).astimezone(zone)
        title = f"{rnd.choice(WORDS).title()} {rnd.choice(WORDS)} {rnd.choice(WORDS)}"
        country = rnd.choice(COUNTRIES)
        site = f"https://{rnd.choice(['meetup.com/g' + str(n % 7), 'ev' + str(n % 11) + '.org', 'python.org'])}/e/{n}"
        for source in rnd.sample(range(sources), rnd.randrange(1, 5)):
            shift = dt.timedelta(hours=rnd.choice([0, 0, 0, 1, 3, 9, 25, 30]))
            all_day = rnd.random() < 0.15
            s = start + shift
            if all_day:
                day = s.date()
                s = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
                e = s + dt.timedelta(days=rnd.choice([1, 1, 3]))
            else:
                e = s + dt.timedelta(hours=rnd.choice([2, 2, 30]))
            out.append(
                SourceEvent(
                    source_id=f"src{source}",
                    source_uid=f"u{next(uid)}",
                    title=_title_variant(rnd, title) if rnd.random() < 0.7 else title,
                    starts_at=s,
                    ends_at=e,
                    timezone=rnd.choice([zone_name, "UTC"]),
                    all_day=all_day,
                    country=country if rnd.random() < 0.8 else rnd.choice(COUNTRIES),
                    url=site if rnd.random() < 0.5 else None,
                )
            )
    return out


def reference_clusters(reports: list[SourceEvent]) -> set[frozenset[tuple[str, str]]]:
    """Every pair scored, then clustered best first exactly as the module does."""
    ordered = sorted(reports, key=lambda r: (r.source_id, r.source_uid, r.starts_at))
    prepared = [dedupe._prepare(i, ev) for i, ev in enumerate(ordered)]
    pairs = []
    for a, b in itertools.combinations(prepared, 2):
        score = dedupe.match_score(a, b)
        if score is not None:
            pairs.append((score, a.at, b.at))
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    return {frozenset((r.source_id, r.source_uid) for r in members) for members in dedupe._cluster(prepared, pairs)}


def test_blocked_matching_equals_all_pairs() -> None:
    merged_at_all = 0
    for seed in (1, 2):
        reports = federation(seed)
        events = dedupe.merge_reports(reports, {}, {})
        got = {frozenset((r.source_id, r.source_uid) for r in e.reports) for e in events}
        assert got == reference_clusters(reports)
        merged_at_all += sum(len(e.reports) > 1 for e in events)
    assert merged_at_all > 300  # the federation is made of near-duplicates: most of them merge
