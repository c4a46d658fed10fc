"""The agenda pages (index, regions, countries) and the recurring series' pages.

An agenda lists entries, not occurrences: a one-off event, or a recurring series once (its next date,
its cadence in words, how many dates are coming) linking to `series/<series_id>.html`, which lists
every upcoming occurrence. Conferences have their own section ahead of meetups and the rest, so a weekly
meetup never buries them. Functions here return (path, page chunks); `output.publish` writes them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import pyarrow as pa
from markupsafe import Markup

from pyevents.output import site
from pyevents.output.cadence import cadence
from pyevents.output.calendarlink import google_calendar_url
from pyevents.output.eventview import EventView, event_view
from pyevents.output.feeds import Feeds
from pyevents.output.ical import ical_zone
from pyevents.output.jsonld import event_jsonld
from pyevents.output.labels import REGION_NAMES, country_in_sentence, country_name, kind_name, place_label, region_name
from pyevents.output.rows import AgendaEntry, SeriesDate
from pyevents.output.timefmt import When, utc_instant, when_of_row, when_utc

if TYPE_CHECKING:
    from pyevents.pipeline.store.reader import Overview


def entry_view(row: AgendaEntry) -> EventView:
    """An agenda entry from a row of `Snapshot.agenda_entries`: an event, or a series by its next date."""
    w = when_of_row(row)
    view = event_view(row, w)
    view.short_when = short_when(w)
    page = site.series_page_path(row.get("series_id"))
    if page:
        view.series_page = page
        view.cadence = _cadence(row.get("series_starts") or [], row.get("timezone"))
        view.dates = int(row.get("series_dates") or 0)
        view.search += " " + view.cadence
    return view


def short_when(w: When) -> str:
    """'Tue 8 Dec 18:00' (the day alone for all-day events): a date short enough for one line."""
    start = dt.datetime.fromisoformat(w.start_iso) if "T" in w.start_iso else dt.date.fromisoformat(w.start_iso)
    day = f"{_WEEKDAYS[start.weekday()]} {start.day} {_MONTHS[start.month - 1]}"
    return f"{day} {start:%H:%M}" if isinstance(start, dt.datetime) else day


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _cadence(starts_z: Sequence[str], timezone: str | None) -> str:
    zone = ical_zone(timezone) or dt.UTC
    return cadence([utc_instant(text).astimezone(zone).date() for text in starts_z])


class AgendaItems:
    """Each entry's agenda item (the `event_item` macro), rendered once per page depth and shared by
    every agenda page listing it (the index, its region's and its country's page)."""

    def __init__(self) -> None:
        self._macro = site.macro("event_item")
        self._rendered: dict[tuple[str, str], str] = {}

    def __call__(self, ev: EventView, root: str) -> str:
        key = (ev.id, root)
        item = self._rendered.get(key)
        if item is None:
            item = self._rendered[key] = str(self._macro(ev, root))
        return item


@dataclass(frozen=True, slots=True)
class Scope:
    """One agenda page: which entries it lists and how it names itself."""

    path: str
    title: str
    root: str
    key: str  # "all", "region:<slug>", "country:<CC>"
    feeds: tuple[site.Feed, ...]
    total: int
    conferences: int
    field: str | None = None  # the row field the page selects on, None for every entry
    value: str | None = None
    phrase: str = ""  # "in the Netherlands", "in Africa"; '' on the index


def scopes(page_site: site.Site, overview: Overview, feeds: Feeds) -> list[Scope]:
    """The index, every region's page and the page of every country that ever had events (`feeds.countries`),
    each offering the feeds within it (its own first, then each kind's in it) and all events."""
    main = site.MAIN_FEEDS[0]

    def within(column: str, value: str) -> tuple[site.Feed, ...]:
        return (*(site.Feed(spec.label, spec.path) for spec in feeds.narrowing(column, value)), main)

    pages = [Scope("index.html", "Upcoming Python events", "", "all", site.MAIN_FEEDS, overview.entries, overview.conferences)]
    for region, name, _count in page_site.regions:
        phrase = "online" if region == "online" else f"in {name}"
        pages.append(
            Scope(
                f"regions/{region}.html",
                f"Python events {phrase}",
                "../",
                f"region:{region}",
                within("region", region),
                overview.upcoming_by_region.get(region, 0),
                overview.conferences_by_region.get(region, 0),
                "region",
                region,
                phrase,
            )
        )
    for code in feeds.countries:  # every country that ever had events keeps its page, even with none upcoming
        phrase = f"in {country_in_sentence(code)}"
        pages.append(
            Scope(
                f"countries/{code.lower()}.html",
                f"Python events {phrase}",
                "../",
                f"country:{code}",
                within("country", code),
                overview.upcoming_by_country.get(code, 0),
                overview.conferences_by_country.get(code, 0),
                "country",
                code,
                phrase,
            )
        )
    return pages


def agenda_pages(
    page_site: site.Site, rows: Sequence[AgendaEntry], overview: Overview, feeds: Feeds
) -> Iterator[tuple[str, Iterable[str]]]:
    """Every agenda page: (path, chunks), from the rows of `Snapshot.agenda_entries`, the counts of
    `Snapshot.overview` and the publish's feed registry."""
    views = [entry_view(row) for row in rows]
    items = AgendaItems()
    for scope in scopes(page_site, overview, feeds):
        chosen = views if scope.field is None else [v for v, row in zip(views, rows) if row.get(scope.field) == scope.value]
        conferences = [v for v in chosen if v.kind == "conference"][: site.AGENDA_LIMIT]
        others = [v for v in chosen if v.kind != "conference"][: site.AGENDA_LIMIT]
        yield scope.path, _render_agenda(page_site, scope, conferences, others, items)


def _months(entries: Sequence[EventView], items: AgendaItems, root: str) -> list[tuple[str, str, Markup]]:
    months: list[tuple[str, str, list[str]]] = []
    for ev in entries:
        if not months or months[-1][0] != ev.when.month_key:
            months.append((ev.when.month_key, ev.when.month_label, []))
        months[-1][2].append(items(ev, root))
    return [(key, label, Markup("".join(chunk))) for key, label, chunk in months]


def _render_agenda(
    page_site: site.Site,
    scope: Scope,
    conferences: Sequence[EventView],
    others: Sequence[EventView],
    items: AgendaItems,
) -> Iterator[str]:
    shown = [*conferences, *others]
    sections = [
        ("conferences", "Conferences", scope.conferences, _months(conferences, items, scope.root)),
        ("meetups", "Meetups and more", scope.total - scope.conferences, _months(others, items, scope.root)),
    ]
    region = scope.value if scope.field == "region" else ""
    country = scope.value if scope.field == "country" else ""
    return (
        site.environment()
        .get_template("agenda.html")
        .generate(
            site=page_site,
            title=scope.title,
            root=scope.root,
            feeds=list(scope.feeds),
            own_feed=scope.feeds[0] if scope.field else None,
            phrase=scope.phrase,
            sections=sections,
            total=scope.total,
            shown=len(shown),
            kinds=[(k, kind_name(k)) for k in sorted({ev.kind for ev in shown})],
            topics=sorted({topic for ev in shown for topic in ev.topics.split()}),
            scope=scope.key,
            preset_region=region or "",
            preset_country=country or "",
            page="index" if scope.key == "all" else scope.key,
        )
    )


class Occurrence(NamedTuple):
    """One date of a series, as its page lists it: the fields series.html's loop unpacks, in its order
    (a tuple unpacked into locals: no attribute look-up per field and date)."""

    anchor: str
    cancelled: bool
    status: str
    google_url: str  # Add to Google Calendar, for this date
    start_iso: str
    when_text: str
    zone: str
    moved_from: str  # the earlier date in words, '' when it never moved
    place: str  # '' when it is the series' usual place
    jsonld: Markup


def series_pages(page_site: site.Site, occurrences: pa.Table, feeds: Feeds) -> Iterator[tuple[str, Iterable[str]]]:
    """Every series page: (path, chunks), from `Snapshot.series_occurrences` (sorted by series); each
    offers the feeds its series is in (by its kind and place), as an event page does."""
    template = site.environment().get_template("series.html")
    series_ids = occurrences.column("series_id").to_pylist() if occurrences.num_rows else []
    start = 0
    for end in range(1, len(series_ids) + 1):
        if end < len(series_ids) and series_ids[end] == series_ids[start]:
            continue
        path = site.series_page_path(series_ids[start])
        rows = occurrences.slice(start, end - start).to_pylist()
        start = end
        if path:
            yield path, _render_series(page_site, template, rows, feeds)


def _render_series(page_site: site.Site, template: Any, rows: list[SeriesDate], feeds: Feeds) -> list[str]:
    first = next((row for row in rows if row.get("status") != "cancelled"), rows[0])
    about = rows[0]  # the series' own fields are on its first date's row
    usual_place = place_label(first) or "Place not announced"
    dates = [_occurrence(row, page_site.base_url, usual_place) for row in rows]
    live = [d for d in dates if not d.cancelled]
    zone = ical_zone(first.get("timezone")) or dt.UTC
    rhythm = cadence([utc_instant(row["starts_z"]).astimezone(zone).date() for row in rows if row.get("status") != "cancelled"])
    kind = first.get("kind") or "other"
    country = first.get("country") if country_name(first.get("country")) else None
    region = first.get("region") if first.get("region") in REGION_NAMES else None
    return [
        template.render(  # one string: a page of many small parts is written faster whole
            site=page_site,
            title=first.get("title") or "(untitled)",
            root="../",
            page="series",
            cadence=rhythm,
            dates=len(live),
            next=live[0] if live else None,
            occurrences=dates,
            place=usual_place,
            kind_name=kind_name(kind),
            country=country,
            country_name=country_name(country),
            region=region,
            region_name=region_name(region),
            url=site.safe_href(first.get("url")),
            description=about.get("series_description") or "",
            sources=site.provenance(tuple(site.source_view(s) for s in about.get("series_sources") or [])),
            feeds=site.event_feeds(feeds, first),
            updated=max((updated for row in rows if (updated := row.get("updated_z"))), default=""),
        )
    ]


def _occurrence(row: SeriesDate, base_url: str, usual_place: str) -> Occurrence:
    w = when_of_row(row)
    place = place_label(row)
    moved = row.get("moved_from")
    moved_from = ""
    if isinstance(moved, str) and moved and moved != row["starts_z"]:
        try:
            moved_from = when_utc(moved, moved, row.get("timezone"), bool(row.get("all_day"))).text
        except ValueError:  # history text that is not an instant: say it moved, not from when
            moved_from = "an earlier date"
    status = str(row.get("status") or "confirmed")
    link = site.event_link(row["event_id"], row["series_key"]) or ""
    return Occurrence(
        anchor=site.occurrence_anchor(row["event_id"]),
        cancelled=status == "cancelled",
        status=status,
        google_url=google_calendar_url(
            row.get("title") or "(untitled)",
            row["starts_z"],
            row["ends_z"],
            w.start_iso[:10],
            w.end_iso[:10],
            all_day=bool(row.get("all_day")),
            timezone=row.get("timezone"),
            location=place,
            page_url=base_url + link,
        ),
        start_iso=w.start_iso,
        when_text=w.text,
        zone=w.zone,
        moved_from=moved_from,
        place="" if (place or "Place not announced") == usual_place else place or "Place not announced",
        jsonld=event_jsonld(row, w, place, base_url),
    )
