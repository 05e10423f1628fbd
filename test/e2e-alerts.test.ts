// Alerts reach a person, against real receivers on 127.0.0.1 (an HTTP server standing in for
// Slack and a webhook endpoint, an SMTP server): a failing job gives exactly one message per
// channel, the next success exactly one "resolved"; a suspiciously small backup fires naming both
// sizes; no secret of the config appears in any message or recorded attempt.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { validateBlockKit } from '../src/notify/slack/block-kit.ts';
import { httpReceiver, smtpReceiver, mimeParts, decodeHeader } from './support/notify-receivers.ts';
import { workspace } from './e2e-support.ts';

const SLACK_TOKEN = 'T000/B000/slack-token-xyzzy-1234';
const HOOK_SECRET = 'webhook-signing-secret-0123456789';

test('a failing job: one firing message per channel, nothing twice, one resolved after the next success', { timeout: 120_000 }, async () => {
  await using w = await workspace();
  await using http = await httpReceiver();
  await using smtp = await smtpReceiver();
  const flag = join(w.dir, 'flag');
  const state = join(w.dir, 'state');
  await w.writeConfig(`version: 1
state_dir: ${state}
defaults: { notify: [ops-slack, hook, mail] }
notifications:
  ops-slack: { type: slack, webhook_url: "${http.url}/slack/${SLACK_TOKEN}" }
  hook: { type: webhook, url: "${http.url}/hook", secret: ${HOOK_SECRET} }
  mail: { type: email, smtp: { host: 127.0.0.1, port: ${smtp.port}, security: none }, from: lifeboat@example.com, to: [ops@example.com] }
repositories:
  main: { location: ${w.repo}, password_file: ${w.passwordFile} }
jobs:
  flaky:
    source: { type: command, command: [cat, ${flag}], filename: flag.txt }
    repositories: [main]
`);
  const fail1 = await w.cli(['backup', '--job', 'flaky']);
  assert.equal(fail1.code, 1);
  const fail2 = await w.cli(['backup', '--job', 'flaky']);
  assert.equal(fail2.code, 1);
  const slack = () => http.requests.filter((r) => r.url.startsWith('/slack/'));
  const hook = () => http.requests.filter((r) => r.url === '/hook');
  assert.equal(slack().length, 1, 'one Slack message for the failure, none for the repeat');
  assert.equal(hook().length, 1);
  assert.equal(smtp.messages.length, 1);

  await writeFile(flag, 'fine\n');
  const ok = await w.cli(['backup', '--job', 'flaky']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(slack().length, 2);
  assert.equal(hook().length, 2);
  assert.equal(smtp.messages.length, 2);

  const [firing, resolved] = hook().map((r) => JSON.parse(r.body));
  assert.deepEqual([firing.type, firing.alert.name, firing.alert.state, firing.alert.job], ['alert', 'failed', 'firing', 'flaky']);
  assert.deepEqual([resolved.alert.name, resolved.alert.state], ['failed', 'resolved']);
  for (const r of hook()) {
    const ts = String(r.headers['x-lifeboat-timestamp']);
    assert.equal(r.headers['x-lifeboat-signature'], `sha256=${createHmac('sha256', HOOK_SECRET).update(`${ts}.${r.body}`).digest('hex')}`, 'the HMAC verifies');
  }
  for (const r of slack()) assert.deepEqual(validateBlockKit(JSON.parse(r.body)), [], 'valid Block Kit');
  assert.match(decodeHeader(mimeParts(smtp.messages[0]!.raw).headers.subject!), /FIRING/);
  assert.match(decodeHeader(mimeParts(smtp.messages[1]!.raw).headers.subject!), /RESOLVED/);

  // No secret in any message or recorded attempt.
  const h = new DatabaseSync(join(state, 'history.db'), { readOnly: true });
  const attempts = JSON.stringify(h.prepare('SELECT * FROM deliveries').all());
  h.close();
  assert.ok(JSON.parse(attempts).length >= 6, 'every attempt is recorded');
  const bodies = [...http.requests.map((r) => r.body), ...smtp.messages.map((m) => m.raw), attempts, fail1.stderr, ok.stdout].join('\n');
  for (const secret of [SLACK_TOKEN, HOOK_SECRET, 'slack-token-xyzzy']) assert.ok(!bodies.includes(secret), `${secret} leaked`);
});

test('size anomaly: a backup a tenth of the median fires naming both sizes; the same size does not', { timeout: 120_000 }, async () => {
  await using w = await workspace();
  await using http = await httpReceiver();
  const size = join(w.dir, 'size');
  await w.writeConfig(`version: 1
state_dir: ${join(w.dir, 'state')}
notifications:
  hook: { type: webhook, url: "${http.url}/hook" }
repositories:
  main: { location: ${w.repo}, password_file: ${w.passwordFile} }
jobs:
  dump:
    source: { type: command, command: [sh, -c, "head -c $(cat ${size}) /dev/urandom"], filename: dump.bin }
    repositories: [main]
    notify: [hook]
`);
  await writeFile(size, '100000');
  for (let i = 0; i < 7; i++) assert.equal((await w.cli(['backup', '--job', 'dump'])).code, 0);
  assert.equal(http.requests.length, 0, 'steady sizes: nothing to say');
  await writeFile(size, '10000');
  assert.equal((await w.cli(['backup', '--job', 'dump'])).code, 0);
  assert.equal(http.requests.length, 1);
  const n = JSON.parse(http.requests[0]!.body);
  assert.equal(n.alert.name, 'size_anomaly');
  assert.match(n.alert.message, /suspiciously small: 9\.8 KiB against a median of 97\.7 KiB/);
  await writeFile(size, '100000');
  assert.equal((await w.cli(['backup', '--job', 'dump'])).code, 0);
  assert.deepEqual(http.requests.map((r) => JSON.parse(r.body).alert.state), ['firing', 'resolved']);
  await rm(size);
});
