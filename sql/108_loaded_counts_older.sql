-- An entry whose text the stored, newer text outranks (a backfill of an older night) is still
-- loaded: its sighting is recorded and the run summary counts it as older, not as updated.
COMMENT ON COLUMN public.fetches.loaded IS
  'Entries loaded as articles (new, updated, older text not applied, or duplicate).';
COMMENT ON COLUMN akhbar.feed_health.loaded_30d IS
  'Entries loaded as articles (new, updated, older text not applied, or copies) in the last 30 days.';
