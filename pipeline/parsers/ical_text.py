"""iCalendar bytes made into text icalendar can parse: decoding, sniffing and structural repair.

Real calendars arrive with byte-order marks, as UTF-16, with invalid UTF-8 or per-property
`CHARSET=` parameters, with garbage lines, unclosed components, several VCALENDARs in one file or a
bare VEVENT. icalendar drops a whole document over one bad line or one missing END, so the text is
repaired line by line first, using icalendar's own content-line parser to decide what is valid.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

from icalendar.parser import Contentline
from icalendar.parser.property import unescape_backslash

_LINE_BREAK = re.compile(rb"\r\n|\r|\n")
_TEXT_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_CHARSET_PARAM = re.compile(rb";CHARSET=\"?([A-Za-z0-9_.-]{1,40})", re.IGNORECASE)
# A line of its own, whichever line breaks the text has (CR alone too, as old Mac exports).
_BEGIN_CALENDAR = re.compile(r"(?:^|\r)BEGIN:(?:VCALENDAR|VEVENT)[^\S\r\n]*(?:\r|$)", re.IGNORECASE | re.MULTILINE)
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_DATE_PROPERTIES = frozenset({"DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE", "RDATE"})
_DATES = re.compile(r"^\d{8}(?:,\d{8})*$")
# The common shape of a content line: NAME, then unquoted parameters without escapes, then ":".
# icalendar's character-by-character Contentline parser accepts every line of this shape with the
# same name and parameters, so only the other lines need it.
_PLAIN_LINE = re.compile(r"([A-Za-z0-9-]+)((?:;[A-Za-z0-9-]+=[^\x00-\x1f\x7f\",:;\\]+)*):")
_VALUE_PARAM = re.compile(r";VALUE=", re.IGNORECASE)
MAX_NESTING = 8  # VCALENDAR > VEVENT > VALARM is 3; deeper nesting is hostile


@dataclass(slots=True)
class CalendarText:
    """Text ready for icalendar, and what was repaired to get it."""

    text: str
    warnings: list[str] = field(default_factory=list)


def decode_calendar(body: bytes) -> CalendarText:
    """Decode by BOM, UTF-16 without BOM, then line by line: UTF-8, the line's CHARSET=, UTF-8 with U+FFFD."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return CalendarText(body[len(bom) :].decode(encoding, "replace"))
    utf16 = _utf16_without_bom(body)
    if utf16 is not None:
        return CalendarText(body.decode(utf16, "replace"))
    try:
        return CalendarText(body.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    lines: list[str] = []
    replaced = 0
    for raw in _LINE_BREAK.split(body):
        try:
            lines.append(raw.decode("utf-8"))
            continue
        except UnicodeDecodeError:
            pass
        declared = _declared_charset(raw)
        if declared is not None:
            lines.append(raw.decode(declared, "replace"))
        else:
            lines.append(raw.decode("utf-8", "replace"))
            replaced += 1
    warnings = [f"invalid UTF-8 replaced on {replaced} line(s)"] if replaced else []
    return CalendarText("\r\n".join(lines), warnings)


def _utf16_without_bom(body: bytes) -> str | None:
    """UTF-16 text of ASCII-range iCalendar has a NUL in every other byte."""
    sample = body[:400]
    if len(sample) < 4 or sample.count(0) < len(sample) // 4:
        return None
    if sample[1::2].count(0) > len(sample) // 4:
        return "utf-16-le"
    if sample[0::2].count(0) > len(sample) // 4:
        return "utf-16-be"
    return None


def _declared_charset(raw: bytes) -> str | None:
    match = _CHARSET_PARAM.search(raw)
    if match is None:
        return None
    try:
        return codecs.lookup(match.group(1).decode("ascii")).name
    except LookupError:
        return None


def not_a_calendar(text: str) -> str | None:
    """One human line saying what the document is when it is not an iCalendar file, else None."""
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped:
        return "empty document, not an iCalendar file"
    head = stripped[:2000].lower()
    if head.startswith("<"):
        if "<html" in head or "<!doctype html" in head or "<body" in head or "<head" in head:
            return "looks like an HTML page, not an iCalendar file (a login page?)"
        return "looks like an XML or HTML document, not an iCalendar file"
    if head.startswith(("{", "[")):
        return "looks like JSON, not an iCalendar file"
    if _BEGIN_CALENDAR.search(stripped) is None:
        first = stripped.split("\n", 1)[0][:60].strip()
        return f"not an iCalendar file: no BEGIN:VCALENDAR or BEGIN:VEVENT (starts with {first!r})"
    return None


def repair_structure(text: str) -> CalendarText:
    """Valid content lines only, every component closed, every top-level component inside a VCALENDAR.

    Lines icalendar cannot parse are dropped; an END without its BEGIN is dropped; unclosed
    components are closed where their parent ends (or at the end of the file); properties outside
    any component are dropped; a bare VEVENT gets a VCALENDAR around it.
    """
    out: list[str] = []
    stack: list[str] = []
    dropped = closed = 0
    wrapped = False  # the VCALENDAR we opened around a bare component is not a repair worth a warning
    for line in logical_lines(text):
        if not line.strip():
            continue
        parsed = _parse_line(line)
        if parsed is None:
            dropped += 1
            continue
        name, bare_dates = parsed
        if bare_dates:
            # `DTSTART;TZID=US/Pacific:20060101` is a date; icalendar would make it a local midnight
            line = f"{line[: len(name)]};VALUE=DATE{line[len(name) :]}"
        if name in ("BEGIN", "END"):
            component = line.split(":", 1)[1].strip().upper()
            if name == "BEGIN":
                if not stack and component != "VCALENDAR":
                    out.append("BEGIN:VCALENDAR")
                    stack.append("VCALENDAR")
                    wrapped = True
                if component == "VCALENDAR" and stack:  # a new calendar starts: close the open one
                    closed += len(stack) - wrapped
                    out.extend(f"END:{open_name}" for open_name in reversed(stack))
                    stack.clear()
                    wrapped = False
                if len(stack) >= MAX_NESTING:
                    dropped += 1
                    continue
                stack.append(component)
                out.append(f"BEGIN:{component}")
            elif component in stack:
                while stack[-1] != component:
                    out.append(f"END:{stack.pop()}")
                    closed += 1
                out.append(f"END:{stack.pop()}")
                wrapped = wrapped and bool(stack)
            else:
                dropped += 1
            continue
        if not stack or (name == "RRULE" and "VTIMEZONE" in stack and not yearly_rule(line)):
            # real zone rules recur yearly; anything finer makes every offset lookup walk a bomb
            dropped += 1
            continue
        out.append(line)
    closed += max(len(stack) - wrapped, 0)
    out.extend(f"END:{open_name}" for open_name in reversed(stack))
    warnings = []
    if dropped:
        warnings.append(f"{dropped} unparsable or misplaced line(s) dropped")
    if closed:
        warnings.append(f"{closed} unclosed component(s) closed")
    # A trailing line break keeps icalendar from ever reading the text as a file path.
    return CalendarText("\r\n".join(out) + "\r\n", warnings)


def yearly_rule(rrule_line: str) -> bool:
    """A zone's RRULE repair keeps: real zone rules recur yearly."""
    return "FREQ=YEARLY" in rrule_line.upper().replace(" ", "")


def logical_lines(text: str) -> list[str]:
    """Unfold RFC 5545 continuation lines (a line starting with a space or tab continues the previous).

    Line breaks are CRLF, CR or LF; text with CRLF breaks only and no folded line (most exports) is
    split at once.
    """
    breaks = text.count("\r\n")
    if text.count("\r") == breaks == text.count("\n") and "\r\n " not in text and "\r\n\t" not in text:
        return text.split("\r\n")
    lines: list[str] = []
    for physical in _TEXT_LINE_BREAK.split(text):
        if physical[:1] in (" ", "\t") and lines:
            lines[-1] += physical[1:]
        else:
            lines.append(physical)
    return lines


def only_dates(value: str) -> bool:
    """A date property's value of dates only, which repair marks VALUE=DATE when the line has no VALUE."""
    return _DATES.match(unescape_backslash(value)) is not None


def _parse_line(line: str) -> tuple[str, bool] | None:
    """(upper-case name, whether the value is bare dates without VALUE=DATE), or None if unparsable."""
    plain = _PLAIN_LINE.match(line)
    if plain is not None:
        name, params = plain.group(1).upper(), plain.group(2)
        return name, name in _DATE_PROPERTIES and _VALUE_PARAM.search(params) is None and only_dates(line[plain.end() :])
    try:
        name, params, value = Contentline(line).parts()
    except (ValueError, IndexError, KeyError):
        return None
    name = name.upper()
    bare_dates = name in _DATE_PROPERTIES and "VALUE" not in params and _DATES.match(value) is not None
    return name, bare_dates
