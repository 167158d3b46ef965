-- Search: numbers are looked for as the index holds them.
--
-- The index holds the words of the normalized text as PostgreSQL's parser cuts them, which
-- keeps a decimal number whole (3.5, 96.6, 1.2.3; و3.5 too) and reads a number after a
-- hyphen as signed (إس-400 -> -400, كوفيد-19 -> -19, 2017-2018 -> 2017 and -2018). The query
-- side split its words at every character that is not a letter or digit, so a search for
-- 3.5 wanted a 3 and a 5 (finding scores such as 3 - 5, never 3.5 itself), and one for
-- 2018, إس-400 or كوفيد-19 missed every text that wrote the number after a hyphen. A query
-- word is now a run of letters and digits or a number with its decimal parts, and a number
-- also stands for itself after a hyphen. Snippets cut their runs the same way, so they mark
-- what was found, and escape the text's own markup. The index is unchanged: nothing is
-- indexed again.

-- The words of a query that must match: normalized, cut into runs of letters and digits,
-- a decimal number whole, without common function words (as written or once stemmed).
CREATE OR REPLACE FUNCTION akhbar.query_words(query text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
SELECT coalesce(array_agg(DISTINCT w ORDER BY w), '{}')
FROM (SELECT m[1] FROM regexp_matches(akhbar.normalize(query),
                                      '[[:alnum:]]*[0-9](?:\.[0-9]+)+|[[:alnum:]]+', 'g') AS r(m)
     ) AS t(w)
WHERE NOT ARRAY[w, akhbar.light_stem(w)] && ARRAY[
    'في', 'من', 'علي', 'الي', 'عن', 'مع', 'ان', 'او', 'ثم', 'قد', 'لا', 'ما', 'لم', 'لن',
    'هذا', 'هذه', 'ذلك', 'تلك', 'التي', 'الذي', 'الذين', 'كان', 'كانت', 'بين', 'بعد',
    'قبل', 'حتي', 'عند', 'كل', 'و', 'يا', 'هو', 'هي', 'منذ', 'خلال', 'حول', 'ضد']
$fn$;
COMMENT ON FUNCTION akhbar.query_words(text) IS
    'The words of a query that must match: normalized, without common function words.';

-- Every surface form a normalized query word matches: those of its light stem, those of
-- each name it may stand for, and for a number the signed form the index holds after a
-- hyphen (-400).
CREATE OR REPLACE FUNCTION akhbar.word_forms(word text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
SELECT array_agg(DISTINCT f)
FROM (SELECT unnest(akhbar.surface_forms(akhbar.light_stem(word)))
      UNION ALL
      SELECT unnest(akhbar.name_forms(n)) FROM unnest(akhbar.word_names(word)) AS n
      UNION ALL
      SELECT '-' || word WHERE word ~ '^[0-9]+(\.[0-9]+)*$') AS t(f)
$fn$;
COMMENT ON FUNCTION akhbar.word_forms(text) IS
    'Every surface form a normalized query word matches in normalized text: those of its '
    'light stem (akhbar.surface_forms), of the names it may stand for (akhbar.word_names), '
    'and a number after a hyphen.';

-- The words of a list that match, their runs cut as query words are (a decimal whole).
CREATE OR REPLACE FUNCTION akhbar.matching_words(words text[], forms text[])
RETURNS integer[] LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
BEGIN
    RETURN ARRAY(
        SELECT DISTINCT w
        FROM (SELECT count(*) FILTER (WHERE m[1] IS NOT NULL) OVER (ORDER BY k) AS w,
                     m[2] AS run
              FROM regexp_matches(
                       akhbar.normalize(E'\x01' || array_to_string(
                           ARRAY(SELECT replace(u.w, E'\x01', '')
                                 FROM unnest(words) WITH ORDINALITY AS u(w, n) ORDER BY n),
                           E'\x01') || E'\x01'),
                       E'(\x01)|' || '([[:alnum:]]*[0-9](?:\.[0-9]+)+|[[:alnum:]]+)', 'g')
                       WITH ORDINALITY AS r(m, k)
             ) runs
        WHERE run IN (SELECT unnest(forms))
        ORDER BY 1);
END
$fn$;
COMMENT ON FUNCTION akhbar.matching_words(text[], text[]) IS
    'Positions (from 1) of the words of a list whose normalized form has an alphanumeric run '
    'in forms.';

-- Snippets are HTML (matches in <b></b>), so the original's own <, > and & are escaped:
-- a body that holds markup or an ampersand shows it as text wherever the snippet is
-- rendered, and cannot inject tags into an analyst's page.
CREATE OR REPLACE FUNCTION akhbar.html_text(t text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
    SELECT replace(replace(replace(replace(t, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'),
                   '"', '&quot;');
$fn$;
COMMENT ON FUNCTION akhbar.html_text(text) IS
    'Text escaped for HTML: & < > and double quotes as entities.';

-- The snippet, as in 098, its runs cut as query words are and its words HTML-escaped.
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
