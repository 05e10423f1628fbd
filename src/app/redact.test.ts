import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { Redactor } from './redact.ts';
import { createLogger } from './logger.ts';

test('the redactor removes config and environment secrets, their JSON and URL forms, and URL credentials', () => {
  const r = new Redactor(['s3cr3t"pw', 'abc'], { AWS_SECRET_ACCESS_KEY: 'AKIA-SECRET-KEY' });
  assert.equal(r.redact('password s3cr3t"pw rejected'), 'password *** rejected');
  assert.equal(r.redact(JSON.stringify({ m: 'pw s3cr3t"pw' })), '{"m":"pw ***"}');
  assert.equal(r.redact('key AKIA-SECRET-KEY'), 'key ***');
  assert.equal(r.redact('https://user:p%40ss@hooks.example.com/x and abc'), 'https://user:***@hooks.example.com/x and abc', 'short values are not secrets');
  r.add('late-from-command');
  assert.deepEqual(r.redactValue({ a: ['late-from-command'] }), { a: ['***'] });
});

test('log lines are JSON with job and run ID, and never carry a secret', async () => {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => { text += String(d); });
  const log = createLogger({ redactor: new Redactor(['hunter2-password']), out, pretty: false });
  log.child({ job: 'orders', run: 'r1' }).error({ err: new Error('auth failed for hunter2-password') }, 'backup failed');
  await new Promise((r) => setImmediate(r));
  const line = JSON.parse(text.trim());
  assert.equal(line.msg, 'backup failed');
  assert.equal(line.job, 'orders');
  assert.equal(line.run, 'r1');
  assert.equal(line.level, 'error');
  assert.doesNotMatch(text, /hunter2-password/);
  assert.match(line.err.message, /auth failed for \*\*\*/);
});
