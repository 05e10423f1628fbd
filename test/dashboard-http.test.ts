// The dashboard over plain HTTP against real Services (no browser): security headers and the
// CSP, static files, the login and its cookie, CSRF on every change made with the cookie, the
// no-token (loopback) mode without login, error pages that escape what they echo, no config
// secret in any page, the no-JavaScript Back up now form, and a download that breaks rather
// than deliver a damaged file.

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dropPgDatabases, pgQuery } from './e2e-support.ts';
import { REPO_PASSWORD, serverWorkspace, TOKEN, type ServerWorkspace } from './server-support.ts';

async function waitRun(ws: ServerWorkspace, id: string): Promise<void> {
  for (let i = 0; i < 300 && ws.services.history.get(id)?.status !== 'succeeded' && ws.services.history.get(id)?.status !== 'failed'; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
}

function csrfOf(page: string): string {
  const m = /<meta name="csrf-token" content="([^"]+)">/.exec(page);
  assert.ok(m, 'the page carries its CSRF token');
  return m[1]!;
}

async function login(ws: ServerWorkspace, headers: Record<string, string> = {}): Promise<{ cookie: string; setCookie: string; res: Response }> {
  const res = await fetch(`${ws.server.url}/login`, {
    method: 'POST', redirect: 'manual', body: new URLSearchParams({ token: TOKEN, next: '/runs' }),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  });
  const setCookie = res.headers.get('set-cookie') ?? '';
  return { cookie: setCookie.split(';')[0]!, setCookie, res };
}

describe('with a token file', () => {
  let ws: ServerWorkspace;
  let data: string;
  before(async () => {
    ws = await serverWorkspace({
      jobs: `  files:
    source: { type: files, paths: [DIR/data] }
    repositories: [main]
  leaky:
    source: { type: command, command: [sh, -c, "echo ${REPO_PASSWORD} is wrong >&2; exit 2"], filename: x.txt }
    repositories: [main]
`,
    });
    data = join(ws.dir, 'data');
    await mkdir(data);
    await writeFile(join(data, 'big.bin'), randomBytes(2 * 1024 * 1024));
    for (const job of ['files', 'leaky']) {
      const r = ws.services.submitJob(job, 'manual');
      assert.ok(r.accepted);
      await waitRun(ws, r.runId);
    }
  });
  after(async () => { await ws?.close(); });

  test('pages carry a strict CSP and are never cached; static files are public, served by name only', async () => {
    const res = await ws.get('/');
    assert.equal(res.status, 200);
    const csp = res.headers.get('content-security-policy') ?? '';
    for (const d of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self'"]) assert.ok(csp.includes(d), d);
    assert.doesNotMatch(csp, /unsafe/);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    const page = await res.text();
    assert.doesNotMatch(page, /<script(?![^>]*(type="module" src="\/static\/|type="application\/json"))/, 'no inline script');
    assert.doesNotMatch(page, /style=/, 'no inline style');
    for (const name of ['dashboard.css', 'dashboard.js', 'uplot.esm.js', 'uplot.min.css']) {
      const a = await ws.get(`/static/${name}`, { token: null });
      assert.equal(a.status, 200, name);
      const again = await ws.get(`/static/${name}`, { token: null, headers: { 'if-none-match': a.headers.get('etag')! } });
      assert.equal(again.status, 304, name);
    }
    assert.equal((await ws.get('/static/..%2Fsecurity.ts', { token: null })).status, 404);
  });

  test('login: a wrong token is refused; the cookie is HttpOnly, SameSite=Strict, Secure over HTTPS; next stays on this server', async () => {
    const wrong = await fetch(`${ws.server.url}/login`, { method: 'POST', body: new URLSearchParams({ token: 'nope' }), redirect: 'manual' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get('set-cookie'), null);
    const { res, setCookie } = await login(ws);
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/runs');
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    assert.match(setCookie, /Path=\//);
    assert.doesNotMatch(setCookie, /Secure/);
    assert.match((await login(ws, { 'x-forwarded-proto': 'https' })).setCookie, /Secure/);
    for (const next of ['//evil.example/x', '/\\evil.example', 'https://evil.example/']) {
      const r = await fetch(`${ws.server.url}/login`, { method: 'POST', body: new URLSearchParams({ token: TOKEN, next }), redirect: 'manual' });
      assert.equal(r.headers.get('location'), '/', next);
    }
  });

  test('with the cookie every change needs the session\'s CSRF token, and only from this origin', async () => {
    const a = await login(ws);
    const b = await login(ws);
    const pageA = await (await fetch(`${ws.server.url}/jobs/files`, { headers: { cookie: a.cookie } })).text();
    const csrfA = csrfOf(pageA);
    const post = (cookie: string, headers: Record<string, string> = {}) =>
      fetch(`${ws.server.url}/api/v1/jobs/leaky/run`, { method: 'POST', headers: { cookie, ...headers } });
    assert.equal((await post(a.cookie)).status, 403, 'no token');
    assert.equal((await post(b.cookie, { 'x-csrf-token': csrfA })).status, 403, "another session's token");
    assert.equal((await post(a.cookie, { authorization: 'Bearer not-the-token-0123456789' })).status, 403, 'a wrong bearer does not stand in for it');
    assert.equal((await post(a.cookie, { 'x-csrf-token': csrfA, origin: 'http://evil.example' })).status, 403, 'another origin');
    const ok = await post(a.cookie, { 'x-csrf-token': csrfA, origin: ws.server.url });
    assert.equal(ok.status, 202);
    await waitRun(ws, (await ok.json() as { run_id: string }).run_id);
    const logout = await fetch(`${ws.server.url}/logout`, { method: 'POST', headers: { cookie: a.cookie }, redirect: 'manual' });
    assert.equal(logout.status, 403);
    const out = await fetch(`${ws.server.url}/logout`, {
      method: 'POST', headers: { cookie: a.cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${csrfA}`, redirect: 'manual',
    });
    assert.equal(out.status, 303);
    assert.match(out.headers.get('set-cookie') ?? '', /lifeboat_session=;.*Max-Age=0/);
  });

  test('no secret of the config in any page; error pages escape what they echo', async () => {
    const runs = ws.services.history.list({ job: 'leaky' });
    for (const path of ['/', '/jobs/leaky', '/jobs/files', '/runs', '/alerts?state=all', `/runs/${runs[0]!.id}`]) {
      const text = await (await ws.get(path)).text();
      assert.ok(!text.includes(REPO_PASSWORD), path);
      assert.ok(!text.includes(TOKEN), path);
    }
    assert.match(await (await ws.get('/jobs/leaky')).text(), /\*\*\* is wrong/);
    const missing = await ws.get(`/jobs/${encodeURIComponent('<script>x</script>')}`);
    assert.equal(missing.status, 404);
    const body = await missing.text();
    assert.ok(body.includes('job &lt;script&gt;x&lt;/script&gt;: no such job'), body);
    assert.ok(!body.includes('<script>x'));
    assert.equal((await ws.get('/jobs/files/snapshots/latest/file?path=/nope')).status, 404);
    assert.equal((await ws.get('/jobs/files/snapshots/0123abcd')).status, 404);
    assert.equal((await ws.get('/runs?status=bogus')).status, 400);
  });

  test("the overview shows a job's last drill from the history with the restore time it measured", async () => {
    const at = new Date();
    ws.services.history.start({ id: `drill-${randomBytes(4).toString('hex')}`, job: 'files', kind: 'drill', trigger: 'manual', startedAt: new Date(at.getTime() - 15_000) });
    const [drill] = ws.services.history.list({ job: 'files', kind: 'drill', limit: 1 });
    ws.services.history.update(drill!.id, { status: 'succeeded', endedAt: at, details: { rtoSeconds: 12 } });
    const page = await (await ws.get('/')).text();
    const row = /<tr data-job="files">[\s\S]*?<\/tr>/.exec(page)![0];
    assert.match(row, new RegExp(`href="/runs/${drill!.id}"><span class="status status-succeeded">succeeded`));
    assert.match(row, /restore 12s/);
  });

  test('a download whose data is damaged breaks off instead of delivering a wrong file', async () => {
    const path = `${data}/big.bin`;
    const good = await ws.get(`/jobs/files/snapshots/latest/file?path=${encodeURIComponent(path)}`);
    assert.equal(good.status, 200);
    assert.equal(good.headers.get('content-length'), String(2 * 1024 * 1024));
    assert.equal((await good.arrayBuffer()).byteLength, 2 * 1024 * 1024);
    // Flip a byte in the middle of the biggest pack: the file's blobs live there.
    const packs: string[] = [];
    for (const sub of await readdir(join(ws.repo, 'data'))) for (const f of await readdir(join(ws.repo, 'data', sub))) packs.push(join(ws.repo, 'data', sub, f));
    const sizes = await Promise.all(packs.map(async (p) => (await stat(p)).size));
    const biggest = packs[sizes.indexOf(Math.max(...sizes))]!;
    const fh = await open(biggest, 'r+');
    const at = Math.floor(Math.max(...sizes) / 2);
    const byte = Buffer.alloc(1);
    await fh.read(byte, 0, 1, at);
    byte[0] ^= 0xff;
    await fh.write(byte, 0, 1, at);
    await fh.close();
    const bad = await ws.get(`/jobs/files/snapshots/latest/file?path=${encodeURIComponent(path)}`);
    await assert.rejects(bad.arrayBuffer().then((b) => { if (b.byteLength === 2 * 1024 * 1024) throw new Error('never'); return b; }).then(() => { throw new Error('a short body must fail'); }));
  });
});

describe('without a token file (loopback only)', () => {
  let ws: ServerWorkspace;
  before(async () => {
    ws = await serverWorkspace({ server: { token: false }, jobs: `  cmd:\n    source: { type: command, command: [echo, hi], filename: hi.txt }\n    repositories: [main]\n` });
  });
  after(async () => { await ws?.close(); });

  test('pages need no login; forms still need the CSRF token; the API is unchanged', async () => {
    const home = await fetch(`${ws.server.url}/`, { redirect: 'manual' });
    assert.equal(home.status, 200);
    const page = await home.text();
    assert.doesNotMatch(page, /Log out/);
    assert.equal((await fetch(`${ws.server.url}/login`, { redirect: 'manual' })).headers.get('location'), '/');
    const form = (body: string) => fetch(`${ws.server.url}/jobs/cmd/run`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body,
    });
    assert.equal((await form('')).status, 403);
    const ok = await form(`_csrf=${encodeURIComponent(csrfOf(page))}`);
    assert.equal(ok.status, 303);
    const runId = decodeURIComponent(/^\/runs\/(.+)$/.exec(ok.headers.get('location') ?? '')![1]!);
    await waitRun(ws, runId);
    assert.equal(ws.services.history.get(runId)?.status, 'succeeded');
    const run = await (await fetch(`${ws.server.url}/runs/${runId}`)).text();
    assert.match(run, /backup run <span class="status status-succeeded">succeeded/);
    const drill = await fetch(`${ws.server.url}/jobs/cmd/drill`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${encodeURIComponent(csrfOf(page))}`,
    });
    // Until the drills module adds its route, the form says so; afterwards it starts a drill.
    if (drill.status !== 303) assert.match(await drill.text(), /has no restore drill endpoint/);
    const api = await fetch(`${ws.server.url}/api/v1/jobs/cmd/run`, { method: 'POST' });
    assert.ok(api.status === 202 || api.status === 409, String(api.status));
  });
});

describe('a database job', () => {
  const db = `lb_dash_${randomBytes(4).toString('hex')}`;
  let ws: ServerWorkspace;
  before(async () => {
    await pgQuery('postgres', `CREATE DATABASE "${db}"`);
    await pgQuery(db, 'CREATE TABLE invoices (id int PRIMARY KEY, total numeric); CREATE TABLE "<b>odd</b>" (x int); INSERT INTO invoices VALUES (1, 9.5)');
    ws = await serverWorkspace({
      jobs: `  pg:\n    source: { type: postgres, host: 127.0.0.1, port: 5432, user: postgres, databases: [${db}] }\n    repositories: [main]\n`,
    });
    const r = ws.services.submitJob('pg', 'manual');
    assert.ok(r.accepted);
    await waitRun(ws, r.runId);
    assert.equal(ws.services.history.get(r.runId)?.status, 'succeeded');
  });
  after(async () => {
    await ws?.close();
    await dropPgDatabases([db]);
  });

  test("the snapshot page lists each dump's objects (restore --list), names escaped", async () => {
    const page = await (await ws.get('/jobs/pg/snapshots/latest')).text();
    assert.match(page, /<h2 id="dump-h">Dump objects<\/h2>/);
    assert.ok(page.includes(`<h3>${db}</h3>`));
    assert.match(page, /TABLE public invoices/);
    assert.ok(page.includes('TABLE public &lt;b&gt;odd&lt;/b&gt;') || page.includes('&quot;&lt;b&gt;odd&lt;/b&gt;&quot;'), 'escaped');
    assert.ok(!page.includes('<b>odd</b>'));
  });
});
