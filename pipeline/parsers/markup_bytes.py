"""Bytes of web documents to text: captured HTTP headers dropped, encodings found even when undeclared.

Feeds come in KOI8-R, Shift_JIS, UTF-16 without BOM or windows-1255 with no declaration at all; pages
are sometimes saved with the HTTP status line and headers in front. These helpers give the parsers
clean text (or UTF-8 bytes whose XML declaration says UTF-8) so the libraries never guess wrong.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes
from w3lib.encoding import html_to_unicode

_STATUS_LINE = re.compile(rb"^\s*HTTP/\d(?:\.\d)? \d{3}[^\r\n]*\r?\n")
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_MAX_HEADER_BYTES = 16_384
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_XML_DECL_BYTES = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]{1,40})[\"']", re.IGNORECASE)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_SNIFF_BYTES = 65_536  # charset detection reads this much; enough for any real feed's language


def strip_http_headers(body: bytes) -> bytes:
    """The document without a captured "HTTP/1.1 200 OK" status line and headers in front of it."""
    if not _STATUS_LINE.match(body[:200]):
        return body
    end = _HEADER_END.search(body, 0, _MAX_HEADER_BYTES)
    return body[end.end() :] if end else body


def decode_xml(body: bytes) -> str:
    """The text of an XML document: BOM, then UTF-16/32 byte patterns, then the declaration, then UTF-8,
    then statistical detection (charset_normalizer) for legacy encodings declared nowhere."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(encoding, "replace")
    wide = _wide_encoding(body[:16])
    if wide:
        return body.decode(wide, "replace")
    declared = _XML_DECL_BYTES.match(body)
    if declared:
        text = _decode_as(body, declared.group(1).decode("ascii"))
        if text is not None:
            return text
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = from_bytes(body[:_SNIFF_BYTES]).best()
    if best is not None and best.encoding:
        text = _decode_as(body, best.encoding)
        if text is not None:
            return text
    return body.decode("utf-8", "replace")


def xml_as_utf8(body: bytes) -> bytes:
    """The document re-encoded as UTF-8 with its XML declaration (if any) saying so."""
    text = decode_xml(strip_http_headers(body))
    text = _XML_DECL.sub('<?xml version="1.0" encoding="utf-8"?>', text, count=1)
    return text.encode("utf-8", "replace")


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """The text of an HTML page: BOM, HTTP header, <meta charset>, then detection (w3lib's rules)."""
    _, text = html_to_unicode(content_type, strip_http_headers(body))
    return text


def _wide_encoding(head: bytes) -> str | None:
    """UTF-16/32 without BOM, recognized by where the zero bytes of the ASCII markup at the start fall."""
    if len(head) < 8:
        return None
    for encoding, width, position in (("utf-32-le", 4, 0), ("utf-32-be", 4, 3), ("utf-16-le", 2, 0), ("utf-16-be", 2, 1)):
        units = [head[i : i + width] for i in range(0, len(head) - width + 1, width)]
        if all(u[position] != 0 and u.count(0) == width - 1 for u in units):
            return encoding
    return None


def _decode_as(body: bytes, encoding: str) -> str | None:
    try:
        codec = codecs.lookup(encoding)
        # A declaration of UTF-8 on bytes that are not UTF-8 is a lie; let detection decide.
        return body.decode(codec.name, "strict" if codec.name == "utf-8" else "replace")
    except (LookupError, UnicodeDecodeError):
        return None
