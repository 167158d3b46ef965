-- Search: names meet their adjectives, and snippets find what the search found.
--
-- A query word stood for its light stem only, which parts a name from its nisba adjective
-- wherever the stem cuts letters of the name itself: إيران -> اير, while its adjective
-- الإيرانية holds ايران; ألمانيا -> مان, while الألمانية holds المان; and the dual الكوريتين
-- kept its ت. A query word now also stands for the names it may be (akhbar.word_names):
-- with a leading ال kept, and, when it ends in ان, ين or ا, as a name whose nisba endings
-- (ي يه يين يون ...) add to it: إيراني, فلسطيني, أمريكي. Only words that end so get those
-- forms, so a search for العلم does not find العلمانية. The article no longer goes with
-- possessive endings (no الحكومتها), which keeps the number of alternatives a word expands
-- into, and so the cost of matching and ranking, near what it was: الحكومة 747 (768 before),
-- إيران 804, اليابان 939.
--
-- Snippets look for the very forms the query matched, on the words of the original text
-- the window is cut from. They compared light stems of the normalized text instead, which
-- missed the ت forms (وقالت for قال, حكومتها for الحكومة), and counted its words with
-- punctuation removed, which drifted off the match after a dash or a quote standing alone.
--
-- The index is unchanged (the words of the normalized text): nothing is indexed again.

-- Light stems, in two steps: the article with any fused conjunction or preposition, then one
-- ending (now the nisba duals يتين / يتان too: الكوريتين -> كور).
CREATE OR REPLACE FUNCTION akhbar.cut_article(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
SELECT regexp_replace(t, '(^|[^[:alnum:]])(?:[وف]?[بك]?ال|[وف]?لل)([[:alnum:]]{3})', '\1\2', 'g')
$fn$;
COMMENT ON FUNCTION akhbar.cut_article(text) IS
    'Cut the article with any fused conjunction or preposition (ال وال بال لل ...) from each '
    'word of normalized text, where three letters remain.';

CREATE OR REPLACE FUNCTION akhbar.cut_ending(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
SELECT regexp_replace(t,
    '([[:alnum:]]{3})(?:يتين|يتان|اتها|اتهم|انها|هما|يها|ات|ان|ون|ين|يه|يا|ها|هم|هن|نا|كم|ه|ي)(?![[:alnum:]])',
    '\1', 'g')
$fn$;
COMMENT ON FUNCTION akhbar.cut_ending(text) IS
    'Cut one plural, dual, nisba or possessive ending from each word of normalized text, the '
    'longest that leaves three letters.';

CREATE OR REPLACE FUNCTION akhbar.light_stem(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
SELECT akhbar.cut_ending(akhbar.cut_article(t))
$fn$;
COMMENT ON FUNCTION akhbar.light_stem(text) IS
    'Cut the article forms and one common ending from each word of normalized text.';

-- Every surface form of a stem in normalized text. Without the article: any conjunction or
-- preposition before it, and any ending after it, possessives and the ت forms of teh marbuta
-- and of verbs included (وقالت, حكومتها). With the article: no possessive, so only the bare
-- stem, plurals, duals, nisba (الكوريتين, الحياتي) and teh marbuta.
CREATE OR REPLACE FUNCTION akhbar.surface_forms(stem text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
SELECT array_agg(DISTINCT p || stem || e)
FROM (
    SELECT p, e
    FROM unnest(ARRAY['', 'و', 'ف', 'ب', 'ك', 'ل', 'وب', 'ول', 'فب', 'فل', 'وك', 'فك']) AS p,
         unnest(ARRAY['', 'ات', 'ان', 'ون', 'ين', 'يه', 'يا', 'ه', 'ي', 'تان', 'تين', 'تي',
                      'يات', 'يين', 'يون', 'يتين', 'يتان', 'ت', 'اتها', 'اتهم', 'انها', 'هما',
                      'يها', 'ها', 'هم', 'هن', 'نا', 'كم', 'ته', 'تها', 'تهم', 'تنا', 'تك',
                      'تكم']) AS e
    UNION ALL
    SELECT p, e
    FROM unnest(ARRAY['ال', 'وال', 'فال', 'بال', 'كال', 'وبال', 'فبال', 'وكال', 'فكال',
                      'لل', 'ولل', 'فلل']) AS p,
         unnest(ARRAY['', 'ات', 'ان', 'ون', 'ين', 'يه', 'يا', 'ه', 'ي', 'تان', 'تين', 'تي',
                      'يات', 'يين', 'يون', 'يتين', 'يتان']) AS e
) affixes
$fn$;
COMMENT ON FUNCTION akhbar.surface_forms(text) IS
    'Every surface form of a light stem in normalized text: proclitics and article before, endings after.';

-- The forms a name takes: with any conjunction, preposition or article before it, bare or
-- with a nisba ending (ي يه يا يين يون يات يتين يتان).
CREATE OR REPLACE FUNCTION akhbar.name_forms(name text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
SELECT array_agg(DISTINCT p || name || e)
FROM unnest(ARRAY['', 'و', 'ف', 'ب', 'ك', 'ل', 'وب', 'ول', 'فب', 'فل', 'وك', 'فك',
                  'ال', 'وال', 'فال', 'بال', 'كال', 'وبال', 'فبال', 'وكال', 'فكال',
                  'لل', 'ولل', 'فلل']) AS p,
     unnest(ARRAY['', 'ي', 'يه', 'يا', 'يين', 'يون', 'يات', 'يتين', 'يتان']) AS e
$fn$;
COMMENT ON FUNCTION akhbar.name_forms(text) IS
    'The forms of a name in normalized text: proclitics and article before it, bare or with '
    'a nisba ending after it (ايران → الايرانيه).';

-- Besides its light stem, the names a normalized query word may stand for. A word that starts
-- with ال may be a name that starts with those letters, not the article (ألمانيا -> المان,
-- which الألمانية holds after its article); a word that ends in ان or ين, or in ا without the
-- article, may be a name whose nisba adds to it rather than to its light stem (إيران ->
-- ايران, فلسطين, أمريكا -> امريك). Only such words get those forms: العلم does not find
-- العلمانية, whose ان belongs to the adjective. The way back, from an adjective to a name
-- ending in ا (الأمريكية -> أمريكا), is not taken: it would find علماً for العلمية.
CREATE OR REPLACE FUNCTION akhbar.word_names(word text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
WITH base AS (
    SELECT akhbar.cut_article(word) AS b, akhbar.cut_article(word) <> word AS article
), names AS (
    SELECT 'ال' || akhbar.light_stem(word) WHERE word ~ '^[وف]?[بك]?ال[[:alnum:]]{3}'
    UNION
    SELECT b FROM base WHERE b ~ '[[:alnum:]]{3}(ان|ين)$'
    UNION
    SELECT left(b, -1) FROM base WHERE NOT article AND b ~ '[[:alnum:]]{3}ا$'
                                   AND akhbar.cut_ending(b) = b
)
SELECT coalesce(array_agg(n ORDER BY n), '{}') FROM names AS t(n)
$fn$;
COMMENT ON FUNCTION akhbar.word_names(text) IS
    'The names a normalized query word may stand for besides its light stem: with a leading '
    'ال kept (ألمانيا → المان), or ending in ان, ين or ا, whose nisba adds to it (إيران → ايران).';

-- Every surface form a normalized query word matches: those of its light stem, and those of
-- each name it may stand for.
CREATE OR REPLACE FUNCTION akhbar.word_forms(word text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
SELECT array_agg(DISTINCT f)
FROM (SELECT unnest(akhbar.surface_forms(akhbar.light_stem(word)))
      UNION ALL
      SELECT unnest(akhbar.name_forms(n)) FROM unnest(akhbar.word_names(word)) AS n) AS t(f)
$fn$;
COMMENT ON FUNCTION akhbar.word_forms(text) IS
    'Every surface form a normalized query word matches in normalized text: those of its '
    'light stem (akhbar.surface_forms) and of the names it may stand for (akhbar.word_names).';

-- The words of a query that must match: normalized, without common function words (as
-- written or once stemmed: الذين used to stay, as ذين).
CREATE OR REPLACE FUNCTION akhbar.query_words(query text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
SELECT coalesce(array_agg(DISTINCT w ORDER BY w), '{}')
FROM regexp_split_to_table(akhbar.normalize(query), '[^[:alnum:]]+') AS w
WHERE w <> '' AND NOT ARRAY[w, akhbar.light_stem(w)] && ARRAY[
    'في', 'من', 'علي', 'الي', 'عن', 'مع', 'ان', 'او', 'ثم', 'قد', 'لا', 'ما', 'لم', 'لن',
    'هذا', 'هذه', 'ذلك', 'تلك', 'التي', 'الذي', 'الذين', 'كان', 'كانت', 'بين', 'بعد',
    'قبل', 'حتي', 'عند', 'كل', 'و', 'يا', 'هو', 'هي', 'منذ', 'خلال', 'حول', 'ضد']
$fn$;
COMMENT ON FUNCTION akhbar.query_words(text) IS
    'The words of a query that must match: normalized, without common function words.';

-- The search terms of a query, as before: the light stems of its words.
CREATE OR REPLACE FUNCTION akhbar.query_terms(query text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
SELECT coalesce(array_agg(DISTINCT akhbar.light_stem(w) ORDER BY akhbar.light_stem(w)), '{}')
FROM unnest(akhbar.query_words(query)) AS w
$fn$;

-- The tsquery of a query: every word required, each in any of its surface forms.
CREATE OR REPLACE FUNCTION akhbar.search_query(query text) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
SELECT to_tsquery('simple'::regconfig, coalesce(string_agg(
           '(' || array_to_string(akhbar.word_forms(w), ' | ') || ')', ' & '), ''))
FROM unnest(akhbar.query_words(query)) AS w
$fn$;
COMMENT ON FUNCTION akhbar.search_query(text) IS
    'The tsquery akhbar.search() runs for a query: all words, each in any surface form.';

-- Every surface form the words of a query match (akhbar.search marks them in snippets).
CREATE OR REPLACE FUNCTION akhbar.query_forms(query text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
SELECT coalesce(array_agg(DISTINCT f), '{}')
FROM unnest(akhbar.query_words(query)) AS w, unnest(akhbar.word_forms(w)) AS f
$fn$;
COMMENT ON FUNCTION akhbar.query_forms(text) IS
    'Every surface form the words of a query match in normalized text (the search_query '
    'alternatives), for marking matches.';

-- The words of a list that match: those whose normalized form has an alphanumeric run among
-- forms, numbered from 1 in the list. The words are normalized in one call, joined by a
-- control character normalize() keeps (a word holding one loses it), and the runs of every
-- word are found in one pass of one regular expression.
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
                       E'(\x01)|([[:alnum:]]+)', 'g') WITH ORDINALITY AS r(m, k)
             ) runs
        WHERE run IN (SELECT unnest(forms))
        ORDER BY 1);
END
$fn$;
COMMENT ON FUNCTION akhbar.matching_words(text[], text[]) IS
    'Positions (from 1) of the words of a list whose normalized form has an alphanumeric run '
    'in forms.';

-- A window of the original text around the first word that matches, matches in <b></b>.
-- The window is cut from the words of the original (split at white space), and matches are
-- looked for on those same words, normalized (akhbar.matching_words). Normalizing a whole
-- body costs about 10 ms (translate() over a long table), so the first match is found in
-- the normalized text, which the pipeline made for the index, and traced back to its word
-- of the original: a word of plain Arabic letters, digits and punctuation is one word once
-- normalized, and only the others are normalized to count the words they make (none of a
-- lone diacritic, two of words joined by a no-break space). Should the traced word not
-- match, the whole original is normalized. On 6,934 snippets of the ANT sample the traced
-- word was always the first match.
DROP FUNCTION IF EXISTS akhbar.term_forms(text);  -- the forms the old snippet compared
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
                                      '(\s+)|([[:alnum:]]+)', 'g') WITH ORDINALITY AS r(m, k)
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
                                            THEN '<b>' || words[n] || '</b>' ELSE words[n] END,
                                       ' ' ORDER BY n)
                     FROM generate_series(lo, hi) AS n), '')
        || CASE WHEN hi < total THEN ' …' ELSE '' END;
END
$fn$;
COMMENT ON FUNCTION akhbar.snippet(text, text, text[], integer) IS
    'Words of the original text around the first word whose normalized form is in forms '
    '(normalized: the text as akhbar.normalize gives it), matches in <b></b>.';

-- The analysts' search, as in 095, with the forms above for matching and for snippets.
CREATE OR REPLACE FUNCTION akhbar.search(query text, max_results integer DEFAULT 50)
RETURNS TABLE (article_id bigint, rank real, published_at timestamptz, outlet text,
               title text, url text, snippet text)
LANGUAGE sql STABLE STRICT SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp AS $fn$
WITH q AS (
    SELECT akhbar.search_query(query) AS tsq, akhbar.query_forms(query) AS forms
), hits AS (
    SELECT a.id, ts_rank(s.search_vector, q.tsq, 1) AS rank, a.published_at, a.outlet,
           a.title, a.url, a.title_norm, a.body, a.body_norm
    FROM public.article_search s JOIN public.articles a ON a.id = s.article_id, q
    WHERE cardinality(q.forms) > 0 AND s.search_vector @@ q.tsq
    ORDER BY rank DESC, a.published_at DESC NULLS LAST, a.id
    LIMIT greatest(max_results, 0)
)
SELECT h.id, h.rank, h.published_at, h.outlet, h.title, h.url,
       CASE WHEN h.body_norm ~ '[[:alnum:]]'
            THEN akhbar.snippet(h.body, h.body_norm, q.forms)
            ELSE akhbar.snippet(h.title, h.title_norm, q.forms) END
FROM hits h, q
ORDER BY h.rank DESC, h.published_at DESC NULLS LAST, h.id
$fn$;
COMMENT ON FUNCTION akhbar.search(text, integer) IS
    'Full-text search of articles in Arabic: SELECT * FROM akhbar.search(''العقوبات على '
    'كوريا الشمالية''). Every word must match (article, prepositions and endings folded); '
    'ranked, with a snippet of the original text, matches in <b></b>.';

-- New functions belong to the owner like the others (sql/092); analysts run them as anyone
-- may, and akhbar.search keeps its grants (CREATE OR REPLACE keeps them).
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'akhbar_owner') THEN
        ALTER FUNCTION akhbar.cut_article(text) OWNER TO akhbar_owner;
        ALTER FUNCTION akhbar.cut_ending(text) OWNER TO akhbar_owner;
        ALTER FUNCTION akhbar.name_forms(text) OWNER TO akhbar_owner;
        ALTER FUNCTION akhbar.word_names(text) OWNER TO akhbar_owner;
        ALTER FUNCTION akhbar.word_forms(text) OWNER TO akhbar_owner;
        ALTER FUNCTION akhbar.query_words(text) OWNER TO akhbar_owner;
        ALTER FUNCTION akhbar.query_forms(text) OWNER TO akhbar_owner;
        ALTER FUNCTION akhbar.matching_words(text[], text[]) OWNER TO akhbar_owner;
    END IF;
END
$$;
