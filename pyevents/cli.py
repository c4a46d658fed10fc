"""The `pyevents` command line: a thin click layer over `pyevents.run` and the store.

This module is the group and its error handling; the commands are in `pyevents.commands_run` and
`pyevents.commands_inspect`, and what they share in `pyevents.cli_options`.

Every command's docstring is its --help, with an example. Exit codes: 0 fine, 1 published but some
sources failed, 2 usage or configuration error (nothing crawled or written), 3 nothing published.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import click

from pyevents import exitcodes
from pyevents.cli_options import usage
from pyevents.commands_inspect import query, serve, sources
from pyevents.commands_run import crawl, fetch, nightly, publish


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
            usage(f"{message} (see `{command} --help`)")
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


for command in (nightly, crawl, fetch, publish, sources, query, serve):
    main.add_command(command)
