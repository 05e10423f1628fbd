// The healthchecks channel against a real HTTP receiver: /start, then success or /fail with the
// error, paired by a run UUID; only backups ping; Uptime Kuma's push URL gets status, msg, ping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { channelContract } from '../../../test/support/channel-contract.ts';
import { httpReceiver } from '../../../test/support/notify-receivers.ts';
import { alert, report, run, started, testNotice } from '../../../test/support/notifications.ts';
import { healthchecks, runUuid } from './index.ts';

type Events = Array<'alerts' | 'success' | 'failure'>;

function pinger(pingUrl: string, flavor: 'healthchecks' | 'uptime-kuma' = 'healthchecks', events: Events = ['success', 'failure']) {
  return healthchecks.create({ name: 'hc', type: 'healthchecks', pingUrl, flavor, events, timeout: 10_000, retries: 3 });
}

const UUID = '5bf66975-d4c7-4bf5-bcc8-b8d8a82ea278';

channelContract('healthchecks', async () => {
  const r = await httpReceiver();
  r.okAnswer = { status: 200, body: 'OK' };
  return { channel: pinger(`${r.url}/${UUID}`), setMode: (m) => { r.mode = m; }, received: () => r.requests.length, close: () => r.close() };
});

channelContract('uptime-kuma', async () => {
  const r = await httpReceiver();
  r.okAnswer = { status: 200, body: '{"ok":true}' };
  return { channel: pinger(`${r.url}/api/push/AbC123`, 'uptime-kuma'), setMode: (m) => { r.mode = m; }, received: () => r.requests.length, close: () => r.close() };
});

test('healthchecks: a backup pings /start, then the URL on success or /fail with the error', async () => {
  await using r = await httpReceiver();
  r.okAnswer = { status: 200, body: 'OK' };
  const channel = pinger(`${r.url}/ping/${UUID}/`);
  const rid = runUuid('20260501T020000-abcd1234');
  assert.match(rid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

  for (const n of [started(), run('succeeded'), started(), run('failed')]) {
    assert.equal(channel.wants(n), true, n.id);
    const answer = await channel.send(n, AbortSignal.timeout(5000));
    assert.equal(answer.ok, true, answer.detail);
  }
  assert.deepEqual(r.requests.map((q) => `${q.method} ${q.url}`), [
    `POST /ping/${UUID}/start?rid=${rid}`,
    `POST /ping/${UUID}?rid=${rid}`,
    `POST /ping/${UUID}/start?rid=${rid}`,
    `POST /ping/${UUID}/fail?rid=${rid}`,
  ]);
  assert.equal(r.requests[0]!.body, '');
  assert.match(r.requests[1]!.body, /^Backup of orders succeeded\nJob: orders\n.*Size: 5\.00 GiB, 70\.0 MiB added\nDuration: 10m0s/s);
  assert.match(r.requests[3]!.body, /^Backup of orders failed\n[^]*Last success: 24\.0h ago[^]*\nError: source: pg_dump exited with status 1: connection refused$/);
});

test('healthchecks: only backups ping; partial and aborted count as failures; tests and reports go to /log', async () => {
  await using r = await httpReceiver();
  const channel = pinger(`${r.url}/${UUID}`);
  assert.equal(channel.wants(started({ kind: 'copy' })), false);
  assert.equal(channel.wants(run('failed', { kind: 'check' })), false);
  assert.equal(channel.wants(run('skipped')), false);
  assert.equal(channel.wants(alert('firing')), false, 'alerts do not ping by default');
  assert.equal(channel.wants(report()), true);
  for (const n of [run('partial'), run('aborted'), testNotice(), report()]) await channel.send(n, AbortSignal.timeout(5000));
  assert.deepEqual(r.requests.map((q) => q.url.replace(/\?rid=.*/, '')), [`/${UUID}/fail`, `/${UUID}/fail`, `/${UUID}/log`, `/${UUID}/log`]);
  assert.match(r.requests[2]!.body, /^Test notification from db1\.example\.net/);
  assert.match(r.requests[3]!.body, /^Weekly backup report/);

  const withAlerts = pinger(`${r.url}/${UUID}`, 'healthchecks', ['alerts']);
  assert.equal(withAlerts.wants(alert('firing')), true);
  assert.equal(withAlerts.wants(started()), false, 'no start ping without run events');
  await withAlerts.send(alert('firing'), AbortSignal.timeout(5000));
  await withAlerts.send(alert('resolved'), AbortSignal.timeout(5000));
  assert.deepEqual(r.requests.slice(4).map((q) => q.url), [`/${UUID}/fail`, `/${UUID}`]);
  assert.match(r.requests[4]!.body, /^FIRING stale: job orders\nnewest backup is 5h old/);
});

test('uptime-kuma: status up or down with a message and the duration; an unknown monitor is a failure', async () => {
  await using r = await httpReceiver();
  r.okAnswer = { status: 200, body: '{"ok":true}' };
  const channel = pinger(`${r.url}/api/push/AbC123?status=up&msg=OK&ping=`, 'uptime-kuma');
  assert.equal(channel.wants(started()), false, 'Kuma has no start ping');
  assert.equal(channel.wants(report()), false);
  for (const n of [run('succeeded'), run('failed')]) assert.equal((await channel.send(n, AbortSignal.timeout(5000))).ok, true);
  const [up, down] = r.requests.map((q) => new URL(q.url, r.url));
  assert.equal(up!.pathname, '/api/push/AbC123');
  assert.equal(r.requests[0]!.method, 'GET');
  assert.deepEqual(Object.fromEntries(up!.searchParams), { status: 'up', msg: 'SUCCEEDED backup: job orders, repository offsite', ping: '600000' });
  assert.equal(down!.searchParams.get('status'), 'down');
  assert.equal(down!.searchParams.get('msg'), 'FAILED backup: job orders, repository offsite: source: pg_dump exited with status 1: connection refused');

  r.okAnswer = { status: 200, body: '{"ok":false,"msg":"Monitor not found or not active."}' };
  const answer = await channel.send(run('succeeded'), AbortSignal.timeout(5000));
  assert.equal(answer.ok, false);
  assert.equal(answer.permanent, true);
  assert.match(answer.detail!, /Monitor not found/);
  assert.doesNotMatch(answer.detail!, /AbC123/);
});
