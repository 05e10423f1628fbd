// The daemon's /metrics for a WAL job: after `wal-push` archived a file, the last-archived time
// and the archive lag are exported for that job (and for no job without WAL), and status
// measures the job's RPO against the archive.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { runCli } from './e2e-support.ts';
import { serverWorkspace, type ServerWorkspace } from './server-support.ts';

let ws: ServerWorkspace | undefined;
after(async () => { await ws?.close(); });

function sample(text: string, name: string, job: string): number | undefined {
  const m = new RegExp(`^${name}\\{job="${job}"\\} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

test('lifeboat_wal_last_archived_timestamp_seconds and lifeboat_wal_archive_lag_seconds follow wal-push', async () => {
  ws = await serverWorkspace({
    jobs: `  pg:
    source: { type: postgres, host: 127.0.0.1, port: 1, user: postgres, wal: { enabled: true } }
    repositories: [main]
    rpo: 1m
  cmd:
    source: { type: command, command: [echo, hi], filename: hi.txt }
    repositories: [main]
`,
  });
  const before = await (await ws.get('/metrics', { token: null })).text();
  assert.equal(sample(before, 'lifeboat_wal_last_archived_timestamp_seconds', 'pg'), undefined, 'nothing archived yet: no series');

  const pgWal = join(ws.dir, 'pg_wal');
  await mkdir(pgWal);
  await writeFile(join(pgWal, '000000010000000000000003'), randomBytes(64 * 1024));
  const t0 = Date.now() / 1000;
  const push = await runCli(['--config', join(ws.dir, 'lifeboat.yaml'), 'wal-push', '--job', 'pg', join(pgWal, '000000010000000000000003')], ws.dir,
    { env: { LIFEBOAT_STATE_DIR: join(ws.dir, 'state') } });
  assert.equal(push.code, 0, push.stderr);
  const t1 = Date.now() / 1000;

  // The freshness cache (15 s) may hold the empty answer: wait it out rather than reach inside.
  let text = '';
  for (let i = 0; i < 40; i++) {
    text = await (await ws.get('/metrics', { token: null })).text();
    if (sample(text, 'lifeboat_wal_last_archived_timestamp_seconds', 'pg') !== undefined) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const at = sample(text, 'lifeboat_wal_last_archived_timestamp_seconds', 'pg');
  assert.ok(at !== undefined && at >= t0 - 1 && at <= t1 + 1, `archived at ${at}, push between ${t0} and ${t1}`);
  const lag = sample(text, 'lifeboat_wal_archive_lag_seconds', 'pg');
  assert.ok(lag !== undefined && lag >= 0 && lag < 60, `lag ${lag}`);
  assert.equal(sample(text, 'lifeboat_wal_archive_lag_seconds', 'cmd'), undefined);

  // status measures the WAL job's RPO (1m) against the archive: no base backup yet, not breached.
  const status = await ws.services.status({ readRepositories: false, signal: AbortSignal.timeout(30_000) });
  const pg = status.jobs.find((j) => j.name === 'pg')!;
  assert.ok(pg.walAgeSeconds !== undefined && pg.walAgeSeconds < 60, String(pg.walAgeSeconds));
  assert.equal(pg.rpoBreached, false);
});
