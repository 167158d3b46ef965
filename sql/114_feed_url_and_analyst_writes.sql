-- akhbar.feed_health.url is the URL the next fetch requests. A permanent redirect learned
-- for a registry URL applies only while the registry still says that URL
-- (pipeline.health.plan); once the operator edits it, the new URL is fetched. A feed that
-- is disabled or backing off is not fetched, so its learned move stays stored until then,
-- and the view showed that old place instead of the registry's new URL.
CREATE OR REPLACE VIEW akhbar.feed_health AS
SELECT f.id AS feed_id,
       f.name,
       f.outlet,
       CASE WHEN h.moved_to IS NOT NULL AND h.registry_url = f.url THEN h.moved_to
            ELSE f.url END AS url,
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

COMMENT ON COLUMN akhbar.feed_health.url IS
    'URL fetched: the registry URL, or where it permanently moved while the registry still names the old one.';

-- Large objects: PostgreSQL lets every role create them (lo_create, lo_creat, lo_from_bytea,
-- lo_import), so an analyst could store data in the warehouse, as much as the disk holds,
-- and write to what it made. No Akhbar role uses them: the right to create one is taken
-- from PUBLIC. Those functions belong to the bootstrap superuser; a migrating login that
-- cannot change them is warned, and a superuser can run these REVOKEs later.
DO $do$
DECLARE
    fn regprocedure;
BEGIN
    FOREACH fn IN ARRAY ARRAY['pg_catalog.lo_create(oid)', 'pg_catalog.lo_creat(integer)',
                              'pg_catalog.lo_from_bytea(oid, bytea)',
                              'pg_catalog.lo_import(text)',
                              'pg_catalog.lo_import(text, oid)']::regprocedure[] LOOP
        IF pg_has_role(current_user, (SELECT proowner FROM pg_proc WHERE oid = fn), 'USAGE') THEN
            EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', fn);
        ELSE
            RAISE WARNING 'cannot revoke % from PUBLIC as %: run as a superuser '
                          'REVOKE EXECUTE ON FUNCTION % FROM PUBLIC', fn, current_user, fn;
        END IF;
    END LOOP;
END
$do$;
