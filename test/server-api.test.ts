// The HTTP API against real Services on a temp config with a local repository and real runs:
// auth, run-now with its event stream, the busy answer, jobs/runs/repositories/snapshots, and
// the generated OpenAPI document (checked by @seriousme/openapi-schema-validator).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { LifeboatError } from '../src/errors.ts';
import { startServer } from '../src/server/server.ts';
import { ErrorSchema, JobSchema, JobsSchema, RepositoriesSchema, RunSchema, RunsPageSchema, SnapshotsSchema } from '../src/server/schemas.ts';
import { readEvents, serverWorkspace, TOKEN, type ServerWorkspace } from './server-support.ts';

let ws: ServerWorkspace;

before(async () => {
  ws = await serverWorkspace({
    jobs: `  cmd:
    source: { type: command, command: [sh, -c, "echo data"], filename: data.txt }
    repositories: [main]
    schedule: "0 3 * * *"
  gate:
    source: { type: command, command: [sh, -c, "while [ ! -e DIR/go ]; do sleep 0.05; done; echo gated"], filename: gated.txt }
    repositories: [main]
`,
    start: { stream: { progressIntervalMs: 100, pollMs: 100 } },
  });
});

after(async () => { await ws?.close(); });

/** A GET with a Host header of our choosing (fetch does not let one set it). */
function rawGet(port: number, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let body = '';
      res.on('data', (d) => { body += String(d); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function body(res: Response): Promise<Record<string, unknown>> {
  return await res.json() as Record<string, unknown>;
}

test('the token is required on /api/v1/* and unknown paths; /healthz and /metrics are open', async () => {
  const health = await ws.get('/healthz', { token: null });
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: 'ok' });

  for (const token of [null, 'wrong-token-0123456789']) {
    const res = await ws.get('/api/v1/jobs', { token });
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
    const b = ErrorSchema.parse(await res.json());
    assert.equal(b.error.code, 'unauthorized');
  }
  const lower = await ws.get('/api/v1/jobs', { token: null, headers: { authorization: `bearer ${TOKEN}` } });
  assert.equal(lower.status, 200);
  assert.equal((await ws.get('/api/v1/openapi.json', { token: null })).status, 401);
  assert.equal((await ws.post('/api/v1/jobs/cmd/run', { token: null })).status, 401);
  assert.equal((await ws.get('/api/v1/nowhere', { token: null })).status, 401);
  // Outside the API a browser is sent to the dashboard's login page, whether the path exists or not.
  const page = await fetch(`${ws.server.url}/nowhere`, { redirect: 'manual' });
  assert.equal(page.status, 303);
  assert.equal(page.headers.get('location'), '/login?next=%2Fnowhere');
  const missing = await ws.get('/nowhere');
  assert.equal(missing.status, 404);
  assert.equal(ErrorSchema.parse(await missing.json()).error.code, 'not-found');
  assert.equal((await ws.get('/metrics', { token: null })).status, 200);
  assert.equal((await ws.get('/api/v1/jobs')).status, 200);
});

test('run-now answers with a run ID at once; its event stream ends with finished; the run is in the history', async () => {
  const t0 = performance.now();
  const res = await ws.post('/api/v1/jobs/cmd/run');
  assert.equal(res.status, 202);
  const { run_id: runId } = await body(res) as { run_id: string };
  assert.ok(performance.now() - t0 < 2000);
  assert.match(runId, /^\d{8}T\d{6}-[0-9a-f]{8}$/);

  const stream = await ws.get(`/api/v1/runs/${runId}/events`);
  assert.equal(stream.status, 200);
  assert.match(stream.headers.get('content-type') ?? '', /^text\/event-stream/);
  const events = await readEvents(stream);
  const types = events.map((e) => e.event);
  assert.equal(types[0], 'started');
  assert.equal(types.at(-1), 'finished');
  assert.ok(types.includes('snapshot-saved'), types.join());
  assert.deepEqual(events.map((e) => e.id), events.map((_, i) => String(i)));
  for (const e of events) {
    assert.equal(e.data.type, e.event);
    assert.equal(e.data.run_id, runId);
    assert.equal(e.data.job, 'cmd');
    assert.ok(!Number.isNaN(Date.parse(String(e.data.at))));
  }
  const finished = events.at(-1)!.data;
  assert.equal(finished.status, 'succeeded');
  assert.equal(finished.exit_code, 0);
  assert.equal(finished.kind, 'backup');
  assert.match(String(finished.snapshot_id), /^[0-9a-f]{64}$/);

  const run = RunSchema.parse(await (await ws.get(`/api/v1/runs/${runId}`)).json());
  assert.equal(run.status, 'succeeded');
  assert.equal(run.trigger, 'manual');
  assert.equal(run.snapshot_id, finished.snapshot_id);
  assert.equal(run.total_bytes, 5);
  const page = RunsPageSchema.parse(await (await ws.get('/api/v1/runs?job=cmd')).json());
  assert.ok(page.runs.some((r) => r.id === runId && r.status === 'succeeded'));

  // After the end: one `finished`, rebuilt from the history.
  const again = await readEvents(await ws.get(`/api/v1/runs/${runId}/events`));
  assert.deepEqual(again.map((e) => e.event), ['finished']);
  assert.equal(again[0]!.data.status, 'succeeded');
  assert.equal(again[0]!.data.snapshot_id, finished.snapshot_id);

  const unknown = await ws.get('/api/v1/runs/20260101T000000-00000000/events');
  assert.equal(unknown.status, 404);
  assert.equal(ErrorSchema.parse(await unknown.json()).error.code, 'not-found');
  assert.equal((await ws.get('/api/v1/runs/20260101T000000-00000000')).status, 404);
});

test('a second run-now while the job runs is refused with 409 busy', async () => {
  const first = await ws.post('/api/v1/jobs/gate/run');
  assert.equal(first.status, 202);
  const { run_id: runId } = await body(first) as { run_id: string };
  const events = ws.get(`/api/v1/runs/${runId}/events`).then((r) => readEvents(r));
  const second = await ws.post('/api/v1/jobs/gate/run');
  assert.equal(second.status, 409);
  const err = ErrorSchema.parse(await second.json());
  assert.equal(err.error.code, 'busy');
  const job = JobSchema.parse(await (await ws.get('/api/v1/jobs/gate')).json());
  assert.equal(job.running, true);
  await writeFile(join(ws.dir, 'go'), '');
  const list = await events;
  assert.equal(list.at(-1)!.event, 'finished');
  assert.equal(list.at(-1)!.data.status, 'succeeded');
  // The refused request is on record as a skipped run.
  const skipped = RunSchema.parse(await (await ws.get(`/api/v1/runs/${err.error.run_id}`)).json());
  assert.equal(skipped.status, 'skipped');
});

test('jobs, a job, its snapshots, repositories; unknown names are 404 with a hint', async () => {
  const jobs = JobsSchema.parse(await (await ws.get('/api/v1/jobs')).json());
  assert.deepEqual(jobs.jobs.map((j) => j.name), ['cmd', 'gate']);
  const cmd = JobSchema.parse(await (await ws.get('/api/v1/jobs/cmd')).json());
  assert.equal(cmd.type, 'command');
  assert.equal(cmd.schedule !== undefined, true);
  assert.ok(cmd.next_run && Date.parse(cmd.next_run) > Date.now());
  assert.equal(cmd.last_success?.status, 'succeeded');
  assert.equal(cmd.latest_size, 5);
  assert.equal(typeof cmd.rpo_seconds, 'number');
  assert.equal(cmd.rpo_breached, false);
  assert.equal(cmd.running, false);

  const unknown = await ws.get('/api/v1/jobs/nope');
  assert.equal(unknown.status, 404);
  const e = ErrorSchema.parse(await unknown.json());
  assert.equal(e.error.code, 'not-found');
  assert.match(e.error.hint ?? '', /cmd, gate/);
  assert.equal((await ws.get('/api/v1/jobs/nope/snapshots')).status, 404);
  assert.equal((await ws.post('/api/v1/jobs/nope/run')).status, 404);

  const snaps = SnapshotsSchema.parse(await (await ws.get('/api/v1/jobs/cmd/snapshots')).json());
  assert.equal(snaps.repository, 'main');
  assert.ok(snaps.snapshots.length >= 1);
  const s = snaps.snapshots.at(-1)!;
  assert.equal(s.lifeboat?.job, 'cmd');
  assert.equal(s.lifeboat?.engine, 'command');
  assert.ok(s.tags?.includes('job=cmd'));
  assert.equal(s.short_id, s.id.slice(0, 8));
  assert.equal(s.id, cmd.last_success?.snapshot_id);

  const repos = RepositoriesSchema.parse(await (await ws.get('/api/v1/repositories')).json());
  const main = repos.repositories.find((r) => r.name === 'main')!;
  assert.equal(main.kind, 'local');
  assert.ok((main.size_bytes ?? 0) > 0);
  assert.ok((main.free_bytes ?? 0) > 0);
  assert.equal(main.error, undefined);
});

test('check and prune run now and stream to their end; unknown repository is 404', async () => {
  for (const task of ['check', 'prune']) {
    const res = await ws.post(`/api/v1/repositories/main/${task}`);
    assert.equal(res.status, 202, task);
    const { run_id: runId } = await body(res) as { run_id: string };
    const events = await readEvents(await ws.get(`/api/v1/runs/${runId}/events`));
    assert.equal(events.at(-1)!.event, 'finished');
    assert.equal(events.at(-1)!.data.status, 'succeeded', JSON.stringify(events.at(-1)));
    assert.equal(events.at(-1)!.data.kind, task);
    assert.ok(events.some((e) => e.event === `${task}-finished`));
  }
  const repos = RepositoriesSchema.parse(await (await ws.get('/api/v1/repositories')).json());
  assert.equal(repos.repositories[0]!.last_check_success?.status, 'succeeded');
  const unknown = await ws.post('/api/v1/repositories/nope/check');
  assert.equal(unknown.status, 404);
  assert.equal(ErrorSchema.parse(await unknown.json()).error.code, 'not-found');
});

test('runs: filters, paging by run ID and by time, bad queries are 400 usage', async () => {
  const all = RunsPageSchema.parse(await (await ws.get('/api/v1/runs?limit=500')).json());
  assert.ok(all.runs.length >= 4);
  assert.equal(all.next, undefined);
  const starts = all.runs.map((r) => Date.parse(r.started_at));
  assert.deepEqual(starts, [...starts].sort((a, b) => b - a));

  const seen: string[] = [];
  let cursor: string | undefined;
  do {
    const page = RunsPageSchema.parse(await (await ws.get(`/api/v1/runs?limit=2${cursor ? `&before=${cursor}` : ''}`)).json());
    seen.push(...page.runs.map((r) => r.id));
    cursor = page.next;
  } while (cursor);
  assert.deepEqual(seen, all.runs.map((r) => r.id));

  const byTime = RunsPageSchema.parse(await (await ws.get(`/api/v1/runs?before=${encodeURIComponent(all.runs[0]!.started_at)}`)).json());
  assert.ok(byTime.runs.every((r) => Date.parse(r.started_at) < Date.parse(all.runs[0]!.started_at)));
  const skipped = RunsPageSchema.parse(await (await ws.get('/api/v1/runs?status=skipped&kind=backup&job=gate')).json());
  assert.equal(skipped.runs.length, 1);

  for (const q of ['status=bogus', 'limit=0', 'limit=x', 'kind=nope', 'before=2026-13-45T00:00:00Z']) {
    const res = await ws.get(`/api/v1/runs?${q}`);
    assert.equal(res.status, 400, q);
    assert.equal(ErrorSchema.parse(await res.json()).error.code, 'usage', q);
  }
  assert.equal((await ws.get('/api/v1/runs?before=no-such-run')).status, 404);
});

test('the OpenAPI document is 3.1, valid, generated from the routes with their schemas', async () => {
  const res = await ws.get('/api/v1/openapi.json');
  assert.equal(res.status, 200);
  const doc = await res.json() as {
    openapi: string;
    paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }>; security?: unknown[] }>>;
    components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
  };
  assert.match(doc.openapi, /^3\.1\./);
  const expected: Array<[string, string]> = [
    ['/healthz', 'get'], ['/metrics', 'get'], ['/api/v1/jobs', 'get'], ['/api/v1/jobs/{job}', 'get'],
    ['/api/v1/jobs/{job}/snapshots', 'get'], ['/api/v1/jobs/{job}/run', 'post'], ['/api/v1/jobs/{job}/drill', 'post'], ['/api/v1/runs', 'get'],
    ['/api/v1/runs/{id}', 'get'], ['/api/v1/runs/{id}/events', 'get'], ['/api/v1/repositories', 'get'],
    ['/api/v1/repositories/{repo}/check', 'post'], ['/api/v1/repositories/{repo}/prune', 'post'], ['/api/v1/alerts', 'get'],
  ];
  for (const [path, method] of expected) assert.ok(doc.paths[path]?.[method], `${method} ${path}`);
  assert.deepEqual(Object.keys(doc.paths).sort(), [...new Set(expected.map(([p]) => p))].sort());
  for (const name of ['Alert', 'Alerts', 'Run', 'RunsPage', 'Job', 'Jobs', 'Repository', 'Repositories', 'Snapshot', 'Snapshots', 'Submitted', 'Error', 'Health']) {
    assert.ok(doc.components.schemas[name], name);
  }
  assert.ok(doc.components.securitySchemes.bearerAuth);
  assert.deepEqual(doc.paths['/healthz']!.get!.security, []);
  assert.deepEqual(doc.paths['/api/v1/jobs/{job}/run']!.post!.responses['202']!.content!['application/json']!.schema, { $ref: '#/components/schemas/Submitted' });
  assert.ok(doc.paths['/api/v1/runs/{id}/events']!.get!.responses['200']!.content!['text/event-stream']);

  const validator = new Validator();
  const result = await validator.validate(doc);
  assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
  assert.equal(validator.version, '3.1');
  validator.resolveRefs();
});

test('without a token file the server starts on loopback with no auth, and refuses 0.0.0.0', async () => {
  const open = await serverWorkspace({
    jobs: '  cmd:\n    source: { type: command, command: [echo, hi], filename: hi.txt }\n    repositories: [main]\n',
    server: { token: false },
  });
  try {
    assert.equal((await open.get('/api/v1/jobs', { token: null })).status, 200);
    // Without a token: only loopback Host names (DNS rebinding), and no cross-origin changes (CSRF).
    const port = Number(new URL(open.server.url).port);
    for (const [host, status] of [['rebound.example.com', 403], [`rebound.example.com:${port}`, 403], [`localhost:${port}`, 200], [`[::1]:${port}`, 200]] as const) {
      const got = await rawGet(port, '/api/v1/jobs', host);
      assert.equal(got.status, status, host);
      if (status === 403) assert.equal(JSON.parse(got.body).error.code, 'forbidden');
    }
    const csrf = await open.post('/api/v1/jobs/cmd/run', { token: null, headers: { origin: 'http://evil.example' } });
    assert.equal(csrf.status, 403);
    assert.equal(ErrorSchema.parse(await csrf.json()).error.code, 'forbidden');
    const same = await open.post('/api/v1/jobs/cmd/run', { token: null, headers: { origin: open.server.url } });
    assert.equal(same.status, 202);
    const { run_id: runId } = await same.json() as { run_id: string };
    await readEvents(await open.get(`/api/v1/runs/${runId}/events`, { token: null }));
    await assert.rejects(startServer(open.services, { listen: '0.0.0.0:0' }), (err: unknown) =>
      err instanceof LifeboatError && err.code === 'config' && /0\.0\.0\.0:0/.test(err.message) && /token_file/.test(err.hint ?? ''));
    await assert.rejects(startServer(open.services, { listen: '[::]:0' }), LifeboatError);
    await assert.rejects(startServer(open.services, { listen: 'db.example.com:0' }), LifeboatError);
  } finally {
    await open.close();
  }
});

test('with a token file the server may listen on 0.0.0.0, and metrics_token closes /metrics', async () => {
  const closed = await serverWorkspace({
    jobs: '  cmd:\n    source: { type: command, command: [echo, hi], filename: hi.txt }\n    repositories: [main]\n',
    server: { metricsToken: true },
  });
  try {
    assert.equal((await closed.get('/metrics', { token: null })).status, 401);
    assert.equal((await closed.get('/metrics')).status, 200);
    assert.equal((await closed.get('/healthz', { token: null })).status, 200);
    const any = await startServer(closed.services, { listen: '0.0.0.0:0' });
    try {
      assert.match(any.url, /^http:\/\/0\.0\.0\.0:\d+$/);
      const port = new URL(any.url).port;
      assert.equal((await fetch(`http://127.0.0.1:${port}/api/v1/jobs`)).status, 401);
      assert.equal((await fetch(`http://127.0.0.1:${port}/api/v1/jobs`, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 200);
    } finally {
      await any.close();
    }
  } finally {
    await closed.close();
  }
});
