-- Near-duplicate detection: the persistent LSH index and the copy clusters.
-- Every article gets one row in dedup_members; tonight's articles find last week's copies
-- through dedup_bands, whichever worker runs the task.

-- The configuration (thresholds, shingle size) each decision was made under.
CREATE TABLE IF NOT EXISTS dedup_configs (
    version     text PRIMARY KEY,
    params      jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- A story cluster: the copies of one text. Its id is the article that founded it, so ids are
-- stable across reruns; the canonical member may change to a later, fuller copy.
CREATE TABLE IF NOT EXISTS dedup_clusters (
    id                    bigint PRIMARY KEY,
    canonical_article_id  bigint NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    size                  integer NOT NULL DEFAULT 1,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);

-- An article's place in its cluster. kind: unique = the canonical member; exact / near = a
-- copy, linked to the member it was verified against (matched_article_id) with the scores
-- of that pair and the configuration version that decided it.
CREATE TABLE IF NOT EXISTS dedup_members (
    article_id          bigint PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    cluster_id          bigint NOT NULL REFERENCES dedup_clusters(id) ON DELETE CASCADE,
    kind                text NOT NULL CHECK (kind IN ('exact', 'near', 'unique')),
    matched_article_id  bigint REFERENCES articles(id) ON DELETE SET NULL,
    similarity          real,
    jaccard             real,
    containment         real,
    config_version      text NOT NULL REFERENCES dedup_configs(version),
    content_hash        text NOT NULL,
    shingles            integer NOT NULL,
    published_at        timestamptz,
    wire_credits        text[] NOT NULL DEFAULT '{}',
    decided_at          timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'unique') = (matched_article_id IS NULL))
);
CREATE INDEX IF NOT EXISTS dedup_members_cluster_idx ON dedup_members (cluster_id);
CREATE INDEX IF NOT EXISTS dedup_members_hash_idx ON dedup_members (content_hash);

-- LSH band hashes: (band key, article). The key mixes in the band number, so one b-tree on
-- the key finds every stored article sharing a band with a new one. An exact copy stores no
-- bands (its twin's are the same). There is deliberately no index on article_id: it would
-- double the cost of the 64 rows written per article, and articles are rarely deleted.
CREATE TABLE IF NOT EXISTS dedup_bands (
    band_key    bigint NOT NULL,
    article_id  bigint NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    PRIMARY KEY (band_key, article_id)
);

-- One row per article: its cluster, the canonical copy it duplicates (NULL when it is the
-- canonical member) and how that was decided.
CREATE OR REPLACE VIEW dedup_copies AS
SELECT m.article_id,
       m.cluster_id,
       NULLIF(c.canonical_article_id, m.article_id) AS duplicate_of,
       m.matched_article_id,
       m.similarity,
       m.jaccard,
       m.containment,
       m.kind,
       m.config_version,
       m.wire_credits
FROM dedup_members m
JOIN dedup_clusters c ON c.id = m.cluster_id;
