-- Fetching: per-feed health (conditional GET validators, failure streak and backoff,
-- auto-disable, permanent moves) and the raw payloads kept for re-parsing a night.

-- One row per feed, kept apart from `feeds` because `feeds` mirrors the registry file and is
-- rewritten from it on every run, while health is learned from fetching.
CREATE TABLE IF NOT EXISTS feed_health (
    feed_id            text PRIMARY KEY REFERENCES feeds(id) ON DELETE CASCADE,
    -- A permanent redirect (301/308) seen while fetching registry_url: fetch moved_to
    -- instead, for as long as the registry still says registry_url.
    registry_url       text,
    moved_to           text,
    -- Validators of the last body parsed; sent back as If-None-Match / If-Modified-Since.
    etag               text,
    last_modified      text,
    body_sha256        text,
    validators_run_id  bigint,
    last_attempt_at    timestamptz,
    last_attempt_run_id bigint,
    last_status        text,
    last_http_status   integer,
    last_ok_at         timestamptz,
    last_error         text,
    last_reason        text,
    last_error_at      timestamptz,
    failure_streak     integer NOT NULL DEFAULT 0,
    next_attempt_at    timestamptz,
    retry_after        real,
    disabled_at        timestamptz,
    disabled_reason    text,
    updated_at         timestamptz NOT NULL DEFAULT now()
);

-- A feed skipped tonight (disabled, or backing off) still gets a row in the fetch log.
ALTER TABLE fetches DROP CONSTRAINT IF EXISTS fetches_status_check;
ALTER TABLE fetches ADD CONSTRAINT fetches_status_check
    CHECK (status IN ('ok', 'not_modified', 'failed', 'skipped'));

-- Raw fetched payloads, zlib-compressed: feed documents and article pages as received,
-- with their headers, so a night can be parsed again without the network.
CREATE TABLE IF NOT EXISTS raw_payloads (
    id            bigserial PRIMARY KEY,
    run_id        bigint NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    feed_id       text NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    kind          text NOT NULL CHECK (kind IN ('feed', 'page')),
    url           text NOT NULL,
    final_url     text,
    fetched_at    timestamptz NOT NULL,
    http_status   integer,
    headers       jsonb NOT NULL DEFAULT '{}'::jsonb,
    raw_bytes     integer NOT NULL,
    stored_bytes  integer NOT NULL,
    sha256        text NOT NULL,
    body          bytea NOT NULL,
    UNIQUE (run_id, feed_id, kind, url)
);
-- Already compressed: stop PostgreSQL from trying again.
ALTER TABLE raw_payloads ALTER COLUMN body SET STORAGE EXTERNAL;
CREATE INDEX IF NOT EXISTS raw_payloads_fetched_idx ON raw_payloads (fetched_at);
