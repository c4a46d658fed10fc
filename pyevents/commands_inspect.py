"""The commands that look without changing anything: `sources`, `query` and `serve`."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pyevents import exitcodes, tables
from pyevents.cli_options import as_of_option, config_option, db_option, load_or_exit, out_option, own_path, usage

if TYPE_CHECKING:
    from rich.console import Console

    from pyevents.config import Config


@click.command()
@config_option
@db_option
@click.option("--check", is_flag=True, help="Validate the config; exit 2 with file and line on an error.")
@click.option("--online", is_flag=True, help="With --check: fetch every source once and report which answer.")
@click.option("--wide", is_flag=True, help="Every field of every source, uncut (name, URL, last error...).")
@click.option("--json", "as_json", is_flag=True, help="Print the sources as JSON.")
@as_of_option
def sources(
    config_path: Path, db_path: Path | None, check: bool, online: bool, wide: bool, as_json: bool, as_of: dt.datetime | None
) -> None:
    """List the sources by region and country.

    One line per source: id, type, country, status and day of last success (from the
    database, once a run has filled it); --wide and --json show every field. With --check the
    config is validated (exit 2 naming file, line, source and field on error); with --check
    --online every enabled source is fetched once.

    --check also warns about per-edition sources whose edition is over (a past year in the id,
    URL or name, relative to --as-of or now; or several runs in the database without an event).

    \b
    Examples:
      pyevents sources --config config/demo.yaml
      pyevents sources --config config/demo.yaml --wide
      pyevents sources --config config/demo.yaml --check
    """
    from rich.console import Console

    from pyevents import source_list

    if wide and as_json:
        usage("--wide and --json are alternatives: pick one")
    config = load_or_exit(config_path)
    console = Console()
    if check:
        as_of = as_of or dt.datetime.now(dt.UTC)
        if _check_offline(config_path, config, as_of, db_path or config.database_path):
            sys.exit(exitcodes.USAGE)
        if online:
            sys.exit(_check_online(config, console))
        if not (wide or as_json):
            return
    try:
        rows = source_list.source_rows(config, source_list.read_health(db_path or config.database_path))
    except source_list.HealthUnreadable as exc:
        usage(str(exc))
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    elif wide:
        click.echo("\n".join(source_list.wide_lines(rows)))
    else:
        enabled = sum(r["enabled"] for r in rows)
        source_list.print_short(console, f"{config.federation.name}: {len(rows)} sources ({enabled} enabled)", rows)


def _check_offline(config_path: Path, config: Config, as_of: dt.datetime, db_path: Path) -> int:
    """Print every finding of pyevents.sourcecheck on stderr, one line each; return how many are errors."""
    from pyevents.sourcecheck import check_config, stored_health

    health, runs = {}, 0
    if db_path.is_file():
        from pyevents.pipeline.store.reader import Snapshot

        with Snapshot(db_path) as snap:
            health, runs = stored_health(snap.sources()), snap.run_count()
    findings = check_config(config, as_of, health, runs, config_path.read_text(encoding="utf-8"))
    for f in findings:
        click.echo(f.render(str(config_path)), err=True)
    errors = sum(f.level == "error" for f in findings)
    enabled = sum(s.enabled for s in config.sources)
    verdict = f"{errors} error(s)" if errors else "are valid"
    click.echo(
        f"{config_path}: {len(config.sources)} sources ({enabled} enabled) {verdict}, {len(findings) - errors} warning(s)",
        err=True,
    )
    return errors


def _check_online(config: Config, console: Console) -> int:
    from rich.table import Table

    from pyevents.crawlers.fetch import fetch_sources

    enabled = [s for s in config.sources if s.enabled]
    results = fetch_sources(config.crawl_settings(), enabled, {})
    table = Table(title="reachability")
    for col in ("id", "answer", "http", "bytes", "error"):
        table.add_column(col, overflow="fold")
    bad = 0
    for s in enabled:
        r = results.get(s.id)
        ok = r is not None and r.outcome in ("ok", "not_modified")
        bad += not ok
        table.add_row(
            s.id,
            "ok" if ok else (r.outcome if r else "not fetched"),
            str(r.http_status or "") if r else "",
            str(len(r.body or b"")) if r else "",
            (r.error or "") if r else "",
        )
    console.print(table)
    console.print(f"{len(enabled) - bad} of {len(enabled)} sources answered")
    return exitcodes.SOURCES_FAILED if bad else exitcodes.OK


@click.command()
@config_option
@db_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(tables.FORMATS),
    default="table",
    show_default=True,
    help="table fits the terminal (values cut with …); csv, json and markdown print every value whole.",
)
@click.argument("sql")
def query(config_path: Path, db_path: Path | None, output_format: str, sql: str) -> None:
    """Run one read-only SQL query on the database.

    Safe at any moment, even during a nightly run (the run replaces the file atomically). Nothing
    is ever written: statements that write, attach or load anything are refused (exit 2).
    The database is --db, else the config's own (the demo's with --config config/demo.yaml).

    \b
    Examples:
      pyevents query --config config/demo.yaml "from upcoming_events limit 5"
      pyevents query --config config/demo.yaml --format csv "from sources"
      pyevents query --config config/demo.yaml "describe events"
    """
    from rich.console import Console

    from pyevents.pipeline.store.adhoc import QueryFailed, QueryRefused, run_query

    db_path = own_path(config_path, db_path, "database_path")
    try:
        result = run_query(db_path, sql)
    except QueryRefused as exc:
        usage(f"query refused: {exc}")
    except FileNotFoundError as exc:
        usage(f"{exc}: run `pyevents nightly` first, or name one with --db")
    except QueryFailed as exc:
        usage(f"query failed: {exc}")
    if output_format == "table":
        console = Console()
        left_out = tables.print_table(console, result.columns, result.rows)
        note = f"{len(result.rows)} row{'s' if len(result.rows) != 1 else ''}"
        if left_out:
            names = left_out[0] + (", …" if len(left_out) > 1 else "")
            note += f"; {len(left_out)} columns not shown ({names}): select fewer or use --format csv"
        Console(stderr=True).print(note, highlight=False, soft_wrap=True)
    else:
        render = {"csv": tables.to_csv, "json": tables.to_json, "markdown": tables.to_markdown}[output_format]
        click.echo(render(result.columns, result.rows), nl=output_format == "json")


@click.command()
@config_option
@out_option
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port on 127.0.0.1 (0: any free one)."
)
def serve(config_path: Path, out_dir: Path | None, port: int) -> None:
    """Preview the published site on 127.0.0.1.

    Serves it on http://127.0.0.1:PORT/ with the content types calendar clients expect.

    The site is --out, else the config's own (the demo's with --config config/demo.yaml).

    \b
    Examples:
      pyevents serve --config config/demo.yaml
      pyevents serve --config config/demo.yaml --port 8001
    """
    from pyevents.output.serve import make_server

    out_dir = own_path(config_path, out_dir, "site_path")
    if not out_dir.is_dir():
        usage(f"nothing published at {out_dir}: run `pyevents nightly` or `pyevents publish` first")
    try:
        server = make_server(out_dir, port)
    except OSError as exc:
        usage(f"cannot serve on 127.0.0.1:{port}: {exc.strerror or exc} (pick another with --port)")
    with server:
        click.echo(f"serving {out_dir} on http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C to stop)", err=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            click.echo("stopped", err=True)
