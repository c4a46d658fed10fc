"""FEEDS: every aggregate iCal feed a publish writes, declared once.

Writing (which VEVENTs go into which file), reuse (which files a new version links), VTIMEZONE
selection (which zones a feed's events refer to) and navigation (which feeds a page offers) all read
this registry, so a new feed is one `Family` entry (and, selecting on a new column, its `DOMAINS`
values). A family is a selection on event columns (for example region and kind) with the path and
title of each feed it yields; its values come from the domain of each column (the kinds with feeds,
the regions, the countries that ever had events).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import product
from typing import IO, Any

import pyarrow as pa
import pyarrow.compute as pc

from pyevents.output.ical import CALENDAR_END, calendar_head, ical_zone
from pyevents.output.labels import COUNTRY_CODE, country_name, region_name
from pyevents.pipeline.model import REGIONS

KIND_SLUGS = {"conference": "conferences", "meetup": "meetups"}  # the kinds with their own feeds


@dataclass(frozen=True, slots=True)
class Family:
    """Feeds selecting events by equal values in `columns`; `path` and `title` are format strings over
    the columns and their words (`kinds`: the kind's plural, `Kinds` capitalized, `region_name`,
    `country_name`, `cc`: the country's code in lower case)."""

    columns: tuple[str, ...]
    path: str
    title: str  # after the federation's name in the calendar's name
    label: str  # a link's text


FAMILIES = (
    Family((), "calendar.ics", "all events", "All events"),
    Family(("kind",), "{kinds}.ics", "{kinds}", "All {kinds}"),
    Family(("region",), "regions/{region}.ics", "{region_name}", "All events in {region_name}"),
    Family(("country",), "countries/{cc}.ics", "{country_name}", "All events in {country_name}"),
    Family(("region", "kind"), "regions/{region}/{kinds}.ics", "{kinds} in {region_name}", "{Kinds} in {region_name}"),
    Family(("country", "kind"), "countries/{cc}/{kinds}.ics", "{kinds} in {country_name}", "{Kinds} in {country_name}"),
)
DOMAINS: dict[str, Sequence[Any]] = {"kind": tuple(KIND_SLUGS), "region": REGIONS}  # and "country": the publish's
CFP_PATH = "cfp.ics"  # one event per open call's deadline: written from the open calls, not routed


@dataclass(frozen=True, slots=True)
class FeedSpec:
    path: str  # relative to the site root
    title: str  # "meetups in Germany": the calendar's name after the federation's
    label: str  # "Meetups in Germany": a link's text
    selection: tuple[tuple[str, Any], ...]  # (events column, value) an event matches all of; () = every event

    def calendar_name(self, federation: str) -> str:
        return federation if not self.selection else f"{federation}: {self.title}"


@lru_cache(maxsize=4)
def _columns(families: tuple[Family, ...]) -> tuple[str, ...]:
    return tuple(sorted({column for family in families for column in family.columns}))


def _words(values: Mapping[str, Any]) -> dict[str, Any]:
    kinds = KIND_SLUGS.get(values.get("kind", ""), "")
    country = values.get("country", "")
    return {
        **values,
        "kinds": kinds,
        "Kinds": kinds[:1].upper() + kinds[1:],
        "region_name": region_name(values.get("region")),
        "country_name": country_name(country),
        "cc": country.lower(),
    }


def _spec(family: Family, values: Sequence[Any]) -> FeedSpec:
    named = dict(zip(family.columns, values))
    words = _words(named)
    return FeedSpec(family.path.format(**words), family.title.format(**words), family.label.format(**words), tuple(named.items()))


@dataclass(frozen=True, slots=True)
class Feeds:
    """The registry of one publish: FAMILIES over the countries with a feed (every country any stored
    event ever had, so a feed never disappears under its subscribers)."""

    countries: tuple[str, ...]

    @classmethod
    def of(cls, countries: Iterable[str]) -> Feeds:
        return cls(tuple(sorted(c for c in countries if COUNTRY_CODE.match(c))))

    def _domain(self, column: str) -> Sequence[Any]:
        return self.countries if column == "country" else DOMAINS[column]

    @property
    def columns(self) -> tuple[str, ...]:
        """The events columns any feed selects on (what VTIMEZONE selection must know of each event)."""
        return _columns(FAMILIES)

    def specs(self) -> list[FeedSpec]:
        """Every feed, in writing order."""
        return [_spec(f, values) for f in FAMILIES for values in product(*(self._domain(c) for c in f.columns))]

    def paths(self) -> list[str]:
        return [spec.path for spec in self.specs()]

    def narrowing(self, column: str, value: Any) -> list[FeedSpec]:
        """The feeds within one selection, e.g. a region's and each kind's in it (what its page offers)."""
        return [spec for spec in self.specs() if (column, value) in spec.selection]

    def of_event(self, event: Mapping[str, Any]) -> list[FeedSpec]:
        """The feeds an event (its `columns`) appears in, most general first (what its page offers)."""
        found = []
        for family in FAMILIES:
            values = [event.get(c) for c in family.columns]
            if all(v is not None and v in self._domain(c) for c, v in zip(family.columns, values)):
                found.append(_spec(family, values))
        return found

    def zones(self, rows: Iterable[Mapping[str, Any]]) -> dict[str, set[str]]:
        """Feed path -> the TZIDs its VEVENTs refer to, from rows of `columns` and `timezone`
        (Snapshot.zones_in_use)."""
        by_feed: dict[str, set[str]] = {}
        for row in rows:
            if ical_zone(row["timezone"]) is None:
                continue
            for spec in self.of_event(row):
                by_feed.setdefault(spec.path, set()).add(row["timezone"])
        return by_feed


def main_specs() -> list[FeedSpec]:
    """The feeds every page's navigation offers: all events and each kind's."""
    return [spec for spec in Feeds(()).specs() if {column for column, _ in spec.selection} <= {"kind"}]


class FeedWriter:
    """The open aggregate .ics files of one publish: each gets its head, then every matching VEVENT of
    each batch in the batch's order, then its end."""

    def __init__(self, specs: Sequence[FeedSpec], files: Mapping[str, IO[bytes]]) -> None:
        self.specs = specs
        self.files = files
        self._selected = [spec for spec in specs if spec.selection]

    def begin(self, federation: str, zones: Mapping[str, set[str]], span: tuple[dt.date, dt.date], description: str) -> None:
        for spec in self.specs:
            head = calendar_head(spec.calendar_name(federation), zones.get(spec.path, ()), span, description)
            self.files[spec.path].write(head.encode("utf-8"))

    def append(self, batch: pa.RecordBatch, vevents: pa.Array) -> None:
        """Route one batch's VEVENTs (`vevents`, aligned with its rows) to every feed they belong to."""
        unselected = [spec for spec in self.specs if not spec.selection]
        if unselected:
            data = _utf8(vevents)
            for spec in unselected:
                self.files[spec.path].write(data)
        present: dict[str, set[Any]] = {}
        masks: dict[tuple[str, Any], pa.Array] = {}
        for spec in self._selected:
            for column, value in spec.selection:
                if column not in present:
                    present[column] = set(pc.unique(batch.column(column)).to_pylist())
                if value not in present[column]:
                    break
            else:
                mask = None
                for column, value in spec.selection:
                    if (column, value) not in masks:
                        masks[column, value] = pc.fill_null(pc.equal(batch.column(column), value), False)
                    mask = masks[column, value] if mask is None else pc.and_(mask, masks[column, value])
                matching = vevents.filter(mask)
                if len(matching):
                    self.files[spec.path].write(_utf8(matching))

    def end(self) -> None:
        for spec in self.specs:
            self.files[spec.path].write(CALENDAR_END.encode("utf-8"))


def _utf8(strings: pa.Array) -> pa.Buffer:
    """The UTF-8 bytes of every string of a null-free string array, one after the other (no copy)."""
    if strings.null_count:
        raise ValueError("a VEVENT is missing")
    _validity, offsets_buffer, data = strings.buffers()
    offset_type = pa.int64() if pa.types.is_large_string(strings.type) else pa.int32()
    offsets = pa.Array.from_buffers(offset_type, len(strings) + 1, [None, offsets_buffer], offset=strings.offset)
    return data[offsets[0].as_py() : offsets[-1].as_py()]
