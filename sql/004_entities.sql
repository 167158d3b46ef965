-- Named entities: the gazetteer (one row per canonical entity) and every mention found in an
-- article, linked to an entity or left unlinked (a name the gazetteer does not know yet).

CREATE TABLE IF NOT EXISTS entities (
    id            text PRIMARY KEY,            -- Wikidata QID, or a provisional akhbar:slug
    type          text NOT NULL CHECK (type IN ('PER', 'ORG', 'LOC')),
    name_en       text NOT NULL,               -- English Wikipedia title
    name_ar       text NOT NULL,
    aliases       text[] NOT NULL DEFAULT '{}',
    weak_aliases  text[] NOT NULL DEFAULT '{}',
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS entities_name_en_idx ON entities (name_en);

CREATE TABLE IF NOT EXISTS article_entities (
    id            bigserial PRIMARY KEY,
    article_id    bigint NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    entity_id     text REFERENCES entities(id) ON DELETE SET NULL,   -- NULL: unlinked name
    surface       text NOT NULL,               -- the mention as it stands, clitics included
    surface_norm  text NOT NULL,               -- normalized surface, for grouping unlinked names
    type          text NOT NULL CHECK (type IN ('PER', 'ORG', 'LOC')),
    field         text NOT NULL CHECK (field IN ('title', 'summary', 'body')),
    start_offset  integer NOT NULL CHECK (start_offset >= 0),  -- into the field's original text
    end_offset    integer NOT NULL,
    method        text NOT NULL CHECK (method IN ('gazetteer', 'pattern', 'camel')),
    confidence    real NOT NULL CHECK (confidence > 0 AND confidence <= 1),
    tagged_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (end_offset > start_offset),
    UNIQUE (article_id, field, start_offset, end_offset)
);
CREATE INDEX IF NOT EXISTS article_entities_entity_idx ON article_entities (entity_id, article_id);
CREATE INDEX IF NOT EXISTS article_entities_article_idx ON article_entities (article_id);
CREATE INDEX IF NOT EXISTS article_entities_unlinked_idx ON article_entities (surface_norm)
    WHERE entity_id IS NULL;
