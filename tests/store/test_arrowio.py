"""Arrow helpers: tables built from objects in chunks, values shared between rows; events staged in chunks."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from pyevents.pipeline.store import Store, arrowio
from pyevents.pipeline.store import events as store_events
from pyevents.pipeline.store.arrowio import from_objects, shared_values
from tests.store.support import one_event_per_report, reports


def test_equal_values_become_one_object_and_lists_stay_distinct() -> None:
    values = ["Europe/" + "Berlin", "Europe/Berlin", None, ["py" + "thon", "data"], ["python"], "UTC"]
    shared = shared_values(values)
    assert shared == values
    assert shared[0] is shared[1] and shared[3][0] is shared[4][0]
    assert shared[3] is not values[3] and shared[4] is not values[4]  # a list may be changed by its owner


def test_a_table_built_in_chunks_equals_one_built_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    items = reports("a", 7, tags=["python", "data"])
    schema = pa.schema(
        [
            ("source_uid", pa.string()),
            ("starts_at", pa.timestamp("us", "UTC")),
            ("tags", pa.list_(pa.string())),
            ("n", pa.int64()),
        ]
    )
    extra = {"n": list(range(7))}
    whole = from_objects(items, schema, extra)
    monkeypatch.setattr(arrowio, "CHUNK_ROWS", 3)
    chunked = from_objects(items, schema, extra)
    assert chunked.num_rows == 7 and len(chunked.column("n").chunks) == 3
    assert chunked.to_pylist() == whole.to_pylist()
    assert from_objects([], schema).num_rows == 0


def test_staging_events_with_release_empties_the_list_and_stages_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_events, "CHUNK_ROWS", 3)
    events = one_event_per_report(reports("a", 7) + reports("b", 2), {})
    with Store.open(tmp_path / "events.duckdb") as store:
        kept = store.stage_events(events)
        released = store.stage_events(events, release=True)
    assert events == []
    assert released.events.to_pylist() == kept.events.to_pylist() and released.events.num_rows == 9
    assert released.provenance.to_pylist() == kept.provenance.to_pylist()
