// The one contract every Storage must pass (memory, local, S3, and wrappers over them).
// Registers node:test tests; a test file calls it with a factory for fresh, uncreated stores.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { FileInfo, FileType, Handle, Storage } from '../../src/storage/types.ts';
import { AbortedError, NotFoundError, StorageError } from '../../src/errors.ts';

export interface StoreUnderTest {
  /** A fresh store whose repository has not been created yet. */
  store: Storage;
  cleanup: () => Promise<void>;
}

export interface ContractOptions {
  /** Size of the large-file test; 20 MiB by default. */
  largeBytes?: number;
  /** Per-test timeout in ms (S3 through faults needs more). */
  timeout?: number;
}

function hex(bytes = 32): string {
  return randomBytes(bytes).toString('hex');
}

function sha(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

async function collect(it: AsyncIterable<FileInfo>): Promise<FileInfo[]> {
  const out: FileInfo[] = [];
  for await (const f of it) out.push(f);
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Content-addressed file: its name is the sha256 of its bytes, as in a real repository. */
function blobFile(type: FileType, size: number): { h: Handle; data: Uint8Array } {
  const data = new Uint8Array(randomBytes(size));
  return { h: { type, name: sha(data) }, data };
}

export function storageContractSuite(name: string, makeStore: () => Promise<StoreUnderTest>, options: ContractOptions = {}): void {
  const large = options.largeBytes ?? 20 * 1024 * 1024;
  const timeout = options.timeout ?? 60_000;

  async function withStore(fn: (s: Storage) => Promise<void>): Promise<void> {
    const { store, cleanup } = await makeStore();
    try {
      await store.create();
      await fn(store);
    } finally {
      await store.close().catch(() => {});
      await cleanup();
    }
  }

  describe(`storage contract: ${name}`, { timeout }, () => {
    test('create, then config round-trips; a second create fails', () => withStore(async (s) => {
      await assert.rejects(s.load({ type: 'config', name: '' }), NotFoundError);
      assert.deepEqual(await collect(s.list('config')), []);
      const cfg = new Uint8Array(randomBytes(155));
      await s.save({ type: 'config', name: 'ignored' }, cfg);
      assert.deepEqual(await s.load({ type: 'config', name: '' }), cfg);
      assert.equal((await s.stat({ type: 'config', name: '' })).size, 155);
      await assert.rejects(s.create(), (e: unknown) => e instanceof StorageError && e.permanent && /config/.test(e.message));
      assert.ok(typeof s.location === 'string' && s.location.length > 0);
    }));

    test('every file type saves, loads, stats and lists separately', () => withStore(async (s) => {
      const types: FileType[] = ['key', 'lock', 'snapshot', 'index', 'data'];
      const saved = new Map<FileType, { h: Handle; data: Uint8Array }[]>();
      for (const t of types) {
        const files = [blobFile(t, 10), blobFile(t, 1000), blobFile(t, 4097)];
        saved.set(t, files);
        for (const f of files) await s.save(f.h, f.data);
      }
      for (const t of types) {
        const files = saved.get(t)!;
        for (const f of files) {
          const got = await s.load(f.h);
          assert.equal(sha(got), f.h.name, `${t} content`);
          assert.deepEqual(await s.stat(f.h), { name: f.h.name, size: f.data.length });
        }
        const want = files.map((f) => ({ name: f.h.name, size: f.data.length }))
          .sort((a, b) => (a.name < b.name ? -1 : 1));
        assert.deepEqual(await collect(s.list(t)), want, `list ${t}`);
      }
      assert.deepEqual(await collect(s.list('config')), []);
    }));

    test('wal files live in GROUP/FILE folders, list with their group, and bad names are refused', () => withStore(async (s) => {
      await s.save({ type: 'config', name: '' }, new Uint8Array([1]));
      const files = [
        { h: { type: 'wal' as const, name: 'pg-main/000000010000000000000001' }, data: new Uint8Array(randomBytes(300)) },
        { h: { type: 'wal' as const, name: 'pg-main/00000002.history' }, data: new Uint8Array(randomBytes(10)) },
        { h: { type: 'wal' as const, name: 'app-db/generation-1' }, data: new Uint8Array(randomBytes(5000)) },
      ];
      for (const f of files) await s.save(f.h, f.data);
      for (const f of files) assert.equal(sha(await s.load(f.h)), sha(f.data));
      assert.deepEqual((await collect(s.list('wal'))).map((f) => f.name), files.map((f) => f.h.name).sort());
      // restic's own types do not see them.
      for (const t of ['data', 'index', 'snapshot'] as const) assert.deepEqual(await collect(s.list(t)), []);
      await s.remove(files[0]!.h);
      await assert.rejects(s.load(files[0]!.h), NotFoundError);
      for (const name of ['flat', 'a/b/c', '../x', 'a/..', '/x']) {
        await assert.rejects(s.save({ type: 'wal', name }, new Uint8Array(1)), (e: unknown) => e instanceof StorageError && e.permanent, name);
      }
    }));

    test('ranges: start, middle, end, empty; past the end is a permanent error', () => withStore(async (s) => {
      const f = blobFile('data', 100_000);
      await s.save(f.h, f.data);
      assert.deepEqual(await s.load(f.h, { offset: 0, length: 10 }), f.data.subarray(0, 10));
      assert.deepEqual(await s.load(f.h, { offset: 4321, length: 50_000 }), f.data.subarray(4321, 54_321));
      assert.deepEqual(await s.load(f.h, { offset: 99_996, length: 4 }), f.data.subarray(99_996));
      assert.deepEqual(await s.load(f.h, { offset: 0, length: 100_000 }), f.data);
      assert.equal((await s.load(f.h, { offset: 500, length: 0 })).length, 0);
      await assert.rejects(s.load(f.h, { offset: 99_990, length: 11 }), (e: unknown) => e instanceof StorageError && e.permanent);
      await assert.rejects(s.load(f.h, { offset: 200_000, length: 1 }), (e: unknown) => e instanceof StorageError && e.permanent);
      await assert.rejects(s.load({ type: 'data', name: hex() }, { offset: 0, length: 1 }), NotFoundError);
    }));

    test('a caller buffer given to load: the result is right whether the store fills it or not', () => withStore(async (s) => {
      const f = blobFile('data', 100_000);
      await s.save(f.h, f.data);
      const into = new Uint8Array(new SharedArrayBuffer(60_000)).fill(0xee);
      const got = await s.load(f.h, { offset: 1000, length: 50_000 }, undefined, into);
      assert.deepEqual(Buffer.from(got), Buffer.from(f.data.subarray(1000, 51_000)));
      if (got.buffer === into.buffer) assert.equal(into[50_000], 0xee, 'wrote past the range');
      // Too small a buffer is not written past: the store allocates instead.
      const small = new Uint8Array(10).fill(0xee);
      assert.deepEqual(Buffer.from(await s.load(f.h, { offset: 0, length: 100 }, undefined, small)), Buffer.from(f.data.subarray(0, 100)));
      await assert.rejects(s.load({ type: 'data', name: hex() }, { offset: 0, length: 1 }, undefined, into), NotFoundError);
    }));

    test('missing files: load and stat throw NotFoundError, remove is quiet', () => withStore(async (s) => {
      for (const t of ['key', 'lock', 'snapshot', 'index', 'data'] as FileType[]) {
        const h = { type: t, name: hex() };
        await assert.rejects(s.load(h), NotFoundError);
        await assert.rejects(s.stat(h), NotFoundError);
        await s.remove(h);
        assert.deepEqual(await collect(s.list(t)), []);
      }
    }));

    test('remove deletes exactly one file', () => withStore(async (s) => {
      const a = blobFile('snapshot', 300);
      const b = blobFile('snapshot', 301);
      const d = blobFile('data', 302);
      await s.save(a.h, a.data);
      await s.save(b.h, b.data);
      await s.save(d.h, d.data);
      await s.remove(a.h);
      await assert.rejects(s.load(a.h), NotFoundError);
      assert.deepEqual(await s.load(b.h), b.data);
      assert.deepEqual((await collect(s.list('snapshot'))).map((f) => f.name), [b.h.name]);
      await s.remove(d.h);
      assert.deepEqual(await collect(s.list('data')), []);
      await s.remove(d.h);
    }));

    test('saving the same name again with the same bytes is allowed', () => withStore(async (s) => {
      const f = blobFile('index', 5000);
      await s.save(f.h, f.data);
      await s.save(f.h, f.data);
      assert.deepEqual(await s.load(f.h), f.data);
      assert.equal((await collect(s.list('index'))).length, 1);
    }));

    test('empty files and caller buffer reuse', () => withStore(async (s) => {
      const h = { type: 'lock' as const, name: hex() };
      await s.save(h, new Uint8Array(0));
      assert.equal((await s.load(h)).length, 0);
      assert.equal((await s.stat(h)).size, 0);
      const buf = new Uint8Array(randomBytes(64));
      const copy = buf.slice();
      const h2 = { type: 'lock' as const, name: hex() };
      await s.save(h2, buf);
      buf.fill(0); // the store must not alias the caller's buffer
      const got = await s.load(h2);
      assert.deepEqual(got, copy);
      got.fill(1); // nor hand out its own storage
      assert.deepEqual(await s.load(h2), copy);
    }));

    test('concurrent saves across many data folders all land', () => withStore(async (s) => {
      const files = Array.from({ length: 60 }, (_, i) => blobFile('data', 1000 + i * 37));
      await Promise.all(files.map((f) => s.save(f.h, f.data)));
      const listed = await collect(s.list('data'));
      assert.deepEqual(listed, files.map((f) => ({ name: f.h.name, size: f.data.length }))
        .sort((a, b) => (a.name < b.name ? -1 : 1)));
      const loaded = await Promise.all(files.map((f) => s.load(f.h)));
      loaded.forEach((b, i) => assert.equal(sha(b), files[i].h.name));
    }));

    test(`large file (${large} bytes) round-trips, with a range across the middle`, () => withStore(async (s) => {
      const f = blobFile('data', large);
      await s.save(f.h, f.data);
      assert.equal((await s.stat(f.h)).size, large);
      assert.equal(sha(await s.load(f.h)), f.h.name);
      const off = Math.floor(large / 2) - 12345;
      assert.deepEqual(await s.load(f.h, { offset: off, length: 1 << 20 }), f.data.subarray(off, off + (1 << 20)));
    }));

    test('an aborted signal stops save, load and list', () => withStore(async (s) => {
      const ac = new AbortController();
      ac.abort();
      const f = blobFile('data', 1000);
      await assert.rejects(s.save(f.h, f.data, ac.signal), AbortedError);
      await assert.rejects(s.stat(f.h), NotFoundError);
      await s.save(f.h, f.data);
      await assert.rejects(s.load(f.h, undefined, ac.signal), AbortedError);
      await assert.rejects(collect(s.list('data', ac.signal)), AbortedError);
    }));

    test('a save aborted mid-way leaves all of the file or none of it', () => withStore(async (s) => {
      const f = blobFile('data', Math.min(large, 8 * 1024 * 1024));
      const ac = new AbortController();
      const p = s.save(f.h, f.data, ac.signal);
      setTimeout(() => ac.abort(), 1);
      const outcome = await p.then(() => 'saved', (e: unknown) => {
        assert.ok(e instanceof AbortedError, `expected AbortedError, got ${String(e)}`);
        return 'aborted';
      });
      if (outcome === 'saved') {
        assert.equal(sha(await s.load(f.h)), f.h.name);
      } else {
        // Either absent, or (a store that cannot cancel in time) complete: never partial.
        try {
          assert.equal(sha(await s.load(f.h)), f.h.name);
        } catch (e) {
          assert.ok(e instanceof NotFoundError, String(e));
        }
      }
      const names = (await collect(s.list('data'))).map((x) => x.name);
      assert.ok(names.length <= 1 && names.every((n) => n === f.h.name), `stray files: ${names.join(',')}`);
    }));
  });
}
