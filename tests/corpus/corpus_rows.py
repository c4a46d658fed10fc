"""Self-describing expectations for the shared corpus (feedparser style): one row per file.

Each row states what parsing the file must yield: how many events inside its window, and for one
chosen event (found by title) the UTC start, all-day, cancellation, online and CFP fields. Files
that are not usable state the exact error instead. A corpus file without a row fails its test, so a
new file cannot slip in unexamined.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pyevents.pipeline.model import ParseContext, ParsedSource, SourceDefaults, Window
from pyevents.pipeline.normalize import finish_events
from tests.shared_corpus import CORPUS, corpus_files, require


@dataclass(frozen=True)
class Row:
    count: int
    title: str | None = None  # the chosen event: the first with this title
    start_utc: str | None = None  # its start instant, ISO 8601 in UTC
    end_utc: str | None = None
    all_day: bool = False
    cancelled: bool = False
    online: bool = False
    timezone: str | None = None
    cfp_url: str | None = None
    cfp_ends_utc: str | None = None
    error: str | None = None  # the exact ParsedSource.error, when the file is not usable
    window: tuple[str, str] = ("1990-01-01", "2031-01-01")
    default_tz: str | None = None  # the source's configured default zone
    warnings: int | None = None  # how many warnings (bozo feeds); None: not checked


def context(source_type: str, row: Row, timezone: str | None = None) -> ParseContext:
    start, end = (dt.datetime.fromisoformat(d).replace(tzinfo=dt.UTC) for d in row.window)
    window = Window(as_of=start, start=start, end=end)
    return ParseContext("corpus", source_type, "https://example.org/source", window, SourceDefaults(timezone=timezone))


def check(path: Path, rows: dict[str, Row], parse: Callable[[bytes, ParseContext], ParsedSource], source_type: str) -> None:
    require(path)
    assert path.name in rows, f"{path.name} has no expectation row: read the file and add one"
    row = rows[path.name]
    ctx = context(source_type, row, row.default_tz)
    result = parse(path.read_bytes(), ctx)
    assert result.error == row.error
    assert len(result.events) == row.count, [e.title for e in result.events]
    if row.warnings is not None:
        assert len(result.warnings) == row.warnings, result.warnings
    for ev in result.events:
        assert ev.starts_at.tzinfo is not None and ev.ends_at >= ev.starts_at
        assert ev.source_uid and ev.title and "\n" not in ev.title
    assert len({ev.source_uid for ev in result.events}) == len(result.events), "source_uid must be unique"
    if row.title is None:
        return
    ev = next((e for e in result.events if e.title == row.title), None)
    assert ev is not None, f"no event titled {row.title!r} in {[e.title for e in result.events][:10]}"
    # the times as normalization settles them in the place's zone (as parse_source does); the rest as parsed
    timed = finish_events([ev], ctx.defaults, None, ctx.federation_timezone)[0]
    assert timed.starts_at.astimezone(dt.UTC).isoformat() == row.start_utc
    if row.end_utc is not None:
        assert timed.ends_at.astimezone(dt.UTC).isoformat() == row.end_utc
    assert ev.all_day is row.all_day
    assert (ev.status == "cancelled") is row.cancelled
    assert ev.online is row.online
    if row.timezone is not None:
        assert timed.timezone == row.timezone
    assert ev.cfp_url == row.cfp_url
    cfp = timed.cfp_ends_at.astimezone(dt.UTC).isoformat() if timed.cfp_ends_at else None
    assert cfp == row.cfp_ends_utc


def assert_rows_name_existing_files(folder: str, rows: dict[str, Row]) -> None:
    """Every expectation row names a file that is still in the corpus folder."""
    require(CORPUS / folder)
    names = {p.name for p in corpus_files(folder)}
    assert set(rows) <= names, set(rows) - names
