"""Query results as a table that fits the terminal, or as CSV, JSON or Markdown (`pyevents query --format`).

The table never wraps: each cell is one line, cut with an ellipsis; a column keeps at least its
header's width (and MIN_WIDTH when its values are wider), and the columns that would not fit are
left out with a note naming them, rather than squeezed to a letter each.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

FORMATS = ("table", "csv", "json", "markdown")
MIN_WIDTH = 18  # a cut value keeps this much of itself, and an instant ("2027-03-01 09:30Z") is whole
MAX_WIDTH = 48  # no single column takes the whole screen while others could be shown
NULL = "NULL"


def cell_text(value: Any) -> str:
    """One line of text for a value (newlines become spaces); instants in ISO 8601 (UTC as Z, no :00 seconds)."""
    if value is None:
        return NULL
    if isinstance(value, dt.datetime):
        text = value.isoformat(sep=" ", timespec="minutes" if not (value.second or value.microsecond) else "auto")
        return text.removesuffix("+00:00") + "Z" if value.utcoffset() == dt.timedelta(0) else text
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(cell_text(v) for v in value) + "]"
    return " ".join(str(value).split()) if isinstance(value, str) else str(value)


def fit_widths(headers: Sequence[str], natural: Sequence[int], width: int) -> list[int]:
    """Widths for the leading columns that fit in `width` characters of a boxed table (fewer widths = fewer columns)."""
    floors = [min(max(n, len(h)), max(len(h), MIN_WIDTH)) for h, n in zip(headers, natural)]
    wants = [min(max(n, len(h)), max(MAX_WIDTH, len(h))) for h, n in zip(headers, natural)]
    shown = 0
    while shown < len(floors) and sum(floors[: shown + 1]) + _frame(shown + 1) <= width:
        shown += 1
    shown = max(shown, 1)  # a single very long header still shows (the terminal wraps it)
    widths = floors[:shown]
    spare = width - sum(widths) - _frame(shown)
    # Water-filling: the narrowest needs are met first, the rest share what is left evenly.
    needy = sorted(range(shown), key=lambda i: wants[i] - widths[i])
    for done, i in enumerate(needy):
        share = spare // (len(needy) - done) if spare > 0 else 0
        grant = min(wants[i] - widths[i], share)
        widths[i] += grant
        spare -= grant
    return widths


def _frame(columns: int) -> int:
    """Characters a boxed table adds around `columns` columns: a border each side, one space of padding each."""
    return 3 * columns + 1


def print_table(console: Console, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    """Print the rows as a table fitting `console.width`; return the names of the columns left out."""
    from rich.cells import cell_len  # imported here: the CLI loads this module for FORMATS on every command
    from rich.table import Table
    from rich.text import Text

    texts = [[cell_text(v) for v in row] for row in rows]
    natural = [max((cell_len(r[i]) for r in texts), default=0) for i in range(len(columns))]  # CJK takes two
    widths = fit_widths(columns, natural, console.width)
    table = Table(header_style="bold", expand=False)
    for name, w in zip(columns, widths):
        table.add_column(name, width=w, no_wrap=True, overflow="ellipsis")
    for row, raw in zip(texts, rows):
        table.add_row(*(Text(t, style="dim") if v is None else Text(t) for t, v in zip(row[: len(widths)], raw)))
    console.print(table)
    return list(columns[len(widths) :])


def to_csv(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([_csv_value(v) for v in row] for row in rows)
    return out.getvalue()


def _csv_value(value: Any) -> str:
    """Whole values for other programs: instants in full ISO 8601 with their offset, NULL as empty."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value) if isinstance(value, str) else cell_text(value)


def to_json(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    return json.dumps([dict(zip(columns, row)) for row in rows], indent=2, ensure_ascii=False, default=_json_value)


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return str(value)


def to_markdown(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    body = [line([cell_text(v) if v is not None else "" for v in row]) for row in rows]
    return "\n".join([line(list(columns)), line(["---"] * len(columns)), *body]) + "\n"
