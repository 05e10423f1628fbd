// The webhook channel against a real HTTP receiver: the body is the Notification document, the
// headers say what it is, and the signature verifies with the recipe documented in
// docs/notifications.md (the test runs the documented code itself).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { channelContract } from '../../../test/support/channel-contract.ts';
import { httpReceiver } from '../../../test/support/notify-receivers.ts';
import { alert, run, started, testNotice } from '../../../test/support/notifications.ts';
import { webhook, webhookRequest } from './index.ts';

const SECRET = 'whsec-0123456789abcdef';

function webhookChannel(url: string, over: { secret?: string; headers?: Record<string, string> } = {}) {
  return webhook.create({ name: 'hook', type: 'webhook', url, headers: {}, events: ['alerts', 'failure'], timeout: 10_000, retries: 3, ...over });
}

/** The verification function from docs/notifications.md, loaded as the docs show it. */
async function documentedVerify(): Promise<(secret: string, headers: Record<string, string | string[] | undefined>, rawBody: string, nowSeconds?: number) => boolean> {
  const doc = await readFile(new URL('../../../docs/notifications.md', import.meta.url), 'utf8');
  const code = /```js\n(\/\/ verify-lifeboat-signature[^]*?)```/.exec(doc)?.[1];
  assert.ok(code, 'docs/notifications.md has the verification sample');
  const mod = await import(`data:text/javascript,${encodeURIComponent(code)}`) as { verifyLifeboatSignature: never };
  return mod.verifyLifeboatSignature;
}

channelContract('webhook', async () => {
  const r = await httpReceiver();
  return { channel: webhookChannel(`${r.url}/hooks/lifeboat`, { secret: SECRET }), setMode: (m) => { r.mode = m; }, received: () => r.requests.length, close: () => r.close() };
});

test('webhook: POSTs the Notification document with its headers; the signature verifies as documented', async () => {
  await using r = await httpReceiver();
  const channel = webhookChannel(`${r.url}/hooks/lifeboat?team=ops`, { secret: SECRET, headers: { 'X-Team': 'ops', 'X-Lifeboat-Event': 'forged' } });
  const n = run('failed');
  const answer = await channel.send(n, AbortSignal.timeout(5000));
  assert.equal(answer.ok, true, answer.detail);
  const req = r.requests[0]!;
  assert.equal(req.method, 'POST');
  assert.equal(req.url, '/hooks/lifeboat?team=ops');
  assert.deepEqual(JSON.parse(req.body), n);
  assert.equal(req.headers['content-type'], 'application/json');
  assert.match(String(req.headers['user-agent']), /^lifeboat\/\d+\.\d+\.\d+/);
  assert.equal(req.headers['x-lifeboat-event'], 'run_finished', 'configured headers cannot replace Lifeboat\'s');
  assert.equal(req.headers['x-lifeboat-delivery'], n.id);
  assert.equal(req.headers['x-team'], 'ops');
  const ts = Number(req.headers['x-lifeboat-timestamp']);
  assert.ok(Math.abs(ts - Date.now() / 1000) < 10);
  assert.match(String(req.headers['x-lifeboat-signature']), /^sha256=[0-9a-f]{64}$/);

  const verify = await documentedVerify();
  assert.equal(verify(SECRET, req.headers, req.body), true);
  assert.equal(verify('another-secret-0123456789', req.headers, req.body), false, 'wrong secret');
  assert.equal(verify(SECRET, req.headers, req.body.replace('failed', 'succeeded')), false, 'altered body');
  assert.equal(verify(SECRET, req.headers, req.body, ts + 600), false, 'replayed 10 minutes later');
  assert.equal(verify(SECRET, { ...req.headers, 'x-lifeboat-timestamp': String(ts + 1) }, req.body, ts), false, 'other timestamp');
});

test('webhook: without a secret there is no signature; each attempt is signed with its own time', () => {
  const plain = webhookRequest(testNotice(), {});
  assert.equal(plain.headers['x-lifeboat-signature'], undefined);
  assert.equal(plain.headers['x-lifeboat-timestamp'], undefined);
  const a = webhookRequest(testNotice(), { secret: SECRET, now: 1_000_000_000_000 });
  const b = webhookRequest(testNotice(), { secret: SECRET, now: 1_000_000_060_000 });
  assert.equal(a.headers['x-lifeboat-timestamp'], '1000000000');
  assert.notEqual(a.headers['x-lifeboat-signature'], b.headers['x-lifeboat-signature']);
  assert.equal(a.body, b.body);
});

test('webhook: wants alerts and failures as configured, tests always, never run starts', () => {
  const channel = webhookChannel('http://127.0.0.1:1/');
  assert.equal(channel.wants(alert('firing')), true);
  assert.equal(channel.wants(run('failed')), true);
  assert.equal(channel.wants(run('aborted')), true);
  assert.equal(channel.wants(run('succeeded')), false);
  assert.equal(channel.wants(started()), false);
  assert.equal(channel.wants(testNotice()), true);
});
