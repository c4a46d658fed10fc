"""The parse pool: fetched bodies parsed while the crawl goes on, on all cores once there are enough.

A body is parsed again only when it changed or is due for re-expansion (`needs_reexpansion`): the
window's far end keeps filling even for a calendar that never changes.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
from collections.abc import Callable, Iterable
from typing import Generic

from pyevents.config import Config, SourceConfig
from pyevents.pipeline.model import FetchResult, ParseContext, ParsedSource, SourceState, Window
from pyevents.pipeline.store.lifecycle import body_sha256
from pyevents.pipeline.store.staging import StagedSource
from pyevents.runreport import Progress, no_progress
from pyevents.runtime import worker_pool
from pyevents.workers import ParseJob, T, parse_one

# A source's occurrences are re-expanded from a fresh body at least this often, so the window's far
# end keeps filling even when a calendar never changes (a 304 has no body to expand).
REEXPAND_AFTER = dt.timedelta(days=7)
# Below this many sources to parse, a process pool costs more than it saves.
POOL_THRESHOLD = 4


def parse_context(config: Config, source: SourceConfig, window: Window, fetch: FetchResult) -> ParseContext:
    fed = config.federation
    return ParseContext(
        source_id=source.id,
        source_name=source.name,
        source_type=source.type,
        url=fetch.final_url or fetch.url,
        window=window,
        defaults=source.defaults.to_model(),
        federation_timezone=fed.timezone,
        listing_format=source.format,
        max_occurrences_per_series=fed.window.max_occurrences_per_series,
        linked=fetch.linked,
    )


def needs_reexpansion(state: SourceState, window: Window) -> bool:
    return state.last_parsed_at is None or window.as_of - state.last_parsed_at >= REEXPAND_AFTER


def states_for_fetch(states: dict[str, SourceState], window: Window) -> dict[str, SourceState]:
    """Drop the conditional-GET validators of sources due for re-expansion, so they send a body."""
    out = {}
    for sid, state in states.items():
        if needs_reexpansion(state, window):
            state = SourceState(sid, url=state.url, event_count=state.event_count, enabled=state.enabled)
        out[sid] = state
    return out


def _unchanged(parsed: ParsedSource) -> ParsedSource:
    return parsed


def _events_parsed(result: ParsedSource | StagedSource) -> int:
    return len(result.events) if isinstance(result, ParsedSource) else result.events_parsed


class SourceParser(Generic[T]):
    """Parses fetched bodies while the crawl goes on: `submit` each FetchResult as it arrives, then `results`.

    A body whose sha256 is the stored one (and not due for re-expansion) is not parsed: its fetch becomes
    "not_modified". Fewer than POOL_THRESHOLD bodies are parsed here, more in a process pool on all cores,
    started when the POOL_THRESHOLD-th body arrives (an incremental run with two changed sources never
    pays for starting it). `finish` turns each ParsedSource into the result kept, where it was parsed
    (a module-level function, so a worker can run it: the run stages parses for the store there).
    """

    def __init__(
        self,
        config: Config,
        sources: list[SourceConfig],
        states: dict[str, SourceState],
        window: Window,
        progress: Progress = no_progress,
        finish: Callable[[ParsedSource], T] = _unchanged,  # type: ignore[assignment]  # T is ParsedSource then
    ) -> None:
        self._config = config
        self._sources = {s.id: s for s in sources}
        self._states = states
        self._window = window
        self._progress = progress
        self._finish: Callable[[ParsedSource], T] = finish
        self._waiting: list[ParseJob[T]] = []  # until the pool is worth starting
        self._pool: cf.ProcessPoolExecutor | None = None
        self._futures: dict[cf.Future[T], str] = {}
        self._results: dict[str, T] = {}

    def __enter__(self) -> SourceParser[T]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def submit(self, fetch: FetchResult) -> None:
        source = self._sources.get(fetch.source_id)
        if source is None or fetch.outcome != "ok" or fetch.body is None:
            return
        state = self._states.get(source.id)
        if state is not None and state.content_sha256 == body_sha256(fetch.body) and not needs_reexpansion(state, self._window):
            fetch.outcome = "not_modified"  # same bytes as last time: nothing to parse
            return
        context = parse_context(self._config, source, self._window, fetch)
        self._waiting.append((fetch.body, context, source.region, self._finish))
        if self._pool is None and len(self._waiting) >= POOL_THRESHOLD:
            self._pool = worker_pool()
        if self._pool is not None:
            for job in self._waiting:
                self._futures[self._pool.submit(parse_one, job)] = job[1].source_id
            self._waiting.clear()
        self._collect(cf.wait(self._futures, timeout=0).done)  # report what finished meanwhile

    def results(self) -> dict[str, T]:
        """Every submitted body's result (waits for the pool); the pool is shut down."""
        for job in self._waiting:
            self._keep(job[1].source_id, parse_one(job))
        self._waiting.clear()
        self._collect(cf.as_completed(self._futures))
        self.__exit__()
        results, self._results = self._results, {}  # the caller's alone: it may drop them when it is done
        return results

    def _collect(self, done: Iterable[cf.Future[T]]) -> None:
        for future in list(done):
            sid = self._futures.pop(future)
            try:
                parsed = future.result()
            except Exception as exc:  # noqa: BLE001 - a worker killed by the OS (memory) must not end the run
                parsed = self._finish(ParsedSource(sid, error=f"parser process failed: {type(exc).__name__}: {exc}"))
            self._keep(sid, parsed)

    def _keep(self, sid: str, parsed: T) -> None:
        self._results[sid] = parsed
        self._progress("parsed", {"source_id": sid, "events": _events_parsed(parsed)})
