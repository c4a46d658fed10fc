"""One event per real event: cluster the reports of all sources and merge each cluster into an `Event`.

Matching. Reports are blocked by country (a report without a country meets every country) and by
local day (each day of an all-day or multi-day range, bounded); a report is compared only with
reports of its block and the next day, so the work grows with the reports per country and day,
never with all pairs. Two reports match when they come from different sources, their countries do
not differ, their times agree (timed: starts within 2 h, or within 26 h for a misconfigured zone
with near-identical titles; otherwise the local date ranges overlap, one day of slack when one side
is timed) and their titles agree: rapidfuzz ratio on titles normalized for case, separators, years
("2027", "'27"), editions ("10th", "#42") and word order, also without a trailing suffix ("- Talks
& Networking", "@ Venue", "(…)"). Title words present on one side only must pair up fuzzily
("users"/"user"): "Django Girls Berlin" vs "Django Meetup Berlin" and "Group 12" vs "Group 13" do
not match. Event URLs on the same site (host, or host + first path segment on shared hosts such as
meetup.com) lower the title bar.

Clustering. Matching pairs are joined best score first; a join that would put two reports of one
source, or two countries, into one cluster is refused, so the result depends only on the set of
reports, never on their order.

Merging. Each field comes from the highest-priority report that has it (ties: source_id, then
source_uid); the start/end/zone/all-day group and the coordinates come as a whole from one report.
Status is the best report's status: one lower-priority source saying "cancelled" does not cancel
an event its best source still announces (and the best source's cancellation does). `online` is true
when any report says so (a hybrid conference listed as online somewhere), tags are the union.

Identity (docs/ARCHITECTURE.md): a cluster keeps the smallest `event_id` its reports already had;
when two clusters claim one id (an event split in two), the cluster holding the report with the
smallest (source_id, source_uid) carrying it keeps it and the other takes its next id or a new one.
A new cluster's id is sha256(min(source_id + "\\x1f" + source_uid))[:16].
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from rapidfuzz import fuzz, process

from pyevents.pipeline.model import Event, SourceEvent
from pyevents.pipeline.normalize.timezones import zone_info

T = TypeVar("T")

DEFAULT_PRIORITY = 50  # what config.SourceConfig.priority defaults to
TITLE_THRESHOLD = 88.0  # sorted-token ratio for reports with agreeing times
TITLE_THRESHOLD_SAME_SITE = 60.0  # URLs on the same site are strong evidence on their own
TITLE_THRESHOLD_FAR_TIMES = 95.0  # timed starts 2-26 h apart: only a wrong zone explains it
CLOSE_START = dt.timedelta(hours=2)
ZONE_SLOP = dt.timedelta(hours=26)
MAX_INDEXED_DAYS = 31  # days of one multi-day report put into the blocking index
MAX_FUZZY_BLOCK = 3000  # beyond this many reports in one country-day, only exact titles are compared
TOKEN_PAIR_RATIO = 80.0
MIN_VARIANT_CHARS = 8  # a shorter one-word head ("python" of "Python: typing night") says too little

_SUFFIX_SEPARATORS = re.compile(r"\s+(?:-|–|—|\||@|·)\s+|\s*[|@]\s*|:\s+")
_TRAILING_PARENS = re.compile(r"\s*[(\[][^()\[\]]*[)\]]\s*$")
# Years ("2027", "'27") and editions ("10th", "#42", "3.", "edition") say nothing about which event it is.
_NOISE = re.compile(
    r"(?<!\d)(?:19|20)\d\d(?!\d)|['’`]\d\d\b|#\s*\d+\b|\b\d+(?:st|nd|rd|th|e|er|ème|ª|º|\.)(?=\s|$)"
    r"|\b(?:edition|ausgabe|édition|edición)\b"
)
_WORD = re.compile(r"[^\W_]+")
_MAY_HAVE_SUFFIX = re.compile(r"[-–—|@·:)\]]")
_STOP_WORDS = frozenset({"the", "and", "of", "a", "an", "en", "und", "et", "y", "e"})
# Hosts whose first path segment names the organizer or the event (meetup.com/pydata-berlin/…).
_SHARED_HOSTS = frozenset({"meetup.com", "lu.ma", "luma.com", "pretalx.com", "sessionize.com", "ti.to", "tito.io",
                           "github.com", "gitlab.com"})  # fmt: skip
# Hosts that say nothing about which event it is (calendars, ticketing, aggregators, social networks).
_GENERIC_HOSTS = frozenset({"python.org", "google.com", "confs.tech", "facebook.com", "twitter.com", "x.com",
                            "linkedin.com", "youtube.com", "zoom.us", "mastodon.social", "bsky.app", "eventbrite.com",
                            "eventbrite.de", "eventbrite.co.uk", "eventbrite.fr", "eventbrite.es", "eventbrite.ca",
                            "eventbrite.com.au", "eventbrite.com.br", "eventbrite.it", "eventbrite.nl"})  # fmt: skip
_HOST_AND_SEGMENT = re.compile(r"https?://(?:[^@/?#]*@)?([^/:?#]+)(?::\d+)?(?:/([^/?#]*))?", re.I)


@dataclass(slots=True)
class _Report:
    """A report prepared for matching: its position in the sorted input and everything compared."""

    at: int
    ev: SourceEvent
    country: str | None
    first_day: int  # proleptic ordinals of local dates
    last_day: int
    variants: tuple[str, ...]  # normalized titles (sorted tokens)
    numbers: tuple[str, ...]  # numbers left in the title after years and editions, in order
    site: str | None


def merge_reports(reports: list[SourceEvent], priorities: dict[str, int], known_ids: dict[tuple[str, str], str]) -> list[Event]:
    """Cluster the reports of all sources into real events and merge each cluster (see module doc)."""
    ordered = sorted(reports, key=lambda r: (r.source_id, r.source_uid, r.starts_at))
    prepared = [_prepare(i, ev) for i, ev in enumerate(ordered)]
    pairs = sorted(_matching_pairs(prepared), key=lambda p: (-p[0], p[1], p[2]))
    clusters = _cluster(prepared, pairs)
    ids = _assign_ids(clusters, known_ids)
    events = [_merge(members, ids[n], priorities) for n, members in enumerate(clusters)]
    events.sort(key=lambda e: (e.starts_at.timestamp(), e.event_id))
    # The caches serve one merge: kept, their keys and values (about one per report) would stay scattered
    # among the freed reports and keep most of that memory from going back to the OS.
    for cache in (title_keys, _host_kind, _series_id):
        cache.cache_clear()
    return events


# -- preparation -------------------------------------------------------------------------------------


def _local_days(ev: SourceEvent) -> tuple[int, int]:
    """First and last local day (ordinals) the report covers; all-day ends are exclusive."""
    zone = zone_info(ev.timezone) or dt.UTC  # IANA or fixed offset ("UTC-05:00")
    first = ev.starts_at.astimezone(zone).date().toordinal()
    end = ev.ends_at.astimezone(zone)
    last = (end - dt.timedelta(microseconds=1)).date().toordinal() if ev.all_day else end.date().toordinal()
    if not ev.all_day and end.time() == dt.time(0) and last > first:
        last -= 1  # a timed event ending at midnight does not cover the next day
    return first, max(first, last)


@functools.lru_cache(maxsize=65536)  # occurrences of a series share their title
def title_keys(title: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The title's normalized variants (see normalize_title; also without a trailing suffix or
    parenthesis) and the numbers it keeps after years and editions, in order ("Group 12", "Synth 3-7")."""
    tokens = _tokens(title)
    variants = [" ".join(sorted(tokens))]
    if _MAY_HAVE_SUFFIX.search(title):
        heads = [_TRAILING_PARENS.sub("", title), _SUFFIX_SEPARATORS.split(title, maxsplit=1)[0]]
        for head in heads:
            norm = normalize_title(head)
            if (" " in norm or len(norm) >= MIN_VARIANT_CHARS) and norm not in variants:
                variants.append(norm)
    return tuple(v for v in variants if v), tuple(t for t in tokens if t.isdigit())


def _tokens(title: str) -> list[str]:
    return [t for t in _WORD.findall(_NOISE.sub(" ", title.casefold())) if t not in _STOP_WORDS]


def normalize_title(title: str) -> str:
    """Lower-case sorted tokens without years, editions, punctuation and filler words."""
    return " ".join(sorted(_tokens(title)))


def _suffixes(host: str) -> Iterator[str]:
    """ "a.b.example.org" -> "a.b.example.org", "b.example.org", "example.org", "org"."""
    yield host
    while "." in host:
        host = host.split(".", 1)[1]
        yield host


def site_of(url: str | None) -> str | None:
    """What identifies an event's own website: host (without www.), plus the organizer on shared hosts."""
    found = _HOST_AND_SEGMENT.match(url) if url else None
    if not found:
        return None
    host = found.group(1).lower().removeprefix("www.")
    kind = _host_kind(host)
    if kind == "generic":
        return None
    if kind == "shared":
        segment = (found.group(2) or "").lower()
        return f"{host}/{segment}" if segment else None
    return host


@functools.lru_cache(maxsize=65536)  # an event's URLs mostly share the host of its source
def _host_kind(host: str) -> str:
    """ "generic" (says nothing about the event), "shared" (the first path segment names it) or "own"."""
    if any(h in _GENERIC_HOSTS for h in _suffixes(host)):
        return "generic"
    if any(h in _SHARED_HOSTS for h in _suffixes(host)):
        return "shared"
    return "own"


def _prepare(at: int, ev: SourceEvent) -> _Report:
    first, last = _local_days(ev)
    variants, numbers = title_keys(ev.title)
    return _Report(at, ev, ev.country or None, first, last, variants, numbers, site_of(ev.url))


# -- candidate pairs ---------------------------------------------------------------------------------


def _blocks(prepared: list[_Report]) -> dict[int, dict[str | None, list[_Report]]]:
    """day -> country -> reports covering that local day (multi-day reports on each of their days)."""
    index: dict[int, dict[str | None, list[_Report]]] = defaultdict(lambda: defaultdict(list))
    for r in prepared:
        for day in range(r.first_day, min(r.last_day, r.first_day + MAX_INDEXED_DAYS - 1) + 1):
            index[day][r.country].append(r)
    return index


def _neighbours(index: dict[int, dict[str | None, list[_Report]]], day: int, country: str | None) -> list[_Report]:
    """Reports a block is compared with: same country (or any, for country-less) on this day and the next."""
    out: list[_Report] = []
    for d in (day, day + 1):
        by_country = index.get(d)
        if not by_country:
            continue
        if country is None:
            for group in by_country.values():
                out.extend(group)
        else:
            out.extend(by_country.get(country, ()))
            out.extend(by_country.get(None, ()))
    return out


def _matching_pairs(prepared: list[_Report]) -> Iterator[tuple[float, int, int]]:
    """(score, i, j) with i < j for every pair of reports that match, each pair once."""
    index = _blocks(prepared)
    seen: set[tuple[int, int]] = set()
    for day in sorted(index):
        for country, block in index[day].items():
            others = _neighbours(index, day, country)
            for a, b in _title_candidates(block, others):
                key = (a.at, b.at) if a.at < b.at else (b.at, a.at)
                if key in seen:
                    continue
                seen.add(key)
                score = match_score(a, b)
                if score is not None:
                    yield score, key[0], key[1]


def _title_candidates(block: list[_Report], others: list[_Report]) -> Iterator[tuple[_Report, _Report]]:
    """Pairs worth a full comparison: similar normalized titles, or event URLs on the same site."""
    pairs = _similar_titles if len(others) <= MAX_FUZZY_BLOCK else _equal_titles
    yield from pairs(block, others)
    yield from _same_site(block, others)


def _similar_titles(block: list[_Report], others: list[_Report]) -> Iterator[tuple[_Report, _Report]]:
    """Reports of other sources with a title variant scoring at least TITLE_THRESHOLD against one of a's:
    every variant of the block against every variant of the others in one C call (most reports are
    alone: only the few candidate pairs come back to Python, not one per report)."""
    queries = [r for r in block for _ in r.variants]
    choices = [r for r in others for _ in r.variants]
    if not queries or not choices:
        return
    scores = process.cdist(
        [v for r in block for v in r.variants],
        [v for r in others for v in r.variants],
        scorer=fuzz.ratio,
        score_cutoff=TITLE_THRESHOLD,
        dtype=np.float32,  # a score kept is never 0: below the cutoff is 0
    )
    sources: dict[str, int] = {}
    query_sources = np.array([sources.setdefault(r.ev.source_id, len(sources)) for r in queries])
    choice_sources = np.array([sources.setdefault(r.ev.source_id, len(sources)) for r in choices])
    for q, c in zip(*np.nonzero((scores > 0) & (query_sources[:, None] != choice_sources[None, :]))):
        yield queries[q], choices[c]


def _equal_titles(block: list[_Report], others: list[_Report]) -> Iterator[tuple[_Report, _Report]]:
    """The bounded fallback for an oversized block (thousands of reports on one day in one country)."""
    by_variant: dict[str, list[_Report]] = defaultdict(list)
    for r in others:
        for v in r.variants:
            by_variant[v].append(r)
    for a in block:
        for variant in a.variants:
            yield from ((a, b) for b in by_variant.get(variant, ()) if b.ev.source_id != a.ev.source_id)


def _same_site(block: list[_Report], others: list[_Report]) -> Iterator[tuple[_Report, _Report]]:
    by_site: dict[str, list[_Report]] = defaultdict(list)
    site_sources: dict[str, set[str]] = defaultdict(set)
    for r in others:
        if r.site:
            by_site[r.site].append(r)
            site_sources[r.site].add(r.ev.source_id)
    for a in block:
        if not a.site:
            continue
        sources = site_sources.get(a.site)
        # A site only a's own source uses (a group's calendar on its own host) has no pair for a.
        if sources and (len(sources) > 1 or a.ev.source_id not in sources):
            yield from ((a, b) for b in by_site[a.site] if b.ev.source_id != a.ev.source_id)


def _times_agree(a: SourceEvent, b: SourceEvent) -> bool | None:
    """True when the times agree closely, False when only a zone error explains them, None when they differ."""
    if not a.all_day and not b.all_day:
        gap = abs(a.starts_at - b.starts_at)
        return True if gap <= CLOSE_START else (False if gap <= ZONE_SLOP else None)
    return True


def _days_overlap(a: _Report, b: _Report) -> bool:
    slack = 0 if a.ev.all_day and b.ev.all_day else 1
    return a.first_day <= b.last_day + slack and b.first_day <= a.last_day + slack


def match_score(a: _Report, b: _Report) -> float | None:
    """The title score when two reports describe the same real event, else None."""
    if a.ev.source_id == b.ev.source_id or (a.country and b.country and a.country != b.country):
        return None
    if not a.variants or not b.variants:  # a title of only years and punctuation matches nothing
        return None
    close = _times_agree(a.ev, b.ev)
    if close is None or not _days_overlap(a, b):
        return None
    if a.numbers and b.numbers and a.numbers != b.numbers:
        return None  # "Group 12" / "Group 13", "Synth 3-7" / "Synth 7-3"
    same_site = a.site is not None and a.site == b.site
    threshold = TITLE_THRESHOLD_FAR_TIMES if not close else (TITLE_THRESHOLD_SAME_SITE if same_site else TITLE_THRESHOLD)
    # Starts hours apart are only forgiven for whole titles that agree, suffixes included.
    pairs = ((va, vb) for va in a.variants for vb in b.variants) if close else [(a.variants[0], b.variants[0])]
    best = max((_title_score(va, vb) for va, vb in pairs), default=0.0)
    return best if best >= threshold else None


def _title_score(a: str, b: str) -> float:
    """Ratio of two normalized titles, 0 when each has a word the other lacks and cannot pair up."""
    ta, tb = set(a.split()), set(b.split())
    only_a, only_b = ta - tb, tb - ta
    if only_a and only_b and _unpaired(only_a, only_b) and _unpaired(only_b, only_a):
        return 0.0
    return fuzz.ratio(a, b)


def _unpaired(words: set[str], others: set[str]) -> bool:
    """Whether some word has no fuzzy partner ("user"/"users"); numbers and short codes never pair."""
    for w in words:
        if w.isdigit() or len(w) < 4:
            return True
        if not any(not o.isdigit() and fuzz.ratio(w, o) >= TOKEN_PAIR_RATIO for o in others):
            return True
    return False


# -- clustering --------------------------------------------------------------------------------------


def _cluster(prepared: list[_Report], pairs: list[tuple[float, int, int]]) -> list[list[SourceEvent]]:
    """Union matching pairs best first, refusing joins of one source twice or of two countries."""
    parent = list(range(len(prepared)))
    sources = [{r.ev.source_id} for r in prepared]
    country = [r.country for r in prepared]

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for _, i, j in pairs:
        ri, rj = root(i), root(j)
        if ri == rj or sources[ri] & sources[rj]:
            continue
        if country[ri] and country[rj] and country[ri] != country[rj]:
            continue
        keep, drop = (ri, rj) if ri < rj else (rj, ri)
        parent[drop] = keep
        sources[keep] |= sources[drop]
        country[keep] = country[keep] or country[drop]
    groups: dict[int, list[SourceEvent]] = defaultdict(list)
    for r in prepared:
        groups[root(r.at)].append(r.ev)
    return [groups[k] for k in sorted(groups)]


# -- identity ----------------------------------------------------------------------------------------


def _key(ev: SourceEvent) -> str:
    return ev.source_id + "\x1f" + ev.source_uid


def _hash16(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@functools.lru_cache(maxsize=65536)  # the occurrences of a series share it
def _series_id(source_id: str, series_uid: str) -> str:
    return _hash16(source_id + "\x1f" + series_uid)


def _assign_ids(clusters: list[list[SourceEvent]], known_ids: dict[tuple[str, str], str]) -> list[str]:
    """One distinct event_id per cluster: kept known ids first (contested ones by smallest claim), else new."""
    claims: list[dict[str, str]] = []  # per cluster: known id -> smallest report key carrying it
    owner: dict[str, tuple[str, int]] = {}
    for n, members in enumerate(clusters):
        mine: dict[str, str] = {}
        for ev in members:
            known = known_ids.get((ev.source_id, ev.source_uid))
            if known and (known not in mine or _key(ev) < mine[known]):
                mine[known] = _key(ev)
        for known, claim in mine.items():
            if known not in owner or (claim, n) < owner[known]:
                owner[known] = (claim, n)
        claims.append(mine)
    ids: list[str | None] = [None] * len(clusters)
    taken: set[str] = set()
    for n, mine in enumerate(claims):
        owned = sorted(k for k in mine if owner[k][1] == n) if mine else None
        if owned:
            ids[n] = owned[0]
            taken.add(owned[0])
    for n, mine in enumerate(claims):
        if ids[n] is None:
            kept = min((k for k in mine if k not in taken), default=None) if mine else None
            chosen = kept or _fresh_id(clusters[n], taken)
            ids[n] = chosen
            taken.add(chosen)
    return [i for i in ids if i is not None]


def _fresh_id(members: list[SourceEvent], taken: set[str]) -> str:
    """sha256 of the smallest report key; the next keys (then all of them) only if that id is in use."""
    first = _hash16(_key(members[0]) if len(members) == 1 else min(_key(ev) for ev in members))
    if first not in taken:
        return first
    keys = sorted(_key(ev) for ev in members)
    return next(k for k in [_hash16(k) for k in keys[1:]] + [_hash16("\x1e".join(keys))] if k not in taken)


# -- merging -----------------------------------------------------------------------------------------


def _first(values: Iterable[T | None]) -> T | None:
    """The first value that is set (not None, not empty)."""
    return next((v for v in values if v not in (None, "", [])), None)


def _merge(members: list[SourceEvent], event_id: str, priorities: dict[str, int]) -> Event:
    """One Event from a cluster: each field from the highest-priority report that has it."""
    if len(members) == 1:
        return _from_single(members[0], event_id)
    ranked = sorted(members, key=lambda r: (-priorities.get(r.source_id, DEFAULT_PRIORITY), r.source_id, r.source_uid))
    best = ranked[0]
    series = next((r for r in ranked if r.series_uid), None)
    placed = next((r for r in ranked if r.latitude is not None and r.longitude is not None), None)
    country_from = next((r for r in ranked if r.country), None)
    tags: list[str] = []
    for r in ranked:
        tags.extend(t for t in r.tags if t not in tags)
    return Event(
        event_id=event_id,
        series_id=_series_id(series.source_id, series.series_uid) if series and series.series_uid else None,
        title=_first(r.title for r in ranked) or best.title,
        description=_first(r.description for r in ranked) or "",
        starts_at=best.starts_at,
        ends_at=best.ends_at,
        timezone=best.timezone,
        all_day=best.all_day,
        kind=next((r.kind for r in ranked if r.kind and r.kind != "other"), "other"),
        status=best.status,
        url=_first(r.url for r in ranked),
        venue=_first(r.venue for r in ranked),
        city=_first(r.city for r in ranked),
        country=country_from.country if country_from else None,
        subdivision=_first(r.subdivision for r in ranked if country_from and r.country == country_from.country),
        region=(country_from.region if country_from and country_from.region else _first(r.region for r in ranked)),
        latitude=placed.latitude if placed else None,
        longitude=placed.longitude if placed else None,
        online=any(r.online for r in ranked),
        tags=tags,
        cfp_url=_first(r.cfp_url for r in ranked),
        cfp_ends_at=_first(r.cfp_ends_at for r in ranked),
        reports=ranked,
    )


def _from_single(r: SourceEvent, event_id: str) -> Event:
    """The common case, one report: its fields as they are (the same result as _merge, without the ranking)."""
    return Event(
        event_id=event_id,
        series_id=_series_id(r.source_id, r.series_uid) if r.series_uid else None,
        title=r.title,
        description=r.description,
        starts_at=r.starts_at,
        ends_at=r.ends_at,
        timezone=r.timezone,
        all_day=r.all_day,
        kind=r.kind or "other",
        status=r.status,
        url=r.url or None,
        venue=r.venue or None,
        city=r.city or None,
        country=r.country or None,
        subdivision=r.subdivision or None,
        region=r.region or None,
        latitude=r.latitude if r.longitude is not None else None,
        longitude=r.longitude if r.latitude is not None else None,
        online=r.online,
        tags=list(dict.fromkeys(r.tags)),
        cfp_url=r.cfp_url or None,
        cfp_ends_at=r.cfp_ends_at,
        reports=[r],
    )
