-- Cheaper writes to the near-duplicate index. Every article adds 64 rows to dedup_bands, so
-- the per-row costs of that table were most of what dedup spent in the database:
--  * the foreign key to articles ran a trigger per band row (a lookup in articles' key) --
--    40 % of the COPY. It is dropped: band rows are written in the transaction that writes
--    the article's dedup_members row, and the lookup only uses articles that have one, so
--    the band rows of a deleted article (articles are not deleted by the pipeline) are
--    skipped, never followed;
--  * the primary key checked uniqueness on each insert. Rows are only written for articles
--    that have no dedup_members row yet, under the dedup lock, so a pair cannot repeat; a
--    plain b-tree on the same columns serves the probes (index-only) at half the insert cost.
ALTER TABLE dedup_bands DROP CONSTRAINT IF EXISTS dedup_bands_article_id_fkey;
ALTER TABLE dedup_bands DROP CONSTRAINT IF EXISTS dedup_bands_pkey;
CREATE INDEX IF NOT EXISTS dedup_bands_key_idx ON dedup_bands (band_key, article_id);
