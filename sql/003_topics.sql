-- Topics from the taxonomy file and the topics given to each article, with their evidence.

-- One row per topic id ever declared; labels follow the taxonomy file on every sync.
CREATE TABLE IF NOT EXISTS topics (
    id                text PRIMARY KEY,
    label_ar          text NOT NULL,
    label_en          text NOT NULL,
    description       text NOT NULL DEFAULT '',
    taxonomy_version  text NOT NULL,   -- the version that last declared it
    active            boolean NOT NULL DEFAULT true,  -- false once the file drops it
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- A topic given to an article by one taxonomy version. evidence is a JSON array of the
-- counted hits: {term, surface, field ("title" | "text"), start, end, weight}, with
-- start/end character offsets into the original title or body. Re-tagging an article
-- replaces its rows for that version in one transaction.
CREATE TABLE IF NOT EXISTS article_topics (
    article_id        bigint NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    topic_id          text NOT NULL REFERENCES topics(id),
    taxonomy_version  text NOT NULL,
    score             real NOT NULL,
    evidence          jsonb NOT NULL DEFAULT '[]'::jsonb,
    tagged_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (article_id, taxonomy_version, topic_id)
);
CREATE INDEX IF NOT EXISTS article_topics_topic_idx
    ON article_topics (topic_id, taxonomy_version);

-- Which articles a taxonomy version has looked at, topics found or not, so that "not yet
-- tagged" and "tagged, no topic" can be told apart.
CREATE TABLE IF NOT EXISTS article_topic_runs (
    article_id        bigint NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    taxonomy_version  text NOT NULL,
    topics            integer NOT NULL DEFAULT 0,
    tagged_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (article_id, taxonomy_version)
);
