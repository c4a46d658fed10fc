"""The HTML pages: what each shows, accessibility landmarks, subscribe links, safe JSON-LD."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from pyevents.config import Config
from tests.output.eventdb import T0, page_calendar, sample_federation, site_files
from tests.sites import publish

CONFIG = Config.model_validate({"federation": {"name": "Python Events", "base_url": "https://events.example.org/"}})


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("pages")
    fed = sample_federation(root / "events.duckdb")
    publish(root / "events.duckdb", root / "public", CONFIG, T0)
    return {"out": root / "public", "fed": fed}


def page(site: dict[str, Any], name: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring((site["out"] / name).read_bytes())


def event_page(site: dict[str, Any], key: str) -> lxml.html.HtmlElement:
    return page(site, f"events/{site['fed']['events'][key]['event_id']}.html")


def items(doc: lxml.html.HtmlElement) -> dict[str, lxml.html.HtmlElement]:
    return {li.xpath("string(.//h4)").strip(): li for li in doc.xpath(".//li[contains(@class, 'event')]")}


def all_pages(site: dict[str, Any]) -> list[Path]:
    return site_files(site["out"], ".html")


def test_every_page_is_accessible_and_self_contained(site: dict[str, Any]) -> None:
    pages = all_pages(site)
    assert len(pages) > 20
    for path in pages:
        doc = lxml.html.fromstring(path.read_bytes())
        assert doc.get("lang") == "en", path
        skip = doc.xpath("//body/a[1]")[0]
        assert skip.get("href") == "#main" and "skip" in skip.text_content().lower()
        assert len(doc.xpath("//main[@id='main']")) == 1 and doc.xpath("//header//nav[@aria-label]") and doc.xpath("//footer")
        assert len(doc.xpath("//h1")) == 1, path
        assert all(t.get("datetime") for t in doc.xpath("//time")), path
        for src in doc.xpath("//script/@src | //link[@rel='stylesheet']/@href"):
            assert not src.startswith(("http:", "https:", "//")), (path, src)  # no CDN


def test_index_lists_upcoming_events_by_month_with_zone_place_kind_and_badges(site: dict[str, Any]) -> None:
    doc = page(site, "index.html")
    conference_months = [h.text_content() for h in doc.xpath("//section[@id='conferences']/section[contains(@class,'month')]/h3")]
    other_months = [h.text_content() for h in doc.xpath("//section[@id='meetups']/section[contains(@class,'month')]/h3")]
    assert conference_months == ["April 2025", "November 2025"] and other_months == ["March 2025", "April 2025"]
    assert set(items(doc.xpath("//section[@id='conferences']")[0])) == {"PyCon DE", "PyCon AR"}  # their own section, first
    shown = items(doc)
    assert "Recent past meetup" not in shown and "Old cancelled" not in shown and "Long ago" not in shown
    nyc = shown["NYC Python"]
    assert nyc.xpath("string(.//p[@class='when'])").split() == [
        "Sun",
        "9",
        "Mar",
        "2025,",
        "19:00–21:00",
        "New",
        "York",
        "time",
        "(UTC−4)",
    ]  # a true minus sign
    assert nyc.xpath(".//time/@datetime") == ["2025-03-09T19:00-04:00"] * 2  # the card's date and the compact line's
    assert "Civic Hall, New York, United States" in nyc.text_content() and "Meetup" in nyc.text_content()
    assert "Cancelled" in shown["Django Girls Leipzig"].xpath("string(.//p[@class='meta'])")
    assert "Changed" in shown["PyData Tokyo"].xpath("string(.//p[@class='meta'])")
    assert "Tentative" in shown["PyCon AR"].xpath("string(.//p[@class='meta'])")
    online = shown["Python Online Sprint"]
    assert online.xpath("string(.//p[@class='where'])") == "Online" and online.get("data-online") == "1"
    pycon = shown["PyCon DE"]
    assert pycon.xpath("string(.//p[@class='when'])").strip() == "Wed 23 – Fri 25 Apr 2025"
    assert pycon.xpath("string(.//p[@class='short-when'])").strip() == "Wed 23 Apr"
    assert pycon.get("data-kind") == "conference" and pycon.get("data-country") == "DE" and pycon.get("data-region") == "europe"


def test_index_filters_work_without_javascript_as_links_and_with_it_as_a_form(site: dict[str, Any]) -> None:
    doc = page(site, "index.html")
    links = set(doc.xpath("//nav[contains(@class,'browse')]//a/@href"))
    assert {"regions/europe.html", "regions/online.html", "countries/de.html", "countries/jp.html"} <= links
    form = doc.xpath("//form[@id='filters']")[0]
    assert form.get("hidden") is not None  # shown by filter.js only, so no dead controls without JS
    assert {s.get("name") for s in form.xpath(".//select")} == {"kind", "region", "country", "topic"}
    assert form.xpath(".//input[@type='search']/@name") == ["q"]
    assert set(form.xpath(".//input[@type='checkbox']/@name")) == {"online", "mytime"}
    assert doc.xpath("//script/@src") == ["static/filter.js", "static/view.js"]
    assert form.xpath("ancestor::details[@id='refine']") and doc.xpath("//details[@id='refine']/@open") == []  # folded away


def test_every_page_offers_webcal_and_https_for_each_feed(site: dict[str, Any]) -> None:
    for path in all_pages(site):
        doc = lxml.html.fromstring(path.read_bytes())
        hrefs = doc.xpath("//section[contains(@class,'subscribe')]//a/@href")
        ics = [h for h in hrefs if h.endswith(".ics")]
        assert ics, path
        for href in ics:
            other = (
                href.replace("webcal://", "https://") if href.startswith("webcal://") else href.replace("https://", "webcal://")
            )
            assert other in hrefs, (path, href)
    index = page(site, "index.html").xpath("//section[contains(@class,'subscribe')]//a/@href")
    for feed in ("calendar.ics", "conferences.ics", "meetups.ics", "cfp.ics"):
        assert f"webcal://events.example.org/{feed}" in index and f"https://events.example.org/{feed}" in index
    assert "https://events.example.org/regions/asia.ics" in page(site, "regions/asia.html").xpath("//a/@href")
    assert "webcal://events.example.org/countries/jp.ics" in page(site, "countries/jp.html").xpath("//a/@href")


def test_region_and_country_pages_hold_only_their_events(site: dict[str, Any]) -> None:
    assert set(items(page(site, "countries/jp.html"))) == {"PyData Tokyo"}
    assert set(items(page(site, "regions/online.html"))) == {"Python Online Sprint"}
    assert set(items(page(site, "regions/africa.html"))) == set()
    assert "None coming up here yet" in page(site, "regions/africa.html").text_content()


def test_event_page_has_details_map_sources_history_and_add_to_calendar(site: dict[str, Any]) -> None:
    doc = event_page(site, "pycon_de")
    text = doc.text_content()
    assert "Wed 23 – Fri 25 Apr 2025" in text and "bcc, Darmstadt, Germany" in text
    assert any(h.startswith("https://www.openstreetmap.org/?mlat=52.52000") for h in doc.xpath("//a/@href"))
    assert doc.xpath("//ul[@class='provenance']/li/a/text()") == ["PyBerlin", "Python Events Calendar"]
    event_id = site["fed"]["events"]["pycon_de"]["event_id"]
    assert doc.xpath("//a/@download") == [f"{event_id}.ics"]
    assert f"UID:{event_id}@events.example.org\r\n" in page_calendar(site["out"] / f"events/{event_id}.html")
    assert "https://pycon.de/cfp" in doc.xpath("//a/@href") and "closes Fri 21 Mar 2025" in text
    tokyo = event_page(site, "tokyo")
    assert "starts at changed" in tokyo.xpath("string(//ul[@class='history'])")
    leipzig = event_page(site, "cancelled_upcoming")
    ar = event_page(site, "tentative")  # no coordinates: the map link searches the place
    assert ar.xpath("//a/@href[starts-with(., 'https://www.openstreetmap.org/search?query=')]") == [
        "https://www.openstreetmap.org/search?query=Buenos%20Aires%2C%20Argentina"
    ]
    assert "Cancelled." in leipzig.text_content()


def test_event_page_json_ld_is_a_schema_org_event(site: dict[str, Any]) -> None:
    doc = event_page(site, "nyc")
    (block,) = doc.xpath("//script[@type='application/ld+json']/text()")
    data = json.loads(block)
    assert data["@type"] == "Event" and data["name"] == "NYC Python"
    assert data["startDate"] == "2025-03-09T19:00-04:00"
    assert data["location"]["address"]["addressCountry"] == "US"
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    cancelled = json.loads(event_page(site, "cancelled_upcoming").xpath("//script[@type='application/ld+json']/text()")[0])
    assert cancelled["eventStatus"] == "https://schema.org/EventCancelled"
    online = json.loads(event_page(site, "online").xpath("//script[@type='application/ld+json']/text()")[0])
    assert (
        online["eventAttendanceMode"].endswith("OnlineEventAttendanceMode") and online["location"]["@type"] == "VirtualLocation"
    )


def test_past_event_in_the_window_keeps_its_page(site: dict[str, Any]) -> None:
    assert event_page(site, "past_in_window").xpath("string(//h1)") == "Recent past meetup"


def test_sources_page_shows_failures_in_words_first(site: dict[str, Any]) -> None:
    doc = page(site, "sources.html")
    rows = doc.xpath("//table[contains(@class,'health')]/tbody/tr")
    names = [r.xpath("string(./th//a | ./th/text())").strip() for r in rows]
    assert names[:2] == ["Broken Group", "Never Fetched"]
    broken = rows[0].text_content()
    assert "Failing" in broken and "HTTP 500 Internal Server Error" in broken and "Stale for 9 days" in broken
    assert "9 failures in a row" in broken
    assert "Not fetched yet" in rows[1].text_content()
    assert "OK" in rows[2].text_content() and "—" in rows[2].text_content()
    assert "2 need attention" in doc.xpath("string(//p[@class='lede'])")


def test_about_page_explains_adding_a_calendar(site: dict[str, Any]) -> None:
    text = page(site, "about.html").text_content()
    assert "config/events.yaml" in text and "pyevents sources --check" in text
