"""The commands that run the pipeline: `nightly`, `crawl`, `fetch` and `publish`."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from pyevents import exitcodes
from pyevents.cli_options import as_of_option, config_option, db_option, load_or_exit, out_option
from pyevents.crawlers.fetch import CrawlerChild

# Imported where used: `nightly` and `crawl` start their crawler child before anything else, and
# importing pydantic's models (the config) and rich need not delay it.
if TYPE_CHECKING:
    from collections.abc import Callable

    from rich.console import Console

    from pyevents.config import Config
    from pyevents.runreport import Progress, RunReport


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


def _run_reported(
    config_path: Path,
    only: tuple[str, ...],
    fetched_dir: Path | None,
    quiet: bool,
    as_json: bool,
    run: Callable[[Config, Progress, CrawlerChild | None], RunReport],
) -> None:
    """`run` with the config, the progress display and the crawler child, then its report and exit code.

    The child is started first (none when fetched shards are loaded instead of crawling): Scrapy starts
    up in it while this process loads the config, imports the run and opens the store (a bad config
    ends the child unused)."""
    with contextlib.nullcontext() if fetched_dir is not None else CrawlerChild() as crawler:
        config = load_or_exit(config_path, only)
        from rich.console import Console

        from pyevents.report import ProgressDisplay

        console = Console(stderr=True)
        with ProgressDisplay(console, enabled=not (quiet or as_json)) as display:
            report = run(config, display.update, crawler)
    _finish(report, quiet, as_json, console)


def _accept_withdrawals_option(f: Any) -> Any:
    return click.option(
        "--accept-withdrawals",
        is_flag=True,
        help="Run even when the config has no enabled source or would withdraw more than half of the live events.",
    )(f)


def _report_options(f: Any) -> Any:
    f = click.option("--quiet", "-q", is_flag=True, help="No progress and no report unless something failed.")(f)
    return click.option("--json", "as_json", is_flag=True, help="Print the run report as JSON on stdout (for cron).")(f)


def _finish(report: RunReport, quiet: bool, as_json: bool, console: Console) -> None:
    from pyevents.report import render_report

    if report.exit_code == exitcodes.USAGE:  # a refused configuration: one line, whatever the options
        click.echo(f"pyevents: {report.message}", err=True)
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2, default=str))
    elif report.exit_code != exitcodes.USAGE and (not quiet or report.exit_code):
        render_report(report, console)
    sys.exit(report.exit_code)


@click.command()
@config_option
@db_option
@out_option
@_only_option
@as_of_option
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

    def run(config: Config, progress: Progress, crawler: CrawlerChild | None) -> RunReport:
        from pyevents import run as runner

        return runner.nightly(
            config,
            db_path or config.database_path,
            out_dir or config.site_path,
            only=only,
            as_of=as_of,
            progress=progress,
            crawler=crawler,
            fetched_dir=fetched_dir,
            accept_withdrawals=accept_withdrawals,
        )

    _run_reported(config_path, only, fetched_dir, quiet, as_json, run)


@click.command()
@config_option
@db_option
@_only_option
@as_of_option
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

    def run(config: Config, progress: Progress, crawler: CrawlerChild | None) -> RunReport:
        from pyevents import run as runner

        return runner.crawl_into_store(
            config,
            db_path or config.database_path,
            only=only,
            as_of=as_of,
            progress=progress,
            crawler=crawler,
            fetched_dir=fetched_dir,
            accept_withdrawals=accept_withdrawals,
        )

    _run_reported(config_path, only, fetched_dir, quiet, as_json, run)


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


@click.command()
@config_option
@click.option("--shard", type=ShardParam(), required=True, help="Which part to fetch, e.g. 2/4.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), required=True, help="Folder the shard file goes to.")
@as_of_option
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
        config = load_or_exit(config_path)
        from pyevents.shardfetch import fetch_shard

        done = fetch_shard(config, shard, out_dir, as_of=as_of, crawler=crawler)
    if not quiet or done.failed:
        click.echo(
            f"shard {shard}: {done.sources} sources, {done.ok} fetched, {done.not_modified} not modified, "
            f"{done.failed} failed -> {done.path}"
        )
    sys.exit(exitcodes.SOURCES_FAILED if done.failed else exitcodes.OK)


@click.command()
@config_option
@db_option
@out_option
@as_of_option
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

    config = load_or_exit(config_path)
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
