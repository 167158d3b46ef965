-- Search: a query too long to run is refused with an error that says so.
--
-- Every word of a query expands into its surface forms (some 600 of them), and PostgreSQL
-- keeps the text of a tsquery's words in at most 1 MB (MAXSTRPOS): a pasted paragraph of a
-- hundred distinct words passed it, and akhbar.search failed with "value is too big in
-- tsquery", quoting the megabytes of forms. The size is now counted as to_tsquery counts it
-- (each form and its terminating byte) before the tsquery is built.
CREATE OR REPLACE FUNCTION akhbar.search_query(query text) RETURNS tsquery
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
DECLARE
    words integer;
    size bigint;       -- bytes of every form of every word, as the tsquery stores them
    alternatives text;
BEGIN
    SELECT count(*), coalesce(sum((SELECT sum(octet_length(f) + 1) FROM unnest(forms) AS f)), 0),
           string_agg('(' || array_to_string(forms, ' | ') || ')', ' & ')
    INTO words, size, alternatives
    FROM unnest(akhbar.query_words(query)) AS w, akhbar.word_forms(w) AS forms;
    IF size >= 1048575 THEN
        RAISE EXCEPTION 'akhbar.search: the query has too many words (% to match)', words
            USING ERRCODE = 'program_limit_exceeded',
                  DETAIL = format('Each word is looked for in all its forms; those of these %s '
                                  'words take %s bytes, past PostgreSQL''s limit of 1 MB for '
                                  'one text-search query.', words, size),
                  HINT = 'Search for fewer words (function words such as في and من do not count).';
    END IF;
    RETURN to_tsquery('simple'::regconfig, coalesce(alternatives, ''));
END
$fn$;
COMMENT ON FUNCTION akhbar.search_query(text) IS
    'The tsquery akhbar.search() runs for a query: all words, each in any surface form; a '
    'query whose forms pass the 1 MB a tsquery holds is refused (too many words).';
