-- akhbar.find_entity refuses a negative max_results with an error naming the argument: it
-- used to reach the queries' LIMIT and fail with PostgreSQL's "LIMIT must not be negative",
-- quoting the function's whole query. 0 still answers no rows. Same body as 100 otherwise.
CREATE OR REPLACE FUNCTION akhbar.find_entity(name text, min_similarity real DEFAULT 0.3,
                                              max_results integer DEFAULT 10)
RETURNS TABLE (entity_id text, type text, name_en text, name_ar text, matched text,
               similarity real, mentions bigint)
LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
SET pg_trgm.similarity_threshold = 0.3 AS $fn$
#variable_conflict use_column
BEGIN
IF max_results < 0 THEN
    RAISE EXCEPTION 'akhbar.find_entity: max_results must be 0 or more, not %', max_results
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'max_results is how many names to list, closest first (10 by default).';
END IF;
PERFORM set_config('pg_trgm.similarity_threshold', min_similarity::text, true);
RETURN QUERY
WITH q AS (SELECT akhbar.normalize(name) AS n),
known AS (
    SELECT e.id, e.type, e.name_en, e.name_ar, best.alias, best.sim
    FROM public.entities e
    CROSS JOIN q
    CROSS JOIN LATERAL (
        SELECT alias, public.similarity(akhbar.normalize(alias), q.n) AS sim
        FROM unnest(ARRAY[e.name_ar, e.name_en] || e.aliases) AS alias
        ORDER BY 2 DESC
        LIMIT 1
    ) best
    WHERE best.sim >= min_similarity
    ORDER BY best.sim DESC, e.id
    LIMIT max_results
),
unlinked AS (
    SELECT NULL::text AS id, min(m.type) AS type, NULL::text AS name_en, NULL::text AS name_ar,
           m.surface_norm AS alias, public.similarity(m.surface_norm, q.n) AS sim,
           count(*) AS mentions
    FROM public.article_entities m, q
    WHERE m.entity_id IS NULL AND m.surface_norm OPERATOR(public.%) q.n
      AND public.similarity(m.surface_norm, q.n) >= min_similarity
    GROUP BY m.surface_norm, q.n
    ORDER BY 6 DESC, 7 DESC
    LIMIT max_results
)
SELECT * FROM (
    SELECT k.id, k.type, k.name_en, k.name_ar, k.alias, k.sim,
           (SELECT count(*) FROM public.article_entities m WHERE m.entity_id = k.id)
    FROM known k
    UNION ALL
    SELECT * FROM unlinked
) found
ORDER BY 6 DESC, 7 DESC, 5
LIMIT max_results;
END
$fn$;

COMMENT ON FUNCTION akhbar.find_entity(text, real, integer) IS
    'Fuzzy name look-up by trigram similarity: gazetteer entities (by name or alias) and '
    'unlinked names seen in articles (entity_id NULL), closest first, with mention counts; '
    'at most max_results rows (a negative max_results is refused).';
