// lateTags: a source's tags (versions, sizes) are complete only after its entries drained, so
// backupStreams evaluates them just before building the snapshot.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initRepository } from '../../repo/open-repository.ts';
import { FAST_SCRYPT } from '../../../test/support/repo.ts';
import { MemoryStore } from '../../storage/memory/memory-store.ts';
import type { StreamEntry } from '../../sources/types.ts';
import { backupStreams } from './stream-archiver.ts';

test('lateTags are read after the entries drained and appended to tags without duplicates', async () => {
  const repo = await initRepository(new MemoryStore(), 'pw', { scrypt: FAST_SCRYPT });
  let drained = false;
  async function* entries(): AsyncGenerator<StreamEntry> {
    async function* data(): AsyncGenerator<Uint8Array> { yield Buffer.from('hello'); drained = true; }
    yield { kind: 'stream', path: 'x/dump.bin', stream: data(), done: Promise.resolve() };
  }
  let calledAfterDrain: boolean | undefined;
  const r = await backupStreams(repo, entries(), {
    tags: ['job=a', 'engine=x'],
    lateTags: () => { calledAfterDrain = drained; return ['engine=x', 'size=5']; },
  });
  assert.equal(calledAfterDrain, true);
  assert.deepEqual(r.snapshot.tags, ['job=a', 'engine=x', 'size=5']);
  const [stored] = await repo.listSnapshots();
  assert.deepEqual(stored!.snapshot.tags, ['job=a', 'engine=x', 'size=5']);
  await repo.close();
});
