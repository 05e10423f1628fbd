// Reading snapshots back: resolving a snapshot reference, finding a path inside a snapshot,
// listing its nodes (`ls`), and streaming a file's blobs with a small prefetch.

import { IntegrityError, NotFoundError, UsageError, throwIfAborted } from '../../errors.ts';
import type { Repository } from '../../repo/repository-api.ts';
import type { BlobId, BlobLocation, SnapshotEntry, Tree, TreeNode } from '../../repo/types.ts';
import { displayName, encodeNodeName, safeNameBytes } from '../fs-meta/node-name.ts';

export type SnapshotRef = string | SnapshotEntry;

export async function resolveSnapshot(repo: Repository, ref: SnapshotRef, signal?: AbortSignal): Promise<SnapshotEntry> {
  return typeof ref === 'string' ? repo.findSnapshot(ref, signal) : ref;
}

/** Validated raw names of a tree's nodes: unsafe or duplicate names are IntegrityErrors. */
export function checkedNames(tree: Tree, treeId: string): Buffer[] {
  const seen = new Set<string>();
  return tree.nodes.map((node) => {
    const raw = safeNameBytes(node.name, `tree ${treeId.slice(0, 8)}`);
    const key = raw.toString('latin1');
    if (seen.has(key)) throw new IntegrityError(`tree ${treeId.slice(0, 8)}: duplicate node name ${JSON.stringify(node.name)}`);
    seen.add(key);
    return raw;
  });
}

function components(path: string): string[] {
  return path.split('/').filter((p) => p !== '' && p !== '.');
}

/** The node at a slash-separated path inside the snapshot ('/' → undefined: the root tree). */
export async function findNode(repo: Repository, snap: SnapshotEntry, path: string, signal?: AbortSignal): Promise<TreeNode | undefined> {
  let treeId: BlobId = snap.snapshot.tree;
  let node: TreeNode | undefined;
  const parts = components(path);
  for (let i = 0; i < parts.length; i++) {
    if (i > 0) {
      if (node?.type !== 'dir' || typeof node.subtree !== 'string') {
        throw new NotFoundError(`snapshot ${snap.id.slice(0, 8)}: ${path}: ${parts.slice(0, i).join('/')} is not a directory`);
      }
      treeId = node.subtree;
    }
    const tree = await repo.loadTree(treeId, signal);
    const name = encodeNodeName(Buffer.from(parts[i]!));
    node = tree.nodes.find((n) => n.name === name);
    if (!node) throw new NotFoundError(`snapshot ${snap.id.slice(0, 8)}: no ${path}`);
  }
  return node;
}

export interface ListedNode {
  /** Path inside the snapshot as `ls` shows it: `/src/a.txt` (invalid UTF-8 shown as U+FFFD). */
  path: string;
  node: TreeNode;
}

export interface ListOptions {
  /** Directory (or file) inside the snapshot to list; default the root. */
  path?: string;
  /** Descend into subdirectories (default true, as `restic ls`). */
  recursive?: boolean;
  signal?: AbortSignal;
}

async function* listTree(repo: Repository, treeId: BlobId, prefix: string, recursive: boolean, signal?: AbortSignal): AsyncGenerator<ListedNode> {
  throwIfAborted(signal);
  const tree = await repo.loadTree(treeId, signal);
  checkedNames(tree, treeId);
  for (const node of tree.nodes) {
    const path = `${prefix}/${displayName(node.name)}`;
    yield { path, node };
    if (recursive && node.type === 'dir' && typeof node.subtree === 'string') {
      yield* listTree(repo, node.subtree, path, recursive, signal);
    }
  }
}

/** Nodes of a snapshot in tree order (the node at `path` first, when a path is given). */
export async function* listSnapshot(repo: Repository, ref: SnapshotRef, opts: ListOptions = {}): AsyncGenerator<ListedNode> {
  const snap = await resolveSnapshot(repo, ref, opts.signal);
  const recursive = opts.recursive ?? true;
  const start = await findNode(repo, snap, opts.path ?? '/', opts.signal);
  if (!start) {
    yield* listTree(repo, snap.snapshot.tree, '', recursive, opts.signal);
    return;
  }
  const prefix = '/' + components(opts.path!).join('/');
  yield { path: prefix, node: start };
  if (start.type === 'dir' && typeof start.subtree === 'string') yield* listTree(repo, start.subtree, prefix, recursive, opts.signal);
}

/** Bytes of plaintext one read-ahead run may hold. */
const RUN_BYTES = 8 << 20;
/** Only blobs smaller than this are read in runs (dump chunks; restic's are at least this large). */
const RUN_BLOB_MAX = 512 * 1024;

interface Run {
  ids: BlobId[];
  locs: BlobLocation[];
}

/** The next run of `ids` from `start`: consecutive blobs in one pack, in pack order, ≤ RUN_BYTES. */
function nextRun(repo: Repository, ids: readonly BlobId[], start: number): Run {
  const run: Run = { ids: [], locs: [] };
  let bytes = 0;
  for (let i = start; i < ids.length; i++) {
    const loc = repo.lookupBlobAll('data', ids[i]!)[0];
    const prev = run.locs.at(-1);
    const n = loc ? loc.uncompressedLength ?? loc.length - 32 : 0;
    if (!loc || n >= RUN_BLOB_MAX || (prev && (loc.pack !== prev.pack || loc.offset <= prev.offset))) {
      if (run.ids.length === 0) run.ids.push(ids[i]!); // alone: loadBlob (and its errors)
      break;
    }
    if (run.ids.length > 0 && bytes + n > RUN_BYTES) break;
    run.ids.push(ids[i]!);
    run.locs.push(loc);
    bytes += n;
  }
  return run;
}

/** The blobs of a run, read with few ranged reads of their pack; a damaged one is retried by loadBlob (other copies). */
async function loadRun(repo: Repository, run: Run, signal?: AbortSignal): Promise<Uint8Array[]> {
  if (run.locs.length < 2) return Promise.all(run.ids.map((id) => repo.loadBlob('data', id, signal)));
  // (A run is only ever one blob, or several small ones of one pack.)
  const got = new Map<string, Uint8Array>();
  await repo.readPackBlobs(run.locs, (loc, r) => {
    if (r.plaintext) got.set(loc.id, Uint8Array.prototype.slice.call(r.plaintext));
  }, signal);
  const out: Uint8Array[] = [];
  for (const id of run.ids) out.push(got.get(id) ?? await repo.loadBlob('data', id, signal));
  return out;
}

/**
 * A file's content as a stream of verified blobs, read in runs of consecutive blobs of one pack
 * (a dump's blobs mostly are): one ranged read and one worker task per few MiB instead of per
 * blob. Up to `prefetch` runs load ahead: memory stays at (prefetch + 1) × 8 MiB.
 */
export async function* blobStream(repo: Repository, ids: readonly BlobId[], signal?: AbortSignal, prefetch = 2): AsyncGenerator<Uint8Array> {
  const queue: Promise<Uint8Array[]>[] = [];
  let next = 0;
  const fill = () => {
    while (queue.length <= prefetch && next < ids.length) {
      const run = nextRun(repo, ids, next);
      next += run.ids.length;
      const p = loadRun(repo, run, signal);
      p.catch(() => {}); // awaited in order below
      queue.push(p);
    }
  };
  try {
    fill();
    while (queue.length > 0) {
      const blobs = await queue.shift()!;
      fill();
      yield* blobs;
    }
  } finally {
    await Promise.allSettled(queue);
  }
}

export function fileContent(node: TreeNode, where: string): BlobId[] {
  if (node.type !== 'file') throw new UsageError(`${where}: not a regular file (${node.type})`);
  if (!Array.isArray(node.content)) throw new IntegrityError(`${where}: file node has no content list`);
  return node.content;
}
