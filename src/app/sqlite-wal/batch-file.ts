// One shipped batch of SQLite WAL frames: a file `wal/<job>/<name>` (src/repo/wal-files.ts seals
// it with the repository's keys). The name says everything needed to order, select and check
// batches without opening them:
//
//   <generation>.<seq>.<salt-1>.<first frame>-<last frame>.<observed ms>
//   1764621234567-3fa2c1.0000000042.9c2e01d7.1201-1264.1764621299123
//
// generation: creation ms + random (sorts by creation); seq: the batch's number in its
// generation, from 0, no gaps; salt-1 (hex) of the WAL the frames belong to; the frame range in
// that WAL; the time (ms since the epoch) taken after the frames were read, so every transaction
// in the batch committed before it. Content: a u32 length, a JSON header (the same facts plus
// salt-2 and the page size), then the frames exactly as in the -wal file (24-byte header + page).

import { IntegrityError } from '../../errors.ts';

export interface BatchInfo {
  generation: string;
  seq: number;
  salt1: number;
  firstFrame: number;
  lastFrame: number;
  observedMs: number;
}

export interface BatchHeader extends BatchInfo {
  format: 'lifeboat-sqlite-wal-1';
  salt2: number;
  pageSize: number;
  dbPages: number;
}

const NAME = /^(\d{13}-[0-9a-f]{6})\.(\d{10})\.([0-9a-f]{8})\.(\d+)-(\d+)\.(\d{13})$/;

export function newGeneration(now: Date): string {
  const rand = Math.floor(Math.random() * 0x1000000).toString(16).padStart(6, '0');
  return `${String(now.getTime()).padStart(13, '0')}-${rand}`;
}

export function batchFileName(b: BatchInfo): string {
  return `${b.generation}.${String(b.seq).padStart(10, '0')}.${(b.salt1 >>> 0).toString(16).padStart(8, '0')}.` +
    `${b.firstFrame}-${b.lastFrame}.${String(b.observedMs).padStart(13, '0')}`;
}

/** The facts of a batch file's name (without the `<job>/` group); undefined for other files. */
export function parseBatchFileName(file: string): BatchInfo | undefined {
  const m = NAME.exec(file);
  if (!m) return undefined;
  return { generation: m[1]!, seq: Number(m[2]), salt1: parseInt(m[3]!, 16), firstFrame: Number(m[4]), lastFrame: Number(m[5]), observedMs: Number(m[6]) };
}

export function encodeBatch(h: BatchHeader, frames: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(h));
  const out = new Uint8Array(4 + json.length + frames.length);
  new DataView(out.buffer).setUint32(0, json.length);
  out.set(json, 4);
  out.set(frames, 4 + json.length);
  return out;
}

export function decodeBatch(name: string, content: Uint8Array): { header: BatchHeader; frames: Uint8Array } {
  if (content.length < 4) throw new IntegrityError(`wal/${name}: truncated batch`);
  const len = new DataView(content.buffer, content.byteOffset, content.byteLength).getUint32(0);
  let header: BatchHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(content.subarray(4, 4 + len))) as BatchHeader;
  } catch (e) {
    throw new IntegrityError(`wal/${name}: unreadable batch header`, { cause: e });
  }
  if (header.format !== 'lifeboat-sqlite-wal-1') throw new IntegrityError(`wal/${name}: unknown batch format ${JSON.stringify(header.format)}`);
  return { header, frames: content.subarray(4 + len) };
}

/**
 * Breaks in a generation's sequence of batches (sorted by seq): a missing seq, or frames that do
 * not follow on (the next frame of the same WAL, or frame 1 of the WAL whose salt-1 is one more).
 */
export function continuityProblems(batches: readonly BatchInfo[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < batches.length; i++) {
    const a = batches[i - 1]!;
    const b = batches[i]!;
    if (b.seq !== a.seq + 1) {
      out.push(`generation ${a.generation}: batches ${a.seq + 1}–${b.seq - 1} missing (between ${batchFileName(a)} and ${batchFileName(b)})`);
      continue;
    }
    const follows = (b.salt1 === a.salt1 && b.firstFrame === a.lastFrame + 1) || (b.salt1 === ((a.salt1 + 1) >>> 0) && b.firstFrame === 1);
    if (!follows) out.push(`generation ${a.generation}: batch ${b.seq} does not follow batch ${a.seq} (frames ${a.lastFrame} → ${b.firstFrame})`);
  }
  return out;
}
