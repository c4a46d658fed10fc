"""Hostile text that reached the database anyway is inert in every published file: HTML, JSON-LD, iCal, Atom, JSON."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path
from typing import Any

import feedparser
import icalendar
import lxml.html
import pytest

from pyevents.config import Config
from pyevents.output.calendarlink import DATA_URL_PREFIX
from tests.output.eventdb import T0, make_event, make_source, provenance, site_files, write_db
from tests.sites import publish

CONFIG = Config.model_validate({"federation": {"name": "Evil <b>Fed</b>", "base_url": "https://events.example.org/"}})
TITLE = "<script>alert(1)</script>\r\nEND:VEVENT\r\nBEGIN:VEVENT\nUID:forged\u2028X-NEXT:1\x85Y"
DESCRIPTION = '<img src=x onerror="alert(2)">\r\nX-INJECT:1\n</script><script>alert(3)</script>\\n;,'
HOSTILE = {
    "title": TITLE,
    "description": DESCRIPTION,
    "venue": "</script><script>alert(4)</script>",
    "city": '"><svg onload=alert(5)>',
    "url": "javascript:alert(6)",
    "cfp_url": " JaVaScRiPt:alert(7)",
    "tags": ["a,b", "c;d\r\nX-TAG:1", "</script>"],
    "timezone": "Europe/Berlin\r\nX-TZ:1",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("hostile")
    evil = make_event("evil", cfp_ends_at=T0 + (make_event("x")["starts_at"] - T0), **HOSTILE)
    plain = make_event("plain")
    source = make_source(
        "evil-source",
        name='<b onmouseover="alert(8)">Evil</b>',
        url="vbscript:msgbox(9)",
        last_status="failed",
        last_error="<script>alert(10)</script>",
    )
    write_db(
        root / "db.duckdb",
        [evil, plain],
        [source],
        [{**provenance(evil, "evil-source"), "source_url": "data:text/html,<script>alert(11)</script>"}],
    )
    publish(root / "db.duckdb", root / "public", CONFIG, T0)
    return {"out": root / "public", "evil": evil, "plain": plain}


def html_pages(site: dict[str, Any]) -> list[Path]:
    return site_files(site["out"], ".html")


def test_no_markup_from_a_source_becomes_an_element_or_handler(site: dict[str, Any]) -> None:
    for path in html_pages(site):
        doc = lxml.html.fromstring(path.read_bytes())
        scripts = doc.xpath("//script")
        assert all(
            s.get("src", "").endswith(("static/filter.js", "static/view.js", "static/cfp.js"))
            or s.get("type") == "application/ld+json"
            for s in scripts
        ), path
        assert not doc.xpath("//img | //svg | //iframe | //b"), path
        handlers = [a for el in doc.iter() if isinstance(el.tag, str) for a in el.attrib if a.lower().startswith("on")]
        assert handlers == [], path


def test_no_dangerous_scheme_becomes_a_link(site: dict[str, Any]) -> None:
    """Only our own Add-to-calendar link may be a data: URL, and only of type text/calendar."""
    calendar_links = 0
    for path in html_pages(site):
        doc = lxml.html.fromstring(path.read_bytes())
        for href in doc.xpath("//@href | //@src"):
            if href.startswith(DATA_URL_PREFIX):
                assert path.parent.name == "events", (path, href)
                calendar_links += 1
                continue
            scheme = href.split(":", 1)[0].strip().lower() if ":" in href else ""
            if scheme == "mailto":  # the federation's own contact (configuration, not a source), on about.html only
                assert path.name == "about.html" and href == "mailto:ops@example.org", (path, href)
                continue
            assert scheme in ("", "http", "https", "webcal"), (path, href)
    assert calendar_links == 2  # one per event page


def event_calendar(site: dict[str, Any], event: str) -> str:
    """The VCALENDAR text behind an event page's Add-to-calendar link."""
    doc = lxml.html.fromstring((site["out"] / "events" / f"{site[event]['event_id']}.html").read_bytes())
    (href,) = [h for h in doc.xpath("//a/@href") if h.startswith(DATA_URL_PREFIX)]
    assert not set(href) & set(" \r\n\"'<>`")  # percent-encoded: nothing HTML or the URL could read
    return urllib.parse.unquote(href.removeprefix(DATA_URL_PREFIX), encoding="utf-8", errors="strict")


def test_hostile_text_is_shown_as_text(site: dict[str, Any]) -> None:
    page = site["out"] / "events" / f"{site['evil']['event_id']}.html"
    doc = lxml.html.fromstring(page.read_bytes())
    assert "<script>alert(1)</script>" in doc.xpath("string(//h1)")
    assert '<img src=x onerror="alert(2)">' in doc.xpath("string(//div[@class='description'])")
    sources = lxml.html.fromstring((site["out"] / "sources.html").read_bytes())
    assert (
        "<script>alert(10)</script>" in sources.text_content() and '<b onmouseover="alert(8)">Evil</b>' in sources.text_content()
    )


def test_json_ld_cannot_close_its_script_element(site: dict[str, Any]) -> None:
    raw = (site["out"] / "events" / f"{site['evil']['event_id']}.html").read_text(encoding="utf-8")
    start = raw.index('<script type="application/ld+json">') + len('<script type="application/ld+json">')
    block = raw[start : raw.index("</script>", start)]
    assert "<" not in block and ">" not in block
    data = json.loads(block)
    assert data["name"] == TITLE and data["description"] == DESCRIPTION
    assert "url" not in data or data["url"].startswith("https://events.example.org/")


def test_ical_gains_no_line_property_or_component(site: dict[str, Any]) -> None:
    texts = {name: (site["out"] / name).read_bytes().decode("utf-8") for name in ("calendar.ics", "cfp.ics")}
    texts["event page link"] = event_calendar(site, "evil")
    for name, text in texts.items():
        physical = text.split("\r\n")[:-1]
        assert "\r" not in "".join(physical) and "\n" not in "".join(physical)
        assert not [line for line in physical if line.startswith(("X-INJECT", "X-NEXT", "X-TAG", "X-TZ", "UID:forged", "Y"))]
        cal = icalendar.Calendar.from_ical(text)
        props = {key for ev in cal.walk("VEVENT") for key in ev}
        assert not props & {"X-INJECT", "X-NEXT", "X-TAG", "X-TZ"}
        assert "URL" not in cal.walk("VEVENT")[-1] or name == "calendar.ics"
    cal = icalendar.Calendar.from_ical((site["out"] / "calendar.ics").read_bytes())
    events = {str(ev["UID"]).split("@")[0]: ev for ev in cal.walk("VEVENT")}
    assert set(events) == {site["evil"]["event_id"], site["plain"]["event_id"]}
    evil = events[site["evil"]["event_id"]]
    assert "URL" not in evil and "TZID" not in evil["DTSTART"].params
    assert str(evil["SUMMARY"]).startswith("<script>alert(1)</script>\nEND:VEVENT\nBEGIN:VEVENT\nUID:forged X-NEXT:1 Y")
    assert str(evil["DESCRIPTION"]) == DESCRIPTION.replace("\r\n", "\n")
    assert [str(c) for c in evil["CATEGORIES"].cats] == ["meetup", "a,b", "c;d\nX-TAG:1", "</script>"]


def test_atom_and_json_stay_well_formed_and_link_free(site: dict[str, Any]) -> None:
    feed = feedparser.parse((site["out"] / "feed.atom").read_bytes())
    assert not feed.bozo
    titles = [e.title for e in feed.entries]
    assert any(t.startswith("<script>alert(1)</script>") for t in titles)
    assert all(e.link.startswith("https://events.example.org/") for e in feed.entries)
    doc = json.loads((site["out"] / "events.json").read_bytes())
    evil = next(ev for ev in doc["events"] if ev["id"] == site["evil"]["event_id"])
    assert evil["url"] is None and evil["cfp"]["url"] is None and evil["sources"][0]["url"] is None
    assert evil["title"] == TITLE


@pytest.mark.parametrize(
    "url",
    [
        "https://ok.example/a?b=1&c=2#d",
        "http://ok.example:8080/",
        "https://ok.example/a%20b",
        "HTTPS://ok.example/",
        "javascript:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,x",
        "vbscript:x",
        'https://ok.example/"onmouseover=x',
        "https://ok.example/<script>",
        "https:///nohost",
        "//ok.example/x",
        "https://ok.example/ x",
        "https://ok.example/\u202e",
        "https://ok.example/\\x",
        "https://ok.example/'x",
        "ftp://ok.example/",
    ],
)
def test_safe_href_agrees_with_safe_url(url: str) -> None:
    from pyevents.output.site import safe_href
    from pyevents.pipeline.normalize.text import safe_url

    assert safe_href(url) == (safe_url(url) or "")
    assert not safe_href(url).lower().startswith(("javascript", "data", "vbscript"))
