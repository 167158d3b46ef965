-- A tsvector holds at most 1 MB: a body of some 60,000 distinct words (a law, a report or a
-- data page published whole) failed its whole batch of the night's search index. The body
-- is indexed up to its first 150,000 characters, whose vector stays well under the limit
-- however varied its words; positions past 16,383 collapse in a tsvector anyway. Shorter
-- bodies (every ANT article) index exactly as before, so no row needs rebuilding.
CREATE OR REPLACE FUNCTION akhbar.search_vector(title_norm text, body_norm text)
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
SELECT setweight(to_tsvector('simple'::regconfig, left(coalesce(title_norm, ''), 150000)), 'A')
    || setweight(to_tsvector('simple'::regconfig, left(coalesce(body_norm, ''), 150000)), 'B')
$fn$;
COMMENT ON FUNCTION akhbar.search_vector(text, text) IS
    'The indexed search vector of an article: words of title_norm (weight A) and body_norm '
    '(B), each up to its first 150,000 characters (a tsvector holds at most 1 MB).';
