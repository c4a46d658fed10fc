"""Schema migration of a database file: missing tables created, new columns added, views refreshed."""

from __future__ import annotations

import hashlib

import duckdb

from pyevents.pipeline.store import schema

SCHEMA_DIGEST = hashlib.sha256((schema.TABLES + schema.VIEWS).encode()).hexdigest()
_COLUMNS_SQL = (
    "SELECT table_name, column_name, data_type FROM information_schema.columns "
    "WHERE table_schema = 'main' AND table_name IN (SELECT table_name FROM information_schema.tables "
    "WHERE table_type = 'BASE TABLE') ORDER BY table_name, ordinal_position"
)


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Create missing tables, add columns the schema gained since the file was made, refresh the views.

    A file last migrated by this very schema (its digest in `meta`) is left as it is: comparing its
    columns with a reference database is on the path of every run before its crawl starts."""
    if _schema_digest_of(con) == SCHEMA_DIGEST:
        return
    con.execute(schema.TABLES)
    reference = duckdb.connect(":memory:")
    try:
        reference.execute(schema.TABLES)
        wanted = reference.execute(_COLUMNS_SQL).fetchall()
    finally:
        reference.close()
    present = {(table, column) for table, column, _ in con.execute(_COLUMNS_SQL).fetchall()}
    for table, column, data_type in wanted:
        if (table, column) not in present:
            con.execute(f"ALTER TABLE {table} ADD COLUMN {column} {data_type}")
    con.execute(schema.VIEWS)
    con.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', $version), ('schema_digest', $digest)",
        {"version": str(schema.SCHEMA_VERSION), "digest": SCHEMA_DIGEST},
    )


def meta_value(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    rows = con.execute("SELECT value FROM meta WHERE key = $key", {"key": key}).fetchall()
    return rows[0][0] if rows else None


def _schema_digest_of(con: duckdb.DuckDBPyConnection) -> str | None:
    try:
        return meta_value(con, "schema_digest")
    except duckdb.CatalogException:  # a new file, or one made before `meta` existed
        return None
