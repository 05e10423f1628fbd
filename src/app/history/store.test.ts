import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { EventBus } from '../events.ts';
import { asRun } from '../run.ts';
import { historyRecorder } from './recorder.ts';
import { HISTORY_FILE, History } from './store.ts';
import { SCHEMA_VERSION } from './schema.ts';

function tempState(): { dir: string; [Symbol.dispose](): void } {
  const dir = mkdtempSync(join(tmpdir(), 'lifeboat-history-'));
  return { dir, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

test('runs recorded from events: status, figures, redacted errors; queries and retention of rows', async () => {
  using state = tempState();
  const h = History.open(state.dir);
  const events = new EventBus((err) => { throw err; });
  events.subscribe(historyRecorder(h, (t) => t.replaceAll('hunter2', '***')));
  let now = new Date('2026-11-20T10:00:00Z');
  const clock = { now: () => now };
  const signal = new AbortController().signal;
  await asRun('check', { events, clock, repository: 'local', trigger: 'schedule', signal }, async (run) => {
    now = new Date(now.getTime() + 5000);
    run.emit({ type: 'check-finished', ok: true, errors: 0, damagedSnapshots: [] });
  });
  await assert.rejects(asRun('prune', { events, clock, repository: 'local', signal }, async () => {
    throw new Error('connect failed: password hunter2 rejected');
  }));
  const runs = h.list();
  assert.deepEqual(runs.map((r) => [r.kind, r.status, r.repository]), [['prune', 'failed', 'local'], ['check', 'succeeded', 'local']]);
  assert.equal(runs[0]!.errorMessage, 'connect failed: password *** rejected');
  assert.equal(runs[1]!.endedAt!.getTime() - runs[1]!.startedAt.getTime(), 5000);
  assert.deepEqual(runs[1]!.details, { ok: true, errors: 0, damagedSnapshots: [] });
  assert.equal(h.latest({ kind: 'check', status: 'succeeded' })!.id, runs[1]!.id);

  // A run left `running` by a dead process is closed as aborted.
  h.start({ id: 'orphan', job: 'db', kind: 'backup', trigger: 'schedule', startedAt: new Date('2026-11-01T00:00:00Z') });
  assert.equal(h.closeOrphans(() => false, now), 1);
  assert.equal(h.get('orphan')!.status, 'aborted');
  assert.equal(h.forgetBefore(new Date('2026-11-10T00:00:00Z')), 1);
  assert.equal(h.get('orphan'), undefined);
  h.close();

  // Versioned schema: reopening migrates nothing; a newer database is refused.
  const db = new DatabaseSync(join(state.dir, HISTORY_FILE));
  assert.equal((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version, SCHEMA_VERSION);
  db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
  db.close();
  assert.throws(() => History.open(state.dir), /newer than this Lifeboat knows/);
});
