"""What the `pyevents` commands share: their options and parameter types, loading the config, and
the one-line exit on a user's mistake."""

from __future__ import annotations

import datetime as dt
import difflib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click
from click.core import ParameterSource

from pyevents import exitcodes

# Imported where used: `nightly` and `crawl` start their crawler child before anything else, and
# importing pydantic's models (the config) need not delay it.
if TYPE_CHECKING:
    from pyevents.config import Config

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


def config_option(f: Any) -> Any:
    return click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path),
        default=DEFAULT_CONFIG,
        show_default=True,
        help="Federation config file.",
    )(f)


def db_option(f: Any) -> Any:
    return click.option(
        "--db",
        "db_path",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help="DuckDB database file.  [default: the config's federation.database, else data/events.duckdb]",
    )(f)


def out_option(f: Any) -> Any:
    return click.option(
        "--out",
        "out_dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=None,
        help="Site directory.  [default: the config's federation.site, else public/]",
    )(f)


def as_of_option(f: Any) -> Any:
    return click.option("--as-of", type=AsOf(), default=None, help="Run as if now were DATETIME (ISO 8601).")(f)


def load_or_exit(config_path: Path, only: tuple[str, ...] = ()) -> Config:
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
        usage(f"{config_path}: no source with id {', '.join(map(repr, unknown))}{hint}")
    return config


def own_path(config_path: Path, given: Path | None, attribute: str) -> Path:
    """--db or --out when given, else the config's `database_path` or `site_path`.

    The config is read only when --config was given or the default one exists, so that `--db` or
    `--out` alone works in any folder.
    """
    from pyevents.config import Config

    if given is not None:
        return given
    named = click.get_current_context().get_parameter_source("config_path") is not ParameterSource.DEFAULT
    config = load_or_exit(config_path) if named or config_path.exists() else Config()
    return Path(getattr(config, attribute))


def usage(message: str) -> NoReturn:
    """A user's mistake: one line on stderr and exit 2."""
    click.echo(f"pyevents: {message}", err=True)
    sys.exit(exitcodes.USAGE)
