// The sqlite source's `replicate:` block: defaults applied, durations checked, unknown keys and
// too-short intervals refused with the place named, as `config check` reports them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../errors.ts';
import { parseConfigText } from './index.ts';
import { sqliteReplicationSettings, type SqliteSourceConfig } from '../sources/sqlite/index.ts';

const HEAD = `repositories:
  local: { location: /tmp/repo, password: pw }
jobs:
`;

test('replicate: defaults, and the settings as given', async () => {
  const c = await parseConfigText(`${HEAD}  a: { source: { type: sqlite, path: /a.db, replicate: {} }, repositories: [local] }
  b: { source: { type: sqlite, path: /b.db, replicate: { interval: 500ms, snapshot_interval: 30m, checkpoint_frames: 4000 } }, repositories: [local] }
  c: { source: { type: sqlite, path: /c.db }, repositories: [local] }
`, 'x.yaml', {});
  const s = c.jobs.map((j) => sqliteReplicationSettings(j.source as SqliteSourceConfig));
  assert.deepEqual(s[0], { intervalMs: 1000, snapshotIntervalMs: 3_600_000, checkpointFrames: 1000 });
  assert.deepEqual(s[1], { intervalMs: 500, snapshotIntervalMs: 1_800_000, checkpointFrames: 4000 });
  assert.equal(s[2], undefined);
});

test('replicate: bad values are config errors naming the field', async () => {
  for (const [block, pattern] of [
    ['{ interval: 10ms }', /replicate\.interval.*at least 100 ms/],
    ['{ interval: soon }', /replicate\.interval.*duration/],
    ['{ snapshot_interval: 500ms }', /replicate\.snapshot_interval.*at least 1000 ms/],
    ['{ checkpoint_frames: 5 }', /replicate\.checkpoint_frames/],
    ['{ every: 1s }', /replicate.*every/],
  ] as const) {
    const err = await parseConfigText(`${HEAD}  a: { source: { type: sqlite, path: /a.db, replicate: ${block} }, repositories: [local] }\n`, 'x.yaml', {})
      .then(() => assert.fail(`${block} accepted`), (e: unknown) => e);
    assert.ok(err instanceof ConfigError, String(err));
    assert.match(err.issues.join('\n'), pattern, `${block}: ${err.issues.join('\n')}`);
  }
});
