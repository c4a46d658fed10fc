"""SourceParser: bodies parsed as the crawl delivers them, in a pool only when there are enough of them."""

from __future__ import annotations

import datetime as dt

import pytest

from pyevents.config import Config
from pyevents.parsepool import POOL_THRESHOLD, SourceParser
from pyevents.pipeline.model import FetchResult, SourceState, Window
from pyevents.pipeline.store import lifecycle
from pyevents.pipeline.store.lifecycle import body_sha256

AS_OF = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
WINDOW = Window.around(AS_OF, 30, 400)


def _calendar(n: int) -> bytes:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n"
        f"BEGIN:VEVENT\r\nUID:e{n}@t\r\nSUMMARY:Python night {n}\r\nDTSTART:202701{10 + n:02d}T180000Z\r\n"
        f"DTEND:202701{10 + n:02d}T200000Z\r\nEND:VEVENT\r\n"
        f"BEGIN:VEVENT\r\nUID:s{n}@t\r\nSUMMARY:Sprint {n}\r\nDTSTART;VALUE=DATE:20270201\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def _config(count: int) -> Config:
    return Config.model_validate(
        {
            "sources": [
                {"id": f"s{n}", "name": f"S{n}", "type": "ical", "url": f"https://example.org/{n}.ics"} for n in range(count)
            ]
        }
    )


def _fetches(count: int) -> list[FetchResult]:
    return [FetchResult(f"s{n}", "ok", f"https://example.org/{n}.ics", body=_calendar(n), http_status=200) for n in range(count)]


def _parse(count: int, states: dict[str, SourceState]) -> tuple[dict[str, object], list[str], list[FetchResult]]:
    config = _config(count)
    fetches = _fetches(count)
    seen: list[str] = []
    with SourceParser(config, config.sources, states, WINDOW, lambda stage, info: seen.append(str(info["source_id"]))) as parser:
        for fetch in fetches:
            parser.submit(fetch)
        results = parser.results()
    return dict(results), seen, fetches


def test_a_pool_parses_exactly_what_parsing_here_does() -> None:
    many = POOL_THRESHOLD + 2
    pooled, seen, _ = _parse(many, {})
    inline, _, _ = _parse(POOL_THRESHOLD - 1, {})  # below the threshold: no pool
    assert sorted(seen) == sorted(pooled) == [f"s{n}" for n in range(many)]
    for sid, parsed in inline.items():
        assert parsed == pooled[sid]
    assert [len(p.events) for p in pooled.values()] == [4] * many  # one event and three sprint occurrences


def test_an_unchanged_body_is_not_parsed_and_reads_as_not_modified() -> None:
    body = _calendar(0)
    states = {
        "s0": SourceState("s0", content_sha256=body_sha256(body), last_parsed_at=AS_OF - dt.timedelta(days=1)),
        "s1": SourceState("s1", content_sha256=body_sha256(_calendar(1)), last_parsed_at=AS_OF - dt.timedelta(days=30)),
    }
    results, _, fetches = _parse(3, states)
    assert sorted(results) == ["s1", "s2"]  # s1 is due for re-expansion, so parsed although unchanged
    assert [f.outcome for f in fetches] == ["not_modified", "ok", "ok"]


def test_a_change_of_the_parse_code_parses_an_unchanged_body_once(monkeypatch: pytest.MonkeyPatch) -> None:
    body = _calendar(0)
    recent = AS_OF - dt.timedelta(days=1)
    stored = {"s0": SourceState("s0", content_sha256=body_sha256(body), last_parsed_at=recent)}
    monkeypatch.setattr(lifecycle, "parse_code_digest", lambda: "the next version's code")
    results, _, fetches = _parse(1, stored)
    assert sorted(results) == ["s0"] and fetches[0].outcome == "ok"  # same bytes, other code: parsed again
    again = {"s0": SourceState("s0", content_sha256=body_sha256(body), last_parsed_at=recent)}  # as the store keeps it
    results, _, fetches = _parse(1, again)
    assert results == {} and fetches[0].outcome == "not_modified"  # then skipped again


def test_the_parse_code_digest_covers_parsers_normalization_and_the_model() -> None:
    from pyevents.pipeline.codedigest import PARSE_CODE, PIPELINE_DIR, files_digest, parse_code_digest

    assert parse_code_digest() == files_digest(PIPELINE_DIR / name for name in PARSE_CODE)
    assert all((PIPELINE_DIR / name).exists() for name in PARSE_CODE)
    without_listings = files_digest([PIPELINE_DIR / "parsers" / "ical.py"])
    assert without_listings != parse_code_digest()
