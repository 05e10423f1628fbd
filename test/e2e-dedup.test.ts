// Dedup day over day: a ~200 MB PostgreSQL database backed up by a job, 2 % of its rows updated,
// backed up again: the second backup must add < 25 % of the first one's bytes. The rows updated
// are one contiguous id range (how real tables change: recent orders, a batch job's slice).
// For the record, the test also measures 2 % of rows scattered uniformly (every 50th row): that
// touches every ~1 MiB chunk of the dump, so no chunk-level dedup can help; the figure is printed,
// not asserted.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { dropPgDatabases, pgQuery, repoBlock, workspace, type Workspace } from './e2e-support.ts';

const DB = `lb_e2e_dedup_${process.pid}_${Date.now().toString(36)}`;
const ROWS = 1_000_000;
let ws: Workspace;

before(async () => {
  await pgQuery('postgres', `CREATE DATABASE ${DB}`);
  // ~200 B of distinct hex per row (no row repeats another's text), plus two numbers.
  await pgQuery(DB, `CREATE TABLE orders (id int PRIMARY KEY, qty bigint, note text);
    INSERT INTO orders SELECT g, g % 97,
      md5(g || 'a') || md5(g || 'b') || md5(g || 'c') || md5(g || 'd') || md5(g || 'e') || md5(g || 'f')
    FROM generate_series(1, ${ROWS}) g`);
  ws = await workspace();
  await ws.writeConfig(`${repoBlock(ws)}jobs:\n  orders:\n    source:\n      type: postgres\n      host: 127.0.0.1\n` +
    `      port: 5432\n      user: postgres\n      databases: [${DB}]\n      globals: false\n    repositories: [main]\n`);
});

after(async () => {
  await dropPgDatabases([DB]);
  await ws?.[Symbol.asyncDispose]();
});

async function backup(): Promise<{ added: number; read: number }> {
  const r = await ws.cli(['--json', 'backup', '--job', 'orders']);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { data_added: number; total_bytes_processed: number };
  return { added: s.data_added, read: s.total_bytes_processed };
}

function repoBytes(): number {
  return Number(execFileSync('du', ['-sb', ws.repo], { encoding: 'utf8' }).split('\t')[0]);
}

test('2 % of rows changed: the second backup adds < 25 % of the first one\'s bytes', async () => {
  const first = await backup();
  const size1 = repoBytes();
  assert.ok(first.read > 180e6, `dump is ${first.read} bytes`);

  const changed = ROWS * 0.02;
  await pgQuery(DB, `UPDATE orders SET qty = qty + 1, note = upper(note) WHERE id > ${ROWS / 2} AND id <= ${ROWS / 2 + changed}`);
  const second = await backup();
  const size2 = repoBytes();
  const ratio = second.added / first.added;
  console.log(`dedup: dump ${(first.read / 1e6).toFixed(1)} MB; first backup added ${(first.added / 1e6).toFixed(1)} MB ` +
    `(repository ${(size1 / 1e6).toFixed(1)} MB); after ${changed} contiguous rows (2 %) changed, the second added ` +
    `${(second.added / 1e6).toFixed(2)} MB = ${(ratio * 100).toFixed(1)} % (repository grew ${((size2 - size1) / 1e6).toFixed(2)} MB)`);
  assert.ok(ratio < 0.25, `second backup added ${(ratio * 100).toFixed(1)} % of the first`);
  assert.ok(size2 - size1 < 0.25 * size1);

  await pgQuery(DB, `UPDATE orders SET qty = qty + 1 WHERE id % 50 = 7`);
  const third = await backup();
  console.log(`dedup (informational): 2 % of rows scattered uniformly → third backup added ` +
    `${(third.added / 1e6).toFixed(1)} MB = ${((third.added / first.added) * 100).toFixed(1)} % of the first`);

  const snaps = await ws.snapshots();
  assert.equal(snaps.length, 3);
  await ws.restic(['check']);
});
