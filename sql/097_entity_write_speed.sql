-- Cheaper writes to article_entities. Each of its two foreign keys ran a trigger per mention
-- row (about 19 per article) that looked up and KEY SHARE-locked the referenced row: on the
-- 31k ANT corpus they were 4.5 s of the 9.4 s of server CPU that writing 516k mentions
-- cost. They are dropped and their guarantees kept once per statement or batch instead:
--  * inserts: the tagger locks each batch's articles FOR KEY SHARE when it reads them and
--    checks (and locks the same way) every entity id of the batch before it commits
--    (pipeline.entities.tag_articles), so no mention points at a missing row;
--  * deletes: statement-level triggers with the deleted rows as a transition table remove
--    the mentions of deleted articles (was ON DELETE CASCADE) and unlink the mentions of
--    deleted entities (was ON DELETE SET NULL); TRUNCATE does the same;
--  * a changed key (ON UPDATE NO ACTION) is refused while mentions use it.
-- The functions run as their owner (SECURITY DEFINER), as the foreign keys' triggers did,
-- so whoever may delete an article or an entity does not need rights on the mentions.

SET search_path = public;

ALTER TABLE article_entities DROP CONSTRAINT IF EXISTS article_entities_article_id_fkey;
ALTER TABLE article_entities DROP CONSTRAINT IF EXISTS article_entities_entity_id_fkey;

CREATE OR REPLACE FUNCTION public.article_entities_articles_deleted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp AS $fn$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        TRUNCATE public.article_entities;
    ELSE
        DELETE FROM public.article_entities m USING gone WHERE m.article_id = gone.id;
    END IF;
    RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION public.article_entities_articles_deleted() IS
    'Delete the mentions of deleted articles (what ON DELETE CASCADE did, once per statement).';

CREATE OR REPLACE FUNCTION public.article_entities_entities_deleted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp AS $fn$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE public.article_entities SET entity_id = NULL WHERE entity_id IS NOT NULL;
    ELSE
        UPDATE public.article_entities m SET entity_id = NULL
        FROM gone WHERE m.entity_id = gone.id;
    END IF;
    RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION public.article_entities_entities_deleted() IS
    'Unlink the mentions of deleted entities (what ON DELETE SET NULL did, once per statement).';

-- A row trigger, fired only when an UPDATE names the key and changes it: never at night.
CREATE OR REPLACE FUNCTION public.article_entities_key_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp AS $fn$
BEGIN
    -- One branch per table: the other's comparison would not even type-check.
    IF TG_TABLE_NAME = 'articles' THEN
        IF EXISTS (SELECT 1 FROM public.article_entities WHERE article_id = OLD.id) THEN
            RAISE EXCEPTION 'update on table "articles" changes id % still in article_entities',
                OLD.id USING ERRCODE = 'foreign_key_violation';
        END IF;
    ELSIF EXISTS (SELECT 1 FROM public.article_entities WHERE entity_id = OLD.id) THEN
        RAISE EXCEPTION 'update on table "entities" changes id % still in article_entities',
            OLD.id USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END
$fn$;
COMMENT ON FUNCTION public.article_entities_key_changed() IS
    'Refuse to change an article''s or entity''s id while mentions use it (ON UPDATE NO ACTION).';

DROP TRIGGER IF EXISTS article_entities_cascade ON articles;
CREATE TRIGGER article_entities_cascade AFTER DELETE ON articles
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
    EXECUTE FUNCTION public.article_entities_articles_deleted();
DROP TRIGGER IF EXISTS article_entities_cascade_truncate ON articles;
CREATE TRIGGER article_entities_cascade_truncate AFTER TRUNCATE ON articles
    FOR EACH STATEMENT EXECUTE FUNCTION public.article_entities_articles_deleted();
DROP TRIGGER IF EXISTS article_entities_key ON articles;
CREATE TRIGGER article_entities_key BEFORE UPDATE OF id ON articles
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id)
    EXECUTE FUNCTION public.article_entities_key_changed();

DROP TRIGGER IF EXISTS article_entities_set_null ON entities;
CREATE TRIGGER article_entities_set_null AFTER DELETE ON entities
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
    EXECUTE FUNCTION public.article_entities_entities_deleted();
DROP TRIGGER IF EXISTS article_entities_set_null_truncate ON entities;
CREATE TRIGGER article_entities_set_null_truncate AFTER TRUNCATE ON entities
    FOR EACH STATEMENT EXECUTE FUNCTION public.article_entities_entities_deleted();
DROP TRIGGER IF EXISTS article_entities_key ON entities;
CREATE TRIGGER article_entities_key BEFORE UPDATE OF id ON entities
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id)
    EXECUTE FUNCTION public.article_entities_key_changed();

-- Trigger functions are never called directly; they belong to the owner like the tables.
REVOKE ALL ON FUNCTION public.article_entities_articles_deleted() FROM PUBLIC;
REVOKE ALL ON FUNCTION public.article_entities_entities_deleted() FROM PUBLIC;
REVOKE ALL ON FUNCTION public.article_entities_key_changed() FROM PUBLIC;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'akhbar_owner') THEN
        ALTER FUNCTION public.article_entities_articles_deleted() OWNER TO akhbar_owner;
        ALTER FUNCTION public.article_entities_entities_deleted() OWNER TO akhbar_owner;
        ALTER FUNCTION public.article_entities_key_changed() OWNER TO akhbar_owner;
    END IF;
END
$$;
