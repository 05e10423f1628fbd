// Notifications built from what the app knows: run events with the history beside them, alerts,
// reports and tests; ids, host and dashboard URLs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBus, type RunEvent } from '../events.ts';
import { History } from '../history/store.ts';
import { historyRecorder } from '../history/recorder.ts';
import { alertNotification, dashboardUrl, notificationForEvent, reportNotification, testNotification } from './builders.ts';

const clock = { now: () => new Date('2026-05-01T03:00:00.000Z') };
const ctx = { host: 'db1', publicUrl: 'https://lifeboat.example.net/', clock, newId: () => 'id-1' };

test('dashboard URLs: job, repository, or the root', () => {
  assert.equal(dashboardUrl('https://l.example.net/', { job: 'orders db' }), 'https://l.example.net/jobs/orders%20db');
  assert.equal(dashboardUrl('https://l.example.net/base', { repository: 'offsite' }), 'https://l.example.net/base/repositories/offsite');
  assert.equal(dashboardUrl('https://l.example.net'), 'https://l.example.net/');
  assert.equal(dashboardUrl(undefined, { job: 'x' }), undefined);
});

test('test, alert and report notifications', () => {
  assert.deepEqual(testNotification('db1', { clock, newId: () => 'id-1' }), { version: 1, type: 'test', id: 'id-1', at: '2026-05-01T03:00:00.000Z', host: 'db1' });
  const random = testNotification('db1');
  assert.match(random.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const alert = { name: 'disk_low' as const, state: 'firing' as const, repository: 'local', message: 'free 3 GiB', firedAt: '2026-05-01T02:00:00.000Z', details: {} };
  assert.equal(alertNotification(alert, ctx).url, 'https://lifeboat.example.net/repositories/local');
  const report = reportNotification({ period: 'day', title: 'Daily', text: 't', markdown: 'm', html: 'h', json: {} }, ctx);
  assert.deepEqual([report.type, report.url], ['report', 'https://lifeboat.example.net/']);
});

test('run notifications from events, completed from the history: error, sizes, last success', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-builders-'));
  const history = History.open(dir);
  try {
    const bus = new EventBus();
    bus.subscribe(historyRecorder(history));
    const sent: ReturnType<typeof notificationForEvent>[] = [];
    bus.subscribe((e) => { sent.push(notificationForEvent(e, { ...ctx, history })); });
    const at = (iso: string) => new Date(iso);
    const events: RunEvent[] = [
      { type: 'started', runId: 'r1', job: 'orders', repository: 'local', kind: 'backup', trigger: 'schedule', at: at('2026-04-30T02:00:00Z') },
      { type: 'finished', runId: 'r1', job: 'orders', repository: 'local', kind: 'backup', status: 'succeeded', durationMs: 60_000, exitCode: 0, at: at('2026-04-30T02:01:00Z'), snapshotId: 'abc', bytesProcessed: 1000, bytesAdded: 10 },
      { type: 'started', runId: 'r2', job: 'orders', repository: 'local', kind: 'backup', trigger: 'schedule', at: at('2026-05-01T02:00:00Z') },
      { type: 'progress', runId: 'r2', job: 'orders', kind: 'backup', files: 1, bytesRead: 1, bytesAdded: 1, at: at('2026-05-01T02:00:01Z') },
      { type: 'finished', runId: 'r2', job: 'orders', repository: 'local', kind: 'backup', status: 'failed', durationMs: 5000, exitCode: 1, errorCode: 'source', message: 'pg_dump failed', at: at('2026-05-01T02:00:05Z') },
    ];
    for (const e of events) bus.emit(e);
    assert.equal(sent[3], undefined, 'progress sends nothing');
    assert.deepEqual(sent[2], {
      version: 1, type: 'run_started', id: 'id-1', at: '2026-05-01T03:00:00.000Z', host: 'db1', url: 'https://lifeboat.example.net/jobs/orders',
      run: { runId: 'r2', kind: 'backup', status: 'running', trigger: 'schedule', startedAt: '2026-05-01T02:00:00.000Z', job: 'orders', repository: 'local' },
    });
    assert.deepEqual(sent[1]!.run, {
      runId: 'r1', kind: 'backup', status: 'succeeded', trigger: 'schedule', startedAt: '2026-04-30T02:00:00.000Z', job: 'orders', repository: 'local',
      endedAt: '2026-04-30T02:01:00.000Z', durationMs: 60_000, snapshotId: 'abc', bytesAdded: 10, totalBytes: 1000,
    });
    assert.deepEqual(sent[4]!.run, {
      runId: 'r2', kind: 'backup', status: 'failed', trigger: 'schedule', startedAt: '2026-05-01T02:00:00.000Z', job: 'orders', repository: 'local',
      endedAt: '2026-05-01T02:00:05.000Z', durationMs: 5000, errorCode: 'source', message: 'pg_dump failed', lastSuccessAt: '2026-04-30T02:01:00.000Z',
    });
    // Without a history: from the event alone.
    const alone = notificationForEvent(events[4]!, ctx)!;
    assert.deepEqual(alone.run, {
      runId: 'r2', kind: 'backup', status: 'failed', startedAt: '2026-05-01T02:00:00.000Z', endedAt: '2026-05-01T02:00:05.000Z', durationMs: 5000,
      job: 'orders', repository: 'local', errorCode: 'source', message: 'pg_dump failed',
    });
  } finally {
    history.close();
    await rm(dir, { recursive: true, force: true });
  }
});
