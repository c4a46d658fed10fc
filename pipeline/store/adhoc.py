"""Ad hoc SQL for analysts (`pyevents query`): exactly one read-only statement, nothing written anywhere.

The guarantee is DuckDB's own, not a parse of the SQL: the file is opened read-only, with no file,
extension or network access (so `COPY … TO`, `EXPORT DATABASE`, `ATTACH`, `INSTALL`, `LOAD` and every
file-reading or -writing function fail inside DuckDB), no spilling to a temporary folder, and the
configuration locked so that no `SET` can lift any of it. The statement-type check before running only
turns the common mistakes into a clear message.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from pyevents.pipeline.store.errors import StoreError

# Statement types that only read: SELECT also covers WITH, FROM, VALUES, DESCRIBE, SHOW and SUMMARIZE.
READING = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN, duckdb.StatementType.PRAGMA, duckdb.StatementType.CALL}
_SANDBOX: dict[str, str | bool | int | float | list[str]] = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "temp_directory": "",  # a large sort stays in memory (or fails) instead of writing beside the database
}


class QueryRefused(ValueError):
    """SQL that is not exactly one read-only statement (nothing was run)."""


class QueryFailed(StoreError):
    """DuckDB refused the statement or the file; the message is DuckDB's own, with its hint."""


@dataclass(frozen=True, slots=True)
class QueryResult:
    columns: list[str]
    types: list[str]
    rows: list[tuple[Any, ...]]


def check_statement(sql: str) -> None:
    """Raise QueryRefused unless `sql` is one statement of a reading type (QueryFailed if it does not parse)."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryFailed(str(exc)) from None
    if not statements:
        raise QueryRefused('no SQL statement given, e.g. "select * from upcoming_events limit 5"')
    if len(statements) > 1:
        raise QueryRefused(f"{len(statements)} statements given: run one statement at a time")
    kind = statements[0].type
    if kind not in READING:
        raise QueryRefused(
            f"{kind.name} statements are refused: queries are read-only "
            "(SELECT, WITH, FROM, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN, PRAGMA or CALL)"
        )


def run_query(path: str | Path, sql: str) -> QueryResult:
    """Run one read-only statement on the database file at `path`; instants come back in UTC."""
    check_statement(sql)
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no database at {path}")
    try:
        with duckdb.connect(str(path), read_only=True, config=_SANDBOX) as con:
            con.execute("SET TimeZone = 'UTC'")
            con.execute("SET enable_progress_bar = false")
            con.execute("SET lock_configuration = true")
            cursor = con.execute(sql)
            description = cursor.description or []
            rows = cursor.fetchall()
    except duckdb.Error as exc:
        raise QueryFailed(str(exc)) from None
    return QueryResult([d[0] for d in description], [str(d[1]) for d in description], rows)
