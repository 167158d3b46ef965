-- Topic evidence also comes from the summary: an article stored without a body is tagged on
-- its summary, and its hits say field "summary". The body's hits say "text".
COMMENT ON COLUMN akhbar.article_topics.evidence IS
  'JSON array of counted hits: term, surface, field (title; text, the body; or summary, for an article without a body), start, end (character offsets into the original field), weight.';
COMMENT ON COLUMN public.article_topics.evidence IS
  'JSON array of hits: term, surface, field (title; text, the body; or summary, for an article without a body), start, end (character offsets into the original field), weight.';
