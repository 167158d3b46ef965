-- Entity trends: who is in the news, day by day and per outlet, as daily_topic_counts gives
-- the topics. Linked mentions only: an unlinked name has no identity to count across
-- articles (akhbar.entity_mentions groups those by surface_norm).
CREATE OR REPLACE VIEW akhbar.daily_entity_counts AS
SELECT (coalesce(a.published_at, a.first_seen) AT TIME ZONE 'UTC')::date AS day,
       a.outlet,
       m.entity_id,
       e.name_en AS entity_name_en,
       e.name_ar AS entity_name_ar,
       e.type,
       count(DISTINCT m.article_id)::integer AS articles,
       count(DISTINCT coalesce(d.cluster_id, -m.article_id))::integer AS stories,
       count(*)::integer AS mentions
FROM public.article_entities m
JOIN public.articles a ON a.id = m.article_id
JOIN public.entities e ON e.id = m.entity_id
LEFT JOIN public.dedup_members d ON d.article_id = m.article_id
GROUP BY 1, 2, 3, 4, 5, 6;

COMMENT ON VIEW akhbar.daily_entity_counts IS
    'Linked entities per UTC day (publication day, or first seen) and outlet: articles, stories and mentions naming each.';
COMMENT ON COLUMN akhbar.daily_entity_counts.day IS 'UTC day.';
COMMENT ON COLUMN akhbar.daily_entity_counts.outlet IS 'Outlet.';
COMMENT ON COLUMN akhbar.daily_entity_counts.entity_id IS 'Entity (akhbar.entities).';
COMMENT ON COLUMN akhbar.daily_entity_counts.entity_name_en IS 'English name of the entity.';
COMMENT ON COLUMN akhbar.daily_entity_counts.entity_name_ar IS 'Arabic canonical name of the entity.';
COMMENT ON COLUMN akhbar.daily_entity_counts.type IS 'PER, ORG or LOC.';
COMMENT ON COLUMN akhbar.daily_entity_counts.articles IS 'Articles naming the entity (exact copies folded, near copies counted).';
COMMENT ON COLUMN akhbar.daily_entity_counts.stories IS 'Distinct stories among them (near copies counted once).';
COMMENT ON COLUMN akhbar.daily_entity_counts.mentions IS 'Mentions of the entity in those articles (title, summary and body).';

-- Owned like every other view (sql/092); read by analysts and the pipeline.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'akhbar_owner') THEN
        ALTER VIEW akhbar.daily_entity_counts OWNER TO akhbar_owner;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'akhbar_analyst') THEN
        GRANT SELECT ON akhbar.daily_entity_counts TO akhbar_analyst, akhbar_writer;
    END IF;
END
$$;
