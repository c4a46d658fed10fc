"""The tasks a run's worker processes run, in a module of their own.

A worker imports a task function's module to unpickle it: this one costs the parsers or the iCal writer
(each imported by the task that needs it) and Arrow, not the run's orchestration (DuckDB, the crawler,
the publisher, the merge's rapidfuzz and numpy), whose memory a VEVENT worker would carry otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar, cast

from pyevents.pipeline.model import ParseContext, ParsedSource
from pyevents.pipeline.store.staging import StagedSource
from pyevents.runtime import no_cyclic_gc

if TYPE_CHECKING:
    from pyevents.output.rows import EventColumns

# What a parse keeps: the ParsedSource itself, or its StagedSource (the run).
T = TypeVar("T", ParsedSource, StagedSource)
ParseJob = tuple[bytes, ParseContext, str | None, Callable[[ParsedSource], T]]


def parse_one(job: ParseJob[T]) -> T:
    # Imported on first use: a run with nothing to parse in this process never imports the parsers.
    from pyevents.pipeline.parse import parse_source

    body, ctx, region, finish = job
    return finish(parse_source(body, ctx, region))


def serialize_row_group(base_url: str, rows: Path, group: int, out: Path) -> int:
    """Serialize the VEVENTs of one row group of a Parquet file of `events` rows (VEVENT_COLUMNS) into a
    Parquet file of `event_ical` rows at `out`; how many (the store's vevents.SerializeGroup, once given
    `base_url`). The texts go from here to DuckDB through the file: the parent never holds them."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from pyevents.output.ical import serialize_vevent
    from pyevents.pipeline.store.arrowio import table_dicts

    batch = pq.ParquetFile(rows).read_row_group(group)
    with no_cyclic_gc():  # thousands of row dicts, none of them cyclic
        events = cast("list[EventColumns]", table_dicts(batch))  # the columns serialize_vevent reads
        texts = pa.array([serialize_vevent(event, base_url) for event in events], pa.string())
    pq.write_table(pa.table({"event_id": batch["event_id"], "sequence": batch["sequence"], "vevent": texts}), out)
    return len(texts)
