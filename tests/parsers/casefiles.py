"""Self-describing parser cases: one file holds a document and what parsing it must give.

A case file (tests/parsers/cases/<format>/…) starts with a header of `#` lines, then the document:

    # A folded SUMMARY is unfolded before it is read.        <- line 1: what the case checks
    # reader: plain                                          <- the rest of the header: YAML
    # events:
    #   - {source_uid: fold@example.org, title: A long title, starts_at: "2026-05-05T18:00:00+00:00"}
    BEGIN:VCALENDAR
    …

The header says what to expect (every key is optional unless said):
  events      the full list of events, ordered by start (UTC), then source_uid and title; each entry
              lists only the SourceEvent fields it checks (times compare as `isoformat()`)
  count       instead of `events`: how many events, with `includes` (entries some event must match)
              and `excludes` (entries no event may match)
  rejects     the rejects in the order given: "reason" or "reason: a fragment of the detail"
  warnings    the warnings, exactly
  error       a fragment of the document's error (none expected when absent)
  reader      iCal only, required: which reader reads it (plain, icalendar, or none for a non-calendar)
and how to parse it:
  window      [first day, day after the last] in UTC (default 2026-01-01, 2027-01-01)
  as-of       the run's instant (default: the window's start), from which dates without a year are read
  default-zone, federation-zone (default UTC), source-name, max-per-series, url
  line-breaks CRLF, LF or CR: the document's line breaks as parsed (default: CRLF for iCal, what
              exports send; LF, as the file has them, for the other formats)
  encoding    the document is UTF-8 in the file and parsed in this encoding (utf-16 and utf-8-sig add
              a BOM); without it the bytes are parsed as they are

Absent keys expect nothing: no rejects, no warnings, no error. Times in the header are strings, never
YAML timestamps. To add a case, add a file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from pyevents.pipeline.model import ParseContext, ParsedSource, SourceDefaults, SourceEvent, Window

CASES = Path(__file__).resolve().parent / "cases"
_HEADER_KEYS = frozenset(
    {
        "events",
        "count",
        "includes",
        "excludes",
        "rejects",
        "warnings",
        "error",
        "reader",
        "window",
        "as-of",
        "default-zone",
        "federation-zone",
        "source-name",
        "max-per-series",
        "url",
        "line-breaks",
        "encoding",
    }
)
_LINE_BREAKS = {"CRLF": b"\r\n", "LF": b"\n", "CR": b"\r"}
_EVENT_FIELDS = frozenset(SourceEvent.__dataclass_fields__)


class _Loader(yaml.SafeLoader):
    """YAML without timestamps: a time in a header is compared as written."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Case:
    path: Path
    description: str
    expect: Mapping[str, Any]
    body: bytes

    def context(self, source_type: str) -> ParseContext:
        first, last = (
            dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC)
            for day in self.expect.get("window", ("2026-01-01", "2027-01-01"))
        )
        as_of = dt.datetime.fromisoformat(self.expect["as-of"]).astimezone(dt.UTC) if "as-of" in self.expect else first
        return ParseContext(
            "case",
            source_type,
            self.expect.get("url", "https://example.org/calendar"),
            Window(as_of, first, last),
            SourceDefaults(timezone=self.expect.get("default-zone")),
            self.expect.get("federation-zone", "UTC"),
            max_occurrences_per_series=self.expect.get("max-per-series", 1000),
            source_name=self.expect.get("source-name", ""),
        )


def read_case(path: Path) -> Case:
    raw = path.read_bytes()
    header: list[str] = []
    while raw.startswith(b"#"):
        line, _, raw = raw.partition(b"\n")
        header.append(line.decode("utf-8")[1:].removeprefix(" ").rstrip("\r"))
    if not header or not header[0].strip():
        raise ValueError(f"{path.name}: the first line must say what the case checks")
    expect = yaml.load("\n".join(header[1:]), Loader=_Loader) or {}
    unknown = set(expect) - _HEADER_KEYS
    if unknown:
        raise ValueError(f"{path.name}: unknown header keys {sorted(unknown)}")
    return Case(path, header[0].strip(), expect, _body(raw, expect, "CRLF" if path.parent.name == "ical" else "LF"))


def _body(raw: bytes, expect: Mapping[str, Any], line_breaks: str) -> bytes:
    breaks = _LINE_BREAKS[expect.get("line-breaks", line_breaks)]
    body = raw.replace(b"\r\n", b"\n").replace(b"\n", breaks)
    encoding = expect.get("encoding")
    return body.decode("utf-8").encode(encoding) if encoding else body


def case_paths(folder: str) -> list[Path]:
    """The case files of a format, sorted."""
    return sorted(p for p in (CASES / folder).iterdir() if p.is_file() and not p.name.startswith("."))


def case_params(folder: str) -> list[object]:
    """One pytest param per case file of a format, named by the file."""
    return [pytest.param(path, id=path.stem) for path in case_paths(folder)]


def check(case: Case, parsed: ParsedSource) -> None:
    """Assert that `parsed` is what the case's header expects."""
    expect = case.expect
    events = sorted(parsed.events, key=lambda e: (e.starts_at.astimezone(dt.UTC), e.source_uid, e.title))
    if "events" in expect:
        wanted = expect["events"] or []
        if len(events) != len(wanted):
            pytest.fail(f"{case.description}: {len(events)} events, expected {len(wanted)}: {[_brief(e) for e in events]}")
        assert [_project(event, entry) for event, entry in zip(events, wanted)] == wanted, case.description
    else:
        assert "count" in expect, f"{case.path.name}: says neither events nor count"
        assert len(events) == expect["count"], f"{case.description}: {[_brief(e) for e in events]}"
        for entry in expect.get("includes", []):
            assert any(_project(event, entry) == entry for event in events), f"{case.description}: none is {entry}"
        for entry in expect.get("excludes", []):
            assert not any(_project(event, entry) == entry for event in events), f"{case.description}: one is {entry}"
    _check_rejects(case, parsed)
    assert parsed.warnings == expect.get("warnings", []), case.description
    error = expect.get("error")
    if error is None:
        assert parsed.error is None, case.description
    else:
        assert error in (parsed.error or ""), f"{case.description}: error {parsed.error!r}"


def _check_rejects(case: Case, parsed: ParsedSource) -> None:
    wanted = [str(item).partition(": ") for item in case.expect.get("rejects", [])]
    got = [(reject.reason, reject.detail) for reject in parsed.rejects]
    assert [reason for reason, _, _ in wanted] == [reason for reason, _ in got], f"{case.description}: {got}"
    for (reason, _, fragment), (_, detail) in zip(wanted, got):
        assert fragment in detail, f"{case.description}: {reason} detail {detail!r} lacks {fragment!r}"


def _project(event: SourceEvent, entry: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(entry) - _EVENT_FIELDS
    assert not unknown, f"no SourceEvent fields {sorted(unknown)}"
    return {name: _value(getattr(event, name)) for name in entry}


def _value(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date) else value


def _brief(event: SourceEvent) -> tuple[str, str]:
    return event.source_uid, event.starts_at.isoformat()
