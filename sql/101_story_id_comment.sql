-- A story keeps its founder's id unless the founder's text is edited on a later night: then
-- the rest of the cluster is decided again and takes the id of its new founder.
COMMENT ON COLUMN akhbar.stories.story_id IS
  'Story id: the id of the article that founded it; it changes only when that article''s text is edited on a later night and the story is decided again.';
