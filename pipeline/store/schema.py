"""The DuckDB schema: the contract's tables and view, plus the internal tables a run needs.

Contract tables keep exactly the contract's columns first; internal columns come after them and are
documented in the README. Internal tables start with no underscore so analysts can read them too.
"""

from __future__ import annotations

SCHEMA_VERSION = 1

TABLES = """
CREATE TABLE IF NOT EXISTS sources (
    source_id VARCHAR PRIMARY KEY,
    name VARCHAR,
    type VARCHAR,
    url VARCHAR,
    enabled BOOLEAN,
    last_attempt_at TIMESTAMPTZ,
    last_success_at TIMESTAMPTZ,
    last_status VARCHAR,          -- ok | not_modified | failed | gone | quarantined | disabled
    last_error VARCHAR,
    consecutive_failures INTEGER,
    http_etag VARCHAR,
    http_last_modified VARCHAR,
    content_sha256 VARCHAR,
    event_count INTEGER,
    last_parsed_at TIMESTAMPTZ,   -- internal: when its reports were last expanded from a body
    configured_url VARCHAR        -- internal: the URL the config gave; `url` differs after a 301
);

CREATE TABLE IF NOT EXISTS crawl_runs (
    run_id VARCHAR PRIMARY KEY,
    started_at TIMESTAMPTZ,
    finished_at TIMESTAMPTZ,
    status VARCHAR,               -- ok | partial | failed
    sources_ok INTEGER,
    sources_failed INTEGER,
    sources_not_modified INTEGER,
    events_new INTEGER,
    events_updated INTEGER,
    events_cancelled INTEGER,
    events_withdrawn INTEGER      -- internal: events whose every source left the configuration
);

CREATE TABLE IF NOT EXISTS events (
    event_id VARCHAR PRIMARY KEY,
    series_id VARCHAR,
    title VARCHAR,
    description VARCHAR,
    starts_at TIMESTAMPTZ,
    ends_at TIMESTAMPTZ,
    timezone VARCHAR,
    all_day BOOLEAN,
    kind VARCHAR,
    status VARCHAR,
    url VARCHAR,
    venue VARCHAR,
    city VARCHAR,
    country VARCHAR,
    region VARCHAR,
    latitude DOUBLE,
    longitude DOUBLE,
    online BOOLEAN,
    tags VARCHAR[],
    cfp_url VARCHAR,
    cfp_ends_at TIMESTAMPTZ,
    first_seen_at TIMESTAMPTZ,
    last_seen_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ,
    sequence INTEGER,
    content_hash VARCHAR,         -- internal: hash of the material fields; a change raises sequence
    subdivision VARCHAR           -- ISO 3166-2 of the state or province where known (last: older files gain it by ALTER)
);

CREATE TABLE IF NOT EXISTS event_sources (
    event_id VARCHAR,
    source_id VARCHAR,
    source_uid VARCHAR,
    source_url VARCHAR,
    first_seen_at TIMESTAMPTZ,
    last_seen_at TIMESTAMPTZ,
    PRIMARY KEY (source_id, source_uid)
);

CREATE TABLE IF NOT EXISTS event_changes (
    event_id VARCHAR,
    changed_at TIMESTAMPTZ,
    field VARCHAR,
    old_value VARCHAR,
    new_value VARCHAR
);

CREATE TABLE IF NOT EXISTS rejects (
    source_id VARCHAR,
    seen_at TIMESTAMPTZ,
    reason VARCHAR,
    detail VARCHAR
);

-- internal: the last good reports of every source, one row per occurrence as that source said it
CREATE TABLE IF NOT EXISTS reports (
    source_id VARCHAR,
    source_uid VARCHAR,
    series_uid VARCHAR,
    title VARCHAR,
    description VARCHAR,
    starts_at TIMESTAMPTZ,
    ends_at TIMESTAMPTZ,
    timezone VARCHAR,
    all_day BOOLEAN,
    status VARCHAR,
    url VARCHAR,
    location VARCHAR,
    venue VARCHAR,
    city VARCHAR,
    country VARCHAR,
    region VARCHAR,
    latitude DOUBLE,
    longitude DOUBLE,
    online BOOLEAN,
    kind VARCHAR,
    tags VARCHAR[],
    cfp_url VARCHAR,
    cfp_ends_at TIMESTAMPTZ,
    source_url VARCHAR,
    first_seen_at TIMESTAMPTZ,
    last_seen_at TIMESTAMPTZ,
    missed_fetches INTEGER,       -- successful fetches in a row that no longer carried it
    subdivision VARCHAR,
    PRIMARY KEY (source_id, source_uid)
);

-- internal: each event's VEVENT, serialized once when the event changes
CREATE TABLE IF NOT EXISTS event_ical (
    event_id VARCHAR PRIMARY KEY,
    sequence INTEGER,
    vevent VARCHAR
);

CREATE TABLE IF NOT EXISTS meta (
    key VARCHAR PRIMARY KEY,
    value VARCHAR
);
"""

VIEWS = """
CREATE OR REPLACE VIEW upcoming_events AS
    SELECT * EXCLUDE (content_hash) FROM events
    WHERE status NOT IN ('cancelled', 'withdrawn') AND ends_at >= now()
    ORDER BY starts_at;
"""

# Tables exported to data/export/<table>.parquet after every run.
EXPORTED = ("sources", "crawl_runs", "events", "event_sources", "event_changes", "rejects")
