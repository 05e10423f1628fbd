// Needs: nothing beyond Node (a local repository; no PostgreSQL)
// wal-fetch's prefetch, through the real CLI into a pg_wal-shaped folder: fetching segment S
// spools the segments after it on its timeline (verified, beside the destination) and stops
// cleanly at the end of the archive; the next call is served from the spool, byte-identical to
// what was archived; a damaged spool file is not served (the ordinary fetch runs); stale spool
// files (earlier segments, an older timeline) are removed; a history request empties the spool;
// the first fetch of a recovery fetches only --parallel ahead.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { workspace, repoBlock, type Workspace } from './e2e-support.ts';

let ws: Workspace;
after(async () => { await ws?.[Symbol.asyncDispose](); });

const SEG = 1024 * 1024; // a 1 MiB wal_segment_size keeps the test light; 4096 segments per xlogid
// Segment number n on a timeline, for 1 MiB segments (4096 per xlogid).
const seg = (n: number, tli = 2) => [tli, Math.floor(n / 4096), n % 4096].map((x) => x.toString(16).toUpperCase().padStart(8, '0')).join('');
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

test('a fetch spools the following segments; later fetches are served from the spool only when intact', async () => {
  ws = await workspace();
  await ws.writeConfig(`${repoBlock(ws)}jobs:\n  pg:\n    source: { type: postgres, host: h, user: u, wal: { enabled: true } }\n    repositories: [main]\n`);
  const src = join(ws.dir, 'src');
  await mkdir(src);
  // Timeline 2, segments 0xFFE..0x1002 (crossing into the next xlogid at 0x1000): the archive ends after 0x1002.
  const nums = [0xffe, 0xfff, 0x1000, 0x1001, 0x1002];
  const original = new Map<string, Buffer>();
  for (const n of nums) {
    const b = randomBytes(SEG);
    original.set(seg(n), b);
    await writeFile(join(src, seg(n)), b);
  }
  for (const n of nums) assert.equal((await ws.cli(['wal-push', '--job', 'pg', '--batch', '1', join(src, seg(n))])).code, 0);

  const pgWal = join(ws.dir, 'pg_wal');
  await mkdir(pgWal);
  const dest = join(pgWal, 'RECOVERYXLOG');
  const spool = join(pgWal, 'lifeboat-prefetch');
  const spooled = async () => (await readdir(spool)).map((e) => e.split('.')[0]!).sort();
  const fetch = async (file: string, extra: string[] = []) => {
    const r = await ws.cli(['wal-fetch', '--job', 'pg', '--json', ...extra, file, dest]);
    return { ...r, out: r.code === 0 ? JSON.parse(r.stdout) : undefined };
  };

  // An older timeline's copy and an earlier segment, left from before: both must go.
  await mkdir(spool);
  const oldTli = randomBytes(SEG);
  await writeFile(join(spool, `${seg(0x1001, 1)}.${sha(oldTli)}`), oldTli);
  const earlier = randomBytes(SEG);
  await writeFile(join(spool, `${seg(0x10, 2)}.${sha(earlier)}`), earlier);

  // Fetch S: S+1..S+4 spooled, and the end of the archive ends the prefetch without an error.
  const first = await fetch(seg(0xffe));
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.out.how, 'fetched');
  assert.deepEqual(first.out.prefetched, nums.slice(1).map((n) => seg(n)));
  assert.equal(first.stderr, '');
  assert.ok((await readFile(dest)).equals(original.get(seg(0xffe))!));
  assert.deepEqual(await spooled(), nums.slice(1).map((n) => seg(n)), 'stale spool files removed, the next four spooled');
  for (const e of await readdir(spool)) {
    const m = /^([0-9A-F]{24})\.([0-9a-f]{64})$/.exec(e);
    assert.ok(m, e);
    assert.ok((await readFile(join(spool, e))).equals(original.get(m[1]!)!), `${e} holds the archived bytes`);
  }
  await unlink(dest);

  // The next call is served from the spool, byte-identical, and uses the file up.
  const second = await fetch(seg(0xfff));
  assert.equal(second.code, 0, second.stderr);
  assert.equal(second.out.how, 'prefetched');
  assert.ok((await readFile(dest)).equals(original.get(seg(0xfff))!));
  assert.deepEqual(await spooled(), nums.slice(2).map((n) => seg(n)));
  await unlink(dest);

  // A damaged spool file is not served: removed, and the ordinary fetch brings the archived bytes.
  const [damaged] = (await readdir(spool)).filter((e) => e.startsWith(seg(0x1000)));
  const bytes = await readFile(join(spool, damaged!));
  bytes[100] = bytes[100]! ^ 0xff;
  await writeFile(join(spool, damaged!), bytes);
  const third = await fetch(seg(0x1000));
  assert.equal(third.code, 0, third.stderr);
  assert.equal(third.out.how, 'fetched');
  assert.ok((await readFile(dest)).equals(original.get(seg(0x1000))!));
  assert.deepEqual(await spooled(), nums.slice(3).map((n) => seg(n)), 'the damaged file is gone; the rest still spooled');
  await unlink(dest);

  // Served across the xlogid boundary, then the end of the archive: exit 1, as without prefetch.
  assert.equal((await fetch(seg(0x1001))).out.how, 'prefetched');
  assert.equal((await fetch(seg(0x1002))).out.how, 'prefetched');
  assert.ok((await readFile(dest)).equals(original.get(seg(0x1002))!));
  const end = await fetch(seg(0x1003));
  assert.equal(end.code, 1);
  assert.match(end.stderr, /not archived/);

  // A history request (start or end of recovery) empties the spool.
  await fetch(seg(0xffe));
  assert.equal((await spooled()).length, 4);
  const hist = await fetch('00000003.history');
  assert.equal(hist.code, 1);
  assert.deepEqual(await readdir(pgWal).then((l) => l.includes('lifeboat-prefetch')), false);

  // The first fetch of a recovery (no spool yet) fetches only --parallel (2) ahead: a short
  // replay does not wait for segments it will never ask for.
  const fresh = await fetch(seg(0xffe));
  assert.deepEqual(fresh.out.prefetched, [seg(0xfff), seg(0x1000)]);
  assert.equal((await fetch('00000003.history')).code, 1);

  // --prefetch 0: the call fetches only what was asked for.
  const plain = await fetch(seg(0xffe), ['--prefetch', '0']);
  assert.equal(plain.out.how, 'fetched');
  assert.deepEqual(plain.out.prefetched, []);
  assert.deepEqual(await readdir(pgWal).then((l) => l.includes('lifeboat-prefetch')), false);
});
