-- A database exercising what pg_dump/pg_restore must carry: many column types, enums, large
-- objects, sequences, views, functions, triggers, indexes, extensions, a second schema.
CREATE EXTENSION pgcrypto;
CREATE EXTENSION hstore;
CREATE EXTENSION citext;
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE items (
  id serial PRIMARY KEY,
  name text NOT NULL,
  email citext,
  attrs hstore,
  doc jsonb,
  blob bytea,
  tags text[],
  nums int[],
  price numeric(30, 10),
  at timestamptz,
  feeling mood,
  lo oid,
  updated_at timestamptz
);
CREATE INDEX items_doc_gin ON items USING gin (doc);
CREATE INDEX items_lower_name ON items (lower(name));
CREATE UNIQUE INDEX items_email ON items (email);
CREATE SEQUENCE counter START 100 INCREMENT 7;
SELECT nextval('counter'), nextval('counter'), nextval('counter');
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.updated_at := '2024-01-01 00:00:00+00'; RETURN NEW; END $$;
CREATE TRIGGER items_touch BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION touch();
CREATE FUNCTION item_count(m mood) RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM items WHERE feeling = m $$;
CREATE VIEW happy_items AS SELECT id, name, price FROM items WHERE feeling = 'happy';
CREATE MATERIALIZED VIEW mood_counts AS SELECT feeling, count(*) AS n FROM items GROUP BY feeling;
CREATE TABLE audit (id bigserial PRIMARY KEY, item_id int REFERENCES items(id), note text, h text);
CREATE SCHEMA other;
CREATE TABLE other.notes (k text PRIMARY KEY, v text);

INSERT INTO items (name, email, attrs, doc, blob, tags, nums, price, at, feeling)
SELECT
  CASE WHEN g % 97 = 0 THEN E'multi\nline \u00e9\u00e8 \U0001F600 ' || g ELSE 'item ' || g END,
  'user' || g || '@Example.com',
  hstore(ARRAY['k', 'g'], ARRAY['v' || g, g::text]),
  jsonb_build_object('g', g, 'nested', jsonb_build_object('a', ARRAY[g, g * 2]), 'f', g / 7.0),
  CASE WHEN g % 11 = 0 THEN NULL ELSE decode(md5(g::text) || '00ff00', 'hex') || gen_random_bytes(16) END,
  ARRAY['t' || (g % 5), 'x,y', NULL],
  ARRAY[g, -g],
  (g * 12345.6789012345)::numeric(30, 10),
  '2020-01-01 00:00:00+00'::timestamptz + g * interval '37 minutes 13.123456 seconds',
  (ARRAY['sad', 'ok', 'happy']::mood[])[1 + g % 3]
FROM generate_series(1, 3000) g;
UPDATE items SET name = name || ' (edited)' WHERE id % 100 = 0;
UPDATE items SET lo = lo_from_bytea(0, convert_to(repeat('large object ' || id || ' ', 5000), 'UTF8')) WHERE id % 500 = 0;
INSERT INTO audit (item_id, note, h) SELECT id, 'note ' || id, encode(digest(name, 'sha256'), 'hex') FROM items WHERE id % 3 = 0;
INSERT INTO other.notes SELECT 'k' || g, repeat('v', g) FROM generate_series(1, 50) g;
REFRESH MATERIALIZED VIEW mood_counts;
