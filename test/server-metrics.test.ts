// /metrics against the history after real runs (counts, timestamps, sizes, durations), its
// names against the documented list, its values after a restart, the repository-size cache;
// and no secret in any answer: a MariaDB job with a wrong password, a repository on a bogus
// S3 endpoint (127.0.0.1, answers 403) with a secret key in the config, a job whose stderr
// carries both, and a run record written with both straight into the history.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startServer } from '../src/server/server.ts';
import { VERSION } from '../src/version.ts';
import { readEvents, REPO_PASSWORD, serverWorkspace, TOKEN, type ServerWorkspace } from './server-support.ts';

const DB_PASSWORD = 'Db-Passw0rd-never-shown';
const S3_SECRET = 'S3-Secret-Key-never-shown-42';
const OFFSITE_PASSWORD = 'Offsite-Repo-Pw-never-shown';
const SECRETS = [DB_PASSWORD, S3_SECRET, OFFSITE_PASSWORD, REPO_PASSWORD, TOKEN];

const JOBS = ['cmd', 'dbbad', 'offsite', 'leaky'];
const EXPECTED = [
  'lifeboat_job_last_success_timestamp_seconds', 'lifeboat_job_last_run_timestamp_seconds', 'lifeboat_job_runs_total',
  'lifeboat_job_duration_seconds', 'lifeboat_job_added_bytes', 'lifeboat_job_snapshot_bytes', 'lifeboat_job_rpo_seconds',
  'lifeboat_job_running', 'lifeboat_repository_bytes', 'lifeboat_repository_free_bytes', 'lifeboat_standby_replay_lag_seconds',
  'lifeboat_repository_check_last_success_timestamp_seconds', 'lifeboat_build_info', 'lifeboat_alert_firing',
  'lifeboat_drill_last_success_timestamp_seconds', 'lifeboat_drill_rto_seconds', 'lifeboat_job_rto_target_seconds',
  'lifeboat_wal_last_archived_timestamp_seconds', 'lifeboat_wal_archive_lag_seconds',
];

let ws: ServerWorkspace;
let s3: Server;
let s3Requests = 0;

before(async () => {
  s3 = createServer((req, res) => {
    s3Requests++;
    req.resume();
    res.writeHead(403, { 'content-type': 'application/xml' });
    res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidAccessKeyId</Code><Message>The access key does not exist.</Message></Error>');
  });
  await new Promise<void>((r) => s3.listen(0, '127.0.0.1', r));
  const port = (s3.address() as AddressInfo).port;
  ws = await serverWorkspace({
    repositories: `  offsite:
    location: s3:http://127.0.0.1:${port}/bucket/lifeboat
    password: ${OFFSITE_PASSWORD}
    s3: { access_key_id: AKIAEXAMPLE, secret_access_key: ${S3_SECRET}, path_style: true, region: us-east-1 }
`,
    jobs: `  cmd:
    source: { type: command, command: [sh, -c, "echo data"], filename: data.txt }
    repositories: [main]
    schedule: { every: 1h }
    rpo: 2h
  dbbad:
    source: { type: mariadb, host: 127.0.0.1, port: 3306, user: root, password: ${DB_PASSWORD}, databases: [mysql] }
    repositories: [main]
  offsite:
    source: { type: command, command: [echo, hi], filename: hi.txt }
    repositories: [offsite]
  leaky:
    source: { type: command, command: [sh, -c, "echo ${DB_PASSWORD} ${S3_SECRET} >&2; exit 1"], filename: x.txt }
    repositories: [main]
`,
  });
});

after(async () => {
  await ws?.close();
  await new Promise((r) => s3?.close(r));
});

async function runNow(job: string): Promise<Record<string, unknown>> {
  const res = await ws.post(`/api/v1/jobs/${job}/run`);
  assert.equal(res.status, 202, job);
  const { run_id: runId } = await res.json() as { run_id: string };
  const events = await readEvents(await ws.get(`/api/v1/runs/${runId}/events`));
  assert.equal(events.at(-1)?.event, 'finished', job);
  return events.at(-1)!.data;
}

interface Family { type: string; help: string; samples: Array<{ name: string; labels: Record<string, string>; value: number }> }

/** The Prometheus text format as prom-client writes it: HELP, TYPE, then samples. */
function parseMetrics(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  let current: Family | undefined;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta;
      if (!families.has(name!)) families.set(name!, { type: '', help: '', samples: [] });
      current = families.get(name!)!;
      if (kind === 'HELP') current.help = rest!;
      else current.type = rest!;
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    assert.ok(current && m[1]!.startsWith(familyBase(m[1]!, current)), line);
    current!.samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return families;
}

function familyBase(sample: string, f: Family): string {
  return f.type === 'histogram' || f.type === 'summary' ? sample.replace(/_(bucket|sum|count)$/, '') : sample;
}

async function scrape(): Promise<Map<string, Family>> {
  const res = await ws.get('/metrics', { token: null });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parseMetrics(await res.text());
}

function value(f: Map<string, Family>, name: string, labels: Record<string, string>): number | undefined {
  const family = f.get(name) ?? f.get(name.replace(/_(bucket|sum|count)$/, ''));
  return family?.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

test('runs: two good backups, a wrong database password, an unreachable S3 repository, a job that prints secrets', async () => {
  assert.equal((await runNow('cmd')).status, 'succeeded');
  assert.equal((await runNow('cmd')).status, 'succeeded');
  const db = await runNow('dbbad');
  assert.equal(db.status, 'failed');
  assert.equal(db.error_code, 'source');
  const off = await runNow('offsite');
  assert.equal(off.status, 'failed');
  assert.equal(off.error_code, 'storage');
  const leak = await runNow('leaky');
  assert.equal(leak.status, 'failed');
  assert.match(String(leak.message), /\*\*\*/);
  const check = await ws.post('/api/v1/repositories/main/check');
  const { run_id: checkId } = await check.json() as { run_id: string };
  assert.equal((await readEvents(await ws.get(`/api/v1/runs/${checkId}/events`))).at(-1)!.data.status, 'succeeded');
  // A record carrying the secrets, written past the recorder's redaction: the API must redact on its own.
  const at = new Date();
  ws.services.history.start({ id: '20200101T000000-5ec2e7aa', job: 'leaky', kind: 'backup', trigger: 'cli', startedAt: new Date(at.getTime() - 86_400_000 * 365) });
  ws.services.history.update('20200101T000000-5ec2e7aa', {
    status: 'failed', endedAt: new Date(at.getTime() - 86_400_000 * 365 + 1000), errorCode: 'error',
    errorMessage: `failed with ${DB_PASSWORD} and ${S3_SECRET}`, details: { note: `key ${S3_SECRET}`, token: TOKEN },
  });
  // Drills as the drill run records them: one passed in 12.5 s, a newer one failed before its checks.
  ws.services.history.start({ id: '20200102T000000-d1111111', job: 'cmd', kind: 'drill', trigger: 'schedule', startedAt: new Date(at.getTime() - 7_200_000) });
  ws.services.history.update('20200102T000000-d1111111', {
    status: 'succeeded', endedAt: new Date(at.getTime() - 7_000_000), exitCode: 0, details: { passed: true, rtoSeconds: 12.5, rtoExceeded: false },
  });
  ws.services.history.start({ id: '20200102T000000-d2222222', job: 'cmd', kind: 'drill', trigger: 'schedule', startedAt: new Date(at.getTime() - 3_600_000) });
  ws.services.history.update('20200102T000000-d2222222', { status: 'failed', endedAt: new Date(at.getTime() - 3_500_000), exitCode: 1, errorCode: 'integrity' });
});

test('no secret in any API answer, event stream, metrics or log line', async () => {
  const texts: string[] = [];
  const grab = async (path: string) => {
    const res = await ws.get(path);
    const t = await res.text();
    texts.push(`${path}: ${t}`);
    return { status: res.status, text: t };
  };
  const runs = JSON.parse((await grab('/api/v1/runs?limit=500')).text) as { runs: Array<{ id: string; error_message?: string; details?: Record<string, unknown> }> };
  assert.ok(runs.runs.length >= 6);
  for (const r of runs.runs) {
    await grab(`/api/v1/runs/${r.id}`);
    await grab(`/api/v1/runs/${r.id}/events`);
  }
  const planted = runs.runs.find((r) => r.id === '20200101T000000-5ec2e7aa')!;
  assert.equal(planted.error_message, 'failed with *** and ***');
  assert.deepEqual(planted.details, { note: 'key ***', token: '***' });
  await grab('/api/v1/jobs');
  for (const job of JOBS) {
    await grab(`/api/v1/jobs/${job}`);
    await grab(`/api/v1/jobs/${job}/snapshots`);
  }
  const offSnaps = await grab('/api/v1/jobs/offsite/snapshots');
  assert.equal(offSnaps.status, 502);
  assert.equal(JSON.parse(offSnaps.text).error.code, 'storage');
  const repos = JSON.parse((await grab('/api/v1/repositories')).text) as { repositories: Array<{ name: string; error?: string; size_bytes?: number }> };
  assert.ok(repos.repositories.find((r) => r.name === 'offsite')!.error);
  assert.ok(repos.repositories.find((r) => r.name === 'main')!.size_bytes! > 0);
  texts.push(await (await ws.get('/metrics')).text());
  texts.push(await (await ws.post('/api/v1/repositories/nope/check')).text());
  texts.push(...ws.logs);
  const all = texts.join('\n');
  assert.ok(all.includes('password authentication') || all.includes('Access denied'), 'the database failure is reported');
  for (const secret of SECRETS) assert.ok(!all.includes(secret), `secret ${secret} leaked`);
});

test('/metrics: documented names, Prometheus rules, values agree with the history', async () => {
  const f = await scrape();
  for (const [name, fam] of f) {
    assert.match(name, /^lifeboat_[a-z0-9_]+$/, name);
    if (fam.type === 'counter') assert.match(name, /_total$/, name);
    for (const s of fam.samples) {
      for (const label of Object.keys(s.labels)) assert.ok(!/error|message|snapshot|run_id|path/.test(label), `${name} label ${label}`);
      if ('job' in s.labels) assert.ok(JOBS.includes(s.labels.job!), `${name} job=${s.labels.job}`);
      if ('repository' in s.labels) assert.ok(['main', 'offsite'].includes(s.labels.repository!), name);
    }
  }
  const ours = [...f.keys()].filter((n) => !/^lifeboat_(process|nodejs)_/.test(n));
  assert.deepEqual(ours.sort(), [...EXPECTED].sort());
  assert.ok(f.has('lifeboat_process_cpu_user_seconds_total') && f.has('lifeboat_nodejs_heap_size_used_bytes'));
  assert.equal(f.get('lifeboat_job_runs_total')!.type, 'counter');
  assert.equal(f.get('lifeboat_job_duration_seconds')!.type, 'histogram');
  assert.equal(value(f, 'lifeboat_build_info', { version: VERSION }), 1);

  // Counts: exactly History.counts() for the config's jobs, finished runs only.
  const counts = ws.services.history.counts().filter((c) => c.job && c.status !== 'running');
  const samples = f.get('lifeboat_job_runs_total')!.samples;
  assert.equal(samples.length, counts.length);
  for (const c of counts) assert.equal(value(f, 'lifeboat_job_runs_total', { job: c.job!, kind: c.kind, status: c.status }), c.count, JSON.stringify(c));
  assert.equal(value(f, 'lifeboat_job_runs_total', { job: 'cmd', kind: 'backup', status: 'succeeded' }), 2);
  assert.equal(value(f, 'lifeboat_job_runs_total', { job: 'dbbad', kind: 'backup', status: 'failed' }), 1);

  const cmd = ws.services.history.backups('cmd', { limit: 1 })[0]!;
  assert.equal(value(f, 'lifeboat_job_last_success_timestamp_seconds', { job: 'cmd' }), cmd.endedAt!.getTime() / 1000);
  assert.equal(value(f, 'lifeboat_job_last_success_timestamp_seconds', { job: 'dbbad' }), undefined);
  const dbRun = ws.services.history.latest({ job: 'dbbad', kind: 'backup' })!;
  assert.equal(value(f, 'lifeboat_job_last_run_timestamp_seconds', { job: 'dbbad' }), dbRun.startedAt.getTime() / 1000);
  assert.equal(value(f, 'lifeboat_job_snapshot_bytes', { job: 'cmd' }), 5);
  assert.equal(value(f, 'lifeboat_job_added_bytes', { job: 'cmd' }), cmd.bytesAdded);
  assert.equal(value(f, 'lifeboat_job_rpo_seconds', { job: 'cmd' }), 7200);
  assert.equal(value(f, 'lifeboat_job_rpo_seconds', { job: 'dbbad' }), undefined);
  assert.equal(value(f, 'lifeboat_job_running', { job: 'cmd' }), 0);
  const drill = ws.services.history.get('20200102T000000-d1111111')!;
  assert.equal(value(f, 'lifeboat_drill_last_success_timestamp_seconds', { job: 'cmd' }), drill.endedAt!.getTime() / 1000);
  assert.equal(value(f, 'lifeboat_drill_rto_seconds', { job: 'cmd' }), 12.5);
  assert.equal(value(f, 'lifeboat_drill_rto_seconds', { job: 'dbbad' }), undefined);
  assert.equal(value(f, 'lifeboat_job_duration_seconds_count', { job: 'cmd', kind: 'backup' }), 2);
  assert.equal(value(f, 'lifeboat_job_duration_seconds_count', { job: 'dbbad', kind: 'backup' }), 1);

  const repos = await (await ws.get('/api/v1/repositories')).json() as { repositories: Array<{ name: string; size_bytes?: number }> };
  assert.equal(value(f, 'lifeboat_repository_bytes', { repository: 'main' }), repos.repositories.find((r) => r.name === 'main')!.size_bytes);
  assert.equal(value(f, 'lifeboat_repository_bytes', { repository: 'offsite' }), undefined);
  assert.ok(value(f, 'lifeboat_repository_free_bytes', { repository: 'main' })! > 0);
  assert.equal(value(f, 'lifeboat_repository_free_bytes', { repository: 'offsite' }), undefined);
  const check = ws.services.history.latest({ kind: 'check', repository: 'main', status: 'succeeded' })!;
  assert.equal(value(f, 'lifeboat_repository_check_last_success_timestamp_seconds', { repository: 'main' }), check.endedAt!.getTime() / 1000);
});

test('repository sizes are read at most once per TTL, and again after a backup of the repository', async () => {
  const before = value(await scrape(), 'lifeboat_repository_bytes', { repository: 'main' })!;
  const requests = s3Requests;
  await scrape();
  await scrape();
  assert.equal(s3Requests, requests, 'the unreadable S3 repository is not read on every scrape');
  const res = await ws.post('/api/v1/jobs/cmd/run');
  const { run_id: runId } = await res.json() as { run_id: string };
  await readEvents(await ws.get(`/api/v1/runs/${runId}/events`));
  const after = value(await scrape(), 'lifeboat_repository_bytes', { repository: 'main' })!;
  assert.ok(after > before, `${after} > ${before}`);
  assert.equal(s3Requests, requests, 'a backup of main does not re-read offsite');
});

test('after a restart the counts, timestamps and duration histogram come back from the history; deleted runs never lower a count', async () => {
  const old = await scrape();
  await ws.server.close();
  const again = await startServer(ws.services);
  try {
    const res = await fetch(`${again.url}/metrics`);
    const f = parseMetrics(await res.text());
    for (const name of ['lifeboat_job_runs_total', 'lifeboat_job_last_success_timestamp_seconds', 'lifeboat_job_snapshot_bytes']) {
      assert.deepEqual(f.get(name)!.samples, old.get(name)!.samples, name);
    }
    // Seeded: one observation per finished, non-skipped run of each job and kind.
    assert.equal(value(f, 'lifeboat_job_duration_seconds_count', { job: 'cmd', kind: 'backup' }), 3);
    assert.equal(value(f, 'lifeboat_job_duration_seconds_count', { job: 'leaky', kind: 'backup' }), 2);

    const removed = ws.services.history.forgetBefore(new Date(Date.now() - 86_400_000));
    assert.equal(removed, 1);
    const afterForget = parseMetrics(await (await fetch(`${again.url}/metrics`)).text());
    assert.equal(value(afterForget, 'lifeboat_job_runs_total', { job: 'leaky', kind: 'backup', status: 'failed' }), 2);
  } finally {
    await again.close();
  }
});
