"""What a configuration would withdraw, judged before a run changes anything (Store.withdrawal_preview)."""

from __future__ import annotations

from pathlib import Path

from pyevents.pipeline.store import Store
from tests.store.support import AS_OF, DAY, fetched, parse, reports, run, source


def _preview(db: Path, kept: list[str], days: int = 1) -> tuple[int, int, bool]:
    with Store.open(db) as store:
        preview = store.withdrawal_preview(kept, AS_OF + days * DAY)
        store.abort()
    return preview.live, preview.withdrawn, preview.needs_consent


def test_more_than_half_or_no_source_needs_consent_and_exactly_half_does_not(tmp_path: Path) -> None:
    db = tmp_path / "events.duckdb"
    sources = [source("a"), source("b"), source("c")]
    run(db, sources, [fetched("a"), fetched("b"), fetched("c")],
        [parse("a", reports("a", 3)), parse("b", reports("b", 2)), parse("c", reports("c", 1))])  # fmt: skip
    assert _preview(db, ["a", "b", "c"]) == (6, 0, False)  # nothing leaves (the quick path)
    assert _preview(db, ["a"]) == (6, 3, False)  # exactly half: an operator's ordinary change
    assert _preview(db, ["b", "c"]) == (6, 3, False)
    assert _preview(db, ["c"]) == (6, 5, True)
    assert _preview(db, []) == (6, 6, True)
    assert _preview(db, ["a", "b", "c", "not-yet-stored"]) == (6, 0, False)
    assert _preview(db, ["c"], days=30) == (0, 0, False)  # past events are not live: nothing to lose
