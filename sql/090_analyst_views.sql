-- The analysts' warehouse: stable, documented views in the `akhbar` schema, kept apart from
-- the pipeline's own tables (which may change shape), and a comment on every table, view and
-- column, pipeline tables included. docs/schema.md is generated from these comments.

-- The pipeline's tables first, whoever applies this file (a role named akhbar would put the
-- akhbar schema first on the default search path).
SET search_path = public, akhbar;

CREATE SCHEMA IF NOT EXISTS akhbar;
COMMENT ON SCHEMA akhbar IS
    'The analysts'' schema: stable, documented views over the pipeline tables, and search.';

-- Analysts filter by published day (UTC) more than by anything else.
-- Articles without a publication date count on the day they were first seen.
CREATE INDEX IF NOT EXISTS articles_published_day_idx
    ON public.articles (((coalesce(published_at, first_seen) AT TIME ZONE 'UTC')::date));
CREATE INDEX IF NOT EXISTS articles_first_seen_idx ON public.articles (first_seen);
CREATE INDEX IF NOT EXISTS articles_outlet_published_idx ON public.articles (outlet, published_at);
CREATE INDEX IF NOT EXISTS article_sightings_url_idx ON public.article_sightings (url);

-- --- articles and stories ----------------------------------------------------------------

CREATE OR REPLACE VIEW akhbar.articles AS
SELECT a.id AS article_id,
       a.outlet,
       a.feed_id,
       f.name AS feed_name,
       a.url,
       a.canonical_url,
       a.title,
       a.summary,
       a.body,
       a.body_source,
       a.author,
       a.language,
       a.published_at,
       (coalesce(a.published_at, a.first_seen) AT TIME ZONE 'UTC')::date AS published_day,
       a.first_seen,
       a.last_seen,
       a.updated_at,
       m.cluster_id AS story_id,
       m.kind AS copy_kind,
       (c.canonical_article_id = a.id) AS is_canonical,
       m.similarity AS copy_similarity,
       m.wire_credits
FROM public.articles a
LEFT JOIN public.feeds f ON f.id = a.feed_id
LEFT JOIN public.dedup_members m ON m.article_id = a.id
LEFT JOIN public.dedup_clusters c ON c.id = m.cluster_id;

CREATE OR REPLACE VIEW akhbar.sightings AS
SELECT s.article_id,
       m.cluster_id AS story_id,
       s.outlet,
       s.feed_id,
       s.url,
       s.seen_at,
       s.run_id
FROM public.article_sightings s
LEFT JOIN public.dedup_members m ON m.article_id = s.article_id;

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
           greatest(count(DISTINCT s.url), count(DISTINCT m.article_id))::integer AS copies,
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

-- --- entities ---------------------------------------------------------------------------------

CREATE OR REPLACE VIEW akhbar.entities AS
SELECT e.id AS entity_id, e.type, e.name_en, e.name_ar, e.aliases
FROM public.entities e;

CREATE OR REPLACE VIEW akhbar.entity_mentions AS
SELECT m.id AS mention_id,
       m.article_id,
       m.entity_id,
       e.name_en AS entity_name_en,
       e.name_ar AS entity_name_ar,
       m.type,
       m.surface,
       m.surface_norm,
       m.field,
       m.start_offset,
       m.end_offset,
       m.method,
       m.confidence,
       a.outlet,
       a.published_at,
       (coalesce(a.published_at, a.first_seen) AT TIME ZONE 'UTC')::date AS published_day,
       a.first_seen,
       d.cluster_id AS story_id
FROM public.article_entities m
JOIN public.articles a ON a.id = m.article_id
LEFT JOIN public.entities e ON e.id = m.entity_id
LEFT JOIN public.dedup_members d ON d.article_id = m.article_id;

-- Both orders of each pair, so that filtering on entity_id lists everyone named with it.
-- An article counts once however often it names either entity.
CREATE OR REPLACE VIEW akhbar.entity_cooccurrence AS
SELECT (coalesce(a.published_at, a.first_seen) AT TIME ZONE 'UTC')::date AS day,
       x.entity_id,
       ex.name_en AS entity_name_en,
       y.entity_id AS other_entity_id,
       ey.name_en AS other_name_en,
       ey.name_ar AS other_name_ar,
       ey.type AS other_type,
       count(DISTINCT x.article_id)::integer AS articles
FROM public.article_entities x
JOIN public.article_entities y ON y.article_id = x.article_id AND y.entity_id <> x.entity_id
JOIN public.articles a ON a.id = x.article_id
JOIN public.entities ex ON ex.id = x.entity_id
JOIN public.entities ey ON ey.id = y.entity_id
GROUP BY 1, 2, 3, 4, 5, 6, 7;


-- --- runs and feed health ------------------------------------------------------------------

CREATE OR REPLACE VIEW akhbar.runs AS
SELECT r.id AS run_id,
       r.run_key,
       r.logical_ts,
       (r.logical_ts AT TIME ZONE 'UTC')::date AS logical_day,
       r.interval_start,
       r.interval_end,
       r.started_at,
       r.finished_at,
       r.status,
       r.summary
FROM public.runs r;

CREATE OR REPLACE VIEW akhbar.feed_health AS
SELECT f.id AS feed_id,
       f.name,
       f.outlet,
       coalesce(h.moved_to, f.url) AS url,
       f.enabled,
       CASE WHEN NOT f.enabled OR h.disabled_at IS NOT NULL THEN 'disabled'
            WHEN coalesce(h.failure_streak, 0) > 0 OR h.last_status = 'failed' THEN 'failing'
            WHEN h.last_attempt_at IS NULL AND recent.fetches = 0 THEN 'never fetched'
            ELSE 'ok' END AS health,
       h.last_status,
       h.last_http_status,
       h.last_attempt_at,
       h.last_ok_at,
       h.last_error,
       h.last_reason,
       h.last_error_at,
       coalesce(h.failure_streak, 0) AS failure_streak,
       h.next_attempt_at,
       h.disabled_at,
       h.disabled_reason,
       recent.fetches AS fetches_30d,
       recent.failures AS failures_30d,
       recent.entries AS entries_30d,
       recent.loaded AS loaded_30d
FROM public.feeds f
LEFT JOIN public.feed_health h ON h.feed_id = f.id
CROSS JOIN LATERAL (
    SELECT count(*)::integer AS fetches,
           (count(*) FILTER (WHERE x.status = 'failed'))::integer AS failures,
           coalesce(sum(x.entries), 0)::integer AS entries,
           coalesce(sum(x.loaded), 0)::integer AS loaded
    FROM public.fetches x
    WHERE x.feed_id = f.id AND x.started_at >= now() - interval '30 days'
) recent;
CREATE INDEX IF NOT EXISTS fetches_feed_started_idx ON public.fetches (feed_id, started_at);

-- --- topics ----------------------------------------------------------------------------------

CREATE OR REPLACE VIEW akhbar.topics AS
SELECT t.id AS topic_id, t.label_ar, t.label_en, t.description, t.taxonomy_version, t.active
FROM public.topics t;

-- Only the tags of each topic's current taxonomy version: re-tagging under a new version
-- leaves the old rows in place, and counting both would count an article twice.
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
JOIN public.topics t ON t.id = at.topic_id AND t.taxonomy_version = at.taxonomy_version
JOIN public.articles a ON a.id = at.article_id
LEFT JOIN public.dedup_members m ON m.article_id = at.article_id;

CREATE OR REPLACE VIEW akhbar.daily_topic_counts AS
SELECT (coalesce(a.published_at, a.first_seen) AT TIME ZONE 'UTC')::date AS day,
       a.outlet,
       at.topic_id,
       count(*)::integer AS articles,
       count(DISTINCT coalesce(m.cluster_id, -a.id))::integer AS stories,
       avg(at.score)::real AS mean_score
FROM public.article_topics at
JOIN public.topics t ON t.id = at.topic_id AND t.taxonomy_version = at.taxonomy_version
JOIN public.articles a ON a.id = at.article_id
LEFT JOIN public.dedup_members m ON m.article_id = at.article_id
GROUP BY 1, 2, 3;

CREATE INDEX IF NOT EXISTS article_topics_article_idx ON public.article_topics (article_id);


-- --- comments on the views ------------------------------------------------------------------

COMMENT ON VIEW akhbar.articles IS
    'One row per distinct article (exact copies folded into one row, see akhbar.sightings), '
    'with its feed and its story (copy cluster).';
COMMENT ON COLUMN akhbar.articles.article_id IS 'Article id (stable; articles.id).';
COMMENT ON COLUMN akhbar.articles.outlet IS 'Outlet that first published it, as in the feed registry.';
COMMENT ON COLUMN akhbar.articles.feed_id IS 'Feed it was first loaded from (feeds.id).';
COMMENT ON COLUMN akhbar.articles.feed_name IS 'Name of that feed in the registry.';
COMMENT ON COLUMN akhbar.articles.url IS 'Link as published in the feed.';
COMMENT ON COLUMN akhbar.articles.canonical_url IS 'Link with tracking parameters and fragments removed; unique.';
COMMENT ON COLUMN akhbar.articles.title IS 'Title as published (HTML removed).';
COMMENT ON COLUMN akhbar.articles.summary IS 'Feed summary as plain text.';
COMMENT ON COLUMN akhbar.articles.body IS 'Article text as published: full content, the page, or the summary (see body_source).';
COMMENT ON COLUMN akhbar.articles.body_source IS 'Where the body came from: content, page or summary.';
COMMENT ON COLUMN akhbar.articles.author IS 'Author as given by the feed or page, if any.';
COMMENT ON COLUMN akhbar.articles.language IS 'Language code of the feed (ar).';
COMMENT ON COLUMN akhbar.articles.published_at IS 'Publication time in UTC as the outlet gave it; NULL when missing or implausible.';
COMMENT ON COLUMN akhbar.articles.published_day IS 'UTC day of publication, or of first_seen when the outlet gave no date (indexed: filter on it).';
COMMENT ON COLUMN akhbar.articles.first_seen IS 'Logical time of the night that first loaded it (UTC).';
COMMENT ON COLUMN akhbar.articles.last_seen IS 'Logical time of the latest night that saw it in a feed (UTC).';
COMMENT ON COLUMN akhbar.articles.updated_at IS 'Night whose newer text replaced the stored one; NULL if never edited.';
COMMENT ON COLUMN akhbar.articles.story_id IS 'Story (copy cluster) it belongs to (akhbar.stories); NULL before dedup ran.';
COMMENT ON COLUMN akhbar.articles.copy_kind IS 'unique: the story''s founding or canonical text; exact or near: a copy of another article.';
COMMENT ON COLUMN akhbar.articles.is_canonical IS 'True for the article that represents its story.';
COMMENT ON COLUMN akhbar.articles.copy_similarity IS 'Similarity (0-1) to the article it was matched against; NULL for unique.';
COMMENT ON COLUMN akhbar.articles.wire_credits IS 'Wire agencies credited in the text (e.g. أ ف ب, رويترز).';

COMMENT ON VIEW akhbar.sightings IS
    'Every time a feed carried an article: outlet, URL and night. Exact copies under another '
    'URL or outlet appear here, so this answers who carried a story and when.';
COMMENT ON COLUMN akhbar.sightings.article_id IS 'Article seen (akhbar.articles).';
COMMENT ON COLUMN akhbar.sightings.story_id IS 'Story of that article (akhbar.stories).';
COMMENT ON COLUMN akhbar.sightings.outlet IS 'Outlet whose feed carried it.';
COMMENT ON COLUMN akhbar.sightings.feed_id IS 'Feed that carried it.';
COMMENT ON COLUMN akhbar.sightings.url IS 'URL under which that feed carried it.';
COMMENT ON COLUMN akhbar.sightings.seen_at IS 'Logical time of the night it was seen (UTC).';
COMMENT ON COLUMN akhbar.sightings.run_id IS 'Night (akhbar.runs) it was seen in.';

COMMENT ON VIEW akhbar.stories IS
    'One row per story: a cluster of copies of one text (wire story re-published by many '
    'outlets), with its canonical article and how many copies and outlets carried it.';
COMMENT ON COLUMN akhbar.stories.story_id IS 'Story id (stable: the id of the article that founded it).';
COMMENT ON COLUMN akhbar.stories.canonical_article_id IS 'Article chosen to represent the story (the earliest, or a fuller later copy).';
COMMENT ON COLUMN akhbar.stories.title IS 'Title of the canonical article.';
COMMENT ON COLUMN akhbar.stories.canonical_outlet IS 'Outlet of the canonical article.';
COMMENT ON COLUMN akhbar.stories.canonical_url IS 'URL of the canonical article.';
COMMENT ON COLUMN akhbar.stories.articles IS 'Distinct article rows in the story (near copies and the canonical one).';
COMMENT ON COLUMN akhbar.stories.copies IS 'Distinct URLs that carried the story, exact copies included.';
COMMENT ON COLUMN akhbar.stories.outlets IS 'Outlets that carried the story, sorted.';
COMMENT ON COLUMN akhbar.stories.outlet_count IS 'Number of distinct outlets that carried the story.';
COMMENT ON COLUMN akhbar.stories.wire_credits IS 'Wire agencies credited by any copy.';
COMMENT ON COLUMN akhbar.stories.first_published IS 'Earliest publication time among its articles (UTC).';
COMMENT ON COLUMN akhbar.stories.first_published_day IS 'UTC date of first_published.';
COMMENT ON COLUMN akhbar.stories.first_seen IS 'Night the first copy was loaded (UTC).';
COMMENT ON COLUMN akhbar.stories.last_seen IS 'Latest night any copy was seen (UTC).';

COMMENT ON VIEW akhbar.topics IS 'The topics of the taxonomy (pipeline/data/taxonomy.yaml).';
COMMENT ON COLUMN akhbar.topics.topic_id IS 'Topic id, e.g. korean_peninsula, ukraine_war, sanctions.';
COMMENT ON COLUMN akhbar.topics.label_ar IS 'Arabic label.';
COMMENT ON COLUMN akhbar.topics.label_en IS 'English label.';
COMMENT ON COLUMN akhbar.topics.description IS 'What the topic covers, as defined in the taxonomy.';
COMMENT ON COLUMN akhbar.topics.taxonomy_version IS 'Current taxonomy version of the topic: the tags the views show.';
COMMENT ON COLUMN akhbar.topics.active IS 'False once the taxonomy no longer declares the topic.';

COMMENT ON VIEW akhbar.article_topics IS
    'Topics of each article under the current taxonomy version, with score and evidence.';
COMMENT ON COLUMN akhbar.article_topics.article_id IS 'Article (akhbar.articles).';
COMMENT ON COLUMN akhbar.article_topics.topic_id IS 'Topic (akhbar.topics).';
COMMENT ON COLUMN akhbar.article_topics.topic_label_en IS 'English label of the topic.';
COMMENT ON COLUMN akhbar.article_topics.topic_label_ar IS 'Arabic label of the topic.';
COMMENT ON COLUMN akhbar.article_topics.score IS 'Rule score; at or above the topic''s threshold.';
COMMENT ON COLUMN akhbar.article_topics.evidence IS 'JSON array of counted hits: term, surface, field (title|text), start, end (character offsets into the original field), weight.';
COMMENT ON COLUMN akhbar.article_topics.taxonomy_version IS 'Taxonomy version that made the tag.';
COMMENT ON COLUMN akhbar.article_topics.tagged_at IS 'When it was tagged.';
COMMENT ON COLUMN akhbar.article_topics.outlet IS 'Outlet of the article.';
COMMENT ON COLUMN akhbar.article_topics.published_at IS 'Publication time of the article (UTC).';
COMMENT ON COLUMN akhbar.article_topics.published_day IS 'UTC day of publication (or first seen), as in akhbar.articles.';
COMMENT ON COLUMN akhbar.article_topics.story_id IS 'Story of the article (akhbar.stories).';

COMMENT ON VIEW akhbar.daily_topic_counts IS
    'Articles per topic, outlet and UTC day (publication day, or first seen), current taxonomy version.';
COMMENT ON COLUMN akhbar.daily_topic_counts.day IS 'UTC day.';
COMMENT ON COLUMN akhbar.daily_topic_counts.outlet IS 'Outlet.';
COMMENT ON COLUMN akhbar.daily_topic_counts.topic_id IS 'Topic.';
COMMENT ON COLUMN akhbar.daily_topic_counts.articles IS 'Articles tagged with the topic (exact copies folded, near copies counted).';
COMMENT ON COLUMN akhbar.daily_topic_counts.stories IS 'Distinct stories among them (near copies counted once).';
COMMENT ON COLUMN akhbar.daily_topic_counts.mean_score IS 'Mean tag score.';

COMMENT ON VIEW akhbar.entities IS 'Canonical entities of the gazetteer (pipeline/data/gazetteer.yaml).';
COMMENT ON COLUMN akhbar.entities.entity_id IS 'Entity id: its Wikidata QID, or akhbar:slug where none exists.';
COMMENT ON COLUMN akhbar.entities.type IS 'PER, ORG or LOC.';
COMMENT ON COLUMN akhbar.entities.name_en IS 'English name (English Wikipedia title).';
COMMENT ON COLUMN akhbar.entities.name_ar IS 'Arabic canonical name.';
COMMENT ON COLUMN akhbar.entities.aliases IS 'Arabic spellings matched in text.';

COMMENT ON VIEW akhbar.entity_mentions IS
    'Every name found in an article: linked to an entity, or unlinked (entity_id NULL: a name '
    'the gazetteer does not know yet), with character offsets into the original field.';
COMMENT ON COLUMN akhbar.entity_mentions.mention_id IS 'Mention id.';
COMMENT ON COLUMN akhbar.entity_mentions.article_id IS 'Article (akhbar.articles).';
COMMENT ON COLUMN akhbar.entity_mentions.entity_id IS 'Entity (akhbar.entities); NULL for an unlinked name.';
COMMENT ON COLUMN akhbar.entity_mentions.entity_name_en IS 'English name of the entity.';
COMMENT ON COLUMN akhbar.entity_mentions.entity_name_ar IS 'Arabic canonical name of the entity.';
COMMENT ON COLUMN akhbar.entity_mentions.type IS 'PER, ORG or LOC.';
COMMENT ON COLUMN akhbar.entity_mentions.surface IS 'The mention as it stands in the text, clitics included.';
COMMENT ON COLUMN akhbar.entity_mentions.surface_norm IS 'Normalized surface: group unlinked names by it.';
COMMENT ON COLUMN akhbar.entity_mentions.field IS 'title, summary or body.';
COMMENT ON COLUMN akhbar.entity_mentions.start_offset IS 'Start character offset into the original field text.';
COMMENT ON COLUMN akhbar.entity_mentions.end_offset IS 'End character offset (exclusive): substr(field, start_offset + 1, end_offset - start_offset) is the surface.';
COMMENT ON COLUMN akhbar.entity_mentions.method IS 'gazetteer, pattern (a title or role before an unknown name) or camel (NER model).';
COMMENT ON COLUMN akhbar.entity_mentions.confidence IS 'Confidence in (0, 1].';
COMMENT ON COLUMN akhbar.entity_mentions.outlet IS 'Outlet of the article.';
COMMENT ON COLUMN akhbar.entity_mentions.published_at IS 'Publication time of the article (UTC).';
COMMENT ON COLUMN akhbar.entity_mentions.published_day IS 'UTC day of publication (or first seen).';
COMMENT ON COLUMN akhbar.entity_mentions.first_seen IS 'Night the article was first loaded.';
COMMENT ON COLUMN akhbar.entity_mentions.story_id IS 'Story of the article.';

COMMENT ON VIEW akhbar.entity_cooccurrence IS
    'Pairs of linked entities named in the same article, per UTC day, in both orders: filter '
    'on entity_id to list who was named with it.';
COMMENT ON COLUMN akhbar.entity_cooccurrence.day IS 'UTC day of publication (or first seen).';
COMMENT ON COLUMN akhbar.entity_cooccurrence.entity_id IS 'One entity.';
COMMENT ON COLUMN akhbar.entity_cooccurrence.entity_name_en IS 'Its English name.';
COMMENT ON COLUMN akhbar.entity_cooccurrence.other_entity_id IS 'An entity named in the same article.';
COMMENT ON COLUMN akhbar.entity_cooccurrence.other_name_en IS 'English name of the other entity.';
COMMENT ON COLUMN akhbar.entity_cooccurrence.other_name_ar IS 'Arabic name of the other entity.';
COMMENT ON COLUMN akhbar.entity_cooccurrence.other_type IS 'Type of the other entity.';
COMMENT ON COLUMN akhbar.entity_cooccurrence.articles IS 'Articles naming both that day.';

COMMENT ON VIEW akhbar.runs IS 'One row per night (run) of the pipeline, keyed by its data interval.';
COMMENT ON COLUMN akhbar.runs.run_id IS 'Run id.';
COMMENT ON COLUMN akhbar.runs.run_key IS 'Run key: the data interval or the time it was started by hand.';
COMMENT ON COLUMN akhbar.runs.logical_ts IS 'Logical time of the night (UTC); first_seen/last_seen of articles use it.';
COMMENT ON COLUMN akhbar.runs.logical_day IS 'UTC date of logical_ts: the night''s date.';
COMMENT ON COLUMN akhbar.runs.interval_start IS 'Start of the data interval (Airflow), if any.';
COMMENT ON COLUMN akhbar.runs.interval_end IS 'End of the data interval (Airflow), if any.';
COMMENT ON COLUMN akhbar.runs.started_at IS 'Wall-clock start of the latest attempt.';
COMMENT ON COLUMN akhbar.runs.finished_at IS 'Wall-clock end of the latest attempt; NULL while running.';
COMMENT ON COLUMN akhbar.runs.status IS 'running, success or failed.';
COMMENT ON COLUMN akhbar.runs.summary IS 'Run summary as JSON: feeds ok/failed, articles new/updated/duplicate, stage figures.';

COMMENT ON VIEW akhbar.feed_health IS
    'One row per registered feed: is it healthy, failing or disabled, and why; fetch counts '
    'over the last 30 days. No headers or payloads.';
COMMENT ON COLUMN akhbar.feed_health.feed_id IS 'Feed id from the registry.';
COMMENT ON COLUMN akhbar.feed_health.name IS 'Feed name from the registry.';
COMMENT ON COLUMN akhbar.feed_health.outlet IS 'Outlet of the feed.';
COMMENT ON COLUMN akhbar.feed_health.url IS 'URL fetched: the registry URL, or where it permanently moved.';
COMMENT ON COLUMN akhbar.feed_health.enabled IS 'Enabled in the registry.';
COMMENT ON COLUMN akhbar.feed_health.health IS 'disabled, failing (failed last time or on a failure streak), never fetched, or ok.';
COMMENT ON COLUMN akhbar.feed_health.last_status IS 'Outcome of the last attempt: ok, not_modified, failed or skipped.';
COMMENT ON COLUMN akhbar.feed_health.last_http_status IS 'HTTP status of the last attempt.';
COMMENT ON COLUMN akhbar.feed_health.last_attempt_at IS 'Time of the last attempt.';
COMMENT ON COLUMN akhbar.feed_health.last_ok_at IS 'Time of the last successful fetch.';
COMMENT ON COLUMN akhbar.feed_health.last_error IS 'Last error message.';
COMMENT ON COLUMN akhbar.feed_health.last_reason IS 'Class of the last error (e.g. http_404, timeout, parse_error).';
COMMENT ON COLUMN akhbar.feed_health.last_error_at IS 'Time of the last error.';
COMMENT ON COLUMN akhbar.feed_health.failure_streak IS 'Consecutive failed attempts (0 when healthy).';
COMMENT ON COLUMN akhbar.feed_health.next_attempt_at IS 'Earliest time of the next attempt while backing off.';
COMMENT ON COLUMN akhbar.feed_health.disabled_at IS 'When the feed was disabled automatically.';
COMMENT ON COLUMN akhbar.feed_health.disabled_reason IS 'Why it was disabled.';
COMMENT ON COLUMN akhbar.feed_health.fetches_30d IS 'Fetch attempts in the last 30 days.';
COMMENT ON COLUMN akhbar.feed_health.failures_30d IS 'Failed attempts in the last 30 days.';
COMMENT ON COLUMN akhbar.feed_health.entries_30d IS 'Feed entries seen in the last 30 days.';
COMMENT ON COLUMN akhbar.feed_health.loaded_30d IS 'Entries loaded as articles (new, updated or copies) in the last 30 days.';

-- --- comments on the pipeline's own tables ----------------------------------------------------
-- Written through a helper that skips a column a later migration dropped or renamed, so this
-- file never breaks a migration; the test that every column carries a comment catches gaps.

CREATE OR REPLACE FUNCTION pg_temp.note(rel text, col text, body text) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    oid_ regclass := to_regclass(rel);
    kind "char";
BEGIN
    IF oid_ IS NULL THEN
        RETURN;
    END IF;
    IF col IS NULL THEN
        SELECT relkind INTO kind FROM pg_class WHERE oid = oid_;
        EXECUTE format('COMMENT ON %s %s IS %L',
                       CASE kind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                 ELSE 'TABLE' END, oid_, body);
    ELSIF EXISTS (SELECT 1 FROM pg_attribute
                  WHERE attrelid = oid_ AND attname = col AND attnum > 0 AND NOT attisdropped) THEN
        EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', oid_, col, body);
    END IF;
END
$fn$;

SELECT pg_temp.note(rel, col, body) FROM (VALUES
    ('public.schema_migrations', NULL, 'Migrations applied to this database, one row per sql/NNN_name.sql file.'),
    ('public.schema_migrations', 'version', 'Three-digit migration number.'),
    ('public.schema_migrations', 'name', 'File name of the migration.'),
    ('public.schema_migrations', 'applied_at', 'When it was applied.'),

    ('public.feeds', NULL, 'The feed registry (feeds.yaml) as last synced by a run.'),
    ('public.feeds', 'id', 'Feed id from the registry.'),
    ('public.feeds', 'name', 'Human-readable feed name.'),
    ('public.feeds', 'url', 'Feed URL in the registry.'),
    ('public.feeds', 'outlet', 'Outlet (news organization) publishing the feed.'),
    ('public.feeds', 'language', 'Language code of the feed.'),
    ('public.feeds', 'enabled', 'Whether the registry enables the feed.'),
    ('public.feeds', 'full_text', 'Fetch the article page when the feed carries only a summary.'),
    ('public.feeds', 'added_at', 'When the feed first appeared in the registry.'),
    ('public.feeds', 'updated_at', 'When its registry entry last changed.'),

    ('public.runs', NULL, 'One row per night (run), keyed by its data interval.'),
    ('public.runs', 'id', 'Run id.'),
    ('public.runs', 'run_key', 'Unique run key: the data interval, or a time for a run by hand.'),
    ('public.runs', 'logical_ts', 'Logical time of the night (UTC).'),
    ('public.runs', 'interval_start', 'Start of the data interval, if any.'),
    ('public.runs', 'interval_end', 'End of the data interval, if any.'),
    ('public.runs', 'started_at', 'Wall-clock start of the latest attempt.'),
    ('public.runs', 'finished_at', 'Wall-clock end of the latest attempt.'),
    ('public.runs', 'status', 'running, success or failed.'),
    ('public.runs', 'summary', 'Run summary as JSON (counts per feed outcome, articles, stages).'),

    ('public.fetches', NULL, 'Fetch log: one row per feed per run, with the outcome.'),
    ('public.fetches', 'id', 'Fetch id.'),
    ('public.fetches', 'run_id', 'Run that fetched.'),
    ('public.fetches', 'feed_id', 'Feed fetched.'),
    ('public.fetches', 'url', 'URL requested.'),
    ('public.fetches', 'started_at', 'Start of the request.'),
    ('public.fetches', 'finished_at', 'End of the request.'),
    ('public.fetches', 'status', 'ok, not_modified, failed or skipped.'),
    ('public.fetches', 'http_status', 'HTTP status code, if a response came.'),
    ('public.fetches', 'entries', 'Entries parsed from the feed.'),
    ('public.fetches', 'loaded', 'Entries loaded as articles (new, updated or duplicate).'),
    ('public.fetches', 'error', 'Error message when it failed or was skipped.'),
    ('public.fetches', 'details', 'Per-fetch details as JSON (entry problems, counts, timings); not for analysts.'),

    ('public.articles', NULL, 'One row per distinct article: original text beside its normalized form.'),
    ('public.articles', 'id', 'Article id.'),
    ('public.articles', 'canonical_url', 'Link without tracking parameters; unique.'),
    ('public.articles', 'url', 'Link as published.'),
    ('public.articles', 'guid', 'Entry GUID from the feed, if any.'),
    ('public.articles', 'feed_id', 'Feed it was first loaded from.'),
    ('public.articles', 'outlet', 'Outlet of that feed.'),
    ('public.articles', 'title', 'Title as published (HTML removed).'),
    ('public.articles', 'summary', 'Feed summary as plain text.'),
    ('public.articles', 'body', 'Article text: full content, the page, or the summary.'),
    ('public.articles', 'body_source', 'Where the body came from: content, page or summary.'),
    ('public.articles', 'author', 'Author, if given.'),
    ('public.articles', 'title_norm', 'Normalized title (pipeline.normalize): matching, hashing and search.'),
    ('public.articles', 'body_norm', 'Normalized body (pipeline.normalize): matching, hashing and search.'),
    ('public.articles', 'content_hash', 'Hash of the normalized title and body: the exact-duplicate key.'),
    ('public.articles', 'language', 'Language code.'),
    ('public.articles', 'published_at', 'Publication time (UTC); NULL when missing or implausible.'),
    ('public.articles', 'first_seen', 'Logical time of the first night that loaded it.'),
    ('public.articles', 'last_seen', 'Logical time of the latest night that saw it.'),
    ('public.articles', 'run_id', 'Run that first loaded it.'),
    ('public.articles', 'updated_at', 'Night whose newer text replaced the stored one.'),

    ('public.article_sightings', NULL, 'Every feed and URL an article was seen under, per run: the provenance of exact copies.'),
    ('public.article_sightings', 'article_id', 'Article seen.'),
    ('public.article_sightings', 'run_id', 'Run it was seen in.'),
    ('public.article_sightings', 'feed_id', 'Feed that carried it.'),
    ('public.article_sightings', 'url', 'URL it was carried under.'),
    ('public.article_sightings', 'outlet', 'Outlet of that feed.'),
    ('public.article_sightings', 'seen_at', 'Logical time of that run.'),

    ('public.dedup_configs', NULL, 'Near-duplicate configurations (thresholds, shingle size), by version.'),
    ('public.dedup_configs', 'version', 'Configuration version recorded with each decision.'),
    ('public.dedup_configs', 'params', 'The parameters as JSON.'),
    ('public.dedup_configs', 'created_at', 'When this version was first used.'),
    ('public.dedup_clusters', NULL, 'Story clusters: the copies of one text.'),
    ('public.dedup_clusters', 'id', 'Cluster id: the id of the article that founded it.'),
    ('public.dedup_clusters', 'canonical_article_id', 'Member representing the cluster.'),
    ('public.dedup_clusters', 'size', 'Number of member articles.'),
    ('public.dedup_clusters', 'created_at', 'When the cluster was founded.'),
    ('public.dedup_clusters', 'updated_at', 'When a member last joined or the canonical member changed.'),
    ('public.dedup_members', NULL, 'Each article''s place in its cluster and how that was decided.'),
    ('public.dedup_members', 'article_id', 'Member article.'),
    ('public.dedup_members', 'cluster_id', 'Its cluster.'),
    ('public.dedup_members', 'kind', 'unique (founding text), exact or near (a copy).'),
    ('public.dedup_members', 'matched_article_id', 'Member the copy was verified against; NULL for unique.'),
    ('public.dedup_members', 'similarity', 'Similarity of that pair (0-1).'),
    ('public.dedup_members', 'jaccard', 'Jaccard similarity of the shingle sets.'),
    ('public.dedup_members', 'containment', 'Containment of the shorter text''s shingles in the longer.'),
    ('public.dedup_members', 'config_version', 'Configuration that decided it.'),
    ('public.dedup_members', 'content_hash', 'Hash of the boilerplate-stripped text.'),
    ('public.dedup_members', 'shingles', 'Number of shingles of the text.'),
    ('public.dedup_members', 'published_at', 'Publication time, copied for canonical choice.'),
    ('public.dedup_members', 'wire_credits', 'Wire agencies credited in the text.'),
    ('public.dedup_members', 'decided_at', 'When the decision was made.'),
    ('public.dedup_bands', NULL, 'LSH band hashes of every article: the persistent near-duplicate index.'),
    ('public.dedup_bands', 'band_key', 'Hash of one band of the MinHash signature, band number mixed in.'),
    ('public.dedup_bands', 'article_id', 'Article with that band.'),
    ('public.dedup_copies', NULL, 'One row per article: its cluster, the canonical copy it duplicates, and how.'),
    ('public.dedup_copies', 'article_id', 'Article.'),
    ('public.dedup_copies', 'cluster_id', 'Its cluster.'),
    ('public.dedup_copies', 'duplicate_of', 'Canonical article it duplicates; NULL for the canonical member.'),
    ('public.dedup_copies', 'matched_article_id', 'Member it was verified against.'),
    ('public.dedup_copies', 'similarity', 'Similarity of that pair.'),
    ('public.dedup_copies', 'jaccard', 'Jaccard similarity of the shingle sets.'),
    ('public.dedup_copies', 'containment', 'Containment of the shorter text in the longer.'),
    ('public.dedup_copies', 'kind', 'unique, exact or near.'),
    ('public.dedup_copies', 'config_version', 'Configuration that decided it.'),
    ('public.dedup_copies', 'wire_credits', 'Wire agencies credited in the text.'),

    ('public.topics', NULL, 'Topics declared by the taxonomy file, synced on every tagging run.'),
    ('public.topics', 'id', 'Topic id.'),
    ('public.topics', 'label_ar', 'Arabic label.'),
    ('public.topics', 'label_en', 'English label.'),
    ('public.topics', 'description', 'Definition of the topic.'),
    ('public.topics', 'taxonomy_version', 'Version that last declared it.'),
    ('public.topics', 'active', 'False once the file drops it.'),
    ('public.topics', 'updated_at', 'Last sync that changed it.'),
    ('public.article_topics', NULL, 'Topics given to articles, per taxonomy version, with evidence.'),
    ('public.article_topics', 'article_id', 'Article.'),
    ('public.article_topics', 'topic_id', 'Topic.'),
    ('public.article_topics', 'taxonomy_version', 'Taxonomy version that made the tag.'),
    ('public.article_topics', 'score', 'Rule score.'),
    ('public.article_topics', 'evidence', 'JSON array of hits with character offsets into the original title or body.'),
    ('public.article_topics', 'tagged_at', 'When it was tagged.'),
    ('public.article_topic_runs', NULL, 'Articles a taxonomy version has looked at, topics found or not.'),
    ('public.article_topic_runs', 'article_id', 'Article.'),
    ('public.article_topic_runs', 'taxonomy_version', 'Taxonomy version.'),
    ('public.article_topic_runs', 'topics', 'Number of topics found.'),
    ('public.article_topic_runs', 'tagged_at', 'When it was tagged.'),

    ('public.entities', NULL, 'The gazetteer: one row per canonical entity.'),
    ('public.entities', 'id', 'Wikidata QID, or a provisional akhbar:slug.'),
    ('public.entities', 'type', 'PER, ORG or LOC.'),
    ('public.entities', 'name_en', 'English Wikipedia title.'),
    ('public.entities', 'name_ar', 'Arabic canonical name.'),
    ('public.entities', 'aliases', 'Arabic spellings matched in text.'),
    ('public.entities', 'weak_aliases', 'Ambiguous short forms that count only with supporting context.'),
    ('public.entities', 'updated_at', 'Last sync that changed it.'),
    ('public.article_entities', NULL, 'Every name found in an article, linked or unlinked.'),
    ('public.article_entities', 'id', 'Mention id.'),
    ('public.article_entities', 'article_id', 'Article.'),
    ('public.article_entities', 'entity_id', 'Entity; NULL for an unlinked name.'),
    ('public.article_entities', 'surface', 'The mention as it stands, clitics included.'),
    ('public.article_entities', 'surface_norm', 'Normalized surface, for grouping unlinked names.'),
    ('public.article_entities', 'type', 'PER, ORG or LOC.'),
    ('public.article_entities', 'field', 'title, summary or body.'),
    ('public.article_entities', 'start_offset', 'Start offset into the field''s original text.'),
    ('public.article_entities', 'end_offset', 'End offset (exclusive).'),
    ('public.article_entities', 'method', 'gazetteer, pattern or camel.'),
    ('public.article_entities', 'confidence', 'Confidence in (0, 1].'),
    ('public.article_entities', 'tagged_at', 'When it was tagged.'),

    ('public.feed_health', NULL, 'Per-feed health learned from fetching: validators, failure streak, backoff, moves, disabling.'),
    ('public.feed_health', 'feed_id', 'Feed.'),
    ('public.feed_health', 'registry_url', 'Registry URL a permanent redirect was seen for.'),
    ('public.feed_health', 'moved_to', 'Where it permanently moved (fetched instead while the registry is unchanged).'),
    ('public.feed_health', 'etag', 'ETag of the last body parsed (sent as If-None-Match).'),
    ('public.feed_health', 'last_modified', 'Last-Modified of the last body parsed (sent as If-Modified-Since).'),
    ('public.feed_health', 'body_sha256', 'SHA-256 of the last body parsed: an identical body is not parsed again.'),
    ('public.feed_health', 'validators_run_id', 'Run that stored the validators.'),
    ('public.feed_health', 'last_attempt_at', 'Time of the last attempt.'),
    ('public.feed_health', 'last_attempt_run_id', 'Run of the last attempt.'),
    ('public.feed_health', 'last_status', 'Outcome of the last attempt.'),
    ('public.feed_health', 'last_http_status', 'HTTP status of the last attempt.'),
    ('public.feed_health', 'last_ok_at', 'Time of the last success.'),
    ('public.feed_health', 'last_error', 'Last error message.'),
    ('public.feed_health', 'last_reason', 'Class of the last error.'),
    ('public.feed_health', 'last_error_at', 'Time of the last error.'),
    ('public.feed_health', 'failure_streak', 'Consecutive failures.'),
    ('public.feed_health', 'next_attempt_at', 'Earliest next attempt while backing off.'),
    ('public.feed_health', 'retry_after', 'Seconds the server asked to wait (Retry-After).'),
    ('public.feed_health', 'disabled_at', 'When the feed was disabled automatically.'),
    ('public.feed_health', 'disabled_reason', 'Why.'),
    ('public.feed_health', 'updated_at', 'Last update of this row.'),

    ('public.raw_payloads', NULL, 'Raw fetched payloads (zlib) with their HTTP headers, to parse a night again. Not readable by analysts.'),
    ('public.raw_payloads', 'id', 'Payload id.'),
    ('public.raw_payloads', 'run_id', 'Run that fetched it.'),
    ('public.raw_payloads', 'feed_id', 'Feed it belongs to.'),
    ('public.raw_payloads', 'kind', 'feed (the feed document) or page (an article page).'),
    ('public.raw_payloads', 'url', 'URL requested.'),
    ('public.raw_payloads', 'final_url', 'URL after redirects.'),
    ('public.raw_payloads', 'fetched_at', 'When it was fetched.'),
    ('public.raw_payloads', 'http_status', 'HTTP status.'),
    ('public.raw_payloads', 'headers', 'HTTP response headers as JSON.'),
    ('public.raw_payloads', 'raw_bytes', 'Size as received.'),
    ('public.raw_payloads', 'stored_bytes', 'Size compressed.'),
    ('public.raw_payloads', 'sha256', 'SHA-256 of the body as received.'),
    ('public.raw_payloads', 'body', 'The body, zlib-compressed.')
) AS notes(rel, col, body);
