-- Core tables: the feed registry, runs, fetch log, articles and where each was seen.

CREATE TABLE IF NOT EXISTS feeds (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    url         text NOT NULL,
    outlet      text NOT NULL,
    language    text NOT NULL DEFAULT 'ar',
    enabled     boolean NOT NULL DEFAULT true,
    full_text   boolean NOT NULL DEFAULT false,
    added_at    timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS runs (
    id              bigserial PRIMARY KEY,
    run_key         text NOT NULL UNIQUE,
    logical_ts      timestamptz NOT NULL,
    interval_start  timestamptz,
    interval_end    timestamptz,
    started_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    status          text NOT NULL DEFAULT 'running',
    summary         jsonb NOT NULL DEFAULT '{}'::jsonb
);

CREATE TABLE IF NOT EXISTS fetches (
    id           bigserial PRIMARY KEY,
    run_id       bigint NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    feed_id      text NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    url          text NOT NULL,
    started_at   timestamptz NOT NULL,
    finished_at  timestamptz NOT NULL,
    status       text NOT NULL CHECK (status IN ('ok', 'not_modified', 'failed')),
    http_status  integer,
    entries      integer NOT NULL DEFAULT 0,
    loaded       integer NOT NULL DEFAULT 0,
    error        text,
    details      jsonb NOT NULL DEFAULT '{}'::jsonb,
    UNIQUE (run_id, feed_id)
);

CREATE TABLE IF NOT EXISTS articles (
    id             bigserial PRIMARY KEY,
    canonical_url  text NOT NULL UNIQUE,
    url            text NOT NULL,
    guid           text,
    feed_id        text REFERENCES feeds(id) ON DELETE SET NULL,
    outlet         text NOT NULL,
    title          text NOT NULL,
    summary        text NOT NULL DEFAULT '',
    body           text NOT NULL DEFAULT '',
    body_source    text NOT NULL DEFAULT 'summary',
    author         text,
    title_norm     text NOT NULL,
    body_norm      text NOT NULL,
    content_hash   text NOT NULL,
    language       text NOT NULL DEFAULT 'ar',
    published_at   timestamptz,
    first_seen     timestamptz NOT NULL,
    last_seen      timestamptz NOT NULL,
    run_id         bigint REFERENCES runs(id) ON DELETE SET NULL,
    updated_at     timestamptz
);
CREATE INDEX IF NOT EXISTS articles_content_hash_idx ON articles (content_hash);
CREATE INDEX IF NOT EXISTS articles_published_idx ON articles (published_at);
CREATE INDEX IF NOT EXISTS articles_run_idx ON articles (run_id);

-- Every time a feed carried an article: the provenance of exact copies (same text, other URL).
CREATE TABLE IF NOT EXISTS article_sightings (
    article_id  bigint NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    run_id      bigint NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    feed_id     text NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    url         text NOT NULL,
    outlet      text NOT NULL,
    seen_at     timestamptz NOT NULL,
    PRIMARY KEY (article_id, run_id, feed_id, url)
);
CREATE INDEX IF NOT EXISTS article_sightings_run_idx ON article_sightings (run_id);
