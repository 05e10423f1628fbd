// `lifeboat notify test` as a user runs it, against real receivers on 127.0.0.1: an HTTP server
// standing in for Slack, a webhook endpoint and healthchecks.io, and an SMTP server. Each channel's
// answer is printed, nothing secret is, and a broken channel makes it exit 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, TEST_STATE_DIR } from './e2e-support.ts';
import { decodeHeader, httpReceiver, mimeParts, smtpReceiver } from './support/notify-receivers.ts';
import { validateBlockKit } from '../src/notify/slack/block-kit.ts';
import { History } from '../src/app/history/store.ts';
import { createServer, type AddressInfo } from 'node:net';

const SLACK_PATH = '/services/T0E2E1234/B0E2E5678/e2eSlackToken0123456789';
const WEBHOOK_SECRET = 'e2e-webhook-secret-0123456789';
const SMTP_PASSWORD = 'e2e-smtp-password-42';
const PING_UUID = '1c0ffee0-e2e0-4e2e-8e2e-0123456789ab';
const SECRETS = [SLACK_PATH, 'e2eSlackToken0123456789', WEBHOOK_SECRET, SMTP_PASSWORD, PING_UUID];

/** A port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

test('lifeboat notify test: four channels answer, each answer printed, exit 0; a broken channel exits 1', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-e2e-notify-'));
  await using http = await httpReceiver();
  await using smtp = await smtpReceiver({ auth: { user: 'lifeboat', password: SMTP_PASSWORD } });
  try {
    await writeFile(join(dir, 'slack-url'), `${http.url}${SLACK_PATH}\n`);
    await writeFile(join(dir, 'smtp-password'), `${SMTP_PASSWORD}\n`);
    const config = (hook: string) => `version: 1
repositories: {}
server:
  public_url: https://lifeboat.example.net
notifications:
  ops-slack:
    type: slack
    webhook_url_file: slack-url
  pager:
    type: webhook
    url: ${hook}
    secret: ${WEBHOOK_SECRET}
    retries: 0
  mail:
    type: email
    smtp: { host: 127.0.0.1, port: ${smtp.port}, security: none, user: lifeboat, password_file: smtp-password }
    from: lifeboat@example.net
    to: [ops@example.net]
  dead-mans-switch:
    type: healthchecks
    ping_url: ${http.url}/ping/${PING_UUID}
`;
    await writeFile(join(dir, 'lifeboat.yaml'), config(`${http.url}/hooks/lifeboat`));

    const ok = await runCli(['notify', 'test'], dir);
    assert.equal(ok.code, 0, ok.stderr + ok.stdout);
    const lines = ok.stdout.trim().split('\n');
    assert.match(lines[0]!, /^Channel\s+Type\s+Result\s+Status\s+Attempts\s+Answer/);
    assert.match(ok.stdout, /ops-slack\s+slack\s+ok\s+200\s+1\s+200 OK: ok/);
    assert.match(ok.stdout, /pager\s+webhook\s+ok\s+200\s+1\s/);
    assert.match(ok.stdout, /mail\s+email\s+ok\s+250\s+1\s+250 .*queued/i);
    assert.match(ok.stdout, /dead-mans-switch\s+healthchecks\s+ok\s+200\s+1\s/);

    const byPath = (p: string) => http.requests.find((q) => q.url.startsWith(p))!;
    const slack = byPath(SLACK_PATH);
    assert.deepEqual(validateBlockKit(JSON.parse(slack.body)), []);
    assert.match(slack.body, /Test notification from/);
    const hook = byPath('/hooks/lifeboat');
    const doc = JSON.parse(hook.body) as { version: number; type: string; id: string; url: string };
    assert.deepEqual([doc.version, doc.type, doc.url], [1, 'test', 'https://lifeboat.example.net/']);
    assert.equal(hook.headers['x-lifeboat-delivery'], doc.id);
    const expected = `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(`${hook.headers['x-lifeboat-timestamp']}.${hook.body}`).digest('hex')}`;
    assert.equal(hook.headers['x-lifeboat-signature'], expected);
    assert.equal(byPath(`/ping/${PING_UUID}`).url, `/ping/${PING_UUID}/log`);
    assert.equal(smtp.messages.length, 1);
    assert.match(decodeHeader(mimeParts(smtp.messages[0]!.raw).headers.subject!), /^\[lifeboat\] Test notification from /);

    // One channel, as JSON.
    const one = await runCli(['notify', 'test', '--channel', 'pager', '--json'], dir);
    assert.equal(one.code, 0, one.stderr);
    const json = JSON.parse(one.stdout) as { notification_id: string; channels: Array<Record<string, unknown>> };
    assert.deepEqual(json.channels.map((c) => [c.name, c.type, c.ok, c.status, c.attempts]), [['pager', 'webhook', true, 200, 1]]);

    // A channel that refuses: exit 1, the others still delivered, the refusal named.
    http.respond = (q) => (q.url.startsWith('/hooks/') ? { status: 404, body: `no hook at ${q.url}` } : undefined);
    const broken = await runCli(['notify', 'test'], dir);
    assert.equal(broken.code, 1, broken.stdout);
    assert.match(broken.stdout, /pager\s+webhook\s+FAILED\s+404\s+1\s+404 Not Found: no hook at \*\*\*/, "the webhook URL is a secret: its path too");
    assert.match(broken.stdout, /ops-slack\s+slack\s+ok/);
    assert.match(broken.stderr, /channel pager: refused: 404/);

    // An unreachable channel (nothing listens there), no retries configured: exit 1 as well.
    await writeFile(join(dir, 'lifeboat.yaml'), config(`http://127.0.0.1:${await closedPort()}/hooks/lifeboat`));
    const down = await runCli(['notify', 'test', '--channel', 'pager'], dir);
    assert.equal(down.code, 1);
    assert.match(down.stdout, /pager\s+webhook\s+FAILED\s+-\s+1\s+connection refused/);

    const unknown = await runCli(['notify', 'test', '--channel', 'nope'], dir);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /notification channel nope: no such channel/);
    assert.match(unknown.stderr, /hint: channels: ops-slack, pager, mail, dead-mans-switch/);

    for (const r of [ok, one, broken, down, unknown]) {
      for (const s of SECRETS) assert.ok(!(r.stdout + r.stderr).includes(s), `${s} printed:\n${r.stdout}${r.stderr}`);
    }

    // Every attempt is in the history, without secrets.
    const history = History.open(TEST_STATE_DIR);
    try {
      const rows = history.alerts.deliveries({ limit: 50 });
      assert.ok(rows.filter((d) => d.type === 'test').length >= 10);
      const text = JSON.stringify(rows);
      for (const s of SECRETS) assert.ok(!text.includes(s), `${s} recorded`);
    } finally {
      history.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('lifeboat notify: a config without channels, and a wrong sub-command, are errors', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-e2e-notify-'));
  try {
    await writeFile(join(dir, 'lifeboat.yaml'), 'version: 1\nrepositories: {}\n');
    const none = await runCli(['notify', 'test'], dir);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no notification channels/);
    const wrong = await runCli(['notify', 'send'], dir);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /notify: unknown sub-command "send" \(test\)/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
