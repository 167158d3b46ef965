-- Faster nightly tag writes. article_entities_article_idx indexed (article_id) alone, which
-- the UNIQUE (article_id, field, start_offset, end_offset) index already serves (it leads
-- with article_id): the planner uses that one for "the rows of these articles" and each
-- mention written no longer maintains a second copy of the same key.

DROP INDEX IF EXISTS article_entities_article_idx;
