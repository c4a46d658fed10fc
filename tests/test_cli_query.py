"""`pyevents query`: a table that fits the terminal, and CSV, JSON and Markdown that keep every value whole."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from click.testing import CliRunner

from pyevents.cli import main
from pyevents.tables import MIN_WIDTH, fit_widths
from tests.output.eventdb import make_event, write_db

UTC = dt.UTC
LONG_TITLE = "PyCon Test with a title far longer than any terminal column could ever hope to show whole"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("query") / "events.duckdb"
    events = [
        make_event(LONG_TITLE, starts_at=dt.datetime(2030, 5, 1, 9, tzinfo=UTC), description="line one\nline two"),
        make_event("Short", starts_at=dt.datetime(2030, 6, 1, 18, 30, tzinfo=UTC), city=None),
    ]
    write_db(path, events)
    return str(path)


def _run(db: str, *args: str, columns: int = 80) -> tuple[str, str]:
    result = CliRunner(env={"COLUMNS": str(columns)}).invoke(main, ["query", "--db", db, *args])
    assert result.exit_code == 0, result.output
    return result.stdout, result.stderr


@pytest.mark.parametrize("columns", [80, 120, 160])
def test_select_star_fits_the_terminal_without_one_letter_columns(db: str, columns: int) -> None:
    out, note = _run(db, "select * from events order by starts_at", columns=columns)
    lines = out.splitlines()
    assert all(len(line) <= columns for line in lines)
    names = [c.strip() for c in lines[1].strip("┃").split("┃")]
    assert len(names) >= 3 and names[:3] == ["event_id", "series_id", "title"]  # every header whole, none cut
    title = next(line for line in lines if "PyCon Test" in line).strip("│").split("│")[2].strip()
    assert title.endswith("…") and len(title) >= MIN_WIDTH and LONG_TITLE not in out
    assert "2 rows" in note and "columns not shown" in note and "--format csv" in note


def test_a_narrow_select_shows_whole_values_and_instants_in_utc(db: str) -> None:
    out, note = _run(db, "select title, starts_at, city from events where title = 'Short'")
    assert "Short" in out and "2030-06-01 18:30Z" in out and "NULL" in out
    assert note.strip() == "1 row"


def test_csv_json_and_markdown_keep_every_value_whole(db: str) -> None:
    sql = "select title, starts_at, description, tags from events order by starts_at"
    rows = list(csv.DictReader(io.StringIO(_run(db, "--format", "csv", sql)[0])))
    assert rows[0]["title"] == LONG_TITLE and rows[0]["starts_at"] == "2030-05-01T09:00:00+00:00"
    assert rows[0]["description"] == "line one\nline two"  # quoted, whole
    objects = json.loads(_run(db, "--format", "json", sql)[0])
    assert objects[0]["title"] == LONG_TITLE and objects[0]["starts_at"] == "2030-05-01T09:00:00+00:00"
    assert objects[0]["description"] == "line one\nline two" and isinstance(objects[0]["tags"], list)
    markdown = _run(db, "--format", "markdown", sql)[0].splitlines()
    assert markdown[0] == "| title | starts_at | description | tags |" and markdown[1] == "| --- | --- | --- | --- |"
    assert LONG_TITLE in markdown[2] and "line one line two" in markdown[2] and len(markdown) == 4


def test_fit_widths_keeps_headers_whole_and_drops_what_cannot_fit() -> None:
    headers = ["event_id", "title", "description", "n"]
    widths = fit_widths(headers, [16, 90, 300, 1], 80)
    assert len(widths) == 4 and sum(widths) + 3 * 4 + 1 <= 80
    assert widths[0] == 16 and widths[3] == 1 and all(w >= len(h) for w, h in zip(widths, headers))
    assert len(fit_widths(headers * 6, [16, 90, 300, 1] * 6, 80)) < 24
