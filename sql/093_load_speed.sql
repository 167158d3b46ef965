-- Loading speed: an article row carries its text three times (body, body_norm and the
-- search vector) and is too wide to stay inline, so every insert compresses it. lz4
-- compresses several times faster than the default pglz at a similar size; it applies to
-- values written from now on (stored values keep their method and stay readable).
-- A server built without lz4 keeps pglz: the loader works the same, only slower.
DO $$
BEGIN
    ALTER TABLE public.articles
        ALTER COLUMN body SET COMPRESSION lz4,
        ALTER COLUMN body_norm SET COMPRESSION lz4,
        ALTER COLUMN summary SET COMPRESSION lz4,
        ALTER COLUMN search_vector SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'lz4 is not available on this server; articles keep pglz compression';
END
$$;
