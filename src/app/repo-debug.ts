// Looking at a repository's raw objects, for debugging and for comparing with restic: `cat`
// (the config, a snapshot, an index, a tree, a blob, a key or lock file) and `list` (the IDs of
// every file of a type, or every blob the index knows). Nothing secret is printed: key files
// hold the master key only encrypted, and the decrypted master key is never shown.

import { NotFoundError, UsageError } from '../errors.ts';
import { parseJsonBytes } from '../repo/json.ts';
import { loadIndexForReading } from '../engine/repair/load-index.ts';
import { findNode } from '../engine/restorer/snapshot-walk.ts';
import type { BlobId } from '../repo/types.ts';
import type { FileType } from '../storage/types.ts';
import { withRepository, type RepositoryAccess } from './repository-access.ts';

export const CAT_TYPES = ['config', 'snapshot', 'index', 'tree', 'blob', 'key', 'lock'] as const;
export type CatType = (typeof CAT_TYPES)[number];

/** A JSON value to print, or the raw bytes of a blob. */
export type CatResult = { kind: 'json'; value: unknown } | { kind: 'bytes'; bytes: Uint8Array };

export function runCat(access: RepositoryAccess, type: CatType, id: string | undefined, signal: AbortSignal): Promise<CatResult> {
  if (type !== 'config' && !id) throw new UsageError(`cat ${type}: give an ID`);
  return withRepository(access, 'read', signal, async (repo, signal) => {
    const c = repo.config;
    switch (type) {
      case 'config':
        return { kind: 'json', value: { version: c.version, id: c.id, chunker_polynomial: c.chunkerPolynomial.toString(16) } };
      case 'snapshot': {
        const e = await repo.findSnapshot(id!, signal);
        return { kind: 'json', value: e.snapshot };
      }
      case 'index':
      case 'lock':
        return { kind: 'json', value: await repo.loadJson(type, await fullName(access, type, id!, signal), signal) };
      case 'key':
        return { kind: 'json', value: parseJsonBytes(await repo.storage.load({ type: 'key', name: await fullName(access, 'key', id!, signal) }, undefined, signal)) };
      case 'tree': {
        await loadIndexForReading(repo, { warn: access.warn, signal });
        // `tree SNAPSHOT:PATH` as restic ≥ 0.16 takes it, or a tree blob's ID.
        const [snap, path] = id!.includes(':') ? id!.split(/:(.*)/s) as [string, string] : [undefined, undefined];
        if (snap !== undefined) {
          const entry = await repo.findSnapshot(snap, signal);
          const node = await findNode(repo, entry, path ?? '/', signal);
          const tree = node === undefined ? entry.snapshot.tree : node.subtree;
          if (typeof tree !== 'string') throw new UsageError(`cat tree ${id}: not a directory`);
          return { kind: 'json', value: await repo.loadTree(tree as BlobId, signal) };
        }
        return { kind: 'json', value: await repo.loadTree(blobId(repo, 'tree', id!), signal) };
      }
      case 'blob': {
        await loadIndexForReading(repo, { warn: access.warn, signal });
        for (const t of ['data', 'tree'] as const) {
          const loc = [...repo.listBlobs()].find((b) => b.type === t && b.id.startsWith(id!));
          if (loc) return { kind: 'bytes', bytes: await repo.loadBlob(t, loc.id, signal) };
        }
        throw new NotFoundError(`cat blob ${id}: no such blob in the index`);
      }
    }
  });
}

function blobId(repo: { listBlobs(): Iterable<{ id: BlobId; type: string }> }, type: 'tree' | 'data', prefix: string): BlobId {
  if (/^[0-9a-f]{64}$/.test(prefix)) return prefix as BlobId;
  const ids = new Set([...repo.listBlobs()].filter((b) => b.type === type && b.id.startsWith(prefix)).map((b) => b.id));
  if (ids.size === 1) return [...ids][0]!;
  throw new NotFoundError(ids.size === 0 ? `no ${type} blob ${prefix}` : `${type} blob prefix ${prefix} is ambiguous`);
}

/** The full name of a file from a unique prefix. */
async function fullName(access: RepositoryAccess, type: FileType, prefix: string, signal: AbortSignal): Promise<string> {
  if (/^[0-9a-f]{64}$/.test(prefix)) return prefix;
  const { withStorage } = await import('./repository-access.ts');
  const names = await withStorage(access, async (s) => {
    const out: string[] = [];
    for await (const f of s.list(type, signal)) if (f.name.startsWith(prefix)) out.push(f.name);
    return out;
  });
  if (names.length === 1) return names[0]!;
  throw new NotFoundError(names.length === 0 ? `no ${type} file ${prefix}` : `${type} prefix ${prefix} is ambiguous`);
}

export const LIST_TYPES = ['packs', 'index', 'snapshots', 'keys', 'locks', 'blobs'] as const;
export type ListType = (typeof LIST_TYPES)[number];

const FILE_TYPE: Record<Exclude<ListType, 'blobs'>, FileType> = { packs: 'data', index: 'index', snapshots: 'snapshot', keys: 'key', locks: 'lock' };

/** Calls `each` with every ID (`blobs`: `data ID` / `tree ID`, one per index entry, as restic lists them). */
export function runListFiles(access: RepositoryAccess, type: ListType, each: (line: string) => void, signal: AbortSignal): Promise<void> {
  // restic lists locks without locking, so a listing never waits on (or adds to) them.
  return withRepository(access, type === 'locks' ? 'none' : 'read', signal, async (repo, signal) => {
    if (type === 'blobs') {
      await loadIndexForReading(repo, { warn: access.warn, signal });
      for (const b of repo.listBlobs()) each(`${b.type} ${b.id}`);
      return;
    }
    for await (const f of repo.storage.list(FILE_TYPE[type], signal)) each(f.name);
  });
}

