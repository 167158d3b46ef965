-- Search ranking without cover density. A query term expands into every surface form it may
-- take (akhbar.surface_forms: some 700 alternatives a word), and ts_rank_cd walks the covers
-- of that whole tree for every matching article: 30 ms an article, half a minute for a common
-- word on 6,000 articles. ts_rank weighs the same matches (title words above body words) at
-- a hundredth of the cost.

-- The analysts' search: same normalization and stems as the index, every term required,
-- ranked by term frequency (title words weigh more), newest first among equals. It runs as
-- its owner so that analysts, who read only the akhbar views, can use the index on articles.
CREATE OR REPLACE FUNCTION akhbar.search(query text, max_results integer DEFAULT 50)
RETURNS TABLE (article_id bigint, rank real, published_at timestamptz, outlet text,
               title text, url text, snippet text)
LANGUAGE sql STABLE STRICT SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp AS $fn$
WITH q AS (
    SELECT akhbar.search_query(query) AS tsq,
           ARRAY(SELECT unnest(akhbar.term_forms(t))
                 FROM unnest(akhbar.query_terms(query)) AS t) AS forms
), hits AS (
    SELECT a.id, ts_rank(a.search_vector, q.tsq, 1) AS rank, a.published_at, a.outlet,
           a.title, a.url, a.title_norm, a.body, a.body_norm
    FROM public.articles a, q
    WHERE cardinality(q.forms) > 0 AND a.search_vector @@ q.tsq
    ORDER BY rank DESC, a.published_at DESC NULLS LAST, a.id
    LIMIT greatest(max_results, 0)
)
SELECT h.id, h.rank, h.published_at, h.outlet, h.title, h.url,
       CASE WHEN h.body_norm ~ '[[:alnum:]]'
            THEN akhbar.snippet(h.body, h.body_norm, q.forms)
            ELSE akhbar.snippet(h.title, h.title_norm, q.forms) END
FROM hits h, q
ORDER BY h.rank DESC, h.published_at DESC NULLS LAST, h.id
$fn$;
COMMENT ON FUNCTION akhbar.search(text, integer) IS
    'Full-text search of articles in Arabic: SELECT * FROM akhbar.search(''العقوبات على '
    'كوريا الشمالية''). Every word must match (article, prepositions and endings folded); '
    'ranked, with a snippet of the original text, matches in <b></b>.';
