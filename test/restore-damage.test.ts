// File restore through damage (issue 15): with one flipped byte in one pack, `lifeboat restore`
// restores every file whose blobs are intact byte-identical, names the damaged file with its
// blob and pack, and exits 1; `dump` of the damaged file fails naming file, blob and pack. And a
// restore killed half-way leaves `.lifeboat-restore-*` files that the next restore removes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { pseudoRandom } from './support/random-data.ts';
import { workspace } from './e2e-support.ts';

const FILES = 2400;

test('one flipped byte in a pack: every other file restored byte-identical, the damaged one named, exit 1', { timeout: 180_000 }, async () => {
  await using ws = await workspace();
  const src = join(ws.dir, 'src');
  const files: string[] = [];
  for (let i = 0; i < FILES; i++) {
    const dir = join(src, `d${i % 40}`);
    mkdirSync(dir, { recursive: true });
    const p = join(dir, `f${i}.bin`);
    writeFileSync(p, pseudoRandom(200 + ((i * 7919) % 3000), i));
    files.push(p);
  }
  writeFileSync(join(src, 'big.bin'), pseudoRandom(3 << 20, 99999)); // several blobs
  files.push(join(src, 'big.bin'));
  const env = { LIFEBOAT_PASSWORD_FILE: ws.passwordFile };
  const backup = await ws.cli(['backup', '--repo', ws.repo, '--quiet', 'src'], { env });
  assert.equal(backup.code, 0, backup.stderr);

  // Flip a byte inside the first blob of the largest pack (a data pack: the trees' is small).
  const packs = readdirSync(join(ws.repo, 'data')).flatMap((d) => readdirSync(join(ws.repo, 'data', d)).map((f) => join(ws.repo, 'data', d, f)));
  const pack = packs.sort((a, b) => statSync(b).size - statSync(a).size)[0]!;
  chmodSync(pack, 0o600);
  const fd = openSync(pack, 'r+');
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, 40);
  b[0]! ^= 0x55;
  writeSync(fd, b, 0, 1, 40);
  closeSync(fd);
  const packId = pack.split('/').at(-1)!;

  const target = join(ws.dir, 'out');
  // A temporary file an interrupted restore left behind: the next restore removes it.
  mkdirSync(join(target, 'src', 'd1'), { recursive: true });
  writeFileSync(join(target, 'src', 'd1', '.lifeboat-restore-0123456789ab'), 'half-written');
  const restore = await ws.cli(['restore', '--repo', ws.repo, 'latest', '--target', target], { env });
  assert.equal(restore.code, 1, `exit code; stderr: ${restore.stderr}`);
  const named = [...restore.stderr.matchAll(/error: (\/src\/\S+): not restored, data blob ([0-9a-f]{8}) in pack ([0-9a-f]{8})/g)];
  assert.equal(named.length, 1, restore.stderr);
  const [, damagedPath, blob, packPrefix] = named[0]!;
  assert.equal(packPrefix, packId.slice(0, 8));
  let restored = 0;
  for (const p of files) {
    const rel = p.slice(ws.dir.length);
    const out = join(target, rel);
    if (rel === damagedPath) {
      assert.ok(!existsSync(out), 'the damaged file is left out');
      continue;
    }
    assert.deepEqual(readFileSync(out), readFileSync(p), rel);
    restored++;
  }
  assert.equal(restored, files.length - 1);
  assert.ok(!existsSync(join(target, 'src', 'd1', '.lifeboat-restore-0123456789ab')), 'stale temp file removed');
  for (const d of readdirSync(join(target, 'src'))) {
    if (d.endsWith('.bin')) continue;
    assert.deepEqual(readdirSync(join(target, 'src', d)).filter((n) => n.startsWith('.lifeboat-')), [], d);
  }

  const dump = await ws.cli(['dump', '--repo', ws.repo, 'latest', damagedPath!], { env });
  assert.equal(dump.code, 1, dump.stderr);
  assert.match(dump.stderr, new RegExp(`dump ${damagedPath}: .*data blob ${blob} in pack ${packPrefix}`));
});
