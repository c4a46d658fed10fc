"""Every feed in ../shared/corpus/feeds against what reading it by eye says it holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyevents.pipeline.parsers.feed import entry_links_needing_page, parse_feed
from pyevents.pipeline.parsers.markup_bytes import decode_xml, strip_http_headers
from tests.corpus.corpus_rows import CORPUS, Row, assert_rows_name_existing_files, check
from tests.shared_corpus import file_params, require

ROWS: dict[str, Row] = {
    # Campus Labs <start>/<end> in the "events" namespace (RFC 822, GMT); window from 5 April keeps 36 of 40.
    "brock_campuslabs_engage_EXCERPT.rss": Row(
        36,
        "Chit Chaat",
        "2025-04-04T23:00:00+00:00",
        default_tz="America/Toronto",
        timezone="America/Toronto",
        window=("2025-04-05", "2025-05-01"),
    ),
    "delhi_events_aggregator.rss": Row(0),  # pubDate is publish time; the dates are only prose in descriptions
    "delhi_events_empty.rss": Row(0),
    "feedparser_georss_point.atom": Row(0),  # a point, but no dates
    "feedparser_item_link_corrupted_ampersands.xml": Row(0, warnings=1),  # truncated "</rss": bozo, salvaged
    "feedparser_koi8r_no_declaration.xml": Row(0, warnings=0),  # news entry, decoded (see below)
    "feedparser_shiftjis_no_declaration.xml": Row(0, warnings=0),
    "feedparser_undeclared_namespace.xml": Row(0, warnings=1),  # unbound itunes: prefix: bozo
    "simplepie_utf16le.xml": Row(0, warnings=0),
    "tantek_atom_with_http_headers.atom": Row(0, warnings=0),  # notes ("going to …"), dates only in prose
    "upcoming_org_api_v1.xml": Row(0, error="not an RSS/Atom feed: the root element is <rsp>"),
}


@pytest.mark.parametrize("path", file_params("feeds"))
def test_corpus_feed(path: Path) -> None:
    check(path, ROWS, parse_feed, "feed")


def test_rows_name_existing_files() -> None:
    assert_rows_name_existing_files("feeds", ROWS)


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("feedparser_koi8r_no_declaration.xml", "<title>Как пережить новогоднюю ночь</title>"),
        ("feedparser_shiftjis_no_declaration.xml", "<title>DrecomRSSに記事投稿が反映されない…</title>"),
        ("simplepie_utf16le.xml", "<title>Test feed title 1</title>"),
        ("tantek_atom_with_http_headers.atom", "<title>Tantek Çelik</title>"),
    ],
)
def test_undeclared_encodings_are_detected(name: str, fragment: str) -> None:
    path = CORPUS / "feeds" / name
    require(path)
    assert fragment in decode_xml(strip_http_headers(path.read_bytes()))


@pytest.mark.parametrize(
    ("name", "links"),
    [
        (
            "delhi_events_aggregator.rss",
            [
                "https://www.meetup.com/pydelhi/events/301520830/",
                "https://www.meetup.com/delhi-elixir-meetup-group/events/301280916/",
            ],
        ),
        ("brock_campuslabs_engage_EXCERPT.rss", []),  # every entry carries its dates
        ("feedparser_item_link_corrupted_ampersands.xml", ["http://link/get?a=1&b=2"]),
        ("upcoming_org_api_v1.xml", []),
    ],
)
def test_links_to_follow(name: str, links: list[str]) -> None:
    path = CORPUS / "feeds" / name
    require(path)
    assert entry_links_needing_page(path.read_bytes(), 2) == links
