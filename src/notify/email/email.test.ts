// The email channel against a real SMTP server (smtp-server on 127.0.0.1): a message with a
// plain-text and an HTML part and a clear subject, over STARTTLS with a certificate made for
// the test, or in clear to a local relay; refusals and failed logins are permanent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { channelContract } from '../../../test/support/channel-contract.ts';
import { decodeHeader, mimeParts, selfSignedCert, smtpReceiver } from '../../../test/support/notify-receivers.ts';
import { alert, report, run, testNotice } from '../../../test/support/notifications.ts';
import type { NamedChannelConfig } from '../descriptor.ts';
import { createEmailChannel, email } from './index.ts';

const PASSWORD = 'smtp-pass-9f8e7d6c';

function config(port: number, over: Partial<NamedChannelConfig<'email'>['smtp']> = {}): NamedChannelConfig<'email'> {
  return {
    name: 'mail', type: 'email', from: 'lifeboat@example.net', to: ['ops@example.net', 'dba@example.net'],
    smtp: { host: '127.0.0.1', port, security: 'none', user: 'lifeboat', password: PASSWORD, ...over },
    events: ['alerts', 'failure'], timeout: 10_000, retries: 3,
  };
}

function hasOpenssl(): boolean {
  try { execFileSync('openssl', ['version']); return true; } catch { return false; }
}

channelContract('email', async () => {
  const s = await smtpReceiver({ auth: { user: 'lifeboat', password: PASSWORD } });
  return { channel: email.create(config(s.port)), setMode: (m) => { s.mode = m; }, received: () => s.messages.length + (s.mode === 'ok' ? 0 : 1), close: () => s.close() };
});

test('email: an alert arrives with its subject, a text and an HTML part', async () => {
  await using s = await smtpReceiver({ auth: { user: 'lifeboat', password: PASSWORD } });
  const channel = email.create(config(s.port));
  const n = alert('firing');
  const answer = await channel.send(n, AbortSignal.timeout(10_000));
  assert.equal(answer.ok, true, answer.detail);
  assert.equal(answer.status, 250);
  const m = s.messages[0]!;
  assert.equal(m.from, 'lifeboat@example.net');
  assert.deepEqual(m.to, ['ops@example.net', 'dba@example.net']);
  assert.equal(m.user, 'lifeboat');
  const { headers, parts } = mimeParts(m.raw);
  assert.equal(decodeHeader(headers.subject!), '[lifeboat] FIRING stale: job orders');
  assert.equal(headers['x-lifeboat-event'], 'alert');
  assert.equal(headers['x-lifeboat-delivery'], n.id);
  const text = parts.find((p) => p.headers['content-type']?.startsWith('text/plain'))!;
  const html = parts.find((p) => p.headers['content-type']?.startsWith('text/html'))!;
  assert.ok(text && html, 'a text and an HTML part');
  assert.match(text.body, /^FIRING stale: job orders\n\nnewest backup is 5h old, RPO 4h\n\nJob: +orders\n/);
  assert.match(text.body, /Open in Lifeboat: https:\/\/lifeboat\.example\.net\/jobs\/orders/);
  assert.match(html.body, /<h2[^>]*>FIRING stale: job orders<\/h2>/);
  assert.match(html.body, /<a href="https:\/\/lifeboat\.example\.net\/jobs\/orders">/);
});

test('email: untrusted text is escaped in the HTML part', async () => {
  await using s = await smtpReceiver();
  const channel = email.create({ ...config(s.port), smtp: { host: '127.0.0.1', port: s.port, security: 'none' } });
  const answer = await channel.send(run('failed', { job: '<img src=x onerror=alert(1)>', message: '<script>alert("x")</script> & more' }), AbortSignal.timeout(10_000));
  assert.equal(answer.ok, true, answer.detail);
  const { headers, parts } = mimeParts(s.messages[0]!.raw);
  assert.equal(decodeHeader(headers.subject!), '[lifeboat] FAILED backup: job <img src=x onerror=alert(1)>, repository offsite');
  const html = parts.find((p) => p.headers['content-type']?.startsWith('text/html'))!.body;
  assert.doesNotMatch(html, /<script>|<img/);
  assert.match(html, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; &amp; more/);
  const text = parts.find((p) => p.headers['content-type']?.startsWith('text/plain'))!.body;
  assert.match(text, /Error:\nsource: <script>alert\("x"\)<\/script> & more/);
});

test('email: a report sends its own text and HTML bodies', async () => {
  await using s = await smtpReceiver();
  const channel = email.create({ ...config(s.port), smtp: { host: '127.0.0.1', port: s.port, security: 'none' } });
  const n = report(5);
  assert.equal((await channel.send(n, AbortSignal.timeout(10_000))).ok, true);
  const { headers, parts } = mimeParts(s.messages[0]!.raw);
  assert.equal(decodeHeader(headers.subject!), '[lifeboat] Weekly backup report: 40 jobs, 0 failed');
  assert.ok(parts.find((p) => p.headers['content-type']?.startsWith('text/plain'))!.body.startsWith(n.report!.text.trimEnd()));
  assert.ok(parts.find((p) => p.headers['content-type']?.startsWith('text/html'))!.body.startsWith(n.report!.html));
});

test('email: STARTTLS with the server\'s certificate checked; a server without STARTTLS is refused', { skip: !hasOpenssl() && 'no openssl to make a certificate' }, async () => {
  const cert = await selfSignedCert();
  await using s = await smtpReceiver({ tls: cert, auth: { user: 'lifeboat', password: PASSWORD } });
  const answer = await createEmailChannel(config(s.port, { security: 'starttls' }), { tls: { ca: cert.cert } }).send(testNotice(), AbortSignal.timeout(10_000));
  assert.equal(answer.ok, true, answer.detail);
  assert.equal(s.messages[0]!.secure, true, 'the message went over TLS');
  assert.equal(decodeHeader(mimeParts(s.messages[0]!.raw).headers.subject!), '[lifeboat] Test notification from db1.example.net');

  // Without the CA the self-signed certificate is not trusted.
  const untrusted = await email.create(config(s.port, { security: 'starttls' })).send(testNotice(), AbortSignal.timeout(10_000));
  assert.equal(untrusted.ok, false);
  assert.match(untrusted.detail!, /certificate/i);

  await using plain = await smtpReceiver({ auth: { user: 'lifeboat', password: PASSWORD } });
  const refused = await email.create(config(plain.port, { security: 'starttls' })).send(testNotice(), AbortSignal.timeout(10_000));
  assert.equal(refused.ok, false);
  assert.equal(refused.permanent, true, refused.detail);
  assert.equal(plain.messages.length, 0, 'nothing sent in clear');
});

test('email: a wrong password is a permanent failure that does not show the password', async () => {
  await using s = await smtpReceiver({ auth: { user: 'lifeboat', password: 'the-right-one-123' } });
  const answer = await email.create(config(s.port)).send(testNotice(), AbortSignal.timeout(10_000));
  assert.equal(answer.ok, false);
  assert.equal(answer.permanent, true);
  assert.equal(answer.status, 535);
  assert.ok(!answer.detail!.includes(PASSWORD));
});

test('email: nodemailer is loaded only when an email is sent', async () => {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const script = `
    import { registerHooks } from 'node:module';
    const loaded = [];
    registerHooks({ resolve(s, c, next) { const r = next(s, c); loaded.push(r.url); return r; } });
    const { createChannel } = await import(${JSON.stringify(new URL('../registry.ts', import.meta.url).href)});
    const ch = createChannel({ name: 'm', type: 'email', from: 'a@b.c', to: ['d@e.f'], smtp: { host: '127.0.0.1', port: 1, security: 'none' }, events: ['alerts'], timeout: 1000, retries: 0 });
    ch.wants({ version: 1, type: 'test', id: 'x', at: '', host: 'h' });
    console.log(loaded.some((u) => u.includes('/node_modules/nodemailer/')));
  `;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
  assert.equal(stdout.trim(), 'false');
});

test('email: a recipient the server refuses fails the delivery for good (the others got it)', async () => {
  await using s = await smtpReceiver();
  const channel = email.create({ ...config(s.port), to: ['ops@example.net', 'nobody@refused.example'], smtp: { host: '127.0.0.1', port: s.port, security: 'none' } });
  s.refuse = (address) => address.endsWith('@refused.example');
  const answer = await channel.send(testNotice(), AbortSignal.timeout(10_000));
  assert.equal(answer.ok, false);
  assert.equal(answer.permanent, true);
  assert.match(answer.detail!, /^1 of 2 recipients refused/);
  assert.deepEqual(s.messages.map((m) => m.to), [['ops@example.net']]);
});
