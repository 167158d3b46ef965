-- The topic views follow each article's own latest tagging, not the topics table's version.
-- A night tagged with a new taxonomy moves every topic's current version at once, so the
-- views used to hide the tags of every article not re-tagged yet: one night or a re-tag of
-- six months emptied the rest of history. An article's current tags are now those of the
-- taxonomy version that tagged it last (article_topic_runs), and a topic the taxonomy
-- dropped is left out. A story's copies are counted per outlet and article, so one article
-- carried at two links (a tracking parameter added) counts once.

CREATE INDEX IF NOT EXISTS article_topic_runs_latest_idx
    ON public.article_topic_runs (article_id, tagged_at DESC);

CREATE OR REPLACE VIEW akhbar.article_topics AS
SELECT at.article_id,
       at.topic_id,
       t.label_en AS topic_label_en,
       t.label_ar AS topic_label_ar,
       at.score,
       at.evidence,
       at.taxonomy_version,
       at.tagged_at,
       a.outlet,
       a.published_at,
       (coalesce(a.published_at, a.first_seen) AT TIME ZONE 'UTC')::date AS published_day,
       m.cluster_id AS story_id
FROM public.article_topics at
JOIN LATERAL (
    SELECT r.taxonomy_version FROM public.article_topic_runs r
    WHERE r.article_id = at.article_id
    ORDER BY r.tagged_at DESC, r.taxonomy_version DESC
    LIMIT 1
) cur ON cur.taxonomy_version = at.taxonomy_version
JOIN public.topics t ON t.id = at.topic_id AND t.active
JOIN public.articles a ON a.id = at.article_id
LEFT JOIN public.dedup_members m ON m.article_id = at.article_id;

-- The daily counts are the view above, grouped: one rule for which tags count.
CREATE OR REPLACE VIEW akhbar.daily_topic_counts AS
SELECT t.published_day AS day,
       t.outlet,
       t.topic_id,
       count(*)::integer AS articles,
       count(DISTINCT coalesce(t.story_id, -t.article_id))::integer AS stories,
       avg(t.score)::real AS mean_score
FROM akhbar.article_topics t
GROUP BY 1, 2, 3;

CREATE OR REPLACE VIEW akhbar.stories AS
SELECT c.id AS story_id,
       c.canonical_article_id,
       ca.title,
       ca.outlet AS canonical_outlet,
       ca.url AS canonical_url,
       agg.articles,
       agg.copies,
       agg.outlets,
       agg.outlet_count,
       agg.wire_credits,
       agg.first_published,
       (agg.first_published AT TIME ZONE 'UTC')::date AS first_published_day,
       agg.first_seen,
       agg.last_seen
FROM public.dedup_clusters c
JOIN public.articles ca ON ca.id = c.canonical_article_id
CROSS JOIN LATERAL (
    SELECT count(DISTINCT m.article_id)::integer AS articles,
           count(DISTINCT (coalesce(s.outlet, a.outlet), m.article_id))::integer AS copies,
           array_agg(DISTINCT coalesce(s.outlet, a.outlet)
                     ORDER BY coalesce(s.outlet, a.outlet)) AS outlets,
           count(DISTINCT coalesce(s.outlet, a.outlet))::integer AS outlet_count,
           ARRAY(SELECT DISTINCT w FROM public.dedup_members m2, unnest(m2.wire_credits) AS w
                 WHERE m2.cluster_id = c.id ORDER BY w) AS wire_credits,
           min(a.published_at) AS first_published,
           min(a.first_seen) AS first_seen,
           max(a.last_seen) AS last_seen
    FROM public.dedup_members m
    JOIN public.articles a ON a.id = m.article_id
    LEFT JOIN public.article_sightings s ON s.article_id = m.article_id
    WHERE m.cluster_id = c.id
) agg;

-- On PostgreSQL 14 and older every role may create objects in public; analysts may not.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

COMMENT ON VIEW akhbar.article_topics IS
    'Topics of each article under the taxonomy version that tagged it last, with score and '
    'evidence; topics the taxonomy no longer declares are left out.';
COMMENT ON VIEW akhbar.daily_topic_counts IS
    'Articles per topic, outlet and UTC day (publication day, or first seen), each article '
    'counted under the taxonomy version that tagged it last.';
COMMENT ON COLUMN akhbar.topics.taxonomy_version IS
    'Taxonomy version that last declared the topic (articles keep the tags of the version that tagged them last).';
COMMENT ON COLUMN akhbar.stories.copies IS
    'Publications of the story: each outlet''s carrying of each of its articles, counted once however many links it used.';
