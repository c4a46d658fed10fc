"""Text from sources made safe and clean: NFC, no control or bidi-override characters, no markup.

Every string a source sends passes through here before it is stored, so nothing downstream (HTML
templates, iCal serialization) ever sees a raw control character or a lone surrogate.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from urllib.parse import urljoin, urlsplit

import lxml.html

# C0/C1 controls except TAB and LF, DEL, bidi embeddings/overrides/isolates, and lone surrogates.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\ud800-\udfff\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_BLOCK_TAGS = ("p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "blockquote")
_HTML_HINT = re.compile(r"<(?:/?[a-zA-Z][a-zA-Z0-9]*)(?:\s[^<>]*)?/?>")
SAFE_SCHEMES = ("http", "https")
_NOT_IN_URL = re.compile(r'[<>"\\ \x00-\x1f]')


# What clean_text changes besides unsafe characters, NFC, CR, tabs, no-break and double spaces.
_BLANK_BESIDE_BREAK = re.compile(r"\n(?:(?=[^\S\n])|(?<=[^\S\n]\n))")  # starts with \n: a fast literal scan


def clean_text(value: object, *, single_line: bool = False) -> str:
    """NFC-normalized text without unsafe characters; CR/LF folded to LF (or to spaces for titles)."""
    if value is None:
        return ""
    text = str(value)
    # Most text is already clean: checking that is a few scans in C instead of splitting and rejoining.
    return text if _is_clean(text, single_line) else _cleaned(text, single_line)


def _is_clean(text: str, single_line: bool) -> bool:
    """True only when `_cleaned` would return the text unchanged (substring scans, no per-character Python)."""
    if not text:
        return True
    if text[0].isspace() or text[-1].isspace():
        return False
    if "  " in text or "\t" in text or "\r" in text or "\u00a0" in text:
        return False
    if "\n" in text:
        if single_line or "\n\n\n" in text or _BLANK_BESIDE_BREAK.search(text):
            return False
        if text.isascii():
            return text.replace("\n", "").isprintable()  # ASCII's unsafe characters are its unprintable ones
    elif text.isascii():
        return text.isprintable()
    return _UNSAFE.search(text) is None and unicodedata.is_normalized("NFC", text)


def _cleaned(text: str, single_line: bool) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", _UNSAFE.sub("", text))
    if single_line:
        return _SPACES.sub(" ", text.replace("\n", " ")).strip()
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def html_to_text(value: object) -> str:
    """Plain text from an HTML fragment (descriptions often carry markup); text without markup is kept as is."""
    text = clean_text(value)
    if not text or not _HTML_HINT.search(text):
        return html.unescape(text) if "&" in text else text
    try:
        root = lxml.html.fragment_fromstring(text, create_parent="div")
    except (ValueError, lxml.etree.ParserError):
        return text
    for bad in root.xpath("//script|//style|//template|//iframe|//object|//embed"):
        bad.drop_tree()
    for el in root.iter(*_BLOCK_TAGS):
        el.tail = "\n" + (el.tail or "")
    for a in root.iter("a"):
        href = safe_url(a.get("href"))
        label = a.text_content().strip()
        if href and label and href not in label:
            a.tail = f" ({href})" + (a.tail or "")
    return clean_text(root.text_content())


def safe_url(value: object, base: str | None = None) -> str | None:
    """An absolute http(s) URL, or None: javascript:, data:, vbscript:, file: and relative junk never pass."""
    if value is None:
        return None
    text = str(value)
    if base is not None and text.startswith(("https://", "http://")):
        base = None  # an absolute URL ignores the base: one cache entry for it, however it is asked
    return _safe_url_text(text, base)


# A source's own URL and its events' links come back for every occurrence: each is decided once.
@functools.lru_cache(maxsize=4096)
def _safe_url_text(value: str, base: str | None) -> str | None:
    text = clean_text(value, single_line=True)
    # Browsers strip whitespace and control characters inside schemes; so do we before deciding.
    text = re.sub(r"\s+", "", text) if text.lower().lstrip().startswith(("http:", "https:")) else text.strip()
    if not text:
        return None
    try:  # urlsplit refuses a broken IPv6 host ("//[::1") with ValueError
        if base is not None and not urlsplit(text).scheme:
            text = urljoin(base, text)
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in SAFE_SCHEMES or not parts.hostname:
        return None
    if _NOT_IN_URL.search(text):
        return None
    return text


_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"'()\[\]{}]+", re.IGNORECASE)
_URL_TRAILER = ".,;:!?"  # sentence punctuation after a link is not part of it


def urls_in_text(text: str | None) -> list[str]:
    """The safe http(s) URLs written in plain text (a description), in order: what `html_to_text` left
    of a link ("Title (https://…)") or a bare URL."""
    found: list[str] = []
    for match in _URL_IN_TEXT.finditer(text or ""):
        url = safe_url(match.group(0).rstrip(_URL_TRAILER))
        if url and url not in found:
            found.append(url)
    return found
