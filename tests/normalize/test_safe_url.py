"""safe_url: a base changes only relative URLs, and a broken host is refused, never raised."""

from __future__ import annotations

import pytest

from pyevents.pipeline.normalize.text import safe_url

BASE = "https://group.example.org/feed/"


@pytest.mark.parametrize(
    "url",
    [
        "https://pycon.example.org/2027/",
        "http://x.example.org/a b",
        "https://x.example.org/<b>",
        "http:// x.example.org/",
        "https://",
    ],
)
def test_an_absolute_url_is_decided_as_without_a_base(url: str) -> None:
    assert safe_url(url, BASE) == safe_url(url)


@pytest.mark.parametrize("url", ["http://[::1", "//[::1/x", "https://[zz]/"])
@pytest.mark.parametrize("base", [None, BASE])
def test_a_broken_ipv6_host_is_refused(url: str, base: str | None) -> None:
    assert safe_url(url, base) is None


def test_a_relative_url_joins_the_base() -> None:
    assert safe_url("../e/1", BASE) == "https://group.example.org/e/1"
    assert safe_url("../e/1") is None
