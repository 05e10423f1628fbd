// Which lines of a dump are a table's rows: pg_restore's COPY blocks, mysqldump's one-line
// INSERTs and mariadb-dump's INSERTs with a row per line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyBlockClassifier, digestLines, insertLineClassifier } from './table-digest.ts';

async function* bytes(text: string): AsyncGenerator<Uint8Array> {
  yield Buffer.from(text);
}

test('COPY blocks and INSERT statements are digested per table', async () => {
  const pg = await digestLines(bytes('SET x = 1;\nCOPY public.t (a) FROM stdin;\n1\n2\n\\.\nCOPY public.u (b) FROM stdin;\n\\.\n'), copyBlockClassifier());
  assert.deepEqual(pg.map((t) => [t.table, t.bytes]), [['public.t', 4]]);
  const my = insertLineClassifier();
  const oneLine = await digestLines(bytes('INSERT INTO `t` VALUES (1),(2);\nINSERT INTO `we``ird` VALUES (3);\n'), my);
  assert.deepEqual(oneLine.map((t) => t.table), ['t', 'we`ird']);
  const rows = await digestLines(bytes('LOCK TABLES `t` WRITE;\nINSERT INTO `t` VALUES\n(1),\n(\'a;\'),\n(2);\nUNLOCK TABLES;\n'), insertLineClassifier());
  assert.deepEqual(rows.map((t) => [t.table, t.bytes]), [['t', 'INSERT INTO `t` VALUES\n(1),\n(\'a;\'),\n(2);\n'.length]]);
});
