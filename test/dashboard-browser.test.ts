// The dashboard in a real browser (Debian's chromium through playwright-core) against a real
// `lifeboat daemon` with real jobs: without the token every page goes to the login page and
// every API call answers 401; after logging in the overview shows each job's true state (one
// failed, with its alert); Back up now shows the run's progress and result without reloading
// and its snapshot then appears; a file downloaded from the snapshot page is byte-identical; a
// file named like markup renders as text; axe-core finds nothing serious on the overview and
// job pages. Screenshots at desktop and phone widths go to test-output/screenshots/.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { workspace, type Workspace } from './e2e-support.ts';
import { startDaemon, type RunningDaemon } from './support/daemon.ts';
import { DESKTOP, launchBrowser, PHONE, screenshot, seriousViolations } from './support/browser.ts';

const TOKEN = `dash-${randomBytes(12).toString('hex')}`;
const XSS_NAME = '<img src=x onerror=alert(1)>.txt';

let w: Workspace;
let d: RunningDaemon;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
let data: string;
const dialogs: string[] = [];

async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const api = (path: string, init?: RequestInit) => d.fetch(path, { ...init, headers: { authorization: `Bearer ${TOKEN}`, ...(init?.headers as Record<string, string>) } });

before(async () => {
  w = await workspace();
  data = join(w.dir, 'data');
  await mkdir(join(data, 'sub'), { recursive: true });
  await writeFile(join(data, XSS_NAME), 'not markup\n');
  await writeFile(join(data, 'blob.bin'), randomBytes(3 * 1024 * 1024 + 123));
  await writeFile(join(data, 'sub', 'nested.txt'), 'nested\n');
  await writeFile(join(w.dir, 'token'), `${TOKEN}\n`, { mode: 0o600 });
  await w.writeConfig(`version: 1
state_dir: ${join(w.dir, 'state')}
server: { listen: 127.0.0.1:0, token_file: token }
repositories:
  main: { location: ${w.repo}, password_file: ${w.passwordFile} }
jobs:
  files:
    source: { type: files, paths: [${data}] }
    repositories: [main]
    rpo: 26h
  broken:
    source: { type: command, command: [sh, -c, "echo disk on fire >&2; exit 3"], filename: broken.txt }
    repositories: [main]
`);
  d = await startDaemon(w.dir);
  for (const job of ['files', 'broken']) {
    const res = await api(`/api/v1/jobs/${job}/run`, { method: 'POST' });
    assert.equal(res.status, 202);
    const { run_id: id } = await res.json() as { run_id: string };
    await until(`the ${job} run`, 30_000, async () => {
      const r = await (await api(`/api/v1/runs/${id}`)).json() as { status: string };
      return r.status === 'running' ? undefined : r;
    });
  }
  await until('the failed alert', 15_000, async () => {
    const { alerts } = await (await api('/api/v1/alerts')).json() as { alerts: Array<{ name: string; job?: string }> };
    return alerts.find((a) => a.name === 'failed' && a.job === 'broken');
  });
  browser = await launchBrowser();
  ctx = await browser.newContext({ viewport: DESKTOP, acceptDownloads: true });
  page = await ctx.newPage();
  page.on('dialog', (dlg) => { dialogs.push(dlg.message()); void dlg.dismiss(); });
});

after(async () => {
  await browser?.close();
  await d?.stop();
  await w?.[Symbol.asyncDispose]();
});

test('without the token every page goes to the login page and every API call answers 401', async () => {
  for (const path of ['/', '/jobs/files', '/runs', '/alerts', '/runs/nope', '/jobs/files/snapshots/latest', '/jobs/files/snapshots/latest/file?path=/x', '/nowhere']) {
    const res = await d.fetch(path, { redirect: 'manual' });
    assert.equal(res.status, 303, path);
    assert.match(res.headers.get('location') ?? '', /^\/login(\?next=|$)/, path);
  }
  const calls: Array<[string, string]> = [['GET', '/api/v1/jobs'], ['GET', '/api/v1/jobs/files'], ['GET', '/api/v1/jobs/files/snapshots'], ['GET', '/api/v1/runs'],
    ['GET', '/api/v1/repositories'], ['GET', '/api/v1/alerts'], ['GET', '/api/v1/openapi.json'], ['POST', '/api/v1/jobs/files/run'], ['POST', '/api/v1/jobs/files/drill']];
  for (const [method, path] of calls) assert.equal((await d.fetch(path, { method })).status, 401, `${method} ${path}`);
  // A browser without the cookie lands on the login page, and a wrong token keeps it there.
  const anon = await browser.newContext();
  const p = await anon.newPage();
  await p.goto(`${d.url}/jobs/files`);
  assert.match(p.url(), /\/login\?next=%2Fjobs%2Ffiles$/);
  await p.fill('#token', 'not-the-token-at-all');
  await p.click('form.login button');
  assert.equal(await p.locator('#login-error').isVisible(), true);
  assert.deepEqual(await anon.cookies(), []);
  await anon.close();
});

test('log in once: the token is kept in an HttpOnly SameSite=Strict cookie, and the login page goes where it was asked', async () => {
  await page.goto(`${d.url}/alerts`);
  await page.fill('#token', TOKEN);
  await page.click('form.login button');
  await page.waitForURL(`${d.url}/alerts`);
  const [cookie] = await ctx.cookies();
  assert.equal(cookie?.name, 'lifeboat_session');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, 'Strict');
  assert.equal(await page.evaluate('document.cookie'), '', 'not readable by scripts');
  assert.match(await page.locator('main').innerText(), /backup of job broken failed: .*disk on fire/);
});

test('the overview shows each job\'s true state and the firing alert; nothing serious for axe', async () => {
  await page.goto(`${d.url}/`);
  assert.equal(await page.locator('tr[data-job="files"] .light').innerText(), 'ok');
  assert.equal(await page.locator('tr[data-job="broken"] .light').innerText(), 'failed');
  assert.match(await page.locator('tr[data-job="broken"]').innerText(), /disk on fire/);
  assert.match(await page.locator('#alerts-h + ul').innerText(), /failed[\s\S]*job broken[\s\S]*backup of job broken failed/i);
  assert.match(await page.locator('table.repositories').innerText(), /main/);
  assert.deepEqual(await seriousViolations(page), []);
  await screenshot(page, 'overview-desktop');
  await page.setViewportSize(PHONE);
  await screenshot(page, 'overview-phone');
  await page.emulateMedia({ colorScheme: 'dark' });
  assert.deepEqual(await seriousViolations(page), [], 'dark scheme');
  await screenshot(page, 'overview-phone-dark');
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize(DESKTOP);
});

test('Back up now: progress and result appear without reloading, then the new snapshot is listed', async () => {
  await page.goto(`${d.url}/jobs/files`);
  assert.deepEqual(await seriousViolations(page), []);
  const rows = () => page.locator('#snapshots table tbody tr').count();
  assert.equal(await rows(), 1);
  await writeFile(join(data, 'added-later.bin'), randomBytes(2 * 1024 * 1024));
  // Every text the live box shows, recorded as it changes; and a marker a reload would lose.
  await page.evaluate(`window.seen = [];
    new MutationObserver(() => window.seen.push(document.getElementById('live').innerText))
      .observe(document.getElementById('live'), { subtree: true, childList: true, characterData: true });`);
  await page.click('form[data-action="run"] button');
  await page.waitForSelector('#live[data-state="succeeded"]', { timeout: 30_000 });
  const seen = await page.evaluate('window.seen') as string[];
  assert.ok(seen.some((t) => /backup started \(manual\)/.test(t)), `started shown: ${seen.join(' | ')}`);
  assert.ok(seen.some((t) => /files?, .* read, .* added/.test(t)), `progress shown: ${seen.join(' | ')}`);
  const text = await page.locator('#live').innerText();
  assert.match(text, /Snapshot [0-9a-f]{8} saved/);
  assert.match(text, /backup succeeded in \d/);
  const shortId = /Snapshot ([0-9a-f]{8}) saved/.exec(text)![1]!;
  await until('the new snapshot on the page', 10_000, async () => ((await rows()) === 2 ? true : undefined));
  assert.equal(await page.locator(`#snapshots a:text-is("${shortId}")`).count(), 1);
  assert.equal(await page.evaluate('Array.isArray(window.seen)'), true, 'the page was not reloaded');
  await page.waitForSelector('#chart .uplot canvas', { timeout: 10_000 });
  assert.deepEqual(await seriousViolations(page), [], 'with the chart and the run result');
  await screenshot(page, 'job-desktop');
  await page.setViewportSize(PHONE);
  await screenshot(page, 'job-phone');
  await page.setViewportSize(DESKTOP);
  await page.goto(`${d.url}/`);
  await screenshot(page, 'overview-desktop-after-backup');
});

test('snapshot page: a file named like markup is text, and a downloaded file is byte-identical', async () => {
  await page.goto(`${d.url}/jobs/files`);
  await page.click('#snapshots tbody tr:first-child a');
  await page.waitForURL(/\/jobs\/files\/snapshots\/[0-9a-f]{64}/);
  await page.goto(`${page.url()}?path=${encodeURIComponent(data)}`);
  const link = page.getByRole('link', { name: XSS_NAME, exact: true });
  assert.equal(await link.count(), 1);
  assert.equal(await page.locator('main img').count(), 0);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'blob.bin', exact: true }).click()]);
  assert.equal(download.suggestedFilename(), 'blob.bin');
  const saved = join(w.dir, 'downloaded.bin');
  await download.saveAs(saved);
  assert.ok((await readFile(saved)).equals(await readFile(join(data, 'blob.bin'))), 'byte-identical');
  const [xss] = await Promise.all([page.waitForEvent('download'), link.click()]);
  assert.equal(await readFile(await xss.path(), 'utf8'), 'not markup\n');
  await page.getByRole('link', { name: 'sub/', exact: true }).click();
  assert.equal(await page.getByRole('link', { name: 'nested.txt', exact: true }).count(), 1);
  assert.deepEqual(dialogs, [], 'no script ran');
});

test('a change with the session cookie but without the CSRF token is refused', async () => {
  const cookie = (await ctx.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
  const res = await d.fetch('/api/v1/jobs/files/run', { method: 'POST', headers: { cookie } });
  assert.equal(res.status, 403);
  const form = await d.fetch('/jobs/files/run', { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: '_csrf=forged', redirect: 'manual' });
  assert.equal(form.status, 403);
});
