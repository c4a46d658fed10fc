"""Series-aware agenda: a recurring series once per list, its own page with every upcoming date, counts
of events and series, country pages in words, and the occurrence pages published before."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import duckdb
import lxml.html
import pytest

from pyevents.config import Config
from tests.output.eventdb import T0, site_files
from tests.output.seriesdb import AMSTERDAM, CHICAGO, series_federation
from tests.sites import publish

CONFIG = Config.model_validate({"federation": {"name": "Python Events", "base_url": "https://events.example.org/"}})


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("series")
    fed = series_federation(root / "events.duckdb")
    publish(root / "events.duckdb", root / "public", CONFIG, T0)
    return {"out": root / "public", "fed": fed, "db": root / "events.duckdb"}


def page(site: dict[str, Any], name: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring((site["out"] / name).read_bytes())


def entries(doc: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    return doc.xpath(".//li[contains(@class, 'event')]")


def titles(doc: lxml.html.HtmlElement) -> list[str]:
    return [li.xpath("string(.//h4)").strip() for li in entries(doc)]


def test_a_weekly_series_appears_once_with_its_next_date_cadence_and_dates_coming(site: dict[str, Any]) -> None:
    for name in ("index.html", "regions/europe.html", "countries/nl.html"):
        doc = page(site, name)
        assert titles(doc).count("PyAmsterdam Weekly") == 1, name
    (weekly,) = [li for li in entries(page(site, "index.html")) if "PyAmsterdam Weekly" in li.text_content()]
    assert weekly.xpath(".//h4/a/@href") == [f"series/{AMSTERDAM}.html"]
    assert weekly.xpath("string(.//p[@class='when'])").split() == [
        "Next:",
        "Tue",
        "4",
        "Mar",
        "2025,",
        "18:00–20:00",
        "Amsterdam",
        "time",
        "(UTC+1)",
    ]
    assert weekly.xpath("string(.//p[@class='cadence'])").strip() == "Every Tuesday · 5 dates coming"  # 6 upcoming, 1 cancelled
    (monthly,) = [li for li in entries(page(site, "index.html")) if "ChiPy Monthly" in li.text_content()]
    assert monthly.xpath("string(.//p[@class='cadence'])").strip() == "Monthly, first Thursday · 4 dates coming"
    # a series with one upcoming date left is an event like any other, linking to its page
    (fading,) = [li for li in entries(page(site, "index.html")) if "Fading Group" in li.text_content()]
    assert fading.xpath(".//h4/a/@href") == [f"events/{site['fed']['events']['fading_next']['event_id']}.html"]
    assert not fading.xpath(".//p[@class='cadence']")


def test_conferences_have_their_own_section_ahead_of_meetups(site: dict[str, Any]) -> None:
    doc = page(site, "index.html")
    sections = doc.xpath("//div[@id='agenda']/section")
    assert [s.get("id") for s in sections] == ["conferences", "meetups"]
    assert titles(sections[0]) == ["PyCon US"] and "PyCon US" not in titles(sections[1])
    assert doc.xpath("//nav[contains(@class,'jump')]//a/@href") == ["#conferences", "#meetups"]


def test_counts_count_events_and_series_not_occurrences(site: dict[str, Any]) -> None:
    doc = page(site, "index.html")
    chips = {a.get("href"): a.xpath("string(.//span[@class='count'])") for a in doc.xpath("//nav[contains(@class,'browse')]//a")}
    assert chips["regions/europe.html"] == "(2)"  # the Amsterdam series and the Fading Group's last date
    assert chips["regions/north-america.html"] == "(2)" and chips["countries/us.html"] == "(2)"  # ChiPy, PyCon US
    assert chips["countries/nl.html"] == "(1)"
    assert "1 conference and 3 meetups or other events coming up." in doc.xpath("string(//p[@class='lede'])")


def test_country_pages_name_the_country_preset_the_filter_and_link_their_feeds(site: dict[str, Any]) -> None:
    nl = page(site, "countries/nl.html")
    assert nl.xpath("string(//h1)") == "Python events in the Netherlands"
    assert "in the Netherlands" in nl.xpath("string(//p[@class='lede'])") and nl.xpath("//title/text()")[0].startswith(
        "Python events in the Netherlands"
    )
    assert nl.xpath("//select[@name='country']/option[@selected]/@value") == ["NL"]
    assert set(nl.xpath("//p[@class='own-feed']//a/@href")) == {
        "webcal://events.example.org/countries/nl.ics",
        "https://events.example.org/countries/nl.ics",
    }
    us = page(site, "countries/us.html")
    assert us.xpath("string(//h1)") == "Python events in the United States" and titles(us) == ["PyCon US", "ChiPy Monthly"]
    assert "1 conference and 1 meetup or other event coming up in the United States." in us.xpath("string(//p[@class='lede'])")
    europe = page(site, "regions/europe.html")
    assert europe.xpath("string(//h1)") == "Python events in Europe"
    assert europe.xpath("//select[@name='region']/option[@selected]/@value") == ["europe"]
    assert "https://events.example.org/regions/europe.ics" in europe.xpath("//p[@class='own-feed']//a/@href")
    assert (site["out"] / "countries/nl.ics").is_file() and (site["out"] / "regions/europe.ics").is_file()


def test_the_series_page_lists_every_upcoming_date_with_anchor_json_ld_and_marks(site: dict[str, Any]) -> None:
    ev = site["fed"]["events"]
    doc = page(site, f"series/{AMSTERDAM}.html")
    assert doc.xpath("string(//h1)") == "PyAmsterdam Weekly"
    assert "every Tuesday" in doc.xpath("string(//p[@class='lede'])") and "5 upcoming dates" in doc.xpath(
        "string(//p[@class='lede'])"
    )
    dates = doc.xpath("//ol[@class='occurrences']/li")
    upcoming = [f"ams_{i}" for i in range(1, 7)]  # ams_0 is past
    assert [li.get("id") for li in dates] == [f"o-{ev[k]['event_id']}" for k in upcoming]
    for li, key in zip(dates, upcoming):
        (block,) = li.xpath(".//script[@type='application/ld+json']/text()")
        data = json.loads(block)
        assert data["@type"] == "Event" and data["name"] == "PyAmsterdam Weekly"
        assert data["@id"] == f"https://events.example.org/series/{AMSTERDAM}.html#o-{ev[key]['event_id']}"
        links = li.xpath(".//a/@href")
        assert links[0] == f"#o-{ev[key]['event_id']}"  # a date is read here: no page of its own
        if key == "ams_3":  # cancelled: nothing to add to a calendar
            assert links == links[:1]
        else:
            (google,) = links[1:]
            assert google.startswith("https://calendar.google.com/calendar/render?action=TEMPLATE&text=PyAmsterdam%20Weekly")
            assert f"&details=https%3A%2F%2Fevents.example.org%2Fseries%2F{AMSTERDAM}.html%23o-{ev[key]['event_id']}" in google
    assert doc.xpath("string(//section[h2='Where this comes from']//a)") == "Groups"
    cancelled = dates[upcoming.index("ams_3")]
    assert "is-cancelled" in cancelled.get("class") and "Cancelled" in cancelled.text_content()
    assert json.loads(cancelled.xpath(".//script/text()")[0])["eventStatus"] == "https://schema.org/EventCancelled"
    moved = dates[upcoming.index("ams_4")]
    assert "Moved" in moved.text_content() and "from Tue 25 Mar 2025, 18:00" in " ".join(moved.text_content().split())
    assert "Wed 26 Mar 2025" in moved.text_content()
    assert not any("Moved" in li.text_content() for li in dates if li is not moved)
    feeds = doc.xpath("//section[contains(@class,'subscribe')]//a/@href")
    assert {
        "https://events.example.org/countries/nl.ics",
        "https://events.example.org/regions/europe.ics",
        "https://events.example.org/meetups.ics",
    } <= set(feeds)
    chicago = page(site, f"series/{CHICAGO}.html")
    assert len(chicago.xpath("//ol[@class='occurrences']/li")) == 4 and "monthly, first Thursday" in chicago.text_content()


def test_upcoming_dates_of_a_series_have_no_page_of_their_own(site: dict[str, Any]) -> None:
    ev = site["fed"]["events"]
    on_series = {f"ams_{i}" for i in range(1, 7)} | {f"chi_{i}" for i in range(4)}
    for key, row in ev.items():
        assert (site["out"] / f"events/{row['event_id']}.html").is_file() == (key not in on_series), key
    series_pages = sorted(p.name for p in (site["out"] / "series").iterdir())
    assert series_pages == sorted([f"{AMSTERDAM}.html", f"{CHICAGO}.html"])  # one file per series, none per date
    feed = json.loads((site["out"] / "events.json").read_bytes())
    urls = {e["id"]: e["page_url"] for e in feed["events"]}
    assert urls[ev["ams_2"]["event_id"]] == f"https://events.example.org/series/{AMSTERDAM}.html#o-{ev['ams_2']['event_id']}"
    assert urls[ev["ams_0"]["event_id"]] == f"https://events.example.org/events/{ev['ams_0']['event_id']}.html"  # past
    past = lxml.html.fromstring((site["out"] / f"events/{ev['ams_0']['event_id']}.html").read_bytes())
    assert past.xpath("//dt[.='Series']/following-sibling::dd[1]/a/@href") == [f"../series/{AMSTERDAM}.html"]
    fading = lxml.html.fromstring((site["out"] / f"events/{ev['fading_next']['event_id']}.html").read_bytes())
    assert fading.xpath("//dt[.='Series']") == []  # a single upcoming date left: no series page to link


def test_occurrence_pages_published_before_keep_working(tmp_path: Path) -> None:
    """A date that had its own page (its series had one upcoming date then) keeps its address: the page
    left there sends the reader to the date on its series' page, and is linked from version to version."""
    from tests.output.eventdb import write_db

    db, out = tmp_path / "db.duckdb", tmp_path / "public"
    fed = series_federation(db)
    first, later = fed["events"]["ams_1"], fed["events"]["ams_2"]
    alone = tmp_path / "alone.duckdb"
    write_db(alone, [first])
    publish(alone, out, CONFIG, T0)
    assert '<h1 id="event-title">PyAmsterdam Weekly</h1>' in (out / f"events/{first['event_id']}.html").read_text(
        encoding="utf-8"
    )
    publish(db, out, CONFIG, T0)
    moved = out / f"events/{first['event_id']}.html"
    doc = lxml.html.fromstring(moved.read_bytes())
    target = f"series/{AMSTERDAM}.html#o-{first['event_id']}"
    assert doc.xpath("//meta[@http-equiv='refresh']/@content") == [f"0; url=../{target}"]
    assert doc.xpath("//link[@rel='canonical']/@href") == [f"https://events.example.org/{target}"]
    assert doc.xpath("//main//a/@href") == [f"../{target}"]
    assert f'id="o-{first["event_id"]}"' in (out / f"series/{AMSTERDAM}.html").read_text(encoding="utf-8")
    assert not (out / f"events/{later['event_id']}.html").exists()  # never published on its own: no address to keep
    inode = moved.stat().st_ino
    publish(db, out, CONFIG, T0 + dt.timedelta(hours=1))
    assert moved.resolve() != moved and (out / f"events/{first['event_id']}.html").stat().st_ino == inode


def test_a_rebuild_with_series_pages_is_byte_identical(site: dict[str, Any], tmp_path: Path) -> None:
    publish(site["db"], tmp_path / "again", CONFIG, T0)
    first = {p.relative_to(site["out"]): p.read_bytes() for p in site_files(site["out"])}
    second = {p.relative_to(tmp_path / "again"): p.read_bytes() for p in site_files(tmp_path / "again")}
    assert first == second


def test_series_pages_follow_the_reuse_of_unchanged_listings(tmp_path: Path) -> None:
    """A health-only change reuses the listings; series pages, which show their series' last change and
    not the publish time, are the previous version's files, linked."""
    series_federation(tmp_path / "db.duckdb")
    out = tmp_path / "public"
    publish(tmp_path / "db.duckdb", out, CONFIG, T0)
    before = (out / f"series/{AMSTERDAM}.html").resolve()
    with duckdb.connect(str(tmp_path / "db.duckdb")) as con:
        con.execute("UPDATE sources SET last_status = 'failed', last_error = 'HTTP 503'")
    later = T0 + dt.timedelta(hours=1)
    second = publish(tmp_path / "db.duckdb", out, CONFIG, later)
    assert second.event_files_reused > 0  # the content was unchanged: listings reused, not rendered
    page = out / f"series/{AMSTERDAM}.html"
    assert page.resolve() != before and page.stat().st_ino == before.stat().st_ino  # a new version, the same file
    series = page.read_text(encoding="utf-8")
    assert "Last changed <time datetime=" in series and "Data as of" not in series
    assert 'Data as of <time datetime="2025-03-01T13:00+00:00">' in (out / "index.html").read_text(encoding="utf-8")
    fresh = publish(tmp_path / "db.duckdb", tmp_path / "fresh", CONFIG, later)
    assert (fresh.out_dir / f"series/{AMSTERDAM}.html").read_text(encoding="utf-8") == series


def test_a_series_with_every_upcoming_date_cancelled_says_so(tmp_path: Path) -> None:
    from tests.output.eventdb import event_id_for, make_event, write_db

    series = event_id_for("called-off")
    rows = [
        make_event(
            f"Called off {i}",
            series_id=series,
            title="Called-off Group",
            status="cancelled",
            starts_at=T0 + dt.timedelta(days=7 * (i + 1)),
        )
        for i in range(3)
    ]
    write_db(tmp_path / "db.duckdb", rows)
    publish(tmp_path / "db.duckdb", tmp_path / "public", CONFIG, T0)
    (entry,) = entries(lxml.html.fromstring((tmp_path / "public/index.html").read_bytes()))
    assert entry.xpath("string(.//p[@class='cadence'])").strip() == "every upcoming date cancelled"
    assert "is-cancelled" in entry.get("class") and "Cancelled" in entry.xpath("string(.//p[@class='meta'])")
    series_page = lxml.html.fromstring((tmp_path / f"public/series/{series}.html").read_bytes())
    assert len(series_page.xpath("//li[contains(@class,'is-cancelled')]")) == 3
    assert "Every upcoming date is cancelled." in series_page.xpath("string(//p[@class='lede'])")
