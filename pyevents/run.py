"""Orchestration of a run: crawl → parse (all cores) → store → merge → publish.

The library API behind the CLI: `crawl_into_store`, `publish_site` and `nightly` take a loaded
`Config` and return a `RunReport`; nothing here prints. Exit codes follow the contract:
0 all sources fine, 1 published but some sources failed, 2 a configuration refused for what it would
withdraw (nothing crawled or written), 3 nothing could be published.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import hashlib
import importlib
import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Generic

import duckdb
import pyarrow.parquet as pq

from pyevents.crawlers.fetch import CrawlerChild, fetch_sources
from pyevents.fetchedfiles import load_fetched, write_states
from pyevents.shards import ShardError
from pyevents.pipeline import dedupe
from pyevents.pipeline.codedigest import files_digest
from pyevents.pipeline.gcpause import no_cyclic_gc
from pyevents.pipeline.memory import release_freed_memory
from pyevents.pipeline.model import FetchResult, ParseContext, ParsedSource, SourceState, Window
from pyevents.pipeline.store import RunCounts, Store, StoreError, StoreLocked
from pyevents.pipeline.store.lifecycle import body_sha256
from pyevents.pipeline.store.staging import StagedSource, stage
from pyevents.pipeline.store.withdrawal import WithdrawalPreview
from pyevents.pipeline.store.writer import EXPORT_MEMORY_LIMIT, MEMORY_LIMIT, StagedEvents
from pyevents.pipeline.workerpool import worker_context
from pyevents import exitcodes
from pyevents.config import Config, SourceConfig
from pyevents.workers import ParseJob, T, parse_one, serialize_row_group

# A source's occurrences are re-expanded from a fresh body at least this often, so the window's far
# end keeps filling even when a calendar never changes (a 304 has no body to expand).
REEXPAND_AFTER = dt.timedelta(days=7)
# Below this many sources to parse, a process pool costs more than it saves.
POOL_THRESHOLD = 4
FAILED_STATUSES = ("failed", "gone", "quarantined")
NOTHING_REACHABLE = "no source was reachable: is the network down? nothing was changed"
ACCEPT_WITHDRAWALS_FLAG = "--accept-withdrawals"  # named in the refusal: the CLI option that gives consent
VEVENT_POOL_MIN = 2_000  # fewer VEVENTs are serialized in this process: starting workers would cost more


@dataclass(slots=True)
class SourceOutcome:
    source_id: str
    status: str  # ok | not_modified | failed | gone | quarantined | disabled
    events: int = 0
    rejects: int = 0
    error: str | None = None
    http_status: int | None = None
    seconds: float = 0.0


@dataclass(slots=True)
class RunReport:
    run_id: str
    as_of: dt.datetime
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    exit_code: int = exitcodes.OK
    message: str | None = None  # why nothing was published (exit 3) or the run was refused (exit 2)
    unreachable: bool = False  # no source could be reached: nothing was changed (database and site as they were)
    sources: list[SourceOutcome] = field(default_factory=list)
    events_new: int = 0
    events_updated: int = 0
    events_cancelled: int = 0
    events_withdrawn: int = 0  # every source that reported them left the configuration
    events_total: int = 0
    sources_stale: int = 0  # failing for at least federation.stale_after_days
    events_stale: int = 0  # events those sources last reported, kept as they were
    published: dict[str, object] | None = None
    stage_seconds: dict[str, float] = field(default_factory=dict)

    def count(self, status: str) -> int:
        return sum(1 for s in self.sources if s.status == status)

    @property
    def failed(self) -> list[SourceOutcome]:
        return [s for s in self.sources if s.status in FAILED_STATUSES]

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        for key in ("as_of", "started_at", "finished_at"):
            value = data[key]
            data[key] = value.isoformat() if value else None
        data["totals"] = {
            "sources_ok": self.count("ok"),
            "sources_not_modified": self.count("not_modified"),
            "sources_failed": len(self.failed),
        }
        return data


Progress = Callable[[str, dict[str, object]], None]


def _no_progress(stage: str, info: dict[str, object]) -> None:
    return None


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def select_sources(config: Config, only: tuple[str, ...] = ()) -> list[SourceConfig]:
    """Enabled sources, or exactly the named ones (unknown names are a usage error: KeyError)."""
    if only:
        return [config.source(sid) for sid in only]
    return [s for s in config.sources if s.enabled]


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


def start_worker_pool() -> cf.ProcessPoolExecutor:
    """A process pool on all cores for the run's CPU-bound work (parsing, VEVENT serialization)."""
    return cf.ProcessPoolExecutor(max_workers=os.cpu_count() or 1, mp_context=worker_context())


def _unchanged(parsed: ParsedSource) -> ParsedSource:
    return parsed


def _events_parsed(result: ParsedSource | StagedSource) -> int:
    return len(result.events) if isinstance(result, ParsedSource) else result.events_parsed


def parse_fetches(
    config: Config,
    sources: list[SourceConfig],
    fetches: dict[str, FetchResult],
    states: dict[str, SourceState],
    window: Window,
    progress: Progress = _no_progress,
) -> dict[str, ParsedSource]:
    """Parse every fetched body that changed, on all cores; an unchanged body (same sha256) is skipped."""
    with SourceParser(config, sources, states, window, progress) as parser:
        for source in sources:
            fetch = fetches.get(source.id)
            if fetch is not None:
                parser.submit(fetch)
        return parser.results()


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
        progress: Progress = _no_progress,
        finish: Callable[[ParsedSource], T] = _unchanged,  # type: ignore[assignment]  # T is ParsedSource then
    ) -> None:
        self._config = config
        self._sources = {s.id: s for s in sources}
        self._states = states
        self._window = window
        self._progress = progress
        self._finish = finish
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
        if state is not None and state.content_sha256 == body_sha256(fetch.body) and not _needs_reexpansion(state, self._window):
            fetch.outcome = "not_modified"  # same bytes as last time: nothing to parse
            return
        context = parse_context(self._config, source, self._window, fetch)
        self._waiting.append((fetch.body, context, source.region, self._finish))
        if self._pool is None and len(self._waiting) >= POOL_THRESHOLD:
            self._pool = start_worker_pool()
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
            except Exception as exc:  # a worker killed by the OS (memory) must not end the run
                parsed = self._finish(ParsedSource(sid, error=f"parser process failed: {type(exc).__name__}: {exc}"))
            self._keep(sid, parsed)

    def _keep(self, sid: str, parsed: T) -> None:
        self._results[sid] = parsed
        self._progress("parsed", {"source_id": sid, "events": _events_parsed(parsed)})


def _merge_salt(priorities: dict[str, int]) -> str:
    """What a merge depends on besides the stored reports: the sources' priorities and the merge's own code."""
    code = files_digest([Path(dedupe.__file__)])
    return hashlib.sha256(code.encode() + json.dumps(sorted(priorities.items())).encode()).hexdigest()


def _needs_reexpansion(state: SourceState, window: Window) -> bool:
    return state.last_parsed_at is None or window.as_of - state.last_parsed_at >= REEXPAND_AFTER


def states_for_fetch(states: dict[str, SourceState], window: Window) -> dict[str, SourceState]:
    """Drop the conditional-GET validators of sources due for re-expansion, so they send a body."""
    out = {}
    for sid, state in states.items():
        if _needs_reexpansion(state, window):
            state = SourceState(sid, url=state.url, event_count=state.event_count, enabled=state.enabled)
        out[sid] = state
    return out


def crawl_into_store(
    config: Config,
    db_path: Path,
    *,
    only: tuple[str, ...] = (),
    as_of: dt.datetime | None = None,
    export_dir: Path | None = None,
    progress: Progress = _no_progress,
    crawler: CrawlerChild | None = None,
    fetched_dir: Path | None = None,
    accept_withdrawals: bool = False,
) -> RunReport:
    """Fetch, parse, merge and store; the database file is replaced atomically at the end.

    `crawler`: a crawler child the caller started early, so that Scrapy's start-up overlaps opening the store.
    `fetched_dir`: load the fetch results other machines wrote there (`pyevents fetch --shard I/N`) instead
    of crawling, and leave the new conditional-GET state there for their next fetch.
    A config with no enabled source, or one that would withdraw more than half of the live events, is
    refused (exit 2, nothing crawled or written) unless `accept_withdrawals`.
    """
    as_of = (as_of or now_utc()).astimezone(dt.timezone.utc)
    fed = config.federation
    window = Window.around(as_of, fed.window.past_days, fed.window.future_days)
    report = RunReport(run_id=uuid.uuid4().hex[:12], as_of=as_of, started_at=now_utc())
    sources = select_sources(config, only)
    loaded: dict[str, FetchResult] | None = None
    if fetched_dir is not None:
        try:
            loaded = load_fetched(fetched_dir, config, sources)
        except ShardError as exc:
            report.exit_code, report.message = exitcodes.USAGE, str(exc)
            return report
    enabled = [s.id for s in config.sources if s.enabled]
    if not enabled and not accept_withdrawals and not db_path.exists():  # refused without creating anything
        return _refused(report, WithdrawalPreview(live=0, withdrawn=0, enabled_sources=0))
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        why = "a file is in the way" if isinstance(exc, FileExistsError) else exc.strerror or str(exc)
        report.exit_code = exitcodes.UNPUBLISHABLE
        report.message = f"cannot create the database's folder {db_path.parent}: {why}"
        return report
    try:
        store = Store.open(db_path)
    except (StoreLocked, StoreError) as exc:
        report.exit_code, report.message = exitcodes.UNPUBLISHABLE, str(exc)
        return report
    try:
        with store:
            if not accept_withdrawals:
                preview = store.withdrawal_preview(enabled, as_of)
                if preview.needs_consent:
                    return _refused(report, preview)  # leaving the block aborts: the database stays as it was
            store.start_run(report.run_id, as_of)
            store.sync_sources(config.sources)
            states = store.source_states()

            clock = time.perf_counter()
            progress("fetch-start", {"sources": len(sources)})
            with SourceParser(config, sources, states, window, progress, finish=stage) as parser:

                def fetched(result: FetchResult) -> None:
                    parser.submit(result)  # parsing starts while the crawl goes on (an unchanged body: not_modified)
                    progress("fetched", {"source_id": result.source_id, "outcome": result.outcome, "error": result.error})

                if loaded is None:
                    fetches = fetch_sources(
                        config, sources, states_for_fetch(states, window), on_progress=fetched, crawler=crawler
                    )
                else:
                    fetches = loaded
                    for result in fetches.values():
                        fetched(result)
                report.stage_seconds["fetch"] = time.perf_counter() - clock
                clock = time.perf_counter()
                parsed = parser.results()
            report.stage_seconds["parse"] = time.perf_counter() - clock  # the parsing left when the crawl ended
            if fetches and all(f.unreachable for f in fetches.values()):
                # Nothing was learned, so nothing changes: no health churn, no lifecycle step, same site.
                report.sources = [_outcome(s.id, "failed", fetches.get(s.id), None) for s in sources]
                report.unreachable, report.message = True, NOTHING_REACHABLE
                report.exit_code, report.finished_at = exitcodes.SOURCES_FAILED, now_utc()
                return report  # leaving the block aborts the store

            clock = time.perf_counter()
            statuses = store.apply_fetches(window, fetches, parsed, as_of)
            report.sources = [_outcome(s.id, statuses.get(s.id, "failed"), fetches.get(s.id), parsed.get(s.id)) for s in sources]
            stale = _stale_sources(report, states, as_of, fed.stale_after_days)
            report.sources_stale, report.events_stale = len(stale), sum(states[sid].event_count for sid in stale)
            if fetched_dir is not None:
                write_states(fetched_dir, store.source_states())
            del fetches, parsed  # stored now: their bodies and events must not stay in memory beside the merge
            release_freed_memory()
            report.stage_seconds["store_reports"] = time.perf_counter() - clock

            with VeventSerializer(store, fed.base_url) as vevents:
                counts = _merge_and_save(store, config, window, as_of, report, vevents)  # times store_reports, dedupe, store
                clock = time.perf_counter()
                report.events_new, report.events_updated, report.events_cancelled = counts.new, counts.updated, counts.cancelled
                report.events_withdrawn = counts.withdrawn
                store.finish_run("partial" if report.failed else "ok", _run_counts(report))
                store.write_exports(  # while the VEVENT workers run, if any: then in DuckDB's usual memory
                    export_dir if export_dir is not None else db_path.parent / "export",
                    memory_limit=MEMORY_LIMIT if vevents.pooled else EXPORT_MEMORY_LIMIT,
                )
                vevents.save()
            store.commit()
            report.stage_seconds["store"] += time.perf_counter() - clock
    except duckdb.Error as exc:  # the store aborted: the previous database stays whole
        report.exit_code, report.message = exitcodes.UNPUBLISHABLE, f"database error, nothing stored: {exc}"
        return report
    report.finished_at = now_utc()
    report.exit_code = exitcodes.SOURCES_FAILED if report.failed else exitcodes.OK
    return report


def _refused(report: RunReport, preview: WithdrawalPreview) -> RunReport:
    """The run report of a configuration refused for what it would withdraw (exit 2, one line)."""
    what = (
        "the configuration has no enabled source"
        if preview.enabled_sources == 0
        else "the configuration would withdraw more than half of the live events"
    )
    report.exit_code = exitcodes.USAGE
    report.message = (
        f"refused: {what}: {preview.withdrawn} of {preview.live} live events would leave the site and every feed; "
        f"run again with {ACCEPT_WITHDRAWALS_FLAG} to accept"
    )
    report.finished_at = now_utc()
    return report


def _stale_sources(report: RunReport, states: dict[str, SourceState], as_of: dt.datetime, days: int) -> list[str]:
    """Sources that failed this run and last succeeded `days` or more days ago (their events are kept, but aging)."""
    limit = as_of - dt.timedelta(days=days)
    last_success = {sid: state.last_success_at for sid, state in states.items() if state.last_success_at is not None}
    return [s.source_id for s in report.failed if s.source_id in last_success and last_success[s.source_id] <= limit]


def _merge_and_save(
    store: Store, config: Config, window: Window, as_of: dt.datetime, report: RunReport, vevents: VeventSerializer
) -> RunCounts:
    """Merge the live reports into events and save them, unless nothing the merge reads has changed since
    the stored events were merged: then they are only confirmed (see Store.keep_merged_events). Every
    event left with a stale VEVENT goes to `vevents` (those of a merge while it is being saved)."""
    clock = time.perf_counter()
    priorities = {s.id: s.priority for s in config.sources}
    merge_key = store.merge_input_key(window, _merge_salt(priorities))
    kept = store.keep_merged_events(merge_key, as_of)
    report.stage_seconds["store_reports"] += time.perf_counter() - clock
    if kept is not None:
        counts, report.events_total = kept
        report.stage_seconds["dedupe"] = 0.0  # nothing to merge
        clock = time.perf_counter()
        vevents.submit_needing()
    else:
        staged = _merged_events(store, window, priorities, report)
        clock = time.perf_counter()
        report.events_total = staged.events.num_rows
        counts = store.save_events(staged, as_of, merge_key, ical_rows=vevents.submit, release=True)
    report.stage_seconds["store"] = report.stage_seconds.get("store", 0.0) + time.perf_counter() - clock
    return counts


def _merged_events(store: Store, window: Window, priorities: dict[str, int], report: RunReport) -> StagedEvents:
    """The live reports merged into events, staged for saving: the reports and events, Python objects,
    are gone when this returns (they would otherwise sit beside DuckDB's work in save_events)."""
    clock = time.perf_counter()
    with no_cyclic_gc():  # one acyclic SourceEvent per report: collector passes over them would cost more
        reports = store.live_reports(window)
    report.stage_seconds["store_reports"] += time.perf_counter() - clock
    clock = time.perf_counter()
    events = dedupe.merge_reports(reports, priorities, store.known_event_ids())
    del reports  # the events hold the ones they need, and they are released while staged
    report.stage_seconds["dedupe"] = time.perf_counter() - clock
    clock = time.perf_counter()
    staged = store.stage_events(events, release=True)
    release_freed_memory()  # the reports' and events' strings, beside DuckDB's work in save_events
    report.stage_seconds["store"] = time.perf_counter() - clock
    return staged


class VeventSerializer:
    """Serializes the VEVENTs of the rows it is given while the caller goes on (`submit` a Parquet file of
    `events` rows, e.g. as `Store.save_events`' `ical_rows`, or `submit_needing`): a row group per task
    in worker processes on all cores once there are many (the pool starts with the first big file), else
    at once in this process. Each task writes its VEVENTs to a Parquet file of the store's, which `save`
    hands to DuckDB: neither the rows nor the texts are ever all in memory."""

    def __init__(self, store: Store, base_url: str) -> None:
        self._store = store
        self._base_url = base_url
        self._pool: cf.ProcessPoolExecutor | None = None
        self._outputs: list[tuple[Path, cf.Future[int] | int]] = []  # (VEVENT file, its row count)

    def __enter__(self) -> VeventSerializer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    @property
    def pooled(self) -> bool:
        """Whether worker processes are serializing (they take memory beside this process)."""
        return self._pool is not None

    def submit(self, rows: Path) -> None:
        """Start serializing the rows of a Parquet file (VEVENT_COLUMNS of `events` rows)."""
        metadata = pq.read_metadata(rows)
        if metadata.num_rows == 0:
            return
        if self._pool is None and metadata.num_rows >= VEVENT_POOL_MIN:
            self._pool = start_worker_pool()
        for group in range(metadata.num_row_groups):
            out = self._store.scratch_path()
            if self._pool is not None:
                self._outputs.append((out, self._pool.submit(serialize_row_group, rows, group, self._base_url, out)))
            else:
                self._outputs.append((out, serialize_row_group(rows, group, self._base_url, out)))

    def submit_needing(self) -> None:
        """Start serializing every event whose stored VEVENT is missing or stale."""
        self.submit(self._store.ical_rows_file())

    def save(self) -> int:
        """Store every VEVENT submitted; how many."""
        count = sum(done.result() if isinstance(done, cf.Future) else done for _, done in self._outputs)
        self.__exit__()
        self._store.save_ical_files([out for out, _ in self._outputs])
        self._outputs.clear()
        return count


def _outcome(sid: str, status: str, fetch: FetchResult | None, parsed: StagedSource | None) -> SourceOutcome:
    error = (parsed.error if parsed and parsed.error else None) or (fetch.error if fetch else "not fetched")
    if status in ("ok", "not_modified"):
        error = None
    return SourceOutcome(
        source_id=sid,
        status=status,
        events=parsed.events_parsed if parsed else 0,
        rejects=parsed.rejects_parsed if parsed else 0,
        error=error,
        http_status=fetch.http_status if fetch else None,
        seconds=round(fetch.seconds, 3) if fetch else 0.0,
    )


def _run_counts(report: RunReport) -> dict[str, int]:
    return {
        "sources_ok": report.count("ok"),
        "sources_failed": len(report.failed),
        "sources_not_modified": report.count("not_modified"),
        "events_new": report.events_new,
        "events_updated": report.events_updated,
        "events_cancelled": report.events_cancelled,
        "events_withdrawn": report.events_withdrawn,
    }


# What makes a publish impossible (exit 3): the output folder, or the database it reads, is unusable.
PUBLISH_ERRORS = (OSError, duckdb.Error)


def publish_site(config: Config, db_path: Path, out_dir: Path, *, as_of: dt.datetime | None = None) -> dict[str, object]:
    """Render the site and feeds from the database; raises one of PUBLISH_ERRORS when it cannot."""
    from pyevents.output.publish import publish

    if not db_path.exists():
        raise FileNotFoundError(f"no database at {db_path}: run `pyevents crawl` or `pyevents nightly` first")
    return asdict(publish(db_path, out_dir, config, (as_of or now_utc()).astimezone(dt.timezone.utc)))


class _ImportWhileCrawling:
    """Imports a module in a thread once the first source is fetched: the crawl keeps this process waiting
    for its child, and the publish's modules (templates, feeds) need not delay the crawl's start
    nor follow its end (an import under way when the publish starts is waited for by Python's import
    lock). `progress` is the run's, passed on."""

    def __init__(self, module: str, progress: Progress) -> None:
        self._thread = threading.Thread(target=importlib.import_module, args=(module,), name=f"import {module}", daemon=True)
        self._progress = progress

    def progress(self, stage: str, info: dict[str, object]) -> None:
        if stage == "fetched" and self._thread.ident is None:
            self._thread.start()
        self._progress(stage, info)


def nightly(
    config: Config,
    db_path: Path,
    out_dir: Path,
    *,
    only: tuple[str, ...] = (),
    as_of: dt.datetime | None = None,
    progress: Progress = _no_progress,
    crawler: CrawlerChild | None = None,
    fetched_dir: Path | None = None,
    accept_withdrawals: bool = False,
) -> RunReport:
    """The cron job: crawl into the store (or load `fetched_dir`), then publish the site; exit code per the contract."""
    publisher = _ImportWhileCrawling("pyevents.output.publish", progress)
    report = crawl_into_store(
        config, db_path, only=only, as_of=as_of, progress=publisher.progress, crawler=crawler, fetched_dir=fetched_dir,
        accept_withdrawals=accept_withdrawals,
    )
    if report.exit_code in (exitcodes.UNPUBLISHABLE, exitcodes.USAGE) or report.unreachable:
        return report
    clock = time.perf_counter()
    release_freed_memory()  # what the store freed: the publish's workers and snapshot come on top
    progress("publish-start", {})
    try:
        report.published = publish_site(config, db_path, out_dir, as_of=report.as_of)
    except PUBLISH_ERRORS as exc:
        report.exit_code, report.message = exitcodes.UNPUBLISHABLE, f"could not publish to {out_dir}: {exc}"
    report.stage_seconds["publish"] = time.perf_counter() - clock
    report.finished_at = now_utc()
    return report
