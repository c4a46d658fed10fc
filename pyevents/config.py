"""Loading and validating `config/events.yaml`.

Pydantic models refuse unknown keys; every error is reported as one line naming the file, the line,
the source id (when inside a source) and the field, so an operator can fix it without guessing.
"""

from __future__ import annotations

import os
import re
import zoneinfo
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import pycountry
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pyevents.crawlers.jobs import CrawlSettings
from pyevents.output.federation import Federation, SourcePlace
from pyevents.pipeline.model import KINDS, REGIONS, SourceDefaults

# libyaml's parser when PyYAML was built with it: the same documents and marks, much faster than pure Python.
SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SOURCE_TYPES = ("ical", "feed", "html", "listing")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Where a run writes when neither the command line nor the config names a place (relative to the working folder).
DEFAULT_DATABASE = Path("data/events.duckdb")
DEFAULT_SITE = Path("public")


class ConfigError(Exception):
    """A configuration file that cannot be used; the message names file, line, source and field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WindowConfig(_Strict):
    past_days: Annotated[int, Field(ge=0, le=3650)] = 30
    future_days: Annotated[int, Field(ge=1, le=3650)] = 400
    # Hard cap on occurrences expanded from one recurring series, whatever its rule says.
    max_occurrences_per_series: Annotated[int, Field(ge=1, le=100_000)] = 1000


class CrawlConfig(_Strict):
    delay_seconds: Annotated[float, Field(ge=0, le=600)] = 1.0
    per_host_concurrency: Annotated[int, Field(ge=1, le=64)] = 1
    timeout_seconds: Annotated[float, Field(gt=0, le=600)] = 30.0
    max_bytes: Annotated[int, Field(ge=1024, le=1_000_000_000)] = 20_000_000
    retries: Annotated[int, Field(ge=0, le=10)] = 2
    concurrency: Annotated[int, Field(ge=1, le=256)] = 16  # requests in flight over all hosts
    max_linked_pages: Annotated[int, Field(ge=0, le=1000)] = 50  # feed entry pages followed per source


class FederationConfig(_Strict):
    name: str = "Python Community Events"
    base_url: str = "https://events.example.org/"
    contact: str = "mailto:ops@example.org"
    repository: str | None = None  # where to propose a calendar (the config's repository); shown on about.html
    timezone: str = "UTC"  # for floating times when the source names no zone
    window: WindowConfig = WindowConfig()
    crawl: CrawlConfig = CrawlConfig()
    allow_private_hosts: list[str] = []
    stale_after_days: Annotated[int, Field(ge=1, le=365)] = 3
    # A federation's own database file and site folder, relative to the config file (the demo names its own).
    database: str | None = None
    site: str | None = None

    @field_validator("base_url")
    @classmethod
    def _absolute_base(cls, v: str) -> str:
        parts = urlsplit(v)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an absolute http(s) URL")
        return v if v.endswith("/") else v + "/"

    @field_validator("repository")
    @classmethod
    def _repository(cls, v: str | None) -> str | None:
        if v is not None:
            parts = urlsplit(v)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError("must be an absolute http(s) URL")
        return v

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        return _check_zone(v)

    @field_validator("allow_private_hosts")
    @classmethod
    def _host_ports(cls, v: list[str]) -> list[str]:
        for item in v:
            host, sep, port = item.rpartition(":")
            if not sep or not host or not port.isdigit():
                raise ValueError(f"{item!r} is not host:port")
        return v


class DefaultsConfig(_Strict):
    kind: str | None = None
    country: str | None = None
    city: str | None = None
    timezone: str | None = None
    online: bool | None = None
    tags: list[str] = []

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str | None) -> str | None:
        if v is not None and v not in KINDS:
            raise ValueError(f"must be one of {', '.join(KINDS)}")
        return v

    @field_validator("country")
    @classmethod
    def _country(cls, v: str | None) -> str | None:
        if v is None:
            return v
        if len(v) != 2 or pycountry.countries.get(alpha_2=v.upper()) is None:
            raise ValueError(f"{v!r} is not an ISO 3166-1 alpha-2 country code")
        return v.upper()

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str | None) -> str | None:
        return None if v is None else _check_zone(v)

    def to_model(self) -> SourceDefaults:
        return SourceDefaults(self.kind, self.country, self.city, self.timezone, self.online, list(self.tags))


class SourceConfig(_Strict):
    id: str
    name: str
    type: str
    url: str
    format: str | None = None
    enabled: bool = True
    priority: Annotated[int, Field(ge=0, le=1000)] = 50
    region: str | None = None  # optional override of the region derived from the country
    defaults: DefaultsConfig = DefaultsConfig()

    @field_validator("id")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not SLUG.match(v):
            raise ValueError("must be a slug of a-z, 0-9 and single hyphens")
        return v

    @field_validator("type")
    @classmethod
    def _type(cls, v: str) -> str:
        from pyevents.crawlers.spiders import SITE_SPIDERS  # site spiders register their names there

        if v not in SOURCE_TYPES and v not in SITE_SPIDERS:
            raise ValueError(f"unknown type {v!r}; use one of {', '.join(SOURCE_TYPES + tuple(SITE_SPIDERS))}")
        return v

    @field_validator("format")
    @classmethod
    def _format(cls, v: str | None) -> str | None:
        if v is None:
            return v
        # Imported only when a source names a format: otherwise every `pyevents` command and the crawler
        # process would import the listing parsers.
        from pyevents.pipeline.parsers.listings import FORMATS

        if v not in FORMATS:
            raise ValueError(f"must be one of {', '.join(FORMATS)}")
        return v

    @field_validator("region")
    @classmethod
    def _region(cls, v: str | None) -> str | None:
        if v is not None and v not in REGIONS:
            raise ValueError(f"must be one of {', '.join(REGIONS)}")
        return v

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        parts = urlsplit(v)
        if parts.scheme in ("http", "https"):
            if not parts.hostname:
                raise ValueError("an http(s) URL needs a host")
            return v
        if parts.scheme == "file":
            return v
        raise ValueError("must be an http(s) URL, or a file: URL for offline demos")


class Config(_Strict):
    federation: FederationConfig = FederationConfig()
    sources: list[SourceConfig] = []
    path: Path | None = Field(default=None, exclude=True)  # set by load_config

    def source(self, source_id: str) -> SourceConfig:
        for s in self.sources:
            if s.id == source_id:
                return s
        raise KeyError(source_id)

    @property
    def database_path(self) -> Path:
        """`federation.database` against the config file's folder, else data/events.duckdb."""
        return self._own_path(self.federation.database) or DEFAULT_DATABASE

    @property
    def site_path(self) -> Path:
        """`federation.site` against the config file's folder, else public/."""
        return self._own_path(self.federation.site) or DEFAULT_SITE

    def _own_path(self, name: str | None) -> Path | None:
        if not name:
            return None
        return Path(os.path.normpath(self.path.parent / name)) if self.path is not None else Path(name)

    @property
    def user_agent(self) -> str:
        return f"pyevents/0.1 (+{self.federation.base_url}; {self.federation.contact})"

    def crawl_settings(self) -> CrawlSettings:
        """What the crawler needs of this configuration."""
        crawl = self.federation.crawl
        return CrawlSettings(
            user_agent=self.user_agent,
            concurrency=crawl.concurrency,
            per_host_concurrency=crawl.per_host_concurrency,
            delay_seconds=crawl.delay_seconds,
            timeout_seconds=crawl.timeout_seconds,
            max_bytes=crawl.max_bytes,
            retries=crawl.retries,
            max_linked_pages=crawl.max_linked_pages,
            allow_private_hosts=tuple(self.federation.allow_private_hosts),
        )

    def publish_settings(self) -> Federation:
        """What a publish needs of this configuration."""
        # Imported here: the country tables cost every other command's start-up.
        from pyevents.pipeline.normalize.countries import region_of

        fed = self.federation
        return Federation(
            name=fed.name,
            base_url=fed.base_url,
            contact=fed.contact,
            repository=fed.repository,
            past_days=fed.window.past_days,
            future_days=fed.window.future_days,
            stale_after_days=fed.stale_after_days,
            config_json=fed.model_dump_json(),
            places=tuple(
                # The config's region override, else the country's; an online-only source counts as online.
                SourcePlace(
                    s.id,
                    s.defaults.country,
                    s.region or region_of(s.defaults.country) or ("online" if s.defaults.online else None),
                )
                for s in self.sources
                if s.enabled
            ),
        )


def _check_zone(v: str) -> str:
    try:
        zoneinfo.ZoneInfo(v)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{v!r} is not an IANA time zone") from None
    return v


def load_config(path: str | Path) -> Config:
    """Read and validate a config file; raise ConfigError naming file, line, source and field."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        data = yaml.load(text, Loader=SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: the top level must be a mapping with 'federation' and 'sources'")
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        msg = err["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{path}:{_line_of(text, loc)}: {_where(data, loc)}: {msg}{more}") from None
    first_use: dict[str, int] = {}
    for i, s in enumerate(config.sources):
        if s.id in first_use:
            first = first_use[s.id]
            raise ConfigError(
                f"{path}:{_line_of(text, ('sources', i, 'id'))}: {_where(data, ('sources', i, 'id'))}: duplicate source id, "
                f"first used by source #{first + 1} on line {_line_of(text, ('sources', first, 'id'))}"
            )
        first_use[s.id] = i
    return config.model_copy(update={"path": path.resolve(), "sources": _resolve_files(config.sources, path)})


def _resolve_files(sources: list[SourceConfig], path: Path) -> list[SourceConfig]:
    """Make relative file: URLs (file:demo/x.ics) absolute against the config file's folder."""
    out = []
    for s in sources:
        parts = urlsplit(s.url)
        if parts.scheme == "file" and not parts.netloc and not parts.path.startswith("/"):
            s = s.model_copy(update={"url": (path.resolve().parent / parts.path).as_uri()})
        out.append(s)
    return out


def _line_of(text: str, loc: tuple[Any, ...]) -> int:
    """The 1-based line of the deepest YAML node that `loc` reaches (composed only for an error message)."""
    node = yaml.compose(text, Loader=SafeLoader)
    line = node.start_mark.line + 1 if node is not None else 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if k.value == part), None)
            if match is None:
                break
            key, node = match
            line = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _where(data: dict[str, Any], loc: tuple[Any, ...]) -> str:
    """Where an error is, e.g. `source #18 'pyladies-berlin', field defaults.country` (counted from 1, as people count)."""
    if len(loc) >= 2 and loc[0] == "sources" and isinstance(loc[1], int):
        sources = data.get("sources")
        entry = sources[loc[1]] if isinstance(sources, list) and loc[1] < len(sources) else None
        sid = entry.get("id") if isinstance(entry, dict) else None
        source = f"source #{loc[1] + 1}" + (f" {str(sid)!r}" if sid is not None else "")
        return f"{source}, field {'.'.join(str(p) for p in loc[2:])}" if len(loc) > 2 else source
    return f"field {'.'.join(str(p) for p in loc) or '(top level)'}"
