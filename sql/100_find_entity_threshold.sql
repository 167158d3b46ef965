-- akhbar.find_entity's min_similarity below 0.3 now reaches unlinked names too: they are
-- found through pg_trgm's % operator, which applies its own threshold (0.3 by default), so a
-- lower min_similarity used to list no unlinked name under 0.3. The threshold is set to
-- min_similarity inside the function only (the SET clause restores it on return).
CREATE OR REPLACE FUNCTION akhbar.find_entity(name text, min_similarity real DEFAULT 0.3,
                                              max_results integer DEFAULT 10)
RETURNS TABLE (entity_id text, type text, name_en text, name_ar text, matched text,
               similarity real, mentions bigint)
LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
SET pg_trgm.similarity_threshold = 0.3 AS $fn$
#variable_conflict use_column
BEGIN
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
