"""The `pyevents` command line: a thin click layer over `pyevents.run` and the store.

Every command's docstring is its --help, with an example. Exit codes: 0 fine, 1 published but some
sources failed, 2 usage or configuration error (nothing crawled or written), 3 nothing published.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click
from click.core import ParameterSource

from pyevents import exitcodes, tables
from pyevents.crawlers.fetch import CrawlerChild

# Imported where used: `nightly` and `crawl` start their crawler child before anything else, and
# importing pydantic's models (the config) and rich need not delay it.
if TYPE_CHECKING:
    from rich.console import Console

    from pyevents.config import Config
    from pyevents.runreport import RunReport

DEFAULT_CONFIG = Path("config/events.yaml")


class AsOf(click.ParamType):  # type: ignore[type-arg]  # generic only from click 8.5, not at run time before
    """An ISO 8601 date or date-time; naive values are UTC."""

    name = "DATETIME"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.datetime:
        if isinstance(value, dt.datetime):
            return value
        try:
            parsed = dt.datetime.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not an ISO 8601 date-time (e.g. 2027-03-01T06:00:00Z)", param, ctx)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _config_option(f: Any) -> Any:
    return click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path),
        default=DEFAULT_CONFIG,
        show_default=True,
        help="Federation config file.",
    )(f)


def _db_option(f: Any) -> Any:
    return click.option(
        "--db",
        "db_path",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help="DuckDB database file.  [default: the config's federation.database, else data/events.duckdb]",
    )(f)


def _out_option(f: Any) -> Any:
    return click.option(
        "--out",
        "out_dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=None,
        help="Site directory.  [default: the config's federation.site, else public/]",
    )(f)


def _as_of_option(f: Any) -> Any:
    return click.option("--as-of", type=AsOf(), default=None, help="Run as if now were DATETIME (ISO 8601).")(f)


def _only_option(f: Any) -> Any:
    return click.option("--only", multiple=True, metavar="SOURCE_ID", help="Crawl only this source (repeatable).")(f)


def _fetched_option(f: Any) -> Any:
    return click.option(
        "--fetched",
        "fetched_dir",
        type=click.Path(path_type=Path),
        default=None,
        metavar="DIR",
        help="Load the shards `pyevents fetch` wrote into DIR instead of crawling.",
    )(f)


def _crawler(fetched_dir: Path | None) -> Any:
    """The crawler child a run starts first, or none when it loads fetched shards instead of crawling."""
    return contextlib.nullcontext() if fetched_dir is not None else CrawlerChild()


def _accept_withdrawals_option(f: Any) -> Any:
    return click.option(
        "--accept-withdrawals",
        is_flag=True,
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
    ids = [s.id for s in config.sources]
    known = set(ids)
    unknown = [sid for sid in only if sid not in known]
    if unknown:
        close = difflib.get_close_matches(unknown[0], ids, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else " (`pyevents sources` lists them)"
        _usage(f"{config_path}: no source with id {', '.join(map(repr, unknown))}{hint}")
    return config


def _own_path(config_path: Path, given: Path | None, attribute: str) -> Path:
    """--db or --out when given, else the config's `database_path` or `site_path`.

    The config is read only when --config was given or the default one exists, so that `--db` or
    `--out` alone works in any folder.
    """
    from pyevents.config import Config

    if given is not None:
        return given
    named = click.get_current_context().get_parameter_source("config_path") is not ParameterSource.DEFAULT
    config = _load(config_path) if named or config_path.exists() else Config()
    return Path(getattr(config, attribute))


def _usage(message: str) -> NoReturn:
    """A user's mistake: one line on stderr and exit 2."""
    click.echo(f"pyevents: {message}", err=True)
    sys.exit(exitcodes.USAGE)


def _finish(report: RunReport, quiet: bool, as_json: bool, console: Console) -> None:
    from pyevents.report import render_report

    if report.exit_code == exitcodes.USAGE:  # a refused configuration: one line, whatever the options
        click.echo(f"pyevents: {report.message}", err=True)
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2, default=str))
    elif report.exit_code != exitcodes.USAGE and (not quiet or report.exit_code):
        render_report(report, console)
    sys.exit(report.exit_code)


class OneLineErrors(click.Group):
    """Click's usage errors (a bad option value, a missing argument) as one line on stderr, exit 2."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx else "pyevents"
            message = " ".join(exc.format_message().split())
            _usage(f"{message} (see `{command} --help`)")
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("pyevents: interrupted", err=True)
            sys.exit(130)
        sys.exit(result if isinstance(result, int) else exitcodes.OK)


@click.group(cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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
@_fetched_option
@_accept_withdrawals_option
@_report_options
def nightly(
    config_path: Path,
    db_path: Path | None,
    out_dir: Path | None,
    only: tuple[str, ...],
    as_of: dt.datetime | None,
    fetched_dir: Path | None,
    accept_withdrawals: bool,
    quiet: bool,
    as_json: bool,
) -> None:
    """Crawl, store and publish (the cron job).

    Crawls every enabled source, updates the database and publishes the site and feeds.

    Exit 0 when every source was fine, 1 when the run published but some sources failed,
    2 on a configuration error (also a config with no enabled source, or one that would withdraw more
    than half of the live events, without --accept-withdrawals), 3 when nothing could be published
    (e.g. another run holds the lock).

    With --fetched DIR the sources are not crawled here: the run loads the shards that
    `pyevents fetch --shard I/N --out DIR` wrote on other machines (docs/SCALING.md).

    \b
    Examples:
      pyevents nightly --config config/demo.yaml
      pyevents nightly --config config/demo.yaml --quiet --json
    """
    # Started first: Scrapy starts up in the child while this process loads the config, imports the run
    # and opens the store (a bad config ends the child unused).
    with _crawler(fetched_dir) as crawler:
        config = _load(config_path, only)
        from rich.console import Console

        from pyevents import run as runner
        from pyevents.report import ProgressDisplay

        console = Console(stderr=True)
        with ProgressDisplay(console, enabled=not (quiet or as_json)) as display:
            report = runner.nightly(
                config,
                db_path or config.database_path,
                out_dir or config.site_path,
                only=only,
                as_of=as_of,
                progress=display.update,
                crawler=crawler,
                fetched_dir=fetched_dir,
                accept_withdrawals=accept_withdrawals,
            )
    _finish(report, quiet, as_json, console)


@main.command()
@_config_option
@_db_option
@_only_option
@_as_of_option
@_fetched_option
@_accept_withdrawals_option
@_report_options
def crawl(
    config_path: Path,
    db_path: Path | None,
    only: tuple[str, ...],
    as_of: dt.datetime | None,
    fetched_dir: Path | None,
    accept_withdrawals: bool,
    quiet: bool,
    as_json: bool,
) -> None:
    """Crawl and store, without publishing.

    Crawls the sources and stores their events in the database; `publish` renders them later.
    With --fetched DIR the shards fetched elsewhere are loaded instead of crawling. Refused
    (exit 2, nothing crawled or written) like `nightly` when the config would withdraw most
    events, unless --accept-withdrawals.

    \b
    Examples:
      pyevents crawl --config config/demo.yaml
      pyevents crawl --config config/demo.yaml --only demo-pyladies-nairobi
    """
    with _crawler(fetched_dir) as crawler:  # as in `nightly`: Scrapy's start-up overlaps loading and opening
        config = _load(config_path, only)
        from rich.console import Console

        from pyevents import run as runner
        from pyevents.report import ProgressDisplay

        console = Console(stderr=True)
        with ProgressDisplay(console, enabled=not (quiet or as_json)) as display:
            report = runner.crawl_into_store(
                config,
                db_path or config.database_path,
                only=only,
                as_of=as_of,
                progress=display.update,
                crawler=crawler,
                fetched_dir=fetched_dir,
                accept_withdrawals=accept_withdrawals,
            )
    _finish(report, quiet, as_json, console)


class ShardParam(click.ParamType):  # type: ignore[type-arg]  # generic only from click 8.5, not at run time before
    """A shard I/N: the I-th of N parts of the federation, counted from 1."""

    name = "I/N"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from pyevents.shards import Shard, ShardError

        if isinstance(value, Shard):
            return value
        try:
            return Shard.parse(str(value))
        except ShardError as exc:
            self.fail(str(exc), param, ctx)


@main.command()
@_config_option
@click.option("--shard", type=ShardParam(), required=True, help="Which part to fetch, e.g. 2/4.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), required=True, help="Folder the shard file goes to.")
@_as_of_option
@click.option("--quiet", "-q", is_flag=True, help="Print nothing unless a source failed.")
def fetch(config_path: Path, shard: Any, out_dir: Path, as_of: dt.datetime | None, quiet: bool) -> None:
    """Fetch one shard of the sources, for another machine.

    Sources are split by host (a stable hash), so all sources of one host are fetched by one
    shard and politeness holds across machines. The conditional-GET validators come from the
    folder's states.parquet, which `nightly --fetched DIR` leaves there. Exit 1 if a source
    failed. docs/SCALING.md shows the same on Scrapyd nodes.

    \b
    Examples:
      pyevents fetch --config config/demo.yaml --shard 1/2 --out data/fetched
      pyevents fetch --config config/demo.yaml --shard 2/2 --out data/fetched
    """
    with CrawlerChild() as crawler:
        config = _load(config_path)
        from pyevents.shardfetch import fetch_shard

        done = fetch_shard(config, shard, out_dir, as_of=as_of, crawler=crawler)
    if not quiet or done.failed:
        click.echo(
            f"shard {shard}: {done.sources} sources, {done.ok} fetched, {done.not_modified} not modified, "
            f"{done.failed} failed -> {done.path}"
        )
    sys.exit(exitcodes.SOURCES_FAILED if done.failed else exitcodes.OK)


@main.command()
@_config_option
@_db_option
@_out_option
@_as_of_option
@click.option("--quiet", "-q", is_flag=True, help="Print nothing on success.")
def publish(config_path: Path, db_path: Path | None, out_dir: Path | None, as_of: dt.datetime | None, quiet: bool) -> None:
    """Render site and feeds from the database.

    Nothing is crawled: the site is rendered from what the database holds.

    Exit 3 when nothing could be published (no database, or the site folder unusable).

    \b
    Examples:
      pyevents publish --config config/demo.yaml
      pyevents publish --config config/demo.yaml --as-of 2027-06-01
    """
    from pyevents import run as runner

    config = _load(config_path)
    db_path, out_dir = db_path or config.database_path, out_dir or config.site_path
    try:
        summary = runner.publish_site(config, db_path, out_dir, as_of=as_of)
    except runner.PUBLISH_ERRORS as exc:
        click.echo(f"pyevents: nothing published: {exc}", err=True)
        sys.exit(exitcodes.UNPUBLISHABLE)
    if quiet:
        return
    if summary.unchanged:
        click.echo(f"{out_dir} is already up to date ({summary.events} events): nothing to write")
    else:
        click.echo(f"published {summary.events} events, {summary.files} files to {out_dir}")


@main.command()
@_config_option
@_db_option
@click.option("--check", is_flag=True, help="Validate the config; exit 2 with file and line on an error.")
@click.option("--online", is_flag=True, help="With --check: fetch every source once and report which answer.")
@click.option("--wide", is_flag=True, help="Every field of every source, uncut (name, URL, last error...).")
@click.option("--json", "as_json", is_flag=True, help="Print the sources as JSON.")
@_as_of_option
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
        _usage("--wide and --json are alternatives: pick one")
    config = _load(config_path)
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
        _usage(str(exc))
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


@main.command()
@_config_option
@_db_option
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

    db_path = _own_path(config_path, db_path, "database_path")
    try:
        result = run_query(db_path, sql)
    except QueryRefused as exc:
        _usage(f"query refused: {exc}")
    except FileNotFoundError as exc:
        _usage(f"{exc}: run `pyevents nightly` first, or name one with --db")
    except QueryFailed as exc:
        _usage(f"query failed: {exc}")
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


@main.command()
@_config_option
@_out_option
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

    out_dir = _own_path(config_path, out_dir, "site_path")
    if not out_dir.is_dir():
        _usage(f"nothing published at {out_dir}: run `pyevents nightly` or `pyevents publish` first")
    try:
        server = make_server(out_dir, port)
    except OSError as exc:
        _usage(f"cannot serve on 127.0.0.1:{port}: {exc.strerror or exc} (pick another with --port)")
    with server:
        click.echo(f"serving {out_dir} on http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C to stop)", err=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            click.echo("stopped", err=True)
