"""Faults and lifecycle: nothing a source does wrong deletes its events; real removals become tombstones."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from pyevents.pipeline.model import FetchResult, Reject
from pyevents.pipeline.store import Store
from pyevents.pipeline.store.lifecycle import MAX_REJECTS_PER_SOURCE
from tests.store.support import (
    AS_OF,
    DAY,
    default_event_id,
    event_rows,
    failed,
    fetched,
    parse,
    query,
    report,
    reports,
    run,
    source,
)

NEXT, THIRD, FOURTH = AS_OF + DAY, AS_OF + 2 * DAY, AS_OF + 3 * DAY


def _source_row(db: Path, source_id: str) -> dict[str, object]:
    names = [c for (c,) in query(db, "SELECT column_name FROM (DESCRIBE sources)")]
    (values,) = query(db, "SELECT * FROM sources WHERE source_id = ?", [source_id])
    return dict(zip(names, values))


def _report_states(db: Path, source_id: str) -> dict[str, tuple[str, int]]:
    rows = query(db, "SELECT source_uid, status, missed_fetches FROM reports WHERE source_id = ?", [source_id])
    return {uid: (status, missed) for uid, status, missed in rows}


def _statuses(db: Path) -> dict[str, str]:
    return {event_id: row["status"] for event_id, row in event_rows(db).items()}  # type: ignore[misc]


def test_a_failing_source_keeps_its_events_and_shows_why(tmp_path: Path) -> None:
    db = tmp_path / "events.duckdb"
    run(db, [source("a")], [fetched("a")], [parse("a", reports("a", 6))])
    before = event_rows(db)
    second = run(db, [source("a")], [failed("a", "HTTP 503 from example.org")], [], as_of=NEXT)
    third = run(db, [source("a")], [failed("a", "timed out after 30 s")], [], as_of=THIRD)
    assert second.statuses == third.statuses == {"a": "failed"}
    assert len(third.live) == 6
    after = event_rows(db)
    assert {k: (r["status"], r["sequence"]) for k, r in after.items()} == dict.fromkeys(before, ("confirmed", 0))
    row = _source_row(db, "a")
    assert (row["last_status"], row["consecutive_failures"], row["last_error"]) == ("failed", 2, "timed out after 30 s")
    assert (row["last_success_at"], row["last_attempt_at"], row["event_count"]) == (AS_OF, THIRD, 6)


def test_an_unusable_document_keeps_the_events_and_the_old_validators(tmp_path: Path) -> None:
    db = tmp_path / "events.duckdb"
    run(db, [source("a")], [fetched("a", b"BEGIN:VCALENDAR good", http_etag='"v1"')], [parse("a", reports("a", 3))])
    login = fetched("a", b"<html>Please log in</html>", http_etag='"login"')
    result = run(db, [source("a")], [login], [parse("a", [], error="an HTML page, not a calendar")], as_of=NEXT)
    assert result.statuses == {"a": "failed"} and len(result.live) == 3
    row = _source_row(db, "a")
    # A conditional GET must not turn the login page into "not modified" next time.
    assert row["http_etag"] == '"v1"' and row["last_error"] == "an HTML page, not a calendar"
    assert query(db, "SELECT reason, detail FROM rejects") == [("unusable-document", "an HTML page, not a calendar")]


def test_a_source_shrinking_to_a_fraction_is_quarantined_not_emptied(tmp_path: Path) -> None:
    db = tmp_path / "events.duckdb"
    run(db, [source("a")], [fetched("a")], [parse("a", reports("a", 10))])
    shrunk = run(db, [source("a")], [fetched("a")], [parse("a", reports("a", 1))], as_of=NEXT)
    empty = run(db, [source("a")], [fetched("a")], [parse("a", [])], as_of=THIRD)
    assert shrunk.statuses == empty.statuses == {"a": "quarantined"}
    assert _report_states(db, "a") == {f"uid-{i}": ("confirmed", 0) for i in range(10)}  # not even counted as missed
    assert set(_statuses(db).values()) == {"confirmed"}
    row = _source_row(db, "a")
    assert row["last_status"] == "quarantined" and "no events where 10 were live" in str(row["last_error"])
    assert row["last_success_at"] == AS_OF and row["event_count"] == 10
    # A real, moderate change is accepted.
    fine = run(db, [source("a")], [fetched("a")], [parse("a", reports("a", 8))], as_of=FOURTH)
    assert fine.statuses == {"a": "ok"}


def test_small_sources_and_new_empty_sources_are_not_quarantined(tmp_path: Path) -> None:
    db = tmp_path / "events.duckdb"
    both = [source("a"), source("b")]
    first = run(db, both, [fetched("a"), fetched("b")], [parse("a", reports("a", 4)), parse("b", [])])
    assert first.statuses == {"a": "ok", "b": "ok"}
    second = run(db, [source("a")], [fetched("a")], [parse("a", reports("a", 1))], as_of=NEXT)
    assert second.statuses == {"a": "ok"}  # 4 live is under the threshold of 5


def test_a_report_missing_from_two_successful_fetches_becomes_a_cancelled_tombstone(tmp_path: Path) -> None:
    db = tmp_path / "events.duckdb"
    all_three = reports("a", 3)
    run(db, [source("a")], [fetched("a")], [parse("a", all_three)])
    once = run(db, [source("a")], [fetched("a")], [parse("a", all_three[:2])], as_of=NEXT)
    assert _report_states(db, "a")["uid-2"] == ("confirmed", 1) and once.counts.cancelled == 0
    twice = run(db, [source("a")], [fetched("a")], [parse("a", all_three[:2])], as_of=THIRD)
    assert _report_states(db, "a")["uid-2"] == ("cancelled", 2) and twice.counts.cancelled == 1
    gone = event_rows(db)[default_event_id("a", "uid-2")]
    assert (gone["status"], gone["sequence"], gone["updated_at"]) == ("cancelled", 1, THIRD)
    assert query(db, "SELECT field, old_value, new_value FROM event_changes") == [("status", "confirmed", "cancelled")]
    assert "uid-2" in {r.source_uid for r in twice.live}  # the tombstone stays published until past
    back = run(db, [source("a")], [fetched("a")], [parse("a", all_three)], as_of=FOURTH)
    assert _report_states(db, "a")["uid-2"] == ("confirmed", 0) and back.counts.updated == 1
    assert event_rows(db)[default_event_id("a", "uid-2")]["sequence"] == 2


def test_past_reports_leaving_a_feed_are_not_cancelled(tmp_path: Path) -> None:
    db = tmp_path / "events.duckdb"
    held = report("a", "held", days=0.5)  # over before the next runs
    run(db, [source("a")], [fetched("a")], [parse("a", [held, report("a", "next")])])
    run(db, [source("a")], [fetched("a")], [parse("a", [report("a", "next")])], as_of=NEXT)
    run(db, [source("a")], [fetched("a")], [parse("a", [report("a", "next")])], as_of=THIRD)
    assert _report_states(db, "a")["held"] == ("confirmed", 0)
    assert _statuses(db)[default_event_id("a", "held")] == "confirmed"


def test_410_gone_disables_the_source_and_withdraws_its_future_events(tmp_path: Path) -> None:
    db = tmp_path / "events.duckdb"
    both = [source("a"), source("b")]
    run(db, both, [fetched("a"), fetched("b")], [parse("a", reports("a", 2)), parse("b", reports("b", 1))])
    gone = FetchResult("a", "gone", "https://example.org/a.ics", http_status=410, error="HTTP 410 Gone")
    result = run(db, [source("a"), source("b")], [gone, fetched("b")], [parse("b", reports("b", 1))], as_of=NEXT)
    assert result.statuses == {"a": "gone", "b": "ok"} and result.counts.cancelled == 2
    assert {r.source_id for r in result.live} == {"b"}
    row = _source_row(db, "a")
    assert (row["enabled"], row["last_status"], row["last_error"]) == (False, "gone", "HTTP 410 Gone")
    assert _statuses(db) == {
        default_event_id("a", "uid-0"): "cancelled", default_event_id("a", "uid-1"): "cancelled",
        default_event_id("b", "uid-0"): "confirmed",
    }  # fmt: skip
    assert query(db, "SELECT count(*) FROM reports WHERE source_id = 'a'") == [(2,)]  # kept, just not live
    with Store.open(db) as store:  # the config still lists it: it stays disabled ...
        store.sync_sources([source("a"), source("b")])
        assert store.source_states()["a"].enabled is False
        store.sync_sources([source("a", url="https://example.org/new-home.ics"), source("b")])  # ... until it moves
        state = store.source_states()["a"]
        assert state.enabled is True and state.url == "https://example.org/new-home.ics"
        store.abort()


def test_a_permanent_redirect_updates_the_url_and_keeps_every_identity(tmp_path: Path) -> None:
    db = tmp_path / "events.duckdb"
    run(db, [source("a")], [fetched("a")], [parse("a", reports("a", 2))])
    before = event_rows(db)
    moved = fetched("a", moved_to="https://calendar.example.net/a.ics", final_url="https://calendar.example.net/a.ics")
    run(db, [source("a")], [moved], [parse("a", reports("a", 2))], as_of=NEXT)
    run(db, [source("a")], [fetched("a")], [parse("a", reports("a", 2))], as_of=THIRD)  # config unchanged
    row = _source_row(db, "a")
    assert row["url"] == "https://calendar.example.net/a.ics" and row["configured_url"] == "https://example.org/a.ics"
    after = event_rows(db)
    assert set(after) == set(before) and {r["sequence"] for r in after.values()} == {0}
    assert query(db, "SELECT DISTINCT source_id FROM event_sources") == [("a",)]


def test_a_source_removed_from_the_config_is_disabled_and_its_events_withdrawn(tmp_path: Path) -> None:
    db = tmp_path / "events.duckdb"
    both = [source("a"), source("b")]
    run(db, both, [fetched("a"), fetched("b")], [parse("a", reports("a", 1)), parse("b", reports("b", 1))])
    result = run(db, [source("b")], [fetched("b")], [parse("b", reports("b", 1))], as_of=NEXT)
    assert (result.counts.cancelled, result.counts.withdrawn) == (0, 1)
    assert (_source_row(db, "a")["enabled"], _source_row(db, "a")["last_status"]) == (False, "disabled")
    assert _statuses(db)[default_event_id("a", "uid-0")] == "withdrawn"
    assert query(db, "SELECT field, old_value, new_value FROM event_changes") == [("status", "confirmed", "withdrawn")]


def test_not_modified_is_a_success_that_keeps_everything(tmp_path: Path) -> None:
    db = tmp_path / "events.duckdb"
    body = b"BEGIN:VCALENDAR same bytes"
    run(db, [source("a")], [fetched("a", body, http_etag='"v1"')], [parse("a", reports("a", 2))])
    run(db, [source("a")], [failed("a")], [], as_of=NEXT)
    not_modified = FetchResult("a", "not_modified", "https://example.org/a.ics", http_status=304)
    result = run(db, [source("a")], [not_modified], [], as_of=THIRD)
    same_body = run(db, [source("a")], [fetched("a", body, http_etag='"v2"')], [], as_of=FOURTH)  # not re-parsed
    assert result.statuses == same_body.statuses == {"a": "not_modified"} and len(same_body.live) == 2
    row = _source_row(db, "a")
    assert (row["last_success_at"], row["consecutive_failures"], row["last_error"]) == (FOURTH, 0, None)
    assert row["http_etag"] == '"v2"' and row["last_parsed_at"] == AS_OF
    # A new body that was not parsed is not mistaken for an unchanged one.
    unparsed = run(db, [source("a")], [fetched("a", b"other bytes")], [], as_of=FOURTH + DAY)
    assert unparsed.statuses == {"a": "failed"}


def test_rejects_are_replaced_per_parse_and_bounded(tmp_path: Path) -> None:
    db = tmp_path / "events.duckdb"
    rejects = [Reject("a", "bad-date", f"DTSTART:2026-13-{i:02d}") for i in range(3)]
    run(db, [source("a")], [fetched("a")], [parse("a", reports("a", 1), rejects=rejects, warnings=["bozo feed"])])
    assert sorted(query(db, "SELECT reason, seen_at FROM rejects")) == [("bad-date", AS_OF)] * 3 + [("warning", AS_OF)]
    flood = [Reject("a", "no-dtstart", str(i)) for i in range(5000)]
    twice = [*reports("a", 1), replace(reports("a", 1)[0], title="duplicate")]
    run(db, [source("a")], [fetched("a")], [parse("a", twice, rejects=flood)], as_of=NEXT)
    counts = dict(query(db, "SELECT reason, count(*) FROM rejects GROUP BY reason"))
    assert counts == {"no-dtstart": MAX_REJECTS_PER_SOURCE - 1, "too-many-rejects": 1}
    assert query(db, "SELECT title FROM reports") == [("Python meetup uid-0",)]  # the first of two with one UID
    run(db, [source("a")], [failed("a")], [], as_of=THIRD)
    assert query(db, "SELECT count(*) FROM rejects") == [(MAX_REJECTS_PER_SOURCE,)]  # kept while nothing was parsed
