import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { abortable } from './abortable.ts';
import { AbortedError } from '../../errors.ts';

test('an abort interrupts a read that would otherwise wait for ever', async () => {
  const source = new PassThrough();
  source.write(Buffer.from('first'));
  const ac = new AbortController();
  const seen: string[] = [];
  const reading = (async () => {
    for await (const b of abortable<Buffer>(source, ac.signal)) {
      seen.push(String(b));
      ac.abort(); // the writer never writes again nor ends: only the abort can end this read
    }
  })();
  await assert.rejects(reading, (e: unknown) => e instanceof AbortedError);
  assert.deepEqual(seen, ['first']);
  await new Promise((r) => setImmediate(r));
  assert.ok(source.destroyed, 'the source stream is released');
});

test('without an abort every item passes through in order', async () => {
  const source = new PassThrough();
  source.end('abc');
  const out: string[] = [];
  for await (const b of abortable<Buffer>(source, new AbortController().signal)) out.push(String(b));
  assert.equal(out.join(''), 'abc');
});
