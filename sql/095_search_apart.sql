-- The search index moves out of the articles table into its own, filled by the night's
-- `index_for_search` stage after the load. Computing every article's tsvector and keeping
-- its GIN entries cost three quarters of the loader's database time, spent under the load
-- lock that serializes the fetch shards; in a table of its own the same work runs beside
-- near-duplicate detection and tagging, in shards. A row records the content hash it was
-- built from, so an article whose text changed since (or that has no row) is found by
-- comparing hashes and indexed again.

CREATE TABLE IF NOT EXISTS public.article_search (
    article_id     bigint PRIMARY KEY REFERENCES public.articles(id) ON DELETE CASCADE,
    content_hash   text NOT NULL,
    search_vector  tsvector NOT NULL,
    indexed_at     timestamptz NOT NULL DEFAULT now()
);

DO $$
BEGIN
    ALTER TABLE public.article_search ALTER COLUMN search_vector SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'lz4 is not available on this server; article_search keeps pglz compression';
END
$$;

-- Stored vectors move over as they are (they were generated from the same columns).
INSERT INTO public.article_search (article_id, content_hash, search_vector)
SELECT id, content_hash, search_vector FROM public.articles
ON CONFLICT (article_id) DO NOTHING;

ALTER TABLE public.articles DROP COLUMN IF EXISTS search_vector;  -- and its GIN index
CREATE INDEX IF NOT EXISTS article_search_idx ON public.article_search USING gin (search_vector);

COMMENT ON TABLE public.article_search IS
    'Arabic full-text index of articles, one row per article, built after loading by the '
    'night''s index_for_search stage; queried through akhbar.search().';
COMMENT ON COLUMN public.article_search.article_id IS 'The article (articles.id).';
COMMENT ON COLUMN public.article_search.content_hash IS
    'The article''s content_hash when the vector was built: a different one marks it stale.';
COMMENT ON COLUMN public.article_search.search_vector IS
    'Words of title_norm (weight A) and body_norm (B), from akhbar.search_vector.';
COMMENT ON COLUMN public.article_search.indexed_at IS 'When the vector was (re)built.';

-- Owned like every other table (sql/092); the writer role indexes; analysts reach the
-- table only through akhbar.search().
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'akhbar_owner') THEN
        ALTER TABLE public.article_search OWNER TO akhbar_owner;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'akhbar_writer') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON public.article_search TO akhbar_writer;
    END IF;
END
$$;

-- The analysts' search, as in 094, reading the vectors from article_search.
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
    SELECT a.id, ts_rank(s.search_vector, q.tsq, 1) AS rank, a.published_at, a.outlet,
           a.title, a.url, a.title_norm, a.body, a.body_norm
    FROM public.article_search s JOIN public.articles a ON a.id = s.article_id, q
    WHERE cardinality(q.forms) > 0 AND s.search_vector @@ q.tsq
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
