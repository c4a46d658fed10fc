"""`pyevents sources`: the federation grouped by region and country, one line per source at any width.

Each row joins a source's config (id, type, country…) with its health from the database, when there
is one (status, last success, last error, events). The short listing cuts ids with an ellipsis to fit
the terminal; `--wide` prints every field uncut; `--json` prints the rows themselves.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from itertools import groupby
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from pyevents.config import Config, SourceConfig
from pyevents.pipeline.normalize.countries import region_of

MIN_ID_WIDTH = 16
HEALTHY = ("ok", "not_modified", "not run")
NO_REGION = "worldwide"  # sources that name no country (python.org's calendar, conference lists)
SHORT_COLUMNS = ("id", "type", "country", "status", "last_success")
WIDE_COLUMNS = (
    "region",
    "country",
    "id",
    "type",
    "format",
    "status",
    "last_success",
    "events",
    "kind",
    "city",
    "priority",
    "enabled",
    "name",
    "url",
    "last_error",
)


def source_rows(config: Config, health: Sequence[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    """One dict per configured source, by region, country and id, with its health when `health` has it."""
    by_id = {h["source_id"]: h for h in health}
    rows = [_row(s, by_id.get(s.id)) for s in config.sources]
    return sorted(rows, key=lambda r: (r["region"], r["country"] or "", r["id"]))


class HealthUnreadable(Exception):
    """The database exists but its `sources` table cannot be read (not a pyevents database, damaged…)."""


def read_health(db_path: Path) -> list[dict[str, Any]]:
    """The `sources` table of the database at `db_path`, or nothing before the first run."""
    from pyevents.pipeline.store.reader import READ_ERRORS, Snapshot

    if not db_path.is_file():
        return []
    try:
        with Snapshot(db_path) as snap:
            return snap.sources()
    except READ_ERRORS as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise HealthUnreadable(f"cannot read the sources' health from {db_path}: {reason}") from None


def _row(s: SourceConfig, health: dict[str, Any] | None) -> dict[str, Any]:
    region = s.region or region_of(s.defaults.country) or ("online" if s.defaults.online else NO_REGION)
    last_success = health.get("last_success_at") if health else None
    if not s.enabled:
        status = "disabled"
    elif health is None:
        status = "not run"
    else:
        status = health.get("last_status") or "not run"
    return {
        "id": s.id,
        "name": s.name,
        "type": s.type,
        "format": s.format,
        "region": region,
        "country": s.defaults.country,
        "city": s.defaults.city,
        "kind": s.defaults.kind,
        "enabled": s.enabled,
        "priority": s.priority,
        "url": s.url,
        "status": status,
        "last_success": last_success.astimezone(dt.UTC).isoformat() if last_success else None,
        "last_error": health.get("last_error") if health else None,
        "events": health.get("event_count") if health else None,
    }


def _text(row: dict[str, Any], column: str) -> str:
    value = row[column]
    if column == "last_success":
        return value[:10] if value else "never"
    return "" if value is None else str(value)


def print_short(console: Console, title: str, rows: list[dict[str, Any]]) -> None:
    """Region headings, then one line per source: id, type, country, status, day of last success."""
    console.print(Text(title, style="bold"))
    fixed = {c: max([len(c), *(len(_text(r, c)) for r in rows)]) for c in SHORT_COLUMNS[1:]}
    room = console.width - sum(fixed.values()) - 2 * len(SHORT_COLUMNS)  # two of indent, two between columns
    id_width = max(MIN_ID_WIDTH, min(max((len(r["id"]) for r in rows), default=2), room))
    widths = {"id": id_width, **fixed}
    header = "  " + "  ".join(c.replace("_", " ").ljust(widths[c]) for c in SHORT_COLUMNS)
    console.print(Text(header.rstrip(), style="dim"), no_wrap=True, crop=False)
    for region, group in groupby(rows, key=lambda r: r["region"]):
        members = list(group)
        countries = len({r["country"] for r in members if r["country"]})
        heading = f"{region}: {_count(len(members), 'source')}"
        if countries:
            heading += f" in {_count(countries, 'country', 'countries')}"
        console.print()
        console.print(Text(heading, style="bold"))
        for row in members:
            cells = [_cut(_text(row, c), widths[c]).ljust(widths[c]) for c in SHORT_COLUMNS]
            style = "dim" if not row["enabled"] else ("red" if row["status"] not in HEALTHY else "")
            console.print(Text(("  " + "  ".join(cells)).rstrip(), style=style), no_wrap=True, crop=False)
    console.print()
    console.print(summary_line(rows), highlight=False)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def wide_lines(rows: list[dict[str, Any]]) -> list[str]:
    """Every field of every source, uncut, in aligned columns (as wide as the longest value)."""
    texts = [[_text(r, c) for c in WIDE_COLUMNS] for r in rows]
    widths = [max([len(c), *(len(t[i]) for t in texts)]) for i, c in enumerate(WIDE_COLUMNS)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(WIDE_COLUMNS, widths)).rstrip()]
    lines += ["  ".join(t.ljust(w) for t, w in zip(row, widths)).rstrip() for row in texts]
    return lines


def summary_line(rows: list[dict[str, Any]]) -> str:
    by_region = Counter(r["region"] for r in rows)
    by_type = Counter(r["type"] for r in rows)
    countries = len({r["country"] for r in rows if r["country"]})
    return (
        "by region: "
        + ", ".join(f"{k} {v}" for k, v in sorted(by_region.items()))
        + " | by type: "
        + ", ".join(f"{k} {v}" for k, v in sorted(by_type.items()))
        + f" | countries: {countries}"
    )
