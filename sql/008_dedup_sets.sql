-- The shingle sets the near-duplicate verification compares, stored as the decision writes
-- them. A stored article that tonight's band keys hit was verified by re-reading its text
-- and recomputing its shingles (boilerplate removal, normalization, hashing): a third of
-- dedup's time once most of a night's articles have a stored copy or near-copy. Its sets
-- are now read back as they were computed: about 1 KB an article. Articles decided before
-- this table existed have no row and are still recomputed from their text.
CREATE TABLE IF NOT EXISTS dedup_sets (
    article_id  bigint PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    shingles    bytea NOT NULL,
    lead        bytea NOT NULL
);

COMMENT ON TABLE dedup_sets IS
    'Shingle sets of each decided article, read back when a new article''s bands hit it.';
COMMENT ON COLUMN dedup_sets.article_id IS 'Article.';
COMMENT ON COLUMN dedup_sets.shingles IS
    'Sorted distinct 32-bit shingle hashes of the boilerplate-stripped text (little-endian).';
COMMENT ON COLUMN dedup_sets.lead IS
    'Sorted distinct shingle hashes of the lead window (the first shingles), same encoding.';
