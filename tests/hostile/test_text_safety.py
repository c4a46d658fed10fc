"""Text and URLs from sources are made inert before anything else sees them (pipeline/normalize/text.py)."""

from __future__ import annotations

import pytest

from pyevents.pipeline.normalize.text import clean_text, html_to_text, safe_url


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("PyCon\x00 Berlin", "PyCon Berlin"),  # NUL
        ("Py\u202eCon\u202c \u2066Berlin\u2069", "PyCon Berlin"),  # bidi overrides and isolates
        ("lone \ud800surrogate", "lone surrogate"),
        ("\ufeffBOM inside", "BOM inside"),
        ("Cafe\u0301", "Café"),  # NFC: combining accent composed
        ("bell\x07 and\x1b[31m escape", "bell and[31m escape"),
        ("C1\x85control\x9b", "C1control"),
    ],
)
def test_clean_text_removes_unsafe_characters(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


def test_line_breaks_fold_to_lf_and_titles_to_one_line() -> None:
    assert clean_text("a\r\nb\rc\n\n\n\nd") == "a\nb\nc\n\nd"
    injected = "Meetup\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:evil"
    assert clean_text(injected, single_line=True) == "Meetup END:VEVENT BEGIN:VEVENT SUMMARY:evil"
    assert "\n" not in clean_text(injected, single_line=True) and "\r" not in clean_text(injected)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        " JaVaScRiPt:alert(1)",
        "java\tscript:alert(1)",
        "\x01javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "//evil.example.org/x",
        "https:///no-host",
        'https://ok.example.org/"onmouseover="alert(1)',
        "https://ok.example.org/<script>",
        "",
        None,
    ],
)
def test_unsafe_urls_are_refused(url: object) -> None:
    assert safe_url(url) is None


@pytest.mark.parametrize(
    ("url", "base", "expected"),
    [
        ("https://pycon.example.org/2027/", None, "https://pycon.example.org/2027/"),
        ("  http://Meetup.example.org/e/1  ", None, "http://Meetup.example.org/e/1"),
        ("/events/42", "https://group.example.org/feed", "https://group.example.org/events/42"),
        ("HTTPS://UPPER.example.org/", None, "HTTPS://UPPER.example.org/"),
    ],
)
def test_safe_urls_pass(url: str, base: str | None, expected: str) -> None:
    assert safe_url(url, base) == expected


def test_html_descriptions_become_plain_text_without_scripts() -> None:
    text = html_to_text(
        '<p>Talks &amp; <b>pizza</b></p><script>alert(1)</script><iframe src="https://x"></iframe>'
        '<img src=x onerror="alert(1)"><p>Register <a href="https://ok.example.org/r">here</a>'
        ' or <a href="javascript:alert(1)">there</a></p>'
    )
    assert text == "Talks & pizza\nRegister here (https://ok.example.org/r) or there"
    assert "<" not in text and "alert" not in text


def test_plain_text_with_angle_brackets_is_kept_as_text() -> None:
    assert html_to_text("Python 3 < 4 and a > b") == "Python 3 < 4 and a > b"
