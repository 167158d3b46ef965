-- Search: a hamza is one letter to the search whatever it sits on.
--
-- Outlets seat the same hamza differently (مسؤول / مسئول, الشؤون / الشئون, رئيس / رءيس, and
-- a noun's case: حلفاؤها / حلفائها / حلفاءها), and normalization, like camel-tools', folds
-- only the alef seats (أ إ آ -> ا), so each spelling found only itself. The search now folds
-- ؤ and ئ into ء on both sides, in the index and in the query; into the hamza, not into
-- the و or ي that carries it, since مسوول and مسيول would still not meet and سؤال would meet
-- سوال. On the 201,391 distinct words of ANT v2.1 this joins 399 groups of spellings; those
-- that are two words rather than one are few and rare (بئر / بؤر, سيؤول / سيئول).
-- Normalized text itself is unchanged (stored columns, hashes, near-duplicates and tagging
-- stay as they are): only the search folds.
--
-- Index rows are rebuilt here, as 106 reasoned about them: a vector changes only where its
-- title or body holds ؤ or ئ, so exactly those current rows are written again (most articles
-- hold one); the others stay as they are, and a stale row is rebuilt from its new text by
-- the next index_for_search stage anyway.

CREATE OR REPLACE FUNCTION akhbar.fold_hamza(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
SELECT translate(t, 'ؤئ', 'ءء')
$fn$;
COMMENT ON FUNCTION akhbar.fold_hamza(text) IS
    'Normalized text with the hamza seats ؤ and ئ folded into ء, as the search compares it '
    '(مسؤول / مسئول → مسءول).';

-- The vector as in 106, its hamza seats folded.
CREATE OR REPLACE FUNCTION akhbar.search_vector(title_norm text, body_norm text)
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
SELECT setweight(to_tsvector('simple'::regconfig,
                             akhbar.fold_hamza(left(coalesce(title_norm, ''), 150000))), 'A')
    || setweight(to_tsvector('simple'::regconfig,
                             akhbar.fold_hamza(left(coalesce(body_norm, ''), 150000))), 'B')
$fn$;
COMMENT ON FUNCTION akhbar.search_vector(text, text) IS
    'The indexed search vector of an article: words of title_norm (weight A) and body_norm '
    '(B), each up to its first 150,000 characters (a tsvector holds at most 1 MB), hamza '
    'seats folded (akhbar.fold_hamza).';

-- The words of a query as in 105, their hamza seats folded.
CREATE OR REPLACE FUNCTION akhbar.query_words(query text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
SELECT coalesce(array_agg(DISTINCT w ORDER BY w), '{}')
FROM (SELECT m[1] FROM regexp_matches(akhbar.fold_hamza(akhbar.normalize(query)),
                                      '[[:alnum:]]*[0-9](?:\.[0-9]+)+|[[:alnum:]]+', 'g') AS r(m)
     ) AS t(w)
WHERE NOT ARRAY[w, akhbar.light_stem(w)] && ARRAY[
    'في', 'من', 'علي', 'الي', 'عن', 'مع', 'ان', 'او', 'ثم', 'قد', 'لا', 'ما', 'لم', 'لن',
    'هذا', 'هذه', 'ذلك', 'تلك', 'التي', 'الذي', 'الذين', 'كان', 'كانت', 'بين', 'بعد',
    'قبل', 'حتي', 'عند', 'كل', 'و', 'يا', 'هو', 'هي', 'منذ', 'خلال', 'حول', 'ضد']
$fn$;
COMMENT ON FUNCTION akhbar.query_words(text) IS
    'The words of a query that must match: normalized, hamza seats folded, without common '
    'function words.';

-- Matching words as in 105: the words of the original are compared folded, as forms are.
CREATE OR REPLACE FUNCTION akhbar.matching_words(words text[], forms text[])
RETURNS integer[] LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
BEGIN
    RETURN ARRAY(
        SELECT DISTINCT w
        FROM (SELECT count(*) FILTER (WHERE m[1] IS NOT NULL) OVER (ORDER BY k) AS w,
                     m[2] AS run
              FROM regexp_matches(
                       akhbar.fold_hamza(akhbar.normalize(E'\x01' || array_to_string(
                           ARRAY(SELECT replace(u.w, E'\x01', '')
                                 FROM unnest(words) WITH ORDINALITY AS u(w, n) ORDER BY n),
                           E'\x01') || E'\x01')),
                       E'(\x01)|' || '([[:alnum:]]*[0-9](?:\.[0-9]+)+|[[:alnum:]]+)', 'g')
                       WITH ORDINALITY AS r(m, k)
             ) runs
        WHERE run IN (SELECT unnest(forms))
        ORDER BY 1);
END
$fn$;
COMMENT ON FUNCTION akhbar.matching_words(text[], text[]) IS
    'Positions (from 1) of the words of a list whose normalized form, hamza seats folded, has '
    'an alphanumeric run in forms.';

-- The analysts' search as in 098, handing the snippet the stored normalized text folded as
-- the forms are, so that it finds its first match there (folding keeps every character in
-- place) instead of normalizing the whole original.
CREATE OR REPLACE FUNCTION akhbar.search(query text, max_results integer DEFAULT 50)
RETURNS TABLE (article_id bigint, rank real, published_at timestamptz, outlet text,
               title text, url text, snippet text)
LANGUAGE sql STABLE STRICT SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp AS $fn$
WITH q AS (
    SELECT akhbar.search_query(query) AS tsq, akhbar.query_forms(query) AS forms
), hits AS (
    SELECT a.id, ts_rank(s.search_vector, q.tsq, 1) AS rank, a.published_at, a.outlet,
           a.title, a.url, a.title_norm, a.body, a.body_norm
    FROM public.article_search s JOIN public.articles a ON a.id = s.article_id, q
    WHERE cardinality(q.forms) > 0 AND s.search_vector @@ q.tsq
    ORDER BY rank DESC, a.published_at DESC NULLS LAST, a.id
    LIMIT greatest(max_results, 0)
)
SELECT h.id, h.rank, h.published_at, h.outlet, h.title, h.url,
       CASE WHEN h.body_norm ~ '[[:alnum:]]'
            THEN akhbar.snippet(h.body, akhbar.fold_hamza(h.body_norm), q.forms)
            ELSE akhbar.snippet(h.title, akhbar.fold_hamza(h.title_norm), q.forms) END
FROM hits h, q
ORDER BY h.rank DESC, h.published_at DESC NULLS LAST, h.id
$fn$;
COMMENT ON FUNCTION akhbar.search(text, integer) IS
    'Full-text search of articles in Arabic: SELECT * FROM akhbar.search(''العقوبات على '
    'كوريا الشمالية''). Every word must match (article, prepositions, endings and hamza '
    'seats folded); ranked, with a snippet of the original text, matches in <b></b>.';

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'akhbar_owner') THEN
        ALTER FUNCTION akhbar.fold_hamza(text) OWNER TO akhbar_owner;
    END IF;
END
$$;

-- The rows whose vector the fold changes, rebuilt from the text they were built from.
UPDATE public.article_search s
SET search_vector = akhbar.search_vector(a.title_norm, a.body_norm), indexed_at = now()
FROM public.articles a
WHERE a.id = s.article_id AND s.content_hash = a.content_hash
  AND (a.title_norm ~ '[ؤئ]' OR a.body_norm ~ '[ؤئ]');
SELECT public.flush_search_index();
