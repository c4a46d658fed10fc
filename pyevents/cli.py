"""The `pyevents` command line: a thin click layer over `pyevents.run` and the store.

Every command's docstring is its --help, with an example. Exit codes: 0 fine, 1 published but some
sources failed, 2 usage or configuration error (nothing crawled or written), 3 nothing published.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from pyevents.crawlers.fetch import CrawlerChild
from pyevents import exitcodes

# Imported where used: `nightly` and `crawl` start their crawler child before anything else, and
# pydantic's models (the config) and rich take ~0.1 s to import.
if TYPE_CHECKING:
    from rich.console import Console

    from pyevents.config import Config
    from pyevents.run import RunReport

DEFAULT_CONFIG = Path("config/events.yaml")
DEFAULT_DB = Path("data/events.duckdb")
DEFAULT_OUT = Path("public")


class AsOf(click.ParamType):
    """An ISO 8601 date or date-time; naive values are UTC."""

    name = "DATETIME"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.datetime:
        if isinstance(value, dt.datetime):
            return value
        try:
            parsed = dt.datetime.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not an ISO 8601 date-time (e.g. 2027-03-01T06:00:00Z)", param, ctx)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def _config_option(f: Any) -> Any:
    return click.option(
        "--config", "config_path", type=click.Path(path_type=Path), default=DEFAULT_CONFIG, show_default=True,
        help="Federation config file.",
    )(f)


def _db_option(f: Any) -> Any:
    return click.option(
        "--db", "db_path", type=click.Path(path_type=Path), default=DEFAULT_DB, show_default=True, help="DuckDB database file."
    )(f)


def _out_option(f: Any) -> Any:
    return click.option(
        "--out", "out_dir", type=click.Path(path_type=Path), default=DEFAULT_OUT, show_default=True, help="Site directory."
    )(f)


def _as_of_option(f: Any) -> Any:
    return click.option("--as-of", type=AsOf(), default=None, help="Run as if now were DATETIME (ISO 8601).")(f)


def _only_option(f: Any) -> Any:
    return click.option("--only", multiple=True, metavar="SOURCE_ID", help="Crawl only this source (repeatable).")(f)


def _accept_withdrawals_option(f: Any) -> Any:
    return click.option(
        "--accept-withdrawals", is_flag=True,
        help="Run even when the config has no enabled source or would withdraw more than half of the live events.",
    )(f)


def _report_options(f: Any) -> Any:
    f = click.option("--quiet", "-q", is_flag=True, help="No progress and no report unless something failed.")(f)
    return click.option("--json", "as_json", is_flag=True, help="Print the run report as JSON on stdout (for cron).")(f)


def _load(config_path: Path, only: tuple[str, ...] = ()) -> Config:
    """Load the config or exit 2 with the loader's file/line message."""
    from pyevents.config import ConfigError, load_config

    try:
        config = load_config(config_path)
    except ConfigError as exc:
        click.echo(f"pyevents: configuration error: {exc}", err=True)
        sys.exit(exitcodes.USAGE)
    unknown = [sid for sid in only if sid not in {s.id for s in config.sources}]
    if unknown:
        click.echo(f"pyevents: {config_path}: no source with id {', '.join(map(repr, unknown))}", err=True)
        sys.exit(exitcodes.USAGE)
    return config


def _finish(report: RunReport, quiet: bool, as_json: bool, console: Console) -> None:
    from pyevents.report import render_report

    if report.exit_code == exitcodes.USAGE:  # a refused configuration: one line, whatever the options
        click.echo(f"pyevents: {report.message}", err=True)
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2, default=str))
    elif report.exit_code != exitcodes.USAGE and (not quiet or report.exit_code):
        render_report(report, console)
    sys.exit(report.exit_code)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="pyevents")
def main() -> None:
    """pyevents: the global calendar of the Python community.

    Crawl the calendars listed in config/events.yaml, normalize and merge their events into DuckDB,
    and publish a static site with iCal, JSON and Atom feeds.

    Example: pyevents nightly --config config/demo.yaml
    """


@main.command()
@_config_option
@_db_option
@_out_option
@_only_option
@_as_of_option
@_accept_withdrawals_option
@_report_options
def nightly(
    config_path: Path, db_path: Path, out_dir: Path, only: tuple[str, ...], as_of: dt.datetime | None,
    accept_withdrawals: bool, quiet: bool, as_json: bool,
) -> None:
    """Crawl every source, update the database and publish the site (the cron job).

    Exit 0 when every source was fine, 1 when the run published but some sources failed,
    2 on a configuration error (also a config with no enabled source, or one that would withdraw more
    than half of the live events, without --accept-withdrawals), 3 when nothing could be published
    (e.g. another run holds the lock).

    Example: pyevents nightly --config config/demo.yaml --out public/
    """
    # Started first: Scrapy starts up in the child while this process loads the config, imports the run
    # and opens the store (a bad config ends the child unused).
    with CrawlerChild() as crawler:
        config = _load(config_path, only)
        from rich.console import Console

        from pyevents import run as runner
        from pyevents.report import ProgressDisplay

        console = Console(stderr=True)
        with ProgressDisplay(console, enabled=not (quiet or as_json)) as display:
            report = runner.nightly(
                config, db_path, out_dir, only=only, as_of=as_of, progress=display.update, crawler=crawler,
                accept_withdrawals=accept_withdrawals,
            )
    _finish(report, quiet, as_json, console)


@main.command()
@_config_option
@_db_option
@_only_option
@_as_of_option
@_accept_withdrawals_option
@_report_options
def crawl(
    config_path: Path, db_path: Path, only: tuple[str, ...], as_of: dt.datetime | None, accept_withdrawals: bool,
    quiet: bool, as_json: bool,
) -> None:
    """Crawl sources and store their events in the database, without publishing.

    Refused (exit 2, nothing crawled or written) like `nightly` when the config would withdraw most
    events, unless --accept-withdrawals.

    Example: pyevents crawl --config config/demo.yaml --only pyladies-berlin
    """
    with CrawlerChild() as crawler:  # as in `nightly`: Scrapy's start-up overlaps loading and opening
        config = _load(config_path, only)
        from rich.console import Console

        from pyevents import run as runner
        from pyevents.report import ProgressDisplay

        console = Console(stderr=True)
        with ProgressDisplay(console, enabled=not (quiet or as_json)) as display:
            report = runner.crawl_into_store(
                config, db_path, only=only, as_of=as_of, progress=display.update, crawler=crawler,
                accept_withdrawals=accept_withdrawals,
            )
    _finish(report, quiet, as_json, console)


@main.command()
@_config_option
@_db_option
@_out_option
@_as_of_option
@click.option("--quiet", "-q", is_flag=True, help="Print nothing on success.")
def publish(config_path: Path, db_path: Path, out_dir: Path, as_of: dt.datetime | None, quiet: bool) -> None:
    """Render the site and feeds from the database only (no crawling).

    Example: pyevents publish --db data/events.duckdb --out public/
    """
    from pyevents import run as runner

    config = _load(config_path)
    try:
        summary = runner.publish_site(config, db_path, out_dir, as_of=as_of)
    except runner.PUBLISH_ERRORS as exc:
        click.echo(f"pyevents: nothing published: {exc}", err=True)
        sys.exit(exitcodes.UNPUBLISHABLE)
    if quiet:
        return
    if summary.get("unchanged"):
        click.echo(f"{out_dir} is already up to date ({summary.get('events', 0)} events): nothing to write")
    else:
        click.echo(f"published {summary.get('events', 0)} events, {summary.get('files', 0)} files to {out_dir}")


@main.command()
@_config_option
@click.option("--check", is_flag=True, help="Validate the config; exit 2 with file and line on an error.")
@click.option("--online", is_flag=True, help="With --check: fetch every source once and report which answer.")
@click.option("--json", "as_json", is_flag=True, help="Print the sources as JSON.")
def sources(config_path: Path, check: bool, online: bool, as_json: bool) -> None:
    """List the federation's sources, grouped by region and type.

    With --check the config is validated (exit 2 naming file, line, source and field on error);
    with --check --online every enabled source is fetched once and its answer reported.

    Example: pyevents sources --config config/events.yaml --check
    """
    from rich.console import Console

    config = _load(config_path)
    console = Console()
    rows = [_source_row(s) for s in config.sources]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
    elif not check:
        _print_sources(console, config, rows)
    if check:
        enabled = [s for s in config.sources if s.enabled]
        click.echo(f"{config_path}: {len(config.sources)} sources ({len(enabled)} enabled) are valid", err=True)
    if check and online:
        sys.exit(_check_online(config, console))


def _source_row(s: Any) -> dict[str, Any]:
    from pyevents.pipeline.normalize.countries import region_of

    region = s.region or (region_of(s.defaults.country) if s.defaults.country else None)
    if region is None and s.defaults.online:
        region = "online"
    return {
        "id": s.id, "name": s.name, "type": s.type, "format": s.format, "region": region or "worldwide",
        "country": s.defaults.country, "city": s.defaults.city, "kind": s.defaults.kind, "enabled": s.enabled,
        "priority": s.priority, "url": s.url,
    }


def _print_sources(console: Console, config: Config, rows: list[dict[str, Any]]) -> None:
    from rich.table import Table

    table = Table(title=f"{config.federation.name}: {len(rows)} sources", show_lines=False)
    for col in ("region", "type", "id", "country", "city", "kind", "url"):
        table.add_column(col, overflow="fold")
    for row in sorted(rows, key=lambda r: (r["region"], r["type"], r["country"] or "", r["id"])):
        style = None if row["enabled"] else "dim"
        table.add_row(*(str(row[c] or "") for c in ("region", "type", "id", "country", "city", "kind", "url")), style=style)
    console.print(table)
    by_region = Counter(r["region"] for r in rows)
    by_type = Counter(r["type"] for r in rows)
    countries = len({r["country"] for r in rows if r["country"]})
    console.print(
        "by region: " + ", ".join(f"{k} {v}" for k, v in sorted(by_region.items()))
        + " | by type: " + ", ".join(f"{k} {v}" for k, v in sorted(by_type.items()))
        + f" | countries: {countries}"
    )


def _check_online(config: Config, console: Console) -> int:
    from rich.table import Table

    from pyevents.crawlers.fetch import fetch_sources

    enabled = [s for s in config.sources if s.enabled]
    results = fetch_sources(config, enabled, {})
    table = Table(title="reachability")
    for col in ("id", "answer", "http", "bytes", "error"):
        table.add_column(col, overflow="fold")
    bad = 0
    for s in enabled:
        r = results.get(s.id)
        ok = r is not None and r.outcome in ("ok", "not_modified")
        bad += not ok
        table.add_row(
            s.id, "ok" if ok else (r.outcome if r else "not fetched"), str(r.http_status or "") if r else "",
            str(len(r.body or b"")) if r else "", (r.error or "") if r else "",
        )
    console.print(table)
    console.print(f"{len(enabled) - bad} of {len(enabled)} sources answered")
    return exitcodes.SOURCES_FAILED if bad else exitcodes.OK


@main.command()
@_db_option
@click.argument("sql")
@click.option("--json", "as_json", is_flag=True, help="Print rows as JSON objects.")
def query(db_path: Path, sql: str, as_json: bool) -> None:
    """Run ad hoc SQL on the published database snapshot (read-only) and print a table.

    Safe at any moment, even during a nightly run: the run replaces the file atomically.

    Example: pyevents query "select country, count(*) from upcoming_events group by 1 order by 2 desc"
    """
    import duckdb
    from rich.console import Console
    from rich.table import Table

    if not db_path.exists():
        click.echo(f"pyevents: no database at {db_path}: run `pyevents nightly` first", err=True)
        sys.exit(exitcodes.UNPUBLISHABLE)
    try:
        with duckdb.connect(str(db_path), read_only=True) as con:
            cursor = con.execute(sql)
            columns = [d[0] for d in cursor.description or []]
            rows = cursor.fetchall()
    except duckdb.Error as exc:
        click.echo(f"pyevents: query failed: {exc}", err=True)
        sys.exit(exitcodes.USAGE)
    if as_json:
        click.echo(json.dumps([dict(zip(columns, r)) for r in rows], indent=2, default=str))
        return
    table = Table(show_lines=False)
    for col in columns:
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(*("" if v is None else str(v) for v in r))
    Console().print(table)
    click.echo(f"{len(rows)} row{'s' if len(rows) != 1 else ''}", err=True)


@main.command()
@_out_option
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Port on 127.0.0.1.")
def serve(out_dir: Path, port: int) -> None:
    """Preview the published site on http://127.0.0.1:PORT/ (feeds served as text/calendar).

    Example: pyevents serve --out public/ --port 8000
    """
    from pyevents.output.serve import serve as serve_site

    if not out_dir.is_dir():
        click.echo(f"pyevents: {out_dir} is not a published site: run `pyevents publish` first", err=True)
        sys.exit(exitcodes.UNPUBLISHABLE)
    click.echo(f"serving {out_dir} on http://127.0.0.1:{port}/ (Ctrl-C to stop)", err=True)
    serve_site(out_dir, port)
