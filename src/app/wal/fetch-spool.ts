// wal-fetch's prefetch spool: segments fetched ahead of PostgreSQL's call for them (archive.ts),
// kept beside the call's destination, `<folder of %p>/lifeboat-prefetch/<segment>.<sha256>`
// (pg_wal/lifeboat-prefetch/ during recovery: PostgreSQL's own user writes it, and a rename
// into %p stays on one file system). Each spooled file came out of loadWalFile (decrypted,
// authenticated, name-bound) and was written atomically under its SHA-256; a later call for it
// re-hashes it and renames it into place before loading the config or deriving a key, so a
// spooled fetch costs a process start and one hash. A file that no longer hashes to its name
// (damaged, truncated, edited) is removed and the ordinary fetch runs.
// Light on purpose: node modules and pure name functions only.

import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { walFileKind } from '../../core/wal-names.ts';

export const PREFETCH_FOLDER = 'lifeboat-prefetch';

export function prefetchDirFor(dest: string): string {
  return join(dirname(dest), PREFETCH_FOLDER);
}

function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

const SPOOLED = /^([0-9A-F]{8})([0-9A-F]{16})\.([0-9a-f]{64})$/;

/**
 * Serves `file` from the spool into `dest` when a verified copy is there; true when served.
 * Also tidies: segments before `file` go (PostgreSQL replays forward and will not ask again),
 * and a request for a timeline history file empties the spool (PostgreSQL asks for those at
 * the start of recovery and when it ends, to pick the next timeline: what is left is unused).
 */
export async function serveFromPrefetch(file: string, dest: string): Promise<boolean> {
  const spool = prefetchDirFor(dest);
  const kind = walFileKind(file);
  if (kind === 'history') {
    await rm(spool, { recursive: true, force: true }).catch(() => {});
    return false;
  }
  if (kind !== 'segment') return false;
  let entries: string[];
  try { entries = await readdir(spool); } catch { return false; }
  await tidyPrefetch(spool, file, false, entries);
  const mine = entries.find((e) => e.startsWith(`${file}.`) && SPOOLED.test(e));
  if (!mine) return false;
  const path = join(spool, mine);
  try {
    const content = await readFile(path);
    if (sha256(content) !== SPOOLED.exec(mine)![3]) throw new Error('damaged');
    await rename(path, dest);
  } catch {
    await unlink(path).catch(() => {});
    return false;
  }
  await tidyPrefetch(spool, file, true, entries.filter((e) => e !== mine));
  return true;
}

/**
 * Removes spooled segments before `file`, and once `file` was found (PostgreSQL now follows its
 * timeline), those of older timelines. Left-over temporary files of an interrupted write go too.
 */
export async function tidyPrefetch(spool: string, file: string, found: boolean, entries?: string[]): Promise<void> {
  const tli = file.slice(0, 8);
  const pos = file.slice(8);
  let list = entries;
  if (!list) { try { list = await readdir(spool); } catch { return; } }
  for (const e of list) {
    const m = SPOOLED.exec(e);
    const stale = m ? m[2]! < pos || (found && m[1]! < tli) : e.startsWith('.') && e.endsWith('.tmp') && !e.includes(`.${process.pid}.`);
    if (stale) await unlink(join(spool, e)).catch(() => {});
  }
}

/** The names of spooled (verified-when-written) segments, for skipping what is already there. */
export async function spooledSegments(spool: string): Promise<Set<string>> {
  try {
    return new Set((await readdir(spool)).map((e) => SPOOLED.exec(e)).filter((m) => m !== null).map((m) => `${m[1]}${m[2]}`));
  } catch {
    return new Set();
  }
}

/**
 * Writes one verified segment into the spool atomically, named by its hash. Not flushed to disk:
 * a file torn by a crash no longer matches its name and is not served, and 16 MiB fsyncs for
 * segments recovery may never ask for cost more than they save.
 */
export async function spoolSegment(spool: string, file: string, content: Uint8Array): Promise<void> {
  await mkdir(spool, { recursive: true, mode: 0o700 });
  const tmp = join(spool, `.${file}.${process.pid}.tmp`);
  try {
    await writeFile(tmp, content);
    await rename(tmp, join(spool, `${file}.${sha256(content)}`));
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
}

/**
 * The `count` segments after `file` on its timeline. The segment size is the fetched file's
 * own (wal_segment_size: a power of two, 1 MiB to 1 GiB); anything else: none.
 */
export function segmentsAfter(file: string, segmentSize: number, count: number): string[] {
  if (walFileKind(file) !== 'segment') return [];
  if (segmentSize < 1 << 20 || segmentSize > 1 << 30 || (segmentSize & (segmentSize - 1)) !== 0) return [];
  const per = 0x100000000 / segmentSize;
  const id = parseInt(file.slice(8, 16), 16);
  const seg = parseInt(file.slice(16, 24), 16);
  if (seg >= per) return [];
  const hex8 = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');
  const out: string[] = [];
  for (let i = 1; i <= count; i++) {
    const n = seg + i;
    const nid = id + Math.floor(n / per);
    if (nid > 0xffffffff) break;
    out.push(`${file.slice(0, 8)}${hex8(nid)}${hex8(n % per)}`);
  }
  return out;
}
