-- Roles: akhbar_owner owns every object; akhbar_writer is what the pipeline needs (read and
-- write the pipeline tables, stage in temporary tables, no DDL); akhbar_analyst reads the
-- akhbar views and runs the search functions, and nothing else (no raw payloads, no fetch
-- log). Roles are cluster-wide: they are created once, NOLOGIN, and a deployment adds login
-- users that inherit them, e.g. CREATE ROLE alice LOGIN PASSWORD '...' IN ROLE akhbar_analyst.

SET search_path = public, akhbar;

DO $do$
DECLARE
    name text;
BEGIN
    FOREACH name IN ARRAY ARRAY['akhbar_owner', 'akhbar_writer', 'akhbar_analyst'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = name) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', name);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;  -- created meanwhile by a migration of another database
            END;
        END IF;
    END LOOP;
END
$do$;
COMMENT ON ROLE akhbar_owner IS 'Owns the Akhbar schema objects; migrations run as a member.';
COMMENT ON ROLE akhbar_writer IS 'The pipeline: reads and writes the pipeline tables, no DDL.';
COMMENT ON ROLE akhbar_analyst IS 'Analysts: read the akhbar views and run akhbar.search; nothing else.';

-- The migrating login must be able to act as the owner to hand objects over to it.
DO $do$
BEGIN
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
       AND NOT pg_has_role(current_user, 'akhbar_owner', 'MEMBER') THEN
        EXECUTE format('GRANT akhbar_owner TO %I', current_user);
    END IF;
END
$do$;

GRANT USAGE, CREATE ON SCHEMA public TO akhbar_owner;
DO $do$
BEGIN
    -- A schema's new owner must be allowed to create schemas in the database.
    EXECUTE format('GRANT CONNECT, CREATE ON DATABASE %I TO akhbar_owner', current_database());
END
$do$;
ALTER SCHEMA akhbar OWNER TO akhbar_owner;

-- Hand every table, view and function of both schemas to the owner (extension members
-- excepted); a table's serial sequences follow it.
DO $do$
DECLARE
    obj record;
BEGIN
    FOR obj IN
        SELECT c.oid::regclass AS rel, c.relkind
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname IN ('public', 'akhbar') AND c.relkind IN ('r', 'p', 'v', 'm')
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                          AND d.objid = c.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER %s %s OWNER TO akhbar_owner',
                       CASE obj.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                        ELSE 'TABLE' END, obj.rel);
    END LOOP;
    FOR obj IN
        SELECT p.oid::regprocedure AS fn
        FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'akhbar'
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                          AND d.objid = p.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO akhbar_owner', obj.fn);
    END LOOP;
END
$do$;

-- The writer: the pipeline tables, not the migration log.
GRANT USAGE ON SCHEMA public TO akhbar_writer;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO akhbar_writer;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO akhbar_writer;
REVOKE INSERT, UPDATE, DELETE ON public.schema_migrations FROM akhbar_writer;

-- The analyst, and the writer too: the views and the search functions.
GRANT USAGE ON SCHEMA akhbar TO akhbar_analyst, akhbar_writer;
GRANT SELECT ON ALL TABLES IN SCHEMA akhbar TO akhbar_analyst, akhbar_writer;
-- These two run as their owner (SECURITY DEFINER): only the Akhbar roles may call them.
REVOKE ALL ON FUNCTION akhbar.search(text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION akhbar.search(text, integer) TO akhbar_analyst, akhbar_writer;
REVOKE ALL ON FUNCTION akhbar.find_entity(text, real, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION akhbar.find_entity(text, real, integer)
    TO akhbar_analyst, akhbar_writer;

-- Objects later migrations create, as the owner or as this login, get the same grants.
DO $do$
DECLARE
    creator text;
BEGIN
    FOREACH creator IN ARRAY ARRAY['akhbar_owner', current_user::text] LOOP
        EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public '
                       'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO akhbar_writer', creator);
        EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public '
                       'GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO akhbar_writer', creator);
        EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA akhbar '
                       'GRANT SELECT ON TABLES TO akhbar_analyst, akhbar_writer', creator);
    END LOOP;
END
$do$;

-- Temporary tables: the loader stages each batch in one; analysts create nothing at all.
DO $do$
BEGIN
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO akhbar_writer, akhbar_owner',
                   current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO akhbar_analyst', current_database());
END
$do$;
