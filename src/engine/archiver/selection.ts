// What a backup leaves out beyond --exclude, with restic 0.14's rules (cmd/restic/exclude.go):
// - --iexclude: patterns matched ignoring case;
// - --exclude-if-present NAME[:HEADER]: everything in a directory holding NAME (which starts
//   with HEADER, when given) except NAME itself; --exclude-caches is this with CACHEDIR.TAG and
//   its standard signature;
// - --exclude-larger-than SIZE: files (not directories) larger than SIZE;
// - --one-file-system: items on another device than the target they are under, except the
//   mount point directory itself (kept, empty).

import type { BigIntStats } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../../errors.ts';
import { createPathFilter } from '../fs-meta/path-filter.ts';

export const CACHEDIR_TAG = 'CACHEDIR.TAG:Signature: 8a477f597d28d172789f06886806bc55';

export interface SelectionOptions {
  iexcludes?: string[];
  excludeIfPresent?: string[];
  excludeCaches?: boolean;
  /** Bytes. */
  excludeLargerThan?: number;
  oneFileSystem?: boolean;
}

export interface Selection {
  /** True when the item at this absolute path is left out, judged by its name and its directory. */
  rejectsName(path: string): Promise<boolean>;
  /** True when the item is left out, judged by its metadata. */
  rejectsStat(path: string, st: BigIntStats): Promise<boolean>;
}

export function hasSelection(o: SelectionOptions): boolean {
  return !!(o.iexcludes?.length || o.excludeIfPresent?.length || o.excludeCaches || o.excludeLargerThan !== undefined || o.oneFileSystem);
}

/** restic's size flags: a number of bytes with an optional unit b, k, m, g, t (powers of 1024). */
export function parseSize(text: string, flag: string): number {
  const m = /^(\d+)([bkmgt]?)$/i.exec(text.trim());
  if (!m) throw new UsageError(`${flag}: "${text}" is not a size (e.g. 500k, 20M, 2G)`);
  return Number(m[1]) * 1024 ** 'bkmgt'.indexOf((m[2] || 'b').toLowerCase());
}

export async function createSelection(o: SelectionOptions, targets: readonly string[]): Promise<Selection> {
  const folded = o.iexcludes?.length ? createPathFilter(o.iexcludes.map((p) => p.toLowerCase())) : undefined;
  const tags = [...(o.excludeIfPresent ?? []), ...(o.excludeCaches ? [CACHEDIR_TAG] : [])].map(parseTagSpec);
  const byDir = new Map<string, Promise<boolean>>();
  const devices = o.oneFileSystem ? await deviceMap(targets) : undefined;

  const dirTagged = (dir: string) => {
    let p = byDir.get(dir);
    if (!p) {
      p = (async () => {
        for (const t of tags) if (await hasTag(dir, t)) return true;
        return false;
      })();
      byDir.set(dir, p);
    }
    return p;
  };

  return {
    async rejectsName(path) {
      if (folded?.matches(path.toLowerCase())) return true;
      if (tags.length === 0) return false;
      const base = path.slice(path.lastIndexOf('/') + 1);
      if (tags.some((t) => t.name === base)) return false; // the tag file itself stays
      return dirTagged(dirname(path));
    },
    async rejectsStat(path, st) {
      if (o.excludeLargerThan !== undefined && !st.isDirectory() && st.size > BigInt(o.excludeLargerThan)) return true;
      if (!devices) return false;
      if (allowedDevice(devices, path, st.dev) !== false) return false;
      if (!st.isDirectory()) return true;
      // A mount point: kept when its parent is on an allowed device (its content is not).
      try {
        const parent = dirname(path);
        return allowedDevice(devices, parent, (await lstat(parent, { bigint: true })).dev) === false;
      } catch {
        return true;
      }
    },
  };
}

interface TagSpec { name: string; header: string }

function parseTagSpec(spec: string): TagSpec {
  const colon = spec.indexOf(':');
  if (spec === '' || colon === 0) throw new UsageError(`--exclude-if-present: "${spec}" names no file`);
  return colon < 0 ? { name: spec, header: '' } : { name: spec.slice(0, colon), header: spec.slice(colon + 1) };
}

async function hasTag(dir: string, t: TagSpec): Promise<boolean> {
  const file = `${dir.endsWith('/') ? dir : `${dir}/`}${t.name}`;
  if (t.header === '') return lstat(file).then(() => true, () => false);
  let fh;
  try {
    fh = await open(file, 'r');
    const want = Buffer.from(t.header);
    const buf = Buffer.alloc(want.length);
    const { bytesRead } = await fh.read(buf, 0, want.length, 0);
    return bytesRead === want.length && buf.equals(want);
  } catch {
    return false;
  } finally {
    await fh?.close();
  }
}

async function deviceMap(targets: readonly string[]): Promise<Map<string, bigint>> {
  const m = new Map<string, bigint>();
  for (const t of targets) {
    const abs = resolve(t);
    try {
      m.set(abs, (await lstat(abs, { bigint: true })).dev);
    } catch {
      // a missing target is reported by the backup itself
    }
  }
  return m;
}

/** true/false for the device of the nearest target at or above `path`; undefined when none is. */
function allowedDevice(m: Map<string, bigint>, path: string, dev: bigint): boolean | undefined {
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    const allowed = m.get(dir);
    if (allowed !== undefined) return allowed === dev;
    if (dir === dirname(dir)) return undefined;
  }
}
