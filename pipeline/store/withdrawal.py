"""Withdrawal: what happens to events when their sources leave the federation (SQL used by the writer).

A source is withdrawn when the configuration no longer lists it or says `enabled: false` (its `sources`
row is disabled and not `gone`). An event none of whose sources is still in the federation is not
cancelled, it is `withdrawn`: it leaves the site and every feed (calendar clients delete it) and is kept,
with its provenance, so that re-adding the source brings it back with its event_id. An event another
source also reported stays live and loses the withdrawn source's provenance. A source that answered
410 Gone is different: its events are cancelled, as for an event missing from its source.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyevents.pipeline.store.content import content_hash_sql

WITHDRAWN = "withdrawn"
CANCELLED = "cancelled"
# Statuses an event leaves the feeds' live set with; neither is judged again when it stays unreported.
ENDED_STATUSES = (CANCELLED, WITHDRAWN)

# A `sources` row `s` that has left the federation: disabled by the configuration, not by a 410. (LEFT
# JOINed: withdrawal needs the source's row to say so; without one, a vanished event is cancelled.)
_SOURCE_WITHDRAWN = "coalesce(NOT s.enabled AND s.last_status IS DISTINCT FROM 'gone', false)"

# Events no longer reported by the merge (`incoming_events`), not past, not beyond the window, still
# live: withdrawn when every source that reported them is withdrawn, else cancelled.
JUDGE_VANISHED_SQL = f"""
CREATE OR REPLACE TEMP TABLE vanished AS
SELECT e.event_id, e.status AS old_status,
       CASE WHEN EXISTS (SELECT 1 FROM event_sources es WHERE es.event_id = e.event_id)
             AND NOT EXISTS (SELECT 1 FROM event_sources es LEFT JOIN sources s ON s.source_id = es.source_id
                             WHERE es.event_id = e.event_id AND NOT {_SOURCE_WITHDRAWN})
            THEN '{WITHDRAWN}' ELSE '{CANCELLED}' END AS new_status
FROM events e
WHERE e.status NOT IN ('{CANCELLED}', '{WITHDRAWN}') AND e.ends_at >= $now
  AND ($horizon IS NULL OR e.starts_at < $horizon)
  AND NOT EXISTS (SELECT 1 FROM incoming_events i WHERE i.event_id = e.event_id)
"""

RECORD_VANISHED_SQL = (
    "INSERT INTO event_changes (event_id, changed_at, field, old_value, new_value) "
    "SELECT event_id, $now, 'status', old_status, new_status FROM vanished"
)

APPLY_VANISHED_SQL = f"""
MERGE INTO events AS e USING vanished AS t ON e.event_id = t.event_id
WHEN MATCHED THEN UPDATE SET status = t.new_status, sequence = e.sequence + 1, updated_at = $now,
    content_hash = {content_hash_sql("e", {"status": "t.new_status"})}
"""

COUNT_VANISHED_SQL = (
    f"SELECT count(*) FILTER (WHERE new_status = '{CANCELLED}'), count(*) FILTER (WHERE new_status = '{WITHDRAWN}') FROM vanished"
)

# The provenance of withdrawn sources on events that stay live (another source still reports them).
DROP_WITHDRAWN_PROVENANCE_SQL = f"""
DELETE FROM event_sources WHERE event_id IN (SELECT event_id FROM incoming_events)
  AND source_id IN (SELECT s.source_id FROM sources s WHERE {_SOURCE_WITHDRAWN})
"""

# Sources live now that a run enabling only $kept would withdraw (almost always none: a quick check first).
LEAVING_SQL = "SELECT count(*) FROM sources WHERE enabled AND source_id NOT IN (SELECT unnest($kept::VARCHAR[]))"
_LIVE = f"e.status NOT IN ('{CANCELLED}', '{WITHDRAWN}') AND e.ends_at >= $now"
LIVE_SQL = f"SELECT count(*), 0 FROM events e WHERE {_LIVE}"
# Live events (published, not past, not cancelled or withdrawn) and how many of them no source in
# $kept reported: those a run with that set of enabled sources would withdraw.
PREVIEW_SQL = f"""
WITH kept_events AS (
    SELECT DISTINCT event_id FROM event_sources WHERE source_id IN (SELECT unnest($kept::VARCHAR[]))
)
SELECT count(*), count(*) FILTER (WHERE k.event_id IS NULL)
FROM events e LEFT JOIN kept_events k ON k.event_id = e.event_id
WHERE {_LIVE}
"""


@dataclass(frozen=True, slots=True)
class WithdrawalPreview:
    """What a configuration would do to the live events: how many there are, how many would be withdrawn."""

    live: int
    withdrawn: int
    enabled_sources: int

    @property
    def needs_consent(self) -> bool:
        """A config with no enabled source, or one withdrawing more than half of the live events, is
        most likely a mistake: the operator must say it is not."""
        return self.enabled_sources == 0 or 2 * self.withdrawn > self.live
