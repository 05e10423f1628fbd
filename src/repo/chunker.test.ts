// Needs: the restic binary — not part of npm run test:unit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CHUNK_MAX_SIZE, CHUNK_MIN_SIZE, Chunker, ChunkScanner, chunkStream, chunkerTables,
} from './chunker.ts';
import type { ChunkerTables } from './chunker.ts';
import { pseudoRandom } from '../../test/support/random-data.ts';

const run = promisify(execFile);
const MiB = 1024 * 1024;
const TEST_POL = 0x3da3358b4dc173n; // the example polynomial from restic's design doc


/** Random blocks separated by long zero runs: zero windows have digest 0, so cuts land at the minimum. */
function zeroRuns(seed: number): Uint8Array {
  const out = new Uint8Array(20 * MiB);
  const rnd = pseudoRandom(out.length, seed);
  for (let off = 0; off < out.length; off += 4 * MiB) out.set(rnd.subarray(off, off + 700 * 1024), off);
  return out;
}

/** A repeated 4 KiB block has only 4096 distinct windows, so (almost surely) only forced 8 MiB cuts. */
function periodic(seed: number): Uint8Array {
  const block = pseudoRandom(4096, seed);
  const out = new Uint8Array(20 * MiB + 12345);
  for (let off = 0; off < out.length; off += block.length) out.set(block.subarray(0, out.length - off), off);
  return out;
}

function chunkAll(data: Uint8Array, tables: ChunkerTables, step = data.length): Uint8Array[] {
  const c = new Chunker(tables);
  const chunks: Uint8Array[] = [];
  for (let off = 0; off < data.length; off += step) chunks.push(...c.push(data.subarray(off, off + step)));
  const last = c.finish();
  if (last) chunks.push(last);
  return chunks;
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const lengths = (cs: Uint8Array[]) => cs.map((c) => c.length);

/**
 * Restic's chunker written literally from the design doc with BigInt: reset, shift in a 1,
 * skip min−64 bytes, then roll over a 64-byte window. Slow, but independent of the fast path.
 */
function referenceCuts(data: Uint8Array, pol: bigint): number[] {
  const deg = pol.toString(2).length - 1;
  // Reduce a value of degree < deg + 8 by clearing its top bits one at a time.
  const top = Array.from({ length: 8 }, (_, j) => 1n << BigInt(deg + 7 - j));
  const sub = Array.from({ length: 8 }, (_, j) => pol << BigInt(7 - j));
  const reduce8 = (a: bigint) => {
    for (let j = 0; j < 8; j++) if (a >= top[j]!) a ^= sub[j]!;
    return a;
  };
  // b·x^(8·63) mod P by appending 63 zero bytes, once per byte value.
  const outOf = Array.from({ length: 256 }, (_, b) => {
    let h = BigInt(b);
    for (let k = 0; k < 63; k++) h = reduce8(h << 8n);
    return h;
  });
  const cuts: number[] = [];
  let start = 0;
  while (start < data.length) {
    const win = new Uint8Array(64);
    let wpos = 0;
    const slide = (d: bigint, b: number) => {
      const out = win[wpos]!;
      win[wpos] = b;
      wpos = (wpos + 1) % 64;
      return reduce8(((d ^ outOf[out]!) << 8n) | BigInt(b));
    };
    let digest = slide(0n, 1);
    let end = Math.min(data.length, start + CHUNK_MAX_SIZE);
    for (let i = start + CHUNK_MIN_SIZE - 64; i < end; i++) {
      digest = slide(digest, data[i]!);
      if (i + 1 - start >= CHUNK_MIN_SIZE && (digest & 0xfffffn) === 0n) { end = i + 1; break; }
    }
    cuts.push(end);
    start = end;
  }
  return cuts;
}

test('tables for the design-doc polynomial reduce the overflow byte exactly', () => {
  const t = chunkerTables(TEST_POL);
  assert.equal(t.degree, 53);
  for (let b = 0; b < 256; b++) {
    assert.equal(t.modHi[b]! >>> 21, b, `mod[${b}] carries b·x^53`);
    assert.ok(t.outHi[b]! >>> 0 < 1 << 21, `out[${b}] is reduced`);
  }
  assert.equal(t.outHi[0], 0);
  assert.equal(t.outLo[0], 0);
  assert.throws(() => chunkerTables(0x1234n), /degree 12/);
});

test('fast scanner matches a BigInt reference of restic\'s algorithm (pol 0x3DA3358B4DC173)', () => {
  const t = chunkerTables(TEST_POL);
  const data = pseudoRandom(5 * MiB + 777, 42);
  const ours = chunkAll(data, t);
  const cuts = ours.reduce<number[]>((acc, c) => [...acc, (acc.at(-1) ?? 0) + c.length], []);
  assert.ok(ours.length >= 3, `expected several chunks, got ${ours.length}`);
  assert.deepEqual(cuts, referenceCuts(data, TEST_POL));
  assert.ok(ours.slice(0, -1).every((c) => c.length >= CHUNK_MIN_SIZE && c.length <= CHUNK_MAX_SIZE));
});

test('input buffer sizes do not change the chunks', async () => {
  const t = chunkerTables(TEST_POL);
  const data = pseudoRandom(4 * MiB + 3, 7);
  const whole = chunkAll(data, t).map(sha);
  assert.ok(whole.length >= 2);
  for (const step of [1, 7, 63, 64, 65, 4096, MiB]) {
    assert.deepEqual(chunkAll(data, t, step).map(sha), whole, `push step ${step}`);
  }
  // Buffers handed to push() may be reused by the caller afterwards.
  const c = new Chunker(t);
  const scratch = new Uint8Array(100_000);
  const got: Uint8Array[] = [];
  for (let off = 0; off < data.length; off += scratch.length) {
    const n = Math.min(scratch.length, data.length - off);
    scratch.set(data.subarray(off, off + n));
    got.push(...c.push(scratch.subarray(0, n)));
    scratch.fill(0xee);
  }
  got.push(c.finish()!);
  assert.deepEqual(got.map(sha), whole);

  async function* pieces(step: number) {
    // Copies, as a reader hands out: the test below scribbles on the chunks it gets.
    for (let off = 0; off < data.length; off += step) yield data.slice(off, off + step);
  }
  for (const step of [7, 1000, MiB, 3 * MiB]) {
    const streamed: string[] = [];
    const buffers = new Set<ArrayBufferLike>();
    for await (const chunk of chunkStream(pieces(step), t)) {
      streamed.push(sha(chunk));
      buffers.add(chunk.buffer);
      // A chunk is only valid until the next is asked for: scribbling on it must not change
      // the chunks that follow (the accumulator is refilled, views of the input are passed by).
      chunk.fill(0xa5);
    }
    assert.deepEqual(streamed, whole, `stream step ${step}`);
    // No buffer per chunk: chunks are views of the input or of the one reused accumulator.
    assert.ok(buffers.size <= 2 + Math.ceil(data.length / step), `step ${step}: ${buffers.size} buffers for ${whole.length} chunks`);
  }
});

test('small, empty and boundary-sized inputs', async () => {
  const t = chunkerTables(TEST_POL);
  assert.deepEqual(chunkAll(new Uint8Array(0), t), []);
  const none: Uint8Array[] = [];
  for await (const c of chunkStream((async function* () { yield new Uint8Array(0); })(), t)) none.push(c);
  assert.deepEqual(none, []);
  for (const n of [1, CHUNK_MIN_SIZE - 1, CHUNK_MIN_SIZE]) {
    assert.deepEqual(lengths(chunkAll(pseudoRandom(n, n), t)), [n]);
  }
  // Zero windows have digest 0, so zero data cuts at exactly the minimum size.
  assert.deepEqual(lengths(chunkAll(new Uint8Array(CHUNK_MIN_SIZE * 2 + 5), t)), [CHUNK_MIN_SIZE, CHUNK_MIN_SIZE, 5]);
  // No candidate in a periodic block: forced cuts at the maximum.
  assert.deepEqual(lengths(chunkAll(periodic(3), t)), [CHUNK_MAX_SIZE, CHUNK_MAX_SIZE, 20 * MiB + 12345 - 2 * CHUNK_MAX_SIZE]);
});

test('chunkStream stops on abort', async () => {
  const t = chunkerTables(TEST_POL);
  const ac = new AbortController();
  async function* src() {
    for (let i = 0; i < 100; i++) {
      if (i === 3) ac.abort();
      yield new Uint8Array(MiB);
    }
  }
  await assert.rejects(async () => { for await (const _ of chunkStream(src(), t, ac.signal)) { /* drain */ } }, { code: 'aborted' });
});

test('ChunkScanner reports the same boundaries without copying', () => {
  const t = chunkerTables(TEST_POL);
  const data = pseudoRandom(3 * MiB, 9);
  const s = new ChunkScanner(t);
  const cuts: number[] = [];
  for (let pos = 0, cut; (cut = s.scan(data, pos)) >= 0; pos = cut) cuts.push(cut);
  cuts.push(cuts.at(-1)! + s.pending);
  assert.equal(cuts.at(-1), data.length);
  let end = 0;
  assert.deepEqual(cuts, chunkAll(data, t).map((c) => (end += c.length)));
});

// ---- restic as the oracle ----

async function restic(repo: string, args: string[], cwd?: string): Promise<string> {
  const { stdout } = await run('restic', ['-r', repo, ...args], {
    cwd, env: { ...process.env, RESTIC_PASSWORD: 'x' }, maxBuffer: 64 * MiB,
  });
  return stdout;
}

interface Node { name: string; type: string; content?: string[] | null; subtree?: string }

async function fileContents(repo: string, tree: string, out = new Map<string, string[]>()): Promise<Map<string, string[]>> {
  const { nodes } = JSON.parse(await restic(repo, ['cat', 'blob', tree])) as { nodes: Node[] };
  for (const n of nodes) {
    if (n.type === 'dir' && n.subtree) await fileContents(repo, n.subtree, out);
    if (n.type === 'file') out.set(n.name, n.content ?? []);
  }
  return out;
}

test('chunk IDs equal restic\'s blob IDs for the repo polynomial', { timeout: 180_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-chunker-'));
  try {
    const repo = join(dir, 'repo');
    const src = join(dir, 'src');
    await mkdir(src);
    await restic(repo, ['init', '-q']);
    const config = JSON.parse(await restic(repo, ['cat', 'config'])) as { chunker_polynomial: string };
    const tables = chunkerTables(BigInt('0x' + config.chunker_polynomial));

    const files: Record<string, Uint8Array> = {
      'random.bin': pseudoRandom(32 * MiB + 4321, 20261201),
      'zero-runs.bin': zeroRuns(11),
      'periodic.bin': periodic(5),
      'just-over-min.bin': pseudoRandom(CHUNK_MIN_SIZE + 100, 13),
      'min.bin': pseudoRandom(CHUNK_MIN_SIZE, 17),
      'small.txt': new TextEncoder().encode('hello lifeboat\n'),
      'empty': new Uint8Array(0),
    };
    for (const [name, data] of Object.entries(files)) await writeFile(join(src, name), data);
    await restic(repo, ['backup', '-q', '.'], src);
    const [snap] = JSON.parse(await restic(repo, ['snapshots', '--json'])) as { tree: string }[];
    const contents = await fileContents(repo, snap!.tree);

    for (const [name, data] of Object.entries(files)) {
      const ours = chunkAll(data, tables, 65536).map(sha);
      assert.deepEqual(ours, contents.get(name), `${name} (pol ${config.chunker_polynomial})`);
    }
    assert.ok(contents.get('random.bin')!.length >= 10, 'random file split into many chunks');
    assert.ok(contents.get('zero-runs.bin')!.length >= 10);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
