// Needs: the restic binary — not part of npm run test:unit.
// Stream backups: a command's stdout round-trips through dump byte-identical (and through
// restic's dump); a command that fails half-way leaves no snapshot and a clean repository;
// an abort stops the backup without a snapshot.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { AbortedError, SourceError } from '../../errors.ts';
import { initRepository } from '../../repo/open-repository.ts';
import { FAST_SCRYPT, restic, resticOk, tempDir } from '../../../test/support/repo.ts';
import { LocalStore } from '../../storage/local/local-store.ts';
import { commandStream } from '../../sources/command/command-stream.ts';
import type { StreamEntry } from '../../sources/types.ts';
import { dumpFile } from '../restorer/dump.ts';
import { listSnapshot } from '../restorer/snapshot-walk.ts';
import { backupStreams } from './stream-archiver.ts';
import { DUMP_CHUNKER } from '../../repo/chunker.ts';

const PW = 'stream-pw';

/** A node script (no shell) printing `mb` MiB of AES-CTR keystream, then exiting with `code`. */
function generator(mb: number, code: number): string[] {
  const js = `const c=require('crypto').createCipheriv('aes-256-ctr',Buffer.alloc(32,7),Buffer.alloc(16));` +
    `let n=${mb};const z=Buffer.alloc(1<<20);function w(){while(n>0){n--;if(!process.stdout.write(c.update(z)))return process.stdout.once('drain',w);}` +
    `process.stderr.write('generator failing on purpose\\n');process.stdout.end(()=>process.exit(${code}));}w();`;
  return [process.execPath, '-e', js];
}

function expectedHash(mb: number): string {
  const cipher = createCipheriv('aes-256-ctr', Buffer.alloc(32, 7), Buffer.alloc(16));
  const h = createHash('sha256');
  const z = Buffer.alloc(1 << 20);
  for (let i = 0; i < mb; i++) h.update(cipher.update(z));
  return h.digest('hex');
}

function hashSink(): { sink: Writable; digest: () => string; bytes: () => number } {
  const h = createHash('sha256');
  let n = 0;
  const sink = new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _enc, cb) { h.update(chunk); n += chunk.length; setImmediate(cb); },
  });
  return { sink, digest: () => h.digest('hex'), bytes: () => n };
}

/** sha256 of `restic dump` output, streamed (too big for execFile's buffer). */
function resticDumpHash(repoPath: string, id: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('restic', ['-r', repoPath, '--no-cache', 'dump', id, path], {
      env: { ...process.env, RESTIC_PASSWORD: PW }, stdio: ['ignore', 'pipe', 'inherit'],
    });
    const h = createHash('sha256');
    child.stdout.on('data', (b: Buffer) => h.update(b));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(h.digest('hex')) : reject(new Error(`restic dump exited ${code}`))));
  });
}

async function* one(e: StreamEntry): AsyncGenerator<StreamEntry> { yield e; }

test('a 50 MiB command stream round-trips through backupStreams and dump', async () => {
  await using tmp = await tempDir('lifeboat-stream-');
  const repoPath = join(tmp.path, 'repo');
  const repo = await initRepository(new LocalStore(repoPath, { noSync: true }), PW, { scrypt: FAST_SCRYPT });
  try {
    const entry = commandStream(generator(50, 0), { path: 'dumps/big.bin' });
    const r = await backupStreams(repo, one(entry), { tags: ['engine=test'] });
    assert.equal(r.stats.bytesRead, 50 << 20);
    assert.deepEqual(r.snapshot.paths, ['/dumps/big.bin']);
    const listed = [];
    for await (const e of listSnapshot(repo, r.snapshotId)) listed.push(`${e.path}:${e.node.type}:${e.node.size ?? 0}`);
    assert.deepEqual(listed, ['/dumps:dir:0', `/dumps/big.bin:file:${50 << 20}`]);

    const want = expectedHash(50);
    const { sink, digest, bytes } = hashSink();
    const d = await dumpFile(repo, 'latest', '/dumps/big.bin', sink);
    assert.equal(d.bytes, 50 << 20);
    assert.equal(bytes(), 50 << 20);
    assert.equal(digest(), want);

    // restic agrees on the content.
    await resticOk(repoPath, PW, ['check', '--read-data']);
    assert.equal(await resticDumpHash(repoPath, r.snapshotId, '/dumps/big.bin'), want);
  } finally {
    await repo.close();
  }
});

test('a stream command that exits 1 half-way fails the backup: SourceError, no snapshot, restic check clean', async () => {
  await using tmp = await tempDir('lifeboat-stream-fail-');
  const repoPath = join(tmp.path, 'repo');
  const repo = await initRepository(new LocalStore(repoPath, { noSync: true }), PW, { scrypt: FAST_SCRYPT });
  try {
    const entry = commandStream(generator(12, 1), { path: 'db.dump' });
    await assert.rejects(backupStreams(repo, one(entry)), (err: unknown) => {
      assert.ok(err instanceof SourceError, String(err));
      assert.equal(err.exitCode, 1);
      assert.match(err.stderrTail, /generator failing on purpose/);
      return true;
    });
    assert.deepEqual(await repo.listSnapshots(), []);
    const check = await restic(repoPath, PW, ['check']);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    // A missing program is a SourceError too.
    const missing = commandStream(['/nonexistent/program'], { path: 'x' });
    await assert.rejects(backupStreams(repo, one(missing)), SourceError);
  } finally {
    await repo.close();
  }
});

test('aborting a stream backup kills the command and writes no snapshot', async () => {
  await using tmp = await tempDir('lifeboat-stream-abort-');
  const repoPath = join(tmp.path, 'repo');
  const repo = await initRepository(new LocalStore(repoPath, { noSync: true }), PW, { scrypt: FAST_SCRYPT });
  try {
    const ac = new AbortController();
    const entry = commandStream(generator(10_000, 0), { path: 'endless', signal: ac.signal });
    const p = backupStreams(repo, one(entry), { signal: ac.signal, onProgress: () => {} });
    setTimeout(() => ac.abort(), 300);
    await assert.rejects(p, AbortedError);
    await assert.rejects(entry.done, SourceError);
    assert.deepEqual(await repo.listSnapshots(), []);
  } finally {
    await repo.close();
  }
  const check = await restic(repoPath, PW, ['check']);
  assert.equal(check.code, 0, check.stdout + check.stderr);
});

test('the dump chunker: restic checks and dumps its blobs, scattered row changes dedup, the snapshot names it', async () => {
  await using tmp = await tempDir('lifeboat-stream-dumpchunker-');
  const repoPath = join(tmp.path, 'repo');
  const repo = await initRepository(new LocalStore(repoPath, { noSync: true }), PW, { scrypt: FAST_SCRYPT });
  const rows = (day: number) => {
    const out: string[] = [];
    // 120,000 rows of ~70 bytes (8 MiB); on day 2 one row in 10,000 changes (scattered).
    for (let i = 0; i < 120_000; i++) out.push(`${i}\t${(i * 7919) % 100_003}\t${day === 2 && i % 10_000 === 7 ? 'changed' : 'original'}\tpadding-${(i * 31) % 977}-${'x'.repeat(i % 23)}\n`);
    return Buffer.from(out.join(''));
  };
  async function* bytes(b: Buffer) { for (let o = 0; o < b.length; o += 65536) yield b.subarray(o, o + 65536); }
  const entry = (b: Buffer): StreamEntry => ({ kind: 'stream', path: 'db.sql', stream: bytes(b), done: Promise.resolve() });
  try {
    const day1 = await backupStreams(repo, one(entry(rows(1))), { chunker: DUMP_CHUNKER });
    assert.equal(day1.snapshot.lifeboat_chunker, DUMP_CHUNKER.name);
    const sizes = [...repo.listBlobs()].filter((b) => b.type === 'data').map((b) => b.uncompressedLength ?? b.length - 32);
    assert.ok(sizes.length >= 16, `${sizes.length} chunks`);
    assert.ok(sizes.every((n) => n <= DUMP_CHUNKER.maxSize), 'no chunk above the maximum');
    assert.ok(sizes.filter((n) => n < DUMP_CHUNKER.minSize).length <= 1, 'only the last chunk below the minimum');
    const day2 = await backupStreams(repo, one(entry(rows(2))), { chunker: DUMP_CHUNKER });
    const restic1 = await backupStreams(repo, one(entry(rows(2))), {});
    assert.equal(restic1.snapshot.lifeboat_chunker, undefined, 'the default is restic\'s and goes unrecorded');
    // 12 changed rows in 8 MiB: most 48 KiB chunks stay unchanged; restic's 1.5 MiB ones do not.
    assert.ok(day2.stats.blobsKnown > day2.stats.blobsNew, `known ${day2.stats.blobsKnown}, new ${day2.stats.blobsNew}`);
    await resticOk(repoPath, PW, ['check', '--read-data']);
    const want = createHash('sha256').update(rows(2)).digest('hex');
    assert.equal(await resticDumpHash(repoPath, day2.snapshotId, '/db.sql'), want);
  } finally {
    await repo.close();
  }
});
