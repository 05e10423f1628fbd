// The tool runner: stdout streamed and kept until read, stdin fed with backpressure, failures
// as SourceError with exit code and a redacted stderr tail, abort and abandonment.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { AbortedError, SourceError } from '../errors.ts';
import { runTool, spawnTool } from './process.ts';

test('stdout of a tool that exited before anyone read it is not lost', async () => {
  const t = spawnTool({ label: 'printf', command: 'printf', args: ['hello'] });
  await sleep(200);
  let text = '';
  for await (const c of t.stdout) text += Buffer.from(c).toString();
  assert.equal(text, 'hello');
  assert.ok((await t.done).durationMs >= 0);
});

test('non-zero exit → SourceError with exit code and a redacted stderr tail; the stream throws too', async () => {
  const secret = 'hunter2-very-secret';
  const t = spawnTool({
    label: 'sh test', command: 'sh', args: ['-c', `head -c 100000 /dev/zero | tr '\\0' x >&2; echo "bad password ${secret}" >&2; echo out; exit 3`],
    secrets: [secret], stderrTailBytes: 200,
  });
  await assert.rejects(async () => { for await (const _ of t.stdout) { /* drain */ } },
    (err: unknown) => err instanceof SourceError && err.exitCode === 3);
  await assert.rejects(t.done, (err: unknown) => {
    assert.ok(err instanceof SourceError);
    assert.equal(err.exitCode, 3);
    assert.match(err.message, /^sh test failed: exit code 3\n/);
    assert.match(err.stderrTail, /bad password \*\*\*$/);
    assert.ok(!err.message.includes(secret));
    assert.ok(err.stderrTail.length <= 201);
    return true;
  });
});

test('missing binary → SourceError naming it', async () => {
  await assert.rejects(runTool({ label: 'dump', command: '/nonexistent/tool', args: [] }),
    (err: unknown) => err instanceof SourceError && /dump: cannot run \/nonexistent\/tool: not found/.test(err.message));
});

test('stdin is fed with backpressure and collected output returned; early exit of the reader is not an error', async () => {
  async function* big(): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < 200; i++) yield Buffer.alloc(64 * 1024, 97);
  }
  const t = spawnTool({ label: 'wc', command: 'wc', args: ['-c'], stdin: big(), stdout: 'collect' });
  assert.equal((await t.done).stdout.trim(), String(200 * 64 * 1024));
  // `head -c 10` stops reading after 10 bytes: EPIPE on our side is expected, exit 0 wins.
  const h = spawnTool({ label: 'head', command: 'head', args: ['-c', '10'], stdin: big(), stdout: 'collect' });
  assert.equal((await h.done).stdout, 'a'.repeat(10));
});

test('an input stream that fails kills the tool and its error is the result', async () => {
  async function* failing(): AsyncGenerator<Uint8Array> {
    yield Buffer.from('x');
    throw new Error('repository read failed');
  }
  const t = spawnTool({ label: 'cat', command: 'cat', args: [], stdin: failing(), stdout: 'ignore' });
  await assert.rejects(t.done, /repository read failed/);
});

test('abort kills the tool → AbortedError; abandoning the stream stops it too', async () => {
  const ac = new AbortController();
  const t = spawnTool({ label: 'sleep', command: 'sleep', args: ['30'], signal: ac.signal });
  setTimeout(() => ac.abort(), 50);
  await assert.rejects(t.done, (err: unknown) => err instanceof AbortedError && /sleep: interrupted/.test(err.message));
  const y = spawnTool({ label: 'yes', command: 'yes', args: [] });
  for await (const _ of y.stdout) break;
  await assert.rejects(y.done, (err: unknown) => err instanceof AbortedError && /stopped before it finished/.test(err.message));
});
