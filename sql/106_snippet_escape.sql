-- Snippets are HTML (matches in <b></b>), so the original's own <, > and & are escaped:
-- a body that holds markup or an ampersand shows it as text wherever the snippet is
-- rendered, and cannot inject tags into an analyst's page. The function is restated whole,
-- as in 105, with only the words escaped.
CREATE OR REPLACE FUNCTION akhbar.html_text(t text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
    SELECT replace(replace(replace(replace(t, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'),
                   '"', '&quot;');
$fn$;
COMMENT ON FUNCTION akhbar.html_text(text) IS
    'Text escaped for HTML: & < > and double quotes as entities.';

CREATE OR REPLACE FUNCTION akhbar.snippet(original text, normalized text, forms text[],
                                          radius integer DEFAULT 12)
RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
DECLARE
    words text[] := ARRAY(SELECT w FROM regexp_split_to_table(original, '\s+')
                                            WITH ORDINALITY AS s(w, n)
                          WHERE w <> '' ORDER BY n);
    total integer := cardinality(words);
    hit integer;
    matched integer[] := '{}';
    lo integer;         -- the window: words lo to hi
    hi integer;
BEGIN
    IF original IS NULL OR forms IS NULL THEN
        RETURN NULL;
    END IF;
    forms := ARRAY(SELECT DISTINCT f FROM unnest(forms) AS f);
    -- The first match in the normalized text: its word, counted at white space.
    hit := (SELECT min(w)
            FROM (SELECT count(*) FILTER (WHERE m[1] IS NOT NULL) OVER (ORDER BY k) + 1 AS w,
                         m[2] AS run
                  FROM regexp_matches(coalesce(normalized, akhbar.normalize(original)),
                                      '(\s+)|([[:alnum:]]*[0-9](?:\.[0-9]+)+|[[:alnum:]]+)',
                                      'g') WITH ORDINALITY AS r(m, k)
                 ) runs
            WHERE run IN (SELECT unnest(forms)));
    IF hit IS NOT NULL THEN
        -- The word of the original that normalized word comes from.
        hit := (SELECT min(n)
                FROM (SELECT o.n, sum(coalesce(odd.made, 1)) OVER (ORDER BY o.n) AS made
                      FROM unnest(words) WITH ORDINALITY AS o(w, n)
                      LEFT JOIN (
                          SELECT x.n, cardinality(array_remove(
                                          regexp_split_to_array(x.norm, '\s+'), '')) AS made
                          FROM (SELECT array_agg(n ORDER BY n) AS ns,
                                       array_agg(replace(w, E'\x01', '') ORDER BY n) AS ws
                                FROM unnest(words) WITH ORDINALITY AS u(w, n)
                                WHERE w !~ '^[!-~ء-ؿف-ي٠-٩،؛؟«»]+$') odds,
                               unnest(odds.ns, (string_to_array(akhbar.normalize(
                                   E'\x01' || array_to_string(odds.ws, E'\x01') || E'\x01'),
                                   E'\x01'))[2 : cardinality(odds.ws) + 1]) AS x(n, norm)
                      ) odd USING (n)) counted
                WHERE made >= hit);
        IF hit IS NOT NULL THEN
            lo := greatest(1, hit - radius);
            matched := ARRAY(SELECT lo - 1 + m FROM unnest(akhbar.matching_words(
                                 words[lo : least(total, hit + radius)], forms)) AS m);
        END IF;
        IF hit IS NULL OR hit IS DISTINCT FROM (SELECT min(m) FROM unnest(matched) AS m) THEN
            matched := akhbar.matching_words(words, forms);
            hit := (SELECT min(m) FROM unnest(matched) AS m);
        END IF;
    END IF;
    hit := coalesce(hit, 1);
    lo := greatest(1, hit - radius);
    hi := least(total, hit + radius);
    RETURN CASE WHEN lo > 1 THEN '… ' ELSE '' END
        || coalesce((SELECT string_agg(CASE WHEN n = ANY (matched)
                                            THEN '<b>' || akhbar.html_text(words[n]) || '</b>'
                                            ELSE akhbar.html_text(words[n]) END,
                                       ' ' ORDER BY n)
                     FROM generate_series(lo, hi) AS n), '')
        || CASE WHEN hi < total THEN ' …' ELSE '' END;
END
$fn$;
COMMENT ON FUNCTION akhbar.snippet(text, text, text[], integer) IS
    'Words of the original text around the first word whose normalized form is in forms '
    '(normalized: the text as akhbar.normalize gives it), HTML-escaped, matches in <b></b>.';

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'akhbar_owner') THEN
        ALTER FUNCTION akhbar.html_text(text) OWNER TO akhbar_owner;
    END IF;
END
$$;
