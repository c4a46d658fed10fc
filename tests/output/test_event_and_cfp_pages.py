"""Event pages' sharing card, add links, feeds and topics; cfp.html; about.html's contact: real published files, parsed."""

from __future__ import annotations

import datetime as dt
import struct
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import icalendar
import lxml.html
import pytest
import vobject

from pyevents.config import Config
from tests.output.eventdb import T0, make_event, write_db
from tests.sites import publish

CONFIG = Config.model_validate(
    {
        "federation": {
            "name": "Python Events",
            "base_url": "https://events.example.org/",
            "contact": "mailto:team@events.example.org",
            "repository": "https://git.example.org/federation/calendars",
        }
    }
)
UTC = dt.UTC
AOE = dt.timezone(dt.timedelta(hours=-12))
DAY = dt.timedelta(days=1)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("event-pages")
    events = {
        "django": make_event(
            "DjangoCon Berlin",
            kind="conference",
            tags=["python-org", "django", "confs-tech", "Web Dev"],
            description="Three days of Django. " + "More words. " * 40,
            starts_at=T0 + 20 * DAY,
            cfp_url="https://djangocon.example.org/cfp",
            cfp_ends_at=dt.datetime(2025, 3, 15, 23, 59, 59, tzinfo=AOE),
        ),
        "pydata": make_event(
            "PyData Tokyo",
            timezone="Asia/Tokyo",
            country="JP",
            region="asia",
            city="Tokyo",
            venue=None,
            starts_at=T0 + 5 * DAY,
            tags=["pydata"],
            cfp_ends_at=dt.datetime(2025, 3, 4, 18, 0, tzinfo=UTC),
            cfp_url="https://pydata.example.jp/cfp",
        ),
        "closed": make_event("Closed call", kind="conference", cfp_ends_at=T0 - DAY, cfp_url="https://closed.example.org/cfp"),
        "allday": make_event(
            "Sprint weekend",
            kind="sprint",
            all_day=True,
            timezone="Europe/Berlin",
            starts_at=dt.datetime(2025, 3, 14, 23, 0, tzinfo=UTC),
            ends_at=dt.datetime(2025, 3, 16, 23, 0, tzinfo=UTC),
        ),
    }
    write_db(root / "events.duckdb", events.values())
    out = publish(root / "events.duckdb", root / "public", CONFIG, T0).out_dir
    return {"out": out, "events": events}


def doc(site: dict[str, Any], name: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring((site["out"] / name).read_bytes())


def event_doc(site: dict[str, Any], key: str) -> lxml.html.HtmlElement:
    return doc(site, f"events/{site['events'][key]['event_id']}.html")


def test_event_pages_carry_open_graph_and_twitter_cards_with_the_built_card_image(site: dict[str, Any]) -> None:
    page = event_doc(site, "django")
    meta = {m.get("property") or m.get("name"): m.get("content") for m in page.xpath("//head/meta[@content]")}
    assert meta["og:title"] == "DjangoCon Berlin"
    assert meta["og:description"].startswith(
        "Fri 21 Mar 2025, 13:00–15:00 Berlin time (UTC+1) · Bars Hub, Berlin, Germany. Three days of Django."
    )
    assert meta["og:description"].endswith("…") and len(meta["og:description"]) < 300
    assert meta["og:url"] == f"https://events.example.org/events/{site['events']['django']['event_id']}.html"
    assert meta["twitter:card"] == "summary_large_image" and meta["og:site_name"] == "Python Events"
    assert meta["og:image"] == "https://events.example.org/static/card.png"
    assert not {"twitter:title", "twitter:description", "twitter:image"} & set(meta)  # Twitter reads og:
    png = (site["out"] / "static/card.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", png[16:24]) == (1200, 630)
    assert (int(meta["og:image:width"]), int(meta["og:image:height"])) == (1200, 630)


def test_add_to_google_calendar_beside_the_ics_download(site: dict[str, Any]) -> None:
    links = {a.text_content().strip(): a.get("href") for a in event_doc(site, "pydata").xpath("//p[@class='add-links']/a")}
    assert set(links) == {"Download .ics", "Add to Google Calendar"} and links["Download .ics"].startswith("data:text/calendar")
    google = urlsplit(links["Add to Google Calendar"])
    assert (google.scheme, google.netloc, google.path) == ("https", "calendar.google.com", "/calendar/render")
    query = {k: v[0] for k, v in parse_qs(google.query).items()}
    assert query["action"] == "TEMPLATE" and query["text"] == "PyData Tokyo" and query["ctz"] == "Asia/Tokyo"
    assert query["dates"] == "20250306T120000Z/20250306T140000Z" and query["location"] == "Tokyo, Japan"
    assert query["details"].endswith(f"https://events.example.org/events/{site['events']['pydata']['event_id']}.html")
    sprint = {a.text_content().strip(): a.get("href") for a in event_doc(site, "allday").xpath("//p[@class='add-links']/a")}
    sprint_query = parse_qs(urlsplit(sprint["Add to Google Calendar"]).query)
    assert sprint_query["dates"] == ["20250315/20250317"] and "ctz" not in sprint_query  # dates, the end exclusive


def test_every_event_page_offers_its_own_feeds_and_each_is_published(site: dict[str, Any]) -> None:
    page = event_doc(site, "pydata")
    feeds = {li.xpath("string(span[@class='feed-label'])"): li.xpath("a/@href") for li in page.xpath("//ul[@class='feeds']/li")}
    assert list(feeds) == [
        "Meetups in Japan",
        "Meetups in Asia",
        "All events in Japan",
        "All events in Asia",
        "All meetups",
        "All events",
    ]
    assert feeds["Meetups in Japan"] == [
        "webcal://events.example.org/countries/jp/meetups.ics",
        "https://events.example.org/countries/jp/meetups.ics",
    ]
    for _webcal, https in feeds.values():
        path = site["out"] / https.removeprefix("https://events.example.org/")
        cal = icalendar.Calendar.from_ical(path.read_bytes())
        uids = {str(ev["UID"]) for ev in cal.walk("VEVENT")}
        assert f"{site['events']['pydata']['event_id']}@events.example.org" in uids, https
        assert len(vobject.readOne(path.read_text(encoding="utf-8")).vevent_list) == len(uids)
    sprint = event_doc(site, "allday").xpath("//ul[@class='feeds']//span[@class='feed-label']/text()")
    assert sprint == ["All events in Germany", "All events in Europe", "All events"]  # sprints have no kind feed


def test_topics_are_filter_links_without_provenance_tags(site: dict[str, Any]) -> None:
    page = event_doc(site, "django")
    topics = {a.text: a.get("href") for a in page.xpath("//ul[@class='topics']/li/a")}
    assert topics == {"django": "../index.html?topic=django", "web-dev": "../index.html?topic=web-dev"}
    assert "python-org" not in page.text_content() and "confs-tech" not in page.text_content()
    index = doc(site, "index.html")
    assert index.xpath("//select[@name='topic']/option/@value") == ["", "django", "pydata", "python", "web-dev"]
    entry = index.xpath("//li[contains(@class, 'event')][.//a[text()='DjangoCon Berlin']]")[0]
    assert entry.get("data-topics") == "django web-dev"


def test_the_agenda_filter_offers_the_feed_of_the_selection(site: dict[str, Any]) -> None:
    region = doc(site, "regions/europe.html")
    feed = region.xpath("//p[@id='filter-feed']")[0]
    assert feed.xpath("a[@id='filter-feed-https']/@href") == ["https://events.example.org/regions/europe.ics"]
    assert feed.get("data-kinds").split() == ["conference:conferences", "meetup:meetups"]
    offered = region.xpath("//section[@class='subscribe']//a[starts-with(@href, 'https:')]/@href")
    assert offered[:3] == [f"https://events.example.org/regions/europe{tail}.ics" for tail in ("", "/conferences", "/meetups")]


def test_cfp_page_lists_open_calls_by_deadline_in_their_zone_with_a_countdown(site: dict[str, Any]) -> None:
    page = doc(site, "cfp.html")
    assert page.xpath("//nav[@aria-label='Site']//a[@aria-current='page']/text()") == ["CFPs"]
    calls = page.xpath("//li[contains(@class, 'cfp')]")
    assert [c.xpath("string(.//h2)") for c in calls] == [
        "PyData Tokyo",
        "DjangoCon Berlin",
    ]  # by deadline; the closed one fell off
    tokyo, django = calls
    assert tokyo.xpath("string(.//p[@class='deadline']/time)") == "Wed 5 Mar 2025, 03:00 Tokyo time (UTC+9)"
    assert (
        tokyo.get("data-deadline") == "2025-03-04T18:00:00Z"
        and tokyo.xpath("string(.//p[@class='countdown'])") == "closes in 3 days"
    )
    assert django.xpath("string(.//p[@class='deadline']/time)") == "Sat 15 Mar 2025, end of day AoE (Anywhere on Earth, UTC-12)"
    assert django.xpath("string(.//p[@class='countdown'])") == "closes in 14 days"
    assert (
        "Fri 21 Mar 2025" in django.xpath("string(.//p[@class='when'])") and "Bars Hub, Berlin, Germany" in django.text_content()
    )
    assert django.xpath(".//a[text()='Submit a proposal']/@href") == ["https://djangocon.example.org/cfp"]
    assert page.xpath("//script/@src") == ["static/cfp.js"]


def test_about_page_names_the_contact_and_the_repository(site: dict[str, Any]) -> None:
    about = doc(site, "about.html")
    assert about.xpath("//a[@href='mailto:team@events.example.org']/text()") == ["team@events.example.org"]
    assert len(about.xpath("//a[@href='https://git.example.org/federation/calendars']")) == 2


def test_a_rebuild_is_byte_identical_card_and_cfp_page_included(site: dict[str, Any], tmp_path: Path) -> None:
    db = site["out"].resolve().parent.parent / "events.duckdb"
    again = publish(db, tmp_path / "again", CONFIG, T0).out_dir
    for name in (
        "static/card.png",
        "cfp.html",
        "feed.atom",
        "countries/jp/meetups.ics",
        f"events/{site['events']['django']['event_id']}.html",
    ):
        assert (again / name).read_bytes() == (site["out"] / name).read_bytes(), name
