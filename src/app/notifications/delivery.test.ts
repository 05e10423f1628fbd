// Delivery against real receivers (HTTP on 127.0.0.1, an SMTP server) and a real history: retries
// with backoff (the sleep injected), permanent refusals, per-attempt timeouts, a deadline, channels
// that misbehave, and no secret in any recorded answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpReceiver, smtpReceiver } from '../../../test/support/notify-receivers.ts';
import { alert, run, testNotice } from '../../../test/support/notifications.ts';
import { createChannel } from '../../notify/registry.ts';
import type { Channel } from '../../notify/types.ts';
import { History } from '../history/store.ts';
import { Redactor } from '../redact.ts';
import { backoffMs, deliver, deliverWithin, type DeliveryChannel } from './delivery.ts';
import { notificationChannels } from './channels.ts';
import { DeliveryQueue } from './queue.ts';

async function withHistory(fn: (h: History) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-delivery-'));
  const h = History.open(dir);
  try { await fn(h); } finally { h.close(); await rm(dir, { recursive: true, force: true }); }
}

function recordingSleep(): { sleeps: number[]; sleep: (ms: number) => Promise<void> } {
  const sleeps: number[] = [];
  return { sleeps, sleep: async (ms) => { sleeps.push(ms); } };
}

function webhookAt(url: string, over: { timeout?: number; retries?: number; events?: Array<'alerts' | 'success' | 'failure'> } = {}): DeliveryChannel {
  return createChannel({ name: 'hook', type: 'webhook', url, headers: {}, events: over.events ?? ['alerts', 'failure'], timeout: over.timeout ?? 5000, retries: over.retries ?? 3 });
}

test('backoff: 1 s, 4 s, 16 s, then at most a minute, with ±25 % jitter', () => {
  assert.deepEqual([1, 2, 3, 4, 5].map((r) => backoffMs(r, () => 0.5)), [1000, 4000, 16_000, 60_000, 60_000]);
  assert.equal(backoffMs(1, () => 0), 750);
  assert.equal(backoffMs(2, () => 0.999999), 5000);
});

test('deliver: every channel that wants it, in parallel; the others are left out', () => withHistory(async (history) => {
  await using a = await httpReceiver();
  await using b = await httpReceiver();
  const channels = [
    webhookAt(`${a.url}/a`),
    createChannel({ name: 'slack', type: 'slack', webhookUrl: `${b.url}/services/T/B/X`, events: ['alerts'], timeout: 5000, retries: 3 }),
    webhookAt(`${a.url}/successes-only`, { events: ['success'] }),
  ];
  const report = await deliver(channels, run('failed'), { history, redactor: new Redactor() });
  assert.deepEqual(report.outcomes.map((o) => [o.channel, o.ok, o.status, o.attempts]), [['hook', true, 200, 1]]);
  const both = await deliver(channels, alert('firing'), { history, redactor: new Redactor() });
  assert.deepEqual(both.outcomes.map((o) => [o.channel, o.type, o.ok]), [['hook', 'webhook', true], ['slack', 'slack', true]]);
  assert.equal(a.requests.length, 2);
  assert.equal(b.requests.length, 1);
  const rows = history.alerts.deliveries();
  assert.deepEqual(rows.map((r) => [r.channel, r.type, r.subject, r.attempt, r.ok, r.status]).reverse(), [
    ['hook', 'run_finished', 'backup job orders repository offsite failed', 1, true, 200],
    ['hook', 'alert', 'stale job orders firing', 1, true, 200],
    ['slack', 'alert', 'stale job orders firing', 1, true, 200],
  ]);
}));

test('deliver: a 500 is retried with backoff, every attempt recorded; success on a later attempt ends it', () => withHistory(async (history) => {
  await using r = await httpReceiver();
  r.mode = 'transient';
  const { sleeps, sleep } = recordingSleep();
  const report = await deliver([webhookAt(r.url)], alert('firing'), { history, redactor: new Redactor(), sleep, random: () => 0.5 });
  assert.deepEqual(report.outcomes[0], { channel: 'hook', type: 'webhook', ok: false, status: 500, detail: '500 Internal Server Error: rollup_error', attempts: 4 });
  assert.deepEqual(sleeps, [1000, 4000, 16_000]);
  assert.equal(r.requests.length, 4);
  assert.deepEqual(history.alerts.deliveries().map((d) => [d.attempt, d.ok, d.status]).reverse(), [[1, false, 500], [2, false, 500], [3, false, 500], [4, false, 500]]);
  // Every attempt carries the same delivery id, so a receiver can drop duplicates.
  assert.equal(new Set(r.requests.map((q) => q.headers['x-lifeboat-delivery'])).size, 1);

  r.requests.length = 0;
  r.respond = () => (r.requests.length < 3 ? { status: 503, body: 'busy' } : undefined);
  r.mode = 'ok';
  const later = await deliver([webhookAt(r.url)], alert('firing'), { redactor: new Redactor(), sleep });
  assert.deepEqual([later.outcomes[0]!.ok, later.outcomes[0]!.attempts], [true, 3]);
}));

test('deliver: a 400 is not retried; 408 and 429 are', async () => {
  await using r = await httpReceiver();
  r.mode = 'permanent';
  const { sleeps, sleep } = recordingSleep();
  const report = await deliver([webhookAt(r.url)], alert('firing'), { redactor: new Redactor(), sleep });
  assert.deepEqual([report.outcomes[0]!.ok, report.outcomes[0]!.attempts, report.outcomes[0]!.permanent, report.outcomes[0]!.status], [false, 1, true, 400]);
  assert.deepEqual(sleeps, []);
  for (const status of [408, 429]) {
    r.respond = () => ({ status, body: 'later' });
    const again = await deliver([webhookAt(r.url, { retries: 1 })], alert('firing'), { redactor: new Redactor(), sleep });
    assert.equal(again.outcomes[0]!.attempts, 2, `${status}`);
  }
});

test('deliver: a hanging receiver hits the per-attempt timeout, and the retry too', () => withHistory(async (history) => {
  await using r = await httpReceiver();
  r.mode = 'hang';
  const { sleep } = recordingSleep();
  const t0 = Date.now();
  const report = await deliver([webhookAt(r.url, { timeout: 200, retries: 1 })], alert('firing'), { history, redactor: new Redactor(), sleep });
  assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
  assert.deepEqual(report.outcomes[0], { channel: 'hook', type: 'webhook', ok: false, detail: 'timed out after 200ms', attempts: 2 });
  assert.deepEqual(history.alerts.deliveries().map((d) => d.detail), ['timed out after 200ms', 'timed out after 200ms']);
}));

test('deliverWithin: the deadline ends a delivery that would take longer, and says so', () => withHistory(async (history) => {
  await using r = await httpReceiver();
  r.mode = 'hang';
  const t0 = Date.now();
  const report = await deliverWithin(300, [webhookAt(r.url, { timeout: 60_000 })], alert('firing'), { history, redactor: new Redactor() });
  assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
  assert.deepEqual([report.outcomes[0]!.ok, report.outcomes[0]!.detail], [false, 'abandoned: deadline reached']);
  // During a backoff wait too: the real sleep is cut short.
  r.mode = 'transient';
  const t1 = Date.now();
  const waiting = await deliverWithin(500, [webhookAt(r.url)], alert('firing'), { redactor: new Redactor() });
  assert.ok(Date.now() - t1 < 3000);
  assert.equal(waiting.outcomes[0]!.attempts, 1);
}));

test('deliver: never throws, whatever a channel or the history does', async () => {
  const base = { type: 'odd', wants: () => true, timeoutMs: 200, retries: 0 };
  const channels: DeliveryChannel[] = [
    { ...base, name: 'throws', send: () => { throw new Error('boom'); } },
    { ...base, name: 'rejects', send: async () => { throw new TypeError('bad'); } },
    { ...base, name: 'garbage', send: async () => undefined as never },
    { ...base, name: 'ignores-signal', send: () => new Promise(() => {}) },
    { ...base, name: 'wants-throws', wants: () => { throw new Error('x'); }, send: async () => ({ ok: true }) },
  ];
  const errors: unknown[] = [];
  const history = { alerts: { recordDelivery: () => { throw new Error('database is locked'); } } };
  const report = await deliver(channels, testNotice(), { history, redactor: new Redactor(), onRecordError: (e) => errors.push(e) });
  assert.deepEqual(report.outcomes.map((o) => [o.channel, o.ok, o.detail]), [
    ['throws', false, 'error: boom'], ['rejects', false, 'error: bad'], ['garbage', false, 'the channel gave no answer'],
    ['ignores-signal', false, 'timed out after 200ms'],
  ]);
  assert.equal(errors.length, 4);
  const broken = { redact: () => { throw new Error('x'); }, redactValue: () => { throw new Error('x'); } };
  assert.deepEqual((await deliver(channels, testNotice(), { redactor: broken })).outcomes, []);
});

test('deliver: no secret of the config in what is recorded, even when receivers echo them', () => withHistory(async (history) => {
  const SLACK_TOKEN = 'T0SECRET/B0SECRET/xoxsecretslacktoken';
  const WEBHOOK_SECRET = 'whsec-verysecret-0123456789';
  const PING_UUID = '0d5b8c1e-7a2f-4c3d-9e8f-secretping01';
  const SMTP_PASSWORD = 'smtp-Secret-Pass-42';
  const AUTH = 'Bearer api-token-abcdef123456';
  await using r = await httpReceiver();
  // A receiver that echoes what it got: its path, its headers, the body.
  r.respond = (q) => ({ status: 500, body: `refused ${q.url} ${JSON.stringify(q.headers)} ${q.body.slice(0, 200)}` });
  await using smtp = await smtpReceiver({ auth: { user: 'lifeboat', password: 'another-password' } });
  const config = {
    notifications: [
      { name: 'slack', type: 'slack' as const, webhookUrl: `${r.url}/services/${SLACK_TOKEN}`, events: ['alerts' as const], timeout: 2000, retries: 1 },
      { name: 'hook', type: 'webhook' as const, url: `${r.url}/hook?token=${WEBHOOK_SECRET}`, secret: WEBHOOK_SECRET, headers: { Authorization: AUTH }, events: ['alerts' as const], timeout: 2000, retries: 1 },
      { name: 'hc', type: 'healthchecks' as const, pingUrl: `${r.url}/${PING_UUID}`, flavor: 'healthchecks' as const, events: ['alerts' as const], timeout: 2000, retries: 1 },
      { name: 'mail', type: 'email' as const, smtp: { host: '127.0.0.1', port: smtp.port, security: 'none' as const, user: 'lifeboat', password: SMTP_PASSWORD }, from: 'a@example.net', to: ['b@example.net'], events: ['alerts' as const], timeout: 2000, retries: 1 },
    ],
  };
  // As config load does: the secrets of the config, then the channels add their own.
  const redactor = new Redactor([`${r.url}/services/${SLACK_TOKEN}`, `${r.url}/hook?token=${WEBHOOK_SECRET}`, WEBHOOK_SECRET, `${r.url}/${PING_UUID}`, SMTP_PASSWORD]);
  const channels = notificationChannels(config, redactor);
  const { sleep } = recordingSleep();
  // The alert's own text carries a secret too (an error message quoting a password): it is not sent.
  const n = alert('firing', { message: `login failed with ${SMTP_PASSWORD}` });
  const report = await deliver(channels, n, { history, redactor, sleep });
  assert.deepEqual(report.outcomes.map((o) => [o.channel, o.ok, o.attempts]), [['slack', false, 2], ['hook', false, 2], ['hc', false, 2], ['mail', false, 1]]);
  const recorded = JSON.stringify(history.alerts.deliveries()) + JSON.stringify(report);
  assert.match(recorded, /refused/);
  for (const secret of [SLACK_TOKEN, 'xoxsecretslacktoken', WEBHOOK_SECRET, PING_UUID, SMTP_PASSWORD, AUTH, 'api-token-abcdef123456']) {
    assert.ok(!recorded.includes(secret), `${secret} recorded:\n${recorded}`);
  }
  for (const q of r.requests) assert.ok(!q.body.includes(SMTP_PASSWORD), 'the secret in the alert text was not sent');
}));

test('queue: delivers in the background, bounded; drops are recorded; close() abandons what hangs', () => withHistory(async (history) => {
  await using r = await httpReceiver();
  const delivered: string[] = [];
  const queue = new DeliveryQueue({ history, redactor: new Redactor(), limit: 2, concurrency: 1, onDelivered: (rep) => delivered.push(rep.notificationId) });
  r.mode = 'hang';
  const slow: Channel[] = [webhookAt(r.url, { timeout: 60_000, retries: 0 })];
  assert.equal(queue.push(slow, { ...alert('firing'), id: 'one' }), true);
  assert.equal(queue.push(slow, { ...alert('firing'), id: 'two' }), true);
  assert.equal(queue.push(slow, { ...alert('firing'), id: 'three' }), false, 'full');
  assert.equal(queue.size, 2);
  const t0 = Date.now();
  await queue.close(200);
  assert.ok(Date.now() - t0 < 3000);
  assert.deepEqual(delivered, ['one', 'two']);
  assert.equal(queue.push(slow, { ...alert('firing'), id: 'four' }), false, 'closed');
  const rows = history.alerts.deliveries().reverse();
  assert.deepEqual(rows.map((d) => [d.notificationId, d.attempt, d.detail]), [
    ['three', 0, 'dropped: too many notifications waiting'],
    ['one', 1, 'abandoned: cancelled'],
    ['two', 1, 'not sent: cancelled'],
    ['four', 0, 'dropped: shutting down'],
  ]);
}));
