"""An unchanged merge input is not merged again, and the database ends exactly as if it had been.

Every scenario runs the orchestrator's sequence on two databases side by side: one that may keep the
stored events (`merge_input_key` + `keep_merged_events`), one that always merges and saves. After
every step the events, their provenance and their history must be identical.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from pyevents.pipeline.model import FetchResult, ParsedSource, Window
from pyevents.pipeline.store import ConfiguredSource, RunCounts, Store
from pyevents.pipeline.store.staging import stage
from tests.store.support import (
    AS_OF,
    DAY,
    fetched,
    one_event_per_report,
    parse,
    query,
    refresh_vevents,
    report,
    reports,
    source,
)


@dataclasses.dataclass(frozen=True)
class Step:
    sources: list[ConfiguredSource]
    fetches: list[FetchResult]
    parsed: list[ParsedSource]
    as_of: dt.datetime
    future_days: int = 400
    salt: str = "priorities and code"


def _run(db: Path, step: Step, may_keep: bool) -> tuple[RunCounts, int, bool]:
    """One run; (counts, events merged, whether the merge ran)."""
    window = Window.around(step.as_of, 30, step.future_days)
    with Store.open(db) as store:
        store.start_run(f"run-{step.as_of:%Y%m%d%H%M%S}", step.as_of)
        store.sync_sources(step.sources)
        store.apply_fetches(
            window, {f.source_id: f for f in step.fetches}, {p.source_id: stage(p) for p in step.parsed}, step.as_of
        )
        key = store.merge_input_key(window, step.salt)
        kept = store.keep_merged_events(window, key, step.as_of) if may_keep else None
        if kept is None:
            events = one_event_per_report(store.live_reports(window), store.known_event_ids())
            counts, total, merged = store.save_events(window, events, step.as_of, key), len(events), True
        else:
            (counts, total), merged = kept, False
        refresh_vevents(store)
        store.finish_run("ok", {})
        store.commit(None)
    return counts, total, merged


def _contents(db: Path) -> dict[str, list[tuple]]:
    return {
        "events": query(db, "SELECT * FROM events ORDER BY event_id"),
        "event_sources": query(db, "SELECT * FROM event_sources ORDER BY source_id, source_uid"),
        "event_changes": query(db, "SELECT * FROM event_changes ORDER BY event_id, field, changed_at"),
        "event_ical": query(db, "SELECT * FROM event_ical ORDER BY event_id"),
    }


def _replay(tmp_path: Path, steps: list[Step]) -> list[tuple[RunCounts, int, bool]]:
    """Run the steps on both databases, check they stay identical; what the keeping one did, per step."""
    keeping, merging = tmp_path / "keeping.duckdb", tmp_path / "merging.duckdb"
    outcomes = []
    for n, step in enumerate(steps):
        kept = _run(keeping, step, may_keep=True)
        merged = _run(merging, step, may_keep=False)
        assert kept[:2] == merged[:2], f"step {n}: counts differ"
        assert _contents(keeping) == _contents(merging), f"step {n}: databases differ"
        outcomes.append(kept)
    return outcomes


def _not_modified(source_id: str) -> FetchResult:
    return dataclasses.replace(fetched(source_id), outcome="not_modified", body=None, http_status=304)


SOURCES = [source("a"), source("b")]
FIRST = Step(SOURCES, [fetched("a"), fetched("b")], [parse("a", reports("a", 3)), parse("b", reports("b", 2))], AS_OF)
UNCHANGED = Step(SOURCES, [_not_modified("a"), _not_modified("b")], [], AS_OF + DAY)


def test_an_unchanged_input_is_not_merged_and_its_events_are_seen_again(tmp_path: Path) -> None:
    outcomes = _replay(tmp_path, [FIRST, UNCHANGED, dataclasses.replace(UNCHANGED, as_of=AS_OF + 2 * DAY)])
    assert [merged for _, _, merged in outcomes] == [True, False, False]
    assert outcomes[1][:2] == (RunCounts(0, 0, 0), 5)
    assert query(tmp_path / "keeping.duckdb", "SELECT DISTINCT last_seen_at FROM events") == [(AS_OF + 2 * DAY,)]


def test_a_body_that_changed_but_says_the_same_is_not_merged(tmp_path: Path) -> None:
    same = Step(SOURCES, [fetched("a"), _not_modified("b")], [parse("a", reports("a", 3))], AS_OF + DAY)
    assert [merged for _, _, merged in _replay(tmp_path, [FIRST, same])] == [True, False]


CHANGES = {
    "a report changed": Step(
        SOURCES, [fetched("a"), _not_modified("b")],
        [parse("a", [*reports("a", 2), report("a", "uid-2", days=12, title="Moved")])], AS_OF + DAY,
    ),
    "a report vanished twice": Step(SOURCES, [fetched("a"), _not_modified("b")], [parse("a", reports("a", 2))], AS_OF + DAY),
    "a source was disabled": Step([source("a"), source("b", enabled=False)], [_not_modified("a")], [], AS_OF + DAY),
    "priorities changed": dataclasses.replace(UNCHANGED, salt="other priorities"),
    "a report left the window": dataclasses.replace(UNCHANGED, future_days=11),
}  # fmt: skip


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_any_change_of_the_merge_input_merges_again(tmp_path: Path, change: Step) -> None:
    merged = [merged for _, _, merged in _replay(tmp_path, [FIRST, change, change])]  # the same run once more
    if change is CHANGES["a report vanished twice"]:
        # The first miss only counts (the merge reads nothing of it); the second cancels the report.
        assert merged == [True, False, True]
    else:
        assert merged == [True, True, False]


def test_a_kept_merge_still_withdraws_what_a_wider_window_now_judges(tmp_path: Path) -> None:
    far = report("b", "far", days=300)
    first = Step(SOURCES, [fetched("a"), fetched("b")], [parse("a", reports("a", 1)), parse("b", [far])], AS_OF)
    # b is dropped while the window ends before its event: nothing judges that event yet.
    narrow = Step([source("a"), source("b", enabled=False)], [_not_modified("a")], [], AS_OF + DAY, future_days=200)
    # The window widens again; a's reports are all that is live, exactly as at the last merge.
    wide = Step([source("a"), source("b", enabled=False)], [_not_modified("a")], [], AS_OF + 2 * DAY)
    outcomes = _replay(tmp_path, [first, narrow, wide])
    assert [merged for _, _, merged in outcomes] == [True, True, False]
    assert outcomes[2][0] == RunCounts(new=0, updated=0, cancelled=0, withdrawn=1)  # b left: not a cancellation
