-- The gazetteer's English names are the names news writes ("Washington", "Kremlin",
-- "Russian Foreign Ministry"), no longer English Wikipedia titles; a name is unique per type.
COMMENT ON COLUMN akhbar.entities.name_en IS
  'English name as English-language news writes it (Washington, Kremlin, Russian Foreign Ministry); unique per type.';
COMMENT ON COLUMN public.entities.name_en IS
  'English name as English-language news writes it; unique per type.';
