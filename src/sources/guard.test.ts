import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SourceError } from '../errors.ts';
import { guardSource } from './guard.ts';
import type { Source, StreamEntry } from './types.ts';

function fakeSource(opts: { delayMs?: number; log?: string[] } = {}): Source {
  return {
    kind: 'fake',
    async *entries(signal) {
      opts.log?.push('entries');
      async function* data() {
        for (let i = 0; i < 3; i++) {
          await sleep(opts.delayMs ?? 0, undefined, { signal });
          yield Buffer.from(`chunk${i};`);
        }
      }
      yield { kind: 'stream', path: 'fake/data', stream: data(), done: Promise.resolve() } satisfies StreamEntry;
    },
    tags: () => ['engine=fake'],
  };
}

async function drain(src: Source): Promise<string> {
  let text = '';
  for await (const e of src.entries(new AbortController().signal)) {
    for await (const c of e.stream) text += Buffer.from(c).toString();
    await e.done;
  }
  return text;
}

test('guard: before and after hooks run around the entries, in order', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-guard-'));
  try {
    const log = join(dir, 'log');
    const src = guardSource(fakeSource(), {
      label: 'job t',
      hooks: { before: ['sh', '-c', `echo before >> ${log}`], after: ['sh', '-c', `echo after >> ${log}`] },
    });
    assert.equal(await drain(src), 'chunk0;chunk1;chunk2;');
    assert.equal(await readFile(log, 'utf8'), 'before\nafter\n');
    assert.deepEqual(src.tags!(), ['engine=fake']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('guard: a failing before hook yields nothing, carries its stderr, and after still runs', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-guard-'));
  try {
    const log = join(dir, 'log');
    const inner: string[] = [];
    const src = guardSource(fakeSource({ log: inner }), {
      label: 'job t',
      hooks: { before: ['sh', '-c', 'echo "app did not stop" >&2; exit 3'], after: ['sh', '-c', `echo after >> ${log}`] },
    });
    await assert.rejects(drain(src), (err: unknown) => {
      assert.ok(err instanceof SourceError);
      assert.equal(err.exitCode, 3);
      assert.match(err.message, /job t: before hook sh failed: exit code 3\napp did not stop/);
      return true;
    });
    assert.deepEqual(inner, []);
    assert.equal(await readFile(log, 'utf8'), 'after\n');

    // A failing after hook fails an otherwise good backup (the app may be down).
    const bad = guardSource(fakeSource(), { label: 'job t', hooks: { after: ['sh', '-c', 'exit 5'] } });
    await assert.rejects(drain(bad), /after hook sh failed: exit code 5/);
    // A missing hook command is named.
    const missing = guardSource(fakeSource(), { label: 'job t', hooks: { before: ['/nonexistent/hook'] } });
    await assert.rejects(drain(missing), /cannot run \/nonexistent\/hook: not found/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('guard: the job timeout aborts a slow source with a clear error; hook timeouts too', async () => {
  const slow = guardSource(fakeSource({ delayMs: 400 }), { label: 'job slow', timeoutMs: 200 });
  await assert.rejects(drain(slow), (err: unknown) => {
    assert.ok(err instanceof SourceError, String(err));
    assert.match(err.message, /job slow: timed out after 200 ms/);
    return true;
  });
  const hung = guardSource(fakeSource(), { label: 'job h', hooks: { before: ['sleep', '5'], timeoutMs: 200 } });
  await assert.rejects(drain(hung), /job h: before hook sleep timed out after 200 ms/);
});
