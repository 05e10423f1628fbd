// `init --copy-chunker-params --from-repo`: the new repository takes the other's chunker
// polynomial (restic agrees, reading both configs), so the same file backed up into each gives
// the same data blobs, and copying between them then moves no data, only trees.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pseudoRandom } from './support/engine-fixture.ts';
import { resticOk, tempDir } from './support/repo.ts';
import { runCli } from './e2e-support.ts';

test('init --copy-chunker-params keeps copied data deduplicating', { timeout: 120_000 }, async () => {
  await using tmp = await tempDir('lifeboat-chunker-params-');
  const cli = async (args: string[], env: Record<string, string>, expect = 0) => {
    const r = await runCli(args, tmp.path, { env });
    assert.equal(r.code, expect, `lifeboat ${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  const a = join(tmp.path, 'a');
  const b = join(tmp.path, 'b');
  writeFileSync(join(tmp.path, 'big.bin'), pseudoRandom(6 * 1024 * 1024, 3));
  await cli(['init', '--repo', a], { LIFEBOAT_PASSWORD: 'pw-a' });
  // Wrong source password: nothing is created at the target.
  const bad = await cli(['init', '--repo', b, '--copy-chunker-params', '--from-repo', a], { LIFEBOAT_PASSWORD: 'pw-b', LIFEBOAT_FROM_PASSWORD: 'nope' }, 12);
  assert.match(bad.stderr, /wrong password/);
  await cli(['init', '--repo', b, '--copy-chunker-params', '--from-repo', a], { LIFEBOAT_PASSWORD: 'pw-b', LIFEBOAT_FROM_PASSWORD: 'pw-a' });
  const poly = async (repo: string, pw: string) => (JSON.parse(await resticOk(repo, pw, ['cat', 'config'])) as { chunker_polynomial: string }).chunker_polynomial;
  assert.equal(await poly(b, 'pw-b'), await poly(a, 'pw-a'));

  for (const [repo, pw] of [[a, 'pw-a'], [b, 'pw-b']]) await cli(['backup', '--repo', repo!, '--host', 'h', 'big.bin'], { LIFEBOAT_PASSWORD: pw! });
  const copy = JSON.parse((await cli(['copy', '--json', '--repo', b, '--from-repo', a], { LIFEBOAT_PASSWORD: 'pw-b', LIFEBOAT_FROM_PASSWORD: 'pw-a' })).stdout);
  assert.equal(copy.snapshots_copied, 1);
  // How many data blobs the file makes depends on the (random) polynomial; at least one, plus
  // the file's tree: all were already there, and what was copied is trees only (bytes below).
  assert.ok(copy.blobs_skipped >= 2, `the file's data blobs were already there: ${JSON.stringify(copy)}`);
  assert.ok(copy.bytes_added < 10_000, `no data was copied, only trees: ${copy.bytes_added} bytes`);
  await resticOk(b, 'pw-b', ['check', '--read-data']);
});
