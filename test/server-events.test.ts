// The run event stream's edges, on real Services: progress throttled (newest wins, flushed
// before the next event), a late client gets `started` from the history, a run of another
// process ends through the history, a queued run that never starts ends as aborted, and
// closing the server ends open streams.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunEvent } from '../src/app/events.ts';
import { readEvents, serverWorkspace, type ServerWorkspace } from './server-support.ts';

let ws: ServerWorkspace;

before(async () => {
  ws = await serverWorkspace({
    defaults: '  concurrency: 1\n',
    jobs: `  gate:
    source: { type: command, command: [sh, -c, "while [ ! -e DIR/go ]; do sleep 0.05; done; echo gated"], filename: gated.txt }
    repositories: [main]
  other:
    source: { type: command, command: [echo, other], filename: other.txt }
    repositories: [main]
`,
    start: { stream: { progressIntervalMs: 200, pollMs: 50, heartbeatMs: 60_000 } },
  });
});

after(async () => { await ws?.close(); });

function record(id: string, job = 'gate'): void {
  ws.services.history.start({ id, job, repository: 'main', kind: 'backup', trigger: 'cli', startedAt: new Date() });
}

test('progress is throttled, the newest wins and is flushed before the next event; a late client gets started from the history', async () => {
  const id = '20261120T000000-aaaa0001';
  record(id);
  const res = await ws.get(`/api/v1/runs/${id}/events`);
  assert.equal(res.status, 200);
  const reading = readEvents(res);
  const emit = (e: Record<string, unknown>) => ws.services.events.emit({ runId: id, job: 'gate', repository: 'main', at: new Date(), ...e } as RunEvent);
  for (let round = 0; round < 3; round++) {
    for (let i = 1; i <= 100; i++) emit({ type: 'progress', kind: 'backup', files: i, bytesRead: round * 1000 + i, bytesAdded: 0 });
    await new Promise((r) => setTimeout(r, 60));
  }
  emit({ type: 'finished', kind: 'backup', status: 'succeeded', exitCode: 0, durationMs: 5 });
  const events = await reading;
  const types = events.map((e) => e.event);
  assert.equal(types[0], 'started');
  assert.equal(events[0]!.data.trigger, 'cli');
  assert.equal(types.at(-1), 'finished');
  const progress = events.filter((e) => e.event === 'progress');
  assert.ok(progress.length >= 2 && progress.length <= 3, `${progress.length} progress events`);
  assert.equal(progress.at(-1)!.data.bytes_read, 2100, 'the newest progress is sent before finished');
  assert.deepEqual(types.slice(-2), ['progress', 'finished']);
});

test("a run of another process (no live events) ends when its history record does", async () => {
  const id = '20261120T000000-aaaa0002';
  record(id);
  const reading = ws.get(`/api/v1/runs/${id}/events`).then((r) => readEvents(r));
  await new Promise((r) => setTimeout(r, 150));
  ws.services.history.update(id, { status: 'failed', endedAt: new Date(), exitCode: 1, errorCode: 'source', errorMessage: 'pg_dump exited 1' });
  const events = await reading;
  assert.deepEqual(events.map((e) => e.event), ['started', 'finished']);
  assert.equal(events[1]!.data.status, 'failed');
  assert.equal(events[1]!.data.error_code, 'source');
  assert.equal(events[1]!.data.message, 'pg_dump exited 1');
});

test('closing the server ends its open streams', async () => {
  const id = '20261120T000000-aaaa0003';
  record(id);
  const res = await ws.get(`/api/v1/runs/${id}/events`);
  const reading = readEvents(res, 10_000);
  const t0 = performance.now();
  await ws.server.close();
  const events = await reading;
  assert.deepEqual(events.map((e) => e.event), ['started']);
  assert.ok(performance.now() - t0 < 1_500, "streams end with the server, not after the 2 s cut");
  ws.services.history.update(id, { status: 'aborted', endedAt: new Date() });
});

test('a queued run that never starts (the runner stopped) ends its stream as aborted', async () => {
  // The previous test closed the first server: start another on the same services.
  const { startServer } = await import('../src/server/server.ts');
  const server = await startServer(ws.services, { stream: { pollMs: 50 } });
  const auth = { authorization: `Bearer ${(await import('./server-support.ts')).TOKEN}` };
  try {
    const gate = await (await fetch(`${server.url}/api/v1/jobs/gate/run`, { method: 'POST', headers: auth })).json() as { run_id: string };
    const queued = await (await fetch(`${server.url}/api/v1/jobs/other/run`, { method: 'POST', headers: auth })).json() as { run_id: string };
    assert.ok(ws.services.runner.active().some((t) => t.runId === queued.run_id && t.state === 'queued'));
    const gateEvents = fetch(`${server.url}/api/v1/runs/${gate.run_id}/events`, { headers: auth }).then((r) => readEvents(r));
    const queuedEvents = fetch(`${server.url}/api/v1/runs/${queued.run_id}/events`, { headers: auth }).then((r) => readEvents(r));
    await new Promise((r) => setTimeout(r, 100));
    const stopping = ws.services.runner.stop(200);
    const refused = await fetch(`${server.url}/api/v1/jobs/other/run`, { method: 'POST', headers: auth });
    assert.equal(refused.status, 503);
    assert.equal((await refused.json() as { error: { code: string } }).error.code, 'stopping');
    await stopping;
    await writeFile(join(ws.dir, 'go'), '');
    const q = await queuedEvents;
    // The runner records the run it drops as aborted: started, then finished.
    assert.deepEqual(q.map((e) => e.event), ['started', 'finished']);
    assert.equal(q[1]!.data.status, 'aborted');
    assert.equal(q[1]!.data.job, 'other');
    assert.equal(ws.services.history.get(queued.run_id)?.status, 'aborted', 'and it is in the history');
    const g = await gateEvents;
    assert.equal(g.at(-1)!.event, 'finished');
    assert.equal(g.at(-1)!.data.status, 'aborted');
  } finally {
    await server.close();
  }
});
