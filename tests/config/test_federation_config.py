"""The two shipped federations: the real `config/events.yaml` and the offline demo `config/demo.yaml`.

They are data, so these tests check what the data promises: the real federation's size and reach,
and that every demo file exists, parses with the libraries the pipeline uses, and carries the cases
the demo exists to show (recurrence exceptions, cancellations, cross-source duplicates).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import extruct
import feedparser
import icalendar
import pytest
import recurring_ical_events
import x_wr_timezone

from pyevents.config import SOURCE_TYPES, Config, SourceConfig, load_config
from pyevents.pipeline.normalize.countries import region_of
from pyevents.sourcecheck import check_config

CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"
REAL = CONFIG_DIR / "events.yaml"
DEMO = CONFIG_DIR / "demo.yaml"
# The demo's dates were written for this day; its recurring series keep going after it.
DEMO_AS_OF = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
# The day events.yaml was last reviewed for editions that are over (bump it when you review again).
REVIEWED = dt.datetime(2026, 12, 7, tzinfo=dt.UTC)
PYTHON_ORG_CALENDARS = (
    "j7gov1cmnqr9tvg14k621j7t5c%40group.calendar.google.com",  # Python Events Calendar
    "3haig2m9msslkpf2tn1h56nn9g%40group.calendar.google.com",  # Python User Group Calendar
)


@pytest.fixture(scope="module")
def real() -> Config:
    return load_config(REAL)


@pytest.fixture(scope="module")
def demo() -> Config:
    return load_config(DEMO)


def _path(source: SourceConfig) -> Path:
    parts = urlsplit(source.url)
    assert parts.scheme == "file", f"{source.id}: the demo must run offline, got {source.url}"
    return Path(url2pathname(parts.path))


def _demo_files(demo: Config, suffix: str) -> list[Path]:
    return [_path(s) for s in demo.sources if _path(s).suffix == suffix]


def _occurrences(path: Path, start: dt.datetime, end: dt.datetime) -> list[icalendar.Event]:
    calendar = x_wr_timezone.to_standard(icalendar.Calendar.from_ical(path.read_bytes()))
    return list(recurring_ical_events.of(calendar).between(start, end))


# ------------------------------------------------------------------------------ real federation


def test_real_federation_has_400_enabled_https_sources(real: Config) -> None:
    enabled = [s for s in real.sources if s.enabled]
    assert len(enabled) >= 400
    not_https = [s.id for s in real.sources if urlsplit(s.url).scheme != "https"]
    assert not_https == []


def test_real_federation_reaches_70_countries_on_every_continent(real: Config) -> None:
    enabled = [s for s in real.sources if s.enabled]
    countries = {s.defaults.country for s in enabled if s.defaults.country}
    assert len(countries) >= 70, sorted(countries)
    regions = Counter(s.region or region_of(s.defaults.country) for s in enabled)
    continents = {"africa", "asia", "europe", "north-america", "south-america", "oceania"}
    assert continents | {"online"} <= set(regions), regions
    # More than a token presence: five countries on each continent (Oceania's Python world is AU and NZ).
    per_continent = Counter(region_of(c) for c in countries)
    assert all(per_continent[c] >= (2 if c == "oceania" else 5) for c in continents), per_continent


def test_real_federation_reads_every_format_in_real_use(real: Config) -> None:
    types = Counter(s.type for s in real.sources if s.enabled)
    assert types["feed"] >= 10 and types["html"] >= 10 and types["ical"] >= 200 and types["listing"] >= 4, types
    tags = Counter(t for s in real.sources if s.enabled for t in s.defaults.tags)
    assert tags["pyladies"] >= 60 and tags["pydata"] >= 40 and tags["django"] >= 5, tags
    assert tags["scipy"] >= 2 and tags["euroscipy"] >= 1, tags
    kinds = Counter(s.defaults.kind for s in real.sources if s.enabled)
    assert kinds["sprint"] >= 1 and kinds["conference"] >= 60, kinds


def test_real_federation_passes_the_check_on_its_review_day(real: Config) -> None:
    """No error and no warning on the day the file was last reviewed: no URL twice, https only, zones
    that fit their countries, and no edition already over (a 2025 slug, say)."""
    findings = check_config(real, REVIEWED, text=REAL.read_text(encoding="utf-8"))
    assert [f.render("events.yaml") for f in findings] == []
    # The same check a year on calls this year's editions over: it reads the clock it is given.
    later = check_config(real, REVIEWED.replace(year=REVIEWED.year + 1))
    assert any("edition 2026 is over" in f.message for f in later)


def test_real_federation_starts_from_both_python_org_calendars(real: Config) -> None:
    by_calendar = {cal: [s for s in real.sources if cal in s.url] for cal in PYTHON_ORG_CALENDARS}
    for calendar, sources in by_calendar.items():
        assert len(sources) == 1, calendar
        source = sources[0]
        assert source.type == "ical" and source.enabled
        assert source.url.endswith("/public/basic.ics")
        # Curated by people: they win over every other source when sources disagree.
        others = [s.priority for s in real.sources if not any(c in s.url for c in PYTHON_ORG_CALENDARS)]
        assert source.priority > max(others)


def test_real_federation_lists_conference_data_for_this_year_and_next(real: Config) -> None:
    urls = {s.url: s for s in real.sources}
    for year in (2026, 2027):
        confs_tech = urls[
            f"https://raw.githubusercontent.com/tech-conferences/conference-data/main/conferences/{year}/python.json"
        ]
        assert (confs_tech.type, confs_tech.format) == ("listing", "confs-tech")
        organizers = urls[f"https://raw.githubusercontent.com/python-organizers/conferences/main/{year}.csv"]
        assert (organizers.type, organizers.format) == ("listing", "python-organizers-csv")


def test_real_federation_sources_complete_their_events(real: Config) -> None:
    """Group calendars say little about themselves: their defaults must give country, city and zone."""
    groups = [s for s in real.sources if s.defaults.kind == "meetup" and "python.org" not in s.name]
    assert len(groups) >= 100
    incomplete = [s.id for s in groups if not (s.defaults.country and s.defaults.city and s.defaults.timezone)]
    assert incomplete == []
    untagged = [s.id for s in real.sources if not s.defaults.tags or s.defaults.kind is None]
    assert untagged == []


def test_real_federation_is_ordered_by_region_then_country() -> None:
    """Sources sit under `# <Region>` banners in a fixed order, and countries within a region are sorted."""
    lines = [line.strip() for line in REAL.read_text(encoding="utf-8").splitlines()]
    regions: list[str] = []
    countries: dict[str, list[str]] = {}
    for before, line, after in zip(lines, lines[1:], lines[2:]):
        if before.startswith("# ===") and after.startswith("# ===") and line.startswith("# "):
            regions.append(line[2:].split(":")[0])
            countries[regions[-1]] = []
        elif line.startswith("# --- ") and not line.endswith("conferences"):
            countries[regions[-1]].append(line[6:].split(":")[0])
    assert regions == ["Global", "Africa", "Asia", "Europe", "North America", "South America", "Oceania"]
    for region, names in countries.items():
        distinct = list(dict.fromkeys(names))
        assert distinct == sorted(distinct, key=lambda n: (n == "United States", n)), region


def test_meetup_sources_use_the_group_exports(real: Config) -> None:
    """A Meetup group's URL follows from its urlname: the iCal export, the RSS feed or the events page."""
    meetup = [s for s in real.sources if urlsplit(s.url).hostname == "www.meetup.com"]
    assert len(meetup) >= 200
    suffix = {"ical": "/events/ical/", "feed": "/events/rss/", "html": "/events/"}
    bad = [s.url for s in meetup if not (s.url.endswith(suffix.get(s.type, "?")) and s.url.count("/") == 6)]
    assert bad == []
    # One source per group: the same group twice would only be de-duplicated again.
    groups = Counter(urlsplit(s.url).path.split("/")[1].lower() for s in meetup)
    assert [g for g, n in groups.items() if n > 1] == []
    assert [u for u, n in Counter(s.url.lower() for s in real.sources).items() if n > 1] == []


# ------------------------------------------------------------------------------ demo federation


def test_demo_has_every_source_type_and_all_its_files(demo: Config) -> None:
    assert len(demo.sources) >= 8
    assert set(SOURCE_TYPES) <= {s.type for s in demo.sources}
    assert Counter(s.type for s in demo.sources)["ical"] >= 4
    missing = [s.id for s in demo.sources if not _path(s).is_file()]
    assert missing == []
    assert demo.federation.base_url == "https://events.example.org/"
    assert (demo.federation.window.past_days, demo.federation.window.future_days) == (30, 400)


def test_every_demo_calendar_parses_with_icalendar(demo: Config) -> None:
    files = _demo_files(demo, ".ics")
    assert len(files) >= 5
    for path in files:
        raw = path.read_bytes()
        assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b""), f"{path.name}: lines must end in CRLF"
        assert all(len(line) <= 75 for line in raw.split(b"\r\n")), f"{path.name}: lines must be folded at 75 octets"
        calendar = icalendar.Calendar.from_ical(raw)
        events = calendar.walk("VEVENT")
        assert events, path.name
        assert all(e.get("UID") and e.get("DTSTART") for e in events), path.name


def test_demo_json_listing_parses_as_confs_tech(demo: Config) -> None:
    listing = next(s for s in demo.sources if s.type == "listing")
    records = json.loads(_path(listing).read_text(encoding="utf-8"))
    assert isinstance(records, list) and len(records) >= 10
    for record in records:
        start, end = dt.date.fromisoformat(record["startDate"]), dt.date.fromisoformat(record["endDate"])
        assert start <= end, record["name"]
        assert record["url"].startswith("https://")
        assert record["online"] or (record.get("city") and record.get("country")), record["name"]
    assert any(r.get("cfpUrl") and r.get("cfpEndDate") for r in records)
    assert any(r["online"] for r in records)


def test_demo_reaches_60_events_in_ten_countries_on_five_continents(demo: Config) -> None:
    start, end = DEMO_AS_OF - dt.timedelta(days=30), DEMO_AS_OF + dt.timedelta(days=400)
    occurrences = sum(len(_occurrences(p, start, end)) for p in _demo_files(demo, ".ics"))
    assert occurrences >= 60
    conferences = json.loads(_path(next(s for s in demo.sources if s.type == "listing")).read_text(encoding="utf-8"))
    countries = {r["country"] for r in conferences if r.get("country")}
    countries |= {s.defaults.country for s in demo.sources if s.defaults.country}
    assert len(countries) >= 10
    regions = {
        "LV": "europe",
        "NL": "europe",
        "KE": "africa",
        "NG": "africa",
        "AU": "oceania",
        "NZ": "oceania",
        "Mexico": "north-america",
        "U.S.A.": "north-america",
        "Brazil": "south-america",
        "Peru": "south-america",
    }
    assert {regions[c] for c in countries if c in regions} >= {"europe", "africa", "oceania", "north-america", "south-america"}


def test_demo_weekly_series_has_exdate_moved_and_cancelled_occurrences(demo: Config) -> None:
    path = next(p for p in _demo_files(demo, ".ics") if "pyladies" in p.name)
    season = _occurrences(path, dt.datetime(2026, 12, 15, tzinfo=dt.UTC), dt.datetime(2027, 2, 20, tzinfo=dt.UTC))
    starts = {o["DTSTART"].dt.date(): o for o in season}
    assert dt.date(2026, 12, 22) not in starts and dt.date(2026, 12, 29) not in starts  # EXDATE
    assert dt.date(2027, 1, 5) not in starts and dt.date(2027, 1, 7) in starts  # moved by RECURRENCE-ID
    assert starts[dt.date(2027, 1, 7)]["DTSTART"].dt.hour == 17
    assert starts[dt.date(2027, 2, 16)]["STATUS"] == "CANCELLED"
    assert starts[dt.date(2027, 2, 9)]["STATUS"] == "CONFIRMED"


def test_demo_meetups_keep_recurring_for_years(demo: Config) -> None:
    """Open-ended rules: for three years after the demo's day no series pauses longer than ~2 months.

    The longest planned pause is a skipped month (an EXDATE) of a monthly series: 63 days.
    """
    end = DEMO_AS_OF + dt.timedelta(days=3 * 365)
    for name in ("pyladies-nairobi.ics", "harbour-city-python-google.ics", "pydata-amstel-outlook.ics"):
        path = next(p for p in _demo_files(demo, ".ics") if p.name == name)
        starts = [DEMO_AS_OF, *sorted(_instant(e["DTSTART"].dt) for e in _occurrences(path, DEMO_AS_OF, end)), end]
        longest = max(later - earlier for earlier, later in itertools.pairwise(starts))
        assert longest <= dt.timedelta(days=70), (name, longest)


def _instant(value: dt.date | dt.datetime) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def test_demo_has_an_all_day_multi_day_conference_and_a_cancelled_one(demo: Config) -> None:
    path = next(p for p in _demo_files(demo, ".ics") if p.name == "python-events.ics")
    events = icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")
    all_day = [e for e in events if type(e["DTSTART"].dt) is dt.date]
    assert any((e["DTEND"].dt - e["DTSTART"].dt).days >= 3 for e in all_day)
    assert [str(e["SUMMARY"]) for e in events if e.get("STATUS") == "CANCELLED"] == ["PyCon Sahel 2027"]


def test_demo_conference_is_reported_by_three_source_types(demo: Config) -> None:
    """PyCon Baltics 2027: python.org-style calendar, confs.tech listing and its own JSON-LD page."""
    files = {p.name: p for s in demo.sources for p in [_path(s)]}
    calendar = icalendar.Calendar.from_ical(files["python-events.ics"].read_bytes())
    in_calendar = [e for e in calendar.walk("VEVENT") if str(e["SUMMARY"]) == "PyCon Baltics 2027"]
    assert [(e["DTSTART"].dt, e["DTEND"].dt) for e in in_calendar] == [(dt.date(2027, 5, 12), dt.date(2027, 5, 15))]
    listing = json.loads(files["confs-tech-python.json"].read_text(encoding="utf-8"))
    assert [(r["startDate"], r["endDate"], r["city"]) for r in listing if r["name"] == "PyCon Baltics 2027"] == [
        ("2027-05-12", "2027-05-14", "Riga")
    ]
    blocks = extruct.extract(files["pycon-baltics.html"].read_bytes(), syntaxes=["json-ld"])["json-ld"]
    events = [node for block in blocks for node in block.get("@graph", [block])]
    by_name = {e["name"]: e for e in events}
    assert by_name["PyCon Baltics 2027"]["startDate"] == "2027-05-12"
    assert any(e["location"]["@type"] == "VirtualLocation" for e in events)
    assert [e["name"] for e in events if e.get("eventStatus", "").endswith("EventCancelled")] == [
        "PyCon Baltics 2027 Boat Social on the Daugava"
    ]


def test_demo_meetup_is_in_two_calendars_with_the_same_instants(demo: Config) -> None:
    """PyData Amstel: Meetup export (UTC, suffixed titles) and the organisers' Outlook calendar (Windows TZID)."""
    files = {p.name: p for p in _demo_files(demo, ".ics")}
    start, end = DEMO_AS_OF, DEMO_AS_OF + dt.timedelta(days=400)
    meetup = _occurrences(files["pydata-amstel-meetup.ics"], start, end)
    outlook = [o for o in _occurrences(files["pydata-amstel-outlook.ics"], start, end) if "Monthly" in str(o["SUMMARY"])]
    assert all(str(o["UID"]).startswith("event_") and str(o["UID"]).endswith("@meetup.com") for o in meetup)
    assert all(str(o["SUMMARY"]).endswith(" - Talks & Networking") for o in meetup)
    assert all(o["DTSTART"].dt.utcoffset() == dt.timedelta(0) for o in meetup)
    assert {str(o["UID"]) for o in meetup}.isdisjoint({str(o["UID"]) for o in outlook})
    instants = {o["DTSTART"].dt.astimezone(dt.UTC) for o in outlook}
    assert len(meetup) >= 10
    assert {o["DTSTART"].dt for o in meetup} == instants


def test_demo_feed_entries_carry_event_dates(demo: Config) -> None:
    path = next(_path(s) for s in demo.sources if s.type == "feed")
    feed = feedparser.parse(path.read_bytes())
    assert not feed.bozo
    assert len(feed.entries) >= 5
    for entry in feed.entries:
        start = dt.datetime.fromisoformat(entry["ev_startdate"])
        assert start.tzinfo is not None and dt.datetime.fromisoformat(entry["ev_enddate"]) > start
    assert any(entry["ev_location"] == "Online" for entry in feed.entries)


def test_the_readmes_state_the_real_counts(real: Config) -> None:
    """README.md and config/README.md say how many sources and countries there are: keep them true."""
    enabled = [s for s in real.sources if s.enabled]
    countries = {s.defaults.country for s in enabled if s.defaults.country}
    stated = f"**{len(enabled)} enabled sources in {len(countries)} countries**"
    types = Counter(s.type for s in enabled)
    for readme in (CONFIG_DIR.parent / "README.md", CONFIG_DIR / "README.md"):
        text = " ".join(readme.read_text(encoding="utf-8").split())
        assert stated in text, readme
        assert f"{types['ical']} `ical`, {types['html']} `html`, {types['feed']} `feed`, {types['listing']} `listing`" in text, (
            readme
        )
