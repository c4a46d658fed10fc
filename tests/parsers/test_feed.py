"""parse_feed and entry_links_needing_page where a case file (tests/parsers/cases/feed, run by test_cases.py)
does not fit: linked pages, hostile and generated feeds, what normalization makes of a parsed event."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pyevents.pipeline.model import ParseContext, SourceDefaults, Window
from pyevents.pipeline.normalize import finish_event
from pyevents.pipeline.parsers.feed import entry_links_needing_page, parse_feed
from tests.parsers.casefiles import CASES, read_case

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"
CAMPUS = read_case(CASES / "feed" / "campus_vendor_elements_cancelled.rss").body
NOT_A_FEED = read_case(CASES / "feed" / "html_page_is_refused.html").body
UTC = dt.UTC


def ctx(
    timezone: str | None = None, linked: dict[str, bytes] | None = None, url: str = "https://pug.example/feed"
) -> ParseContext:
    window = Window.around(dt.datetime(2025, 3, 1, tzinfo=UTC), 30, 365)
    return ParseContext("pug", "feed", url, window, SourceDefaults(timezone=timezone), linked=linked or {})


def test_an_offset_only_time_gets_the_zone_of_its_place() -> None:
    case = read_case(CASES / "feed" / "rss1_event_module.rdf")
    meeting = parse_feed(case.body, case.context("feed")).events[0]
    assert (meeting.timezone, meeting.zone_basis) == ("UTC+02:00", "offset")  # the feed gives an offset only
    assert finish_event(meeting, SourceDefaults()).timezone == "Europe/Berlin"  # Heidelberg's zone has it then


def test_hevent_in_entry_xcal_elements_and_linked_pages() -> None:
    page = (FIXTURES / "social_april_page.html").read_bytes()
    linked = {"https://pyladies-lagos.example/events/social-april": page}
    result = parse_feed((FIXTURES / "atom_hevent_and_links.atom").read_bytes(), ctx("Africa/Lagos", linked))
    events = {e.title: e for e in result.events}
    assert set(events) == {"pandas for beginners", "PyLadies Lagos April social", "Python Lagos x PyLadies mixer"}

    workshop = events["pandas for beginners"]  # h-event inside the entry's HTML content
    assert workshop.starts_at == dt.datetime(2025, 4, 12, 9, tzinfo=UTC)
    assert workshop.source_uid == "tag:pyladies-lagos.example,2025:workshop-pandas"
    assert workshop.url == "https://pyladies-lagos.example/events/pandas"
    assert workshop.location == "Yaba, Lagos"

    social = events["PyLadies Lagos April social"]  # JSON-LD on the linked page; two entries link to it: kept once
    assert social.status == "cancelled"
    assert (social.venue, social.city, social.country) == ("Co-Creation Hub", "Lagos", "NG")
    assert social.source_url == "https://pyladies-lagos.example/events/social-april"

    mixer = events["Python Lagos x PyLadies mixer"]  # xCal dtstart, floating: the source's zone
    assert mixer.starts_at == dt.datetime(2025, 4, 26, 15, tzinfo=UTC)
    assert mixer.timezone == "Africa/Lagos"


def test_entry_links_needing_page() -> None:
    body = (FIXTURES / "atom_hevent_and_links.atom").read_bytes()
    assert entry_links_needing_page(body, 10) == [
        "https://pyladies-lagos.example/events/social-april",
        "https://pyladies-lagos.example/blog/2024-review",  # relative link resolved against the feed's link
    ]
    assert entry_links_needing_page(body, 1) == ["https://pyladies-lagos.example/events/social-april"]
    assert entry_links_needing_page(body, 0) == []
    assert entry_links_needing_page(NOT_A_FEED, 5) == []


def test_unsafe_links_are_not_followed() -> None:
    body = b"""<rss version="2.0"><channel><item><title>x</title><link>javascript:alert(1)</link></item>
    <item><title>y</title><link>file:///etc/passwd</link></item><item><title>z</title><link>https://ok.example/e</link></item>
    </channel></rss>"""
    assert entry_links_needing_page(body, 10) == ["https://ok.example/e"]


def test_bozo_feed_is_salvaged_and_flagged() -> None:
    body = CAMPUS.replace(b"</channel></rss>", b"<broken></channel>")
    result = parse_feed(body, ctx())
    assert len(result.events) == 1
    assert len(result.warnings) == 1 and result.warnings[0].startswith("feed is not well-formed")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "koi8-r", "shift_jis"])
def test_other_encodings(encoding: str) -> None:
    title = {"koi8-r": "Встреча питонистов Москвы", "shift_jis": "Python勉強会"}.get(encoding, "Pythonトーク")
    text = {
        "koi8-r": "Приходите на встречу: доклады о типизации, асинхронности и упаковке пакетов, потом общение.",  # noqa: RUF001 - Russian prose
        "shift_jis": "今月の勉強会では型ヒントと非同期処理について話します。初心者も歓迎です。",
    }.get(encoding, "Talks and networking")
    body = (
        "<rss version='2.0' xmlns:ev='http://purl.org/rss/1.0/modules/event/'><channel><title>t</title>"
        f"<item><title>{title}</title><description>{text}</description>"
        "<ev:startdate>2025-04-07T18:30:00Z</ev:startdate></item></channel></rss>"
    ).encode(encoding, "replace")
    assert [e.title for e in parse_feed(body, ctx()).events] == [title]


def test_external_entities_are_never_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    body = f"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{secret.as_uri()}"><!ENTITY web SYSTEM "http://127.0.0.1:9/evil">]>
<rss version="2.0" xmlns:ev="http://purl.org/rss/1.0/modules/event/"><channel><title>t</title>
<item><title>Meetup &xxe; &web;</title><description>&xxe;</description>
<ev:startdate>2025-04-07T18:30:00Z</ev:startdate></item></channel></rss>""".encode()
    result = parse_feed(body, ctx())
    for ev in result.events:
        assert "TOP-SECRET" not in ev.title + ev.description + (ev.location or "")


def test_billion_laughs_is_not_expanded() -> None:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )
    body = f"""<?xml version="1.0"?><!DOCTYPE rss [{entities}]>
<rss version="2.0" xmlns:ev="http://purl.org/rss/1.0/modules/event/"><channel><title>t</title>
<item><title>Laughs &lol9;</title><ev:startdate>2025-04-07T18:30:00Z</ev:startdate></item></channel></rss>""".encode()
    result = parse_feed(body, ctx())
    # expat's amplification limit stops the expansion (10^9 "lol"s) and the recovering parser resolves
    # no entity; what is salvaged carries no expanded text
    assert len(result.warnings) == 1 and "limit on input amplification factor" in result.warnings[0], result.warnings
    assert all("lollol" not in ev.title + ev.description for ev in result.events)


def test_bytes_that_look_like_a_path_or_url_are_not_opened(tmp_path: Path) -> None:
    feed_file = tmp_path / "feed.xml"
    feed_file.write_bytes(CAMPUS)
    assert parse_feed(str(feed_file).encode(), ctx()).events == []
    assert parse_feed(b"http://127.0.0.1:9/feed.xml", ctx()).events == []
