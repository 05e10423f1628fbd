import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../errors.ts';
import { loadToken, tokenMatches } from './auth.ts';
import { httpStatusFor } from './http-errors.ts';
import { isLoopback, parseListen } from './listen.ts';

test('listen addresses: HOST:PORT, [IPv6]:PORT, port 0; anything else is a ConfigError', () => {
  assert.deepEqual(parseListen('127.0.0.1:9750'), { host: '127.0.0.1', port: 9750, text: '127.0.0.1:9750' });
  assert.deepEqual(parseListen('[::1]:0'), { host: '::1', port: 0, text: '[::1]:0' });
  assert.equal(parseListen('localhost:80').host, 'localhost');
  for (const bad of ['127.0.0.1', ':9750', '::1:9750', '127.0.0.1:70000', 'a b:1']) assert.throws(() => parseListen(bad), ConfigError, bad);
});

test('loopback: 127.0.0.0/8, ::1 in its spellings, localhost; not wildcards, LAN addresses or other names', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', 'localhost', 'LOCALHOST']) assert.ok(isLoopback(h), h);
  for (const h of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.2', '128.0.0.1', '::2', 'example.com', 'localhost.example.com', '::ffff:10.0.0.1']) {
    assert.ok(!isLoopback(h), h);
  }
});

test('tokens: trimmed, at least 16 characters, compared in constant time', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-token-'));
  try {
    await writeFile(join(dir, 't'), '\n  0123456789abcdef0123  \r\n');
    assert.equal(await loadToken(join(dir, 't')), '0123456789abcdef0123');
    await writeFile(join(dir, 'short'), 'abc\n');
    await assert.rejects(loadToken(join(dir, 'short')), /at least 16/);
    await assert.rejects(loadToken(join(dir, 'missing')), /cannot read \(ENOENT\)/);
    assert.equal(await loadToken(undefined), undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  assert.ok(tokenMatches('0123456789abcdef', '0123456789abcdef'));
  assert.ok(!tokenMatches('0123456789abcdeF', '0123456789abcdef'));
  assert.ok(!tokenMatches('0123456789abcdef0', '0123456789abcdef'));
  assert.ok(!tokenMatches('', '0123456789abcdef'));
});

test('error codes map to HTTP statuses in one place', () => {
  const expected: Record<string, number> = {
    usage: 400, config: 400, unauthorized: 401, forbidden: 403, 'not-found': 404, 'no-repository': 404, busy: 409, locked: 409,
    storage: 502, source: 502, 'wrong-password': 502, stopping: 503, aborted: 503, integrity: 500, error: 500, 'something-new': 500,
  };
  for (const [code, status] of Object.entries(expected)) assert.equal(httpStatusFor(code), status, code);
});
