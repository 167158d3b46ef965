-- akhbar.search refuses a negative max_results with an error naming the argument, as
-- akhbar.find_entity does (109): it read it as 0 and listed nothing, so a mistake passed for
-- a search that found no article. 0 still answers no rows. Same query as 107 otherwise, in
-- PL/pgSQL to raise the error (a SECURITY DEFINER function is never inlined either way); the
-- tsquery and the forms are built first, so that a query with too many words is refused
-- with 104's error alone, not beside the text of the whole query.
CREATE OR REPLACE FUNCTION akhbar.search(query text, max_results integer DEFAULT 50)
RETURNS TABLE (article_id bigint, rank real, published_at timestamptz, outlet text,
               title text, url text, snippet text)
LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp AS $fn$
#variable_conflict use_column
DECLARE
    -- Built before the query, so that an error of theirs (too many words) is not reported
    -- with the whole text of the query below as its context.
    tsq tsquery;
    forms text[];
BEGIN
IF max_results < 0 THEN
    RAISE EXCEPTION 'akhbar.search: max_results must be 0 or more, not %', max_results
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'max_results is how many articles to list, best first (50 by default).';
END IF;
tsq := akhbar.search_query(query);
forms := akhbar.query_forms(query);
RETURN QUERY
WITH q AS (
    SELECT tsq, forms
), hits AS (
    SELECT a.id, ts_rank(s.search_vector, q.tsq, 1) AS rank, a.published_at, a.outlet,
           a.title, a.url, a.title_norm, a.body, a.body_norm
    FROM public.article_search s JOIN public.articles a ON a.id = s.article_id, q
    WHERE cardinality(q.forms) > 0 AND s.search_vector @@ q.tsq
    ORDER BY rank DESC, a.published_at DESC NULLS LAST, a.id
    LIMIT max_results
)
SELECT h.id, h.rank, h.published_at, h.outlet, h.title, h.url,
       CASE WHEN h.body_norm ~ '[[:alnum:]]'
            THEN akhbar.snippet(h.body, akhbar.fold_hamza(h.body_norm), q.forms)
            ELSE akhbar.snippet(h.title, akhbar.fold_hamza(h.title_norm), q.forms) END
FROM hits h, q
ORDER BY h.rank DESC, h.published_at DESC NULLS LAST, h.id;
END
$fn$;

COMMENT ON FUNCTION akhbar.search(text, integer) IS
    'Full-text search of articles in Arabic: SELECT * FROM akhbar.search(''العقوبات على '
    'كوريا الشمالية''). Every word must match (article, prepositions, endings and hamza '
    'seats folded); ranked, with a snippet of the original text, matches in <b></b>; at most '
    'max_results rows (a negative max_results is refused).';

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'akhbar_owner') THEN
        ALTER FUNCTION akhbar.search(text, integer) OWNER TO akhbar_owner;
    END IF;
END
$$;
