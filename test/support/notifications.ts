// Notifications of every shape, for the channels' tests: alerts firing, reminded and resolved,
// runs started, succeeded, failed and partial, a report and a test; and hostile ones (long
// texts, markup, mentions) that every channel must still carry within its limits, escaped.

import type { AlertNotice, Notification, RunNotice } from '../../src/notify/types.ts';

const AT = '2026-05-01T02:10:00.000Z';
const HOST = 'db1.example.net';
const URL = 'https://lifeboat.example.net/jobs/orders';

function base(type: Notification['type'], id: string): Pick<Notification, 'version' | 'type' | 'id' | 'at' | 'host'> {
  return { version: 1, type, id, at: AT, host: HOST };
}

export function alert(state: AlertNotice['state'], over: Partial<AlertNotice> = {}): Notification {
  return {
    ...base('alert', `alert-${state}`),
    alert: {
      name: 'stale', state, job: 'orders', message: 'newest backup is 5h old, RPO 4h', firedAt: '2026-05-01T01:00:00.000Z',
      ...(state === 'resolved' ? { resolvedAt: AT } : {}), details: { ageSeconds: 18_000, rpoSeconds: 14_400 }, ...over,
    },
    url: URL,
  };
}

export function run(status: string, over: Partial<RunNotice> = {}): Notification {
  const failed = status !== 'succeeded';
  return {
    ...base('run_finished', `run-${status}`),
    run: {
      runId: '20260501T020000-abcd1234', job: 'orders', repository: 'offsite', kind: 'backup', status, trigger: 'schedule',
      startedAt: '2026-05-01T02:00:00.000Z', endedAt: AT, durationMs: 600_000, totalBytes: 5_368_709_120, bytesAdded: 73_400_320,
      ...(status === 'succeeded' ? { snapshotId: '3f2a91c0d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1' } : {}),
      ...(failed ? { errorCode: 'source', message: 'pg_dump exited with status 1: connection refused', lastSuccessAt: '2026-04-30T02:09:00.000Z' } : {}),
      ...over,
    },
    url: URL,
  };
}

export function started(over: Partial<RunNotice> = {}): Notification {
  return {
    ...base('run_started', 'run-started'),
    run: { runId: '20260501T020000-abcd1234', job: 'orders', kind: 'backup', status: 'running', trigger: 'schedule', startedAt: '2026-05-01T02:00:00.000Z', ...over },
  };
}

export function report(lines = 40): Notification {
  const rows = Array.from({ length: lines }, (_, i) => `job-${String(i).padStart(3, '0')}  ok   12 backups  1.2 GiB  <none> & more`);
  return {
    ...base('report', 'report-week'),
    report: {
      period: 'week', title: 'Weekly backup report: 40 jobs, 0 failed',
      text: `Weekly report\n\n${rows.join('\n')}\n`, markdown: `# Weekly report\n\n${rows.join('\n')}`,
      html: `<h1>Weekly report</h1><pre>${rows.join('\n').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</pre>`, json: { jobs: lines },
    },
    url: 'https://lifeboat.example.net/',
  };
}

export function testNotice(): Notification {
  return { ...base('test', 'test-1') };
}

/** Every shape a channel must render. */
export function allShapes(): Array<[string, Notification]> {
  return [
    ['alert firing', alert('firing')],
    ['alert reminder', alert('reminder')],
    ['alert resolved', alert('resolved')],
    ['alert on a repository', alert('firing', { name: 'disk_low', job: undefined, repository: 'local', message: 'free space 3 GiB, below 10 GiB' })],
    ['alert failed copy', alert('firing', { name: 'failed', runKind: 'copy', repository: 'offsite', message: 'copy to offsite failed' })],
    ['run succeeded', run('succeeded')],
    ['run failed', run('failed')],
    ['run partial', run('partial', { message: '3 files could not be read' })],
    ['run aborted', run('aborted', { errorCode: 'aborted', message: 'timed out after 2h' })],
    ['run failed, never succeeded', run('failed', { lastSuccessAt: undefined })],
    ['report', report()],
    ['long report', report(3000)],
    ['test', testNotice()],
    ...hostile(),
  ];
}

/** Long and marked-up texts from job names, errors and messages. */
export function hostile(): Array<[string, Notification]> {
  const long = 'x'.repeat(5000);
  const markup = '<!channel> <script>alert(1)</script> & <https://evil.example|click> *bold* ```fence``` \u{1F600}';
  return [
    ['hostile alert', alert('firing', { job: `orders-${'j'.repeat(300)}`, message: `${markup} ${long}`, details: { note: long, n: 1 } })],
    ['hostile run', run('failed', { job: markup, message: `${markup}\n${'&'.repeat(4000)}`, errorCode: markup })],
    ['hostile host', { ...testNotice(), host: `${markup}${'h'.repeat(400)}` }],
  ];
}
