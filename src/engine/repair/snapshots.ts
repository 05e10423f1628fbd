// `repair snapshots`: new snapshots without the data that is lost, as restic's `repair
// snapshots` writes them, so that everything still readable can be restored and `restic check`
// accepts the repository once the originals are forgotten.
//
// What counts as lost: blobs no index lists, blobs whose pack is gone from storage, and with
// `readData` blobs that do not verify (every pack the index lists is read). Damaged packs are
// salvaged first (their intact blobs copied into new packs) and then leave the index and
// storage; packs that are gone leave the index.
//
// How snapshots change (restic's rules): a file loses the blobs that are lost and its size
// becomes the sum of what remains (a damaged middle is cut out, the rest joined); a directory
// whose tree cannot be read becomes an empty directory; nodes restic cannot decode (invalid
// type, mode, ids…) are dropped. A snapshot whose root tree is lost cannot be repaired: it is
// reported, and removed with `forget`. A changed snapshot is saved anew with `original` set to
// the old ID and the tag `repaired`; the old one stays unless `forget`.
//
// Order, so a crash at any point leaves a repository as good as before: salvage → index the
// new packs → new trees and snapshots → new full index superseding the old → delete old index
// files → delete damaged packs → forget originals.

import { LifeboatError, throwIfAborted } from '../../errors.ts';
import type { MasterKey } from '../../repo/crypto.ts';
import { CRYPTO_OVERHEAD, sha256Hex } from '../../repo/crypto.ts';
import { stringifyJson } from '../../repo/json.ts';
import { findMissingPacks } from '../../repo/pack-presence.ts';
import { listIndexFiles, writeIndexFiles } from '../../repo/repack.ts';
import type { Repository } from '../../repo/repository-api.ts';
import type { BlobId, BlobLocation, PackId, Snapshot, SnapshotEntry, SnapshotId, Tree, TreeNode } from '../../repo/types.ts';
import { nodeProblems } from '../checker/node-check.ts';
import { type DamagedPack, findDamagedPacks, salvageBlobs } from './salvage.ts';

export type RepairRepository = Repository & { readonly masterKey: MasterKey };

export interface RepairSnapshotsOptions {
  /** Snapshots to repair (default: all). */
  snapshots?: SnapshotEntry[];
  /** Read every pack and treat blobs that do not verify as lost (after salvaging the intact ones). */
  readData?: boolean;
  /** Remove the original of every repaired snapshot, and snapshots whose root tree is lost. */
  forget?: boolean;
  /** Report what would change; write and delete nothing. */
  dryRun?: boolean;
  signal?: AbortSignal;
  /** One line per finding (a file cut, a directory emptied, a pack salvaged…). */
  onNotice?: (message: string) => void;
  onProgress?: (p: { phase: 'read-data' | 'snapshots'; done: number; total: number; bytes?: number }) => void;
}

export interface RepairedSnapshot {
  id: SnapshotId;
  /** The new snapshot (absent when unchanged, on a dry run, or unrepairable). */
  newId?: SnapshotId;
  changed: boolean;
  /** Root tree lost: nothing to keep. */
  unrepairable?: boolean;
  /** The original (or the unrepairable snapshot) was removed. */
  removed?: boolean;
  /** What changed, one line per path. */
  changes: string[];
}

export interface RepairSnapshotsResult {
  missingPacks: PackId[];
  damagedPacks: Array<{ pack: PackId; reason: string; lostBlobs: number }>;
  blobsSalvaged: number;
  packsRead: number;
  bytesRead: number;
  snapshots: RepairedSnapshot[];
  indexRewritten: boolean;
  packsDeleted: number;
}

const short = (id: string) => id.slice(0, 8);
const REPAIRED_TAG = 'repaired';

export async function repairSnapshots(repo: RepairRepository, opts: RepairSnapshotsOptions = {}): Promise<RepairSnapshotsResult> {
  const { signal, dryRun } = opts;
  const notice = opts.onNotice ?? (() => {});
  const res: RepairSnapshotsResult = {
    missingPacks: [], damagedPacks: [], blobsSalvaged: 0, packsRead: 0, bytesRead: 0, snapshots: [], indexRewritten: false, packsDeleted: 0,
  };

  // 1. What is gone or damaged.
  const presence = await findMissingPacks(repo, signal);
  res.missingPacks = presence.missing;
  for (const p of presence.missing) notice(`pack ${short(p)}: listed in the index but missing from storage`);
  repo.excludePacks(presence.missing);
  let damaged: DamagedPack[] = [];
  if (opts.readData) {
    const byPack = new Map<PackId, BlobLocation[]>();
    for (const b of repo.listBlobs()) {
      if (!presence.stored.has(b.pack)) continue;
      let l = byPack.get(b.pack);
      if (!l) byPack.set(b.pack, (l = []));
      l.push(b);
    }
    const scan = await findDamagedPacks(repo, byPack, {
      signal, onProgress: (done, total, bytes) => opts.onProgress?.({ phase: 'read-data', done, total, bytes }),
    });
    damaged = scan.damaged;
    res.packsRead = scan.packsRead;
    res.bytesRead = scan.bytesRead;
  }
  const damagedIds = damaged.map((d) => d.pack);
  // A blob damaged in one pack may be intact in a healthy one, or in another damaged pack (then
  // it is salvaged): only blobs with no intact copy anywhere are lost.
  const key = (b: { type: string; id: string }) => `${b.type}:${b.id}`;
  const goodSomewhere = new Map<string, BlobLocation>();
  const concerned = new Set<string>();
  for (const d of damaged) {
    for (const b of d.good) goodSomewhere.set(key(b), b);
    for (const b of [...d.good, ...d.bad]) concerned.add(key(b));
  }
  const unhealthy = new Set<string>([...presence.missing, ...damagedIds]);
  const healthy = new Set<string>();
  if (concerned.size > 0) for (const b of repo.listBlobs()) if (!unhealthy.has(b.pack) && concerned.has(key(b))) healthy.add(key(b));
  const lost = new Set<string>();
  const salvageable = new Set<string>();
  for (const d of damaged) {
    for (const b of d.bad) if (!healthy.has(key(b)) && !goodSomewhere.has(key(b))) lost.add(key(b));
    for (const b of d.good) if (!healthy.has(key(b))) salvageable.add(key(b));
    const n = d.bad.filter((b) => lost.has(key(b))).length;
    res.damagedPacks.push({ pack: d.pack, reason: d.reason, lostBlobs: n });
    notice(`pack ${short(d.pack)}: damaged (${d.reason}); ${d.good.length} intact blob(s) kept, ${n} lost`);
  }

  // 2. Salvage what is intact in damaged packs, then stop using those packs. A dry run keeps
  // reading them and only pretends: the lost blobs are what it leaves out.
  if (!dryRun) {
    if (salvageable.size > 0) {
      const written = await salvageBlobs(repo, damaged, (b) => salvageable.has(key(b)), signal);
      repo.addIndexEntries(written);
    }
    repo.excludePacks(damagedIds);
  }
  res.blobsSalvaged = salvageable.size;
  const available = (type: 'data' | 'tree', id: BlobId) => repo.lookupBlob(type, id) !== undefined && !lost.has(`${type}:${id}`);
  const sizeOf = (id: BlobId) => {
    const loc = repo.lookupBlob('data', id) ?? goodSomewhere.get(`data:${id}`);
    return loc ? plainSize(loc) : 0;
  };

  // 3. New trees and snapshots.
  const rewriter = new TreeRewriter(repo, available, sizeOf, dryRun === true, signal);
  const snaps = opts.snapshots ?? (await repo.listSnapshots(signal));
  let done = 0;
  const replaced: SnapshotEntry[] = [];
  const pending: Array<{ entry: SnapshotEntry; out: RepairedSnapshot; tree: BlobId }> = [];
  for (const entry of snaps) {
    throwIfAborted(signal);
    const out: RepairedSnapshot = { id: entry.id, changed: false, changes: [] };
    rewriter.changes = out.changes;
    const root = await rewriter.rewrite(entry.snapshot.tree, '/');
    if (root === undefined) {
      out.unrepairable = true;
      out.changed = true;
      notice(`snapshot ${short(entry.id)}: root tree ${short(entry.snapshot.tree)} is lost; nothing can be repaired${opts.forget ? '' : ' (--forget removes it)'}`);
    } else if (root !== entry.snapshot.tree) {
      out.changed = true;
      pending.push({ entry, out, tree: root });
    }
    for (const c of out.changes) notice(`snapshot ${short(entry.id)}: ${c}`);
    res.snapshots.push(out);
    opts.onProgress?.({ phase: 'snapshots', done: ++done, total: snaps.length });
  }
  if (dryRun) return res;
  await repo.flush(signal);
  // A second run (say with --forget after one without) finds the repairs already made.
  const earlier = pending.length ? (await repo.listSnapshots(signal)).filter((e) => e.snapshot.original !== undefined) : [];
  for (const { entry, out, tree } of pending) {
    const done = earlier.find((e) => e.snapshot.original === entry.id && e.snapshot.tree === tree);
    if (done) {
      out.newId = done.id;
      notice(`snapshot ${short(entry.id)}: already repaired as ${short(done.id)}`);
      replaced.push(entry);
      continue;
    }
    const snapshot: Snapshot = { ...entry.snapshot, tree, original: entry.id };
    if (!opts.forget) snapshot.tags = [...new Set([...(entry.snapshot.tags ?? []), REPAIRED_TAG])];
    out.newId = await repo.saveSnapshot(snapshot, signal);
    notice(`snapshot ${short(entry.id)}: saved as ${short(out.newId)}`);
    replaced.push(entry);
  }

  // 4. The index without missing and damaged packs; then those packs go.
  const dropped = new Set<string>([...presence.missing, ...damagedIds]);
  if (dropped.size > 0) {
    const old = await listIndexFiles(repo.storage, signal);
    const keep = [...repo.listBlobs()].filter((b) => !dropped.has(b.pack));
    const written = await writeIndexFiles(repo, keep, old, signal);
    for (const id of old) if (!written.includes(id)) await repo.storage.remove({ type: 'index', name: id });
    res.indexRewritten = true;
    for (const p of damagedIds) {
      await repo.storage.remove({ type: 'data', name: p });
      res.packsDeleted++;
    }
  }

  // 5. Originals, last: until here both versions exist.
  if (opts.forget) {
    for (const s of res.snapshots) {
      if (!(s.unrepairable || replaced.some((r) => r.id === s.id))) continue;
      await repo.removeSnapshot(s.id);
      s.removed = true;
    }
  }
  return res;
}

/** Plaintext size of a blob from its index entry. */
function plainSize(loc: BlobLocation): number {
  return loc.uncompressedLength ?? loc.length - CRYPTO_OVERHEAD;
}

class TreeRewriter {
  readonly #repo: RepairRepository;
  readonly #available: (type: 'data' | 'tree', id: BlobId) => boolean;
  readonly #sizeOf: (id: BlobId) => number;
  readonly #dryRun: boolean;
  readonly #signal: AbortSignal | undefined;
  /** Old tree ID → new tree ID (undefined: unreadable). Each tree is rewritten once. */
  readonly #done = new Map<string, BlobId | undefined>();
  /** Where the current snapshot's changes are collected. */
  changes: string[] = [];
  #emptyTree: BlobId | undefined;

  constructor(repo: RepairRepository, available: (type: 'data' | 'tree', id: BlobId) => boolean, sizeOf: (id: BlobId) => number, dryRun: boolean, signal?: AbortSignal) {
    this.#repo = repo;
    this.#available = available;
    this.#sizeOf = sizeOf;
    this.#dryRun = dryRun;
    this.#signal = signal;
  }

  /** The repaired tree's ID (the same when nothing changed), or undefined when it cannot be read. */
  async rewrite(id: BlobId, path: string): Promise<BlobId | undefined> {
    if (this.#done.has(id)) {
      const memo = this.#done.get(id);
      if (memo === undefined) this.changes.push(`dir ${JSON.stringify(path)}: not readable`);
      return memo;
    }
    throwIfAborted(this.#signal);
    let tree: Tree | undefined;
    if (this.#available('tree', id)) {
      try {
        tree = await this.#repo.loadTree(id, this.#signal);
      } catch (err) {
        if (this.#signal?.aborted) throw err;
      }
    }
    if (!tree) {
      this.#done.set(id, undefined);
      this.changes.push(`dir ${JSON.stringify(path)}: not readable`);
      return undefined;
    }
    let changed = false;
    const nodes: TreeNode[] = [];
    for (const node of tree.nodes) {
      const where = `${path === '/' ? '' : path}/${typeof node?.name === 'string' ? node.name : ''}`;
      const n = await this.#node(node, where);
      if (n !== node) changed = true;
      if (n) nodes.push(n);
    }
    const out = changed ? await this.#save({ ...tree, nodes }) : id;
    this.#done.set(id, out);
    return out;
  }

  async #node(node: TreeNode, where: string): Promise<TreeNode | undefined> {
    const label = JSON.stringify(where);
    if (node?.type === 'file') {
      const content = Array.isArray(node.content) ? node.content : [];
      const kept = content.filter((b) => typeof b === 'string' && this.#available('data', b));
      const size = kept.reduce((sum, b) => sum + this.#sizeOf(b), 0);
      const lost = content.length - kept.length;
      if (lost === 0 && Array.isArray(node.content) && size === (node.size ?? 0)) return this.#valid(node, label);
      this.changes.push(lost > 0 || !Array.isArray(node.content)
        ? `file ${label}: removed ${lost} missing or damaged blob(s) of ${content.length}; ${size} of ${node.size ?? 0} bytes kept`
        : `file ${label}: fixed incorrect size (${node.size ?? 0} → ${size})`);
      const n: TreeNode = { ...node, content: kept };
      if (size > 0) n.size = size;
      else delete n.size;
      return this.#valid(n, label);
    }
    if (node?.type === 'dir' && typeof node.subtree === 'string' && /^[0-9a-f]{64}$/.test(node.subtree)) {
      let sub = await this.rewrite(node.subtree, where);
      if (sub === undefined) {
        this.changes.push(`dir ${label}: replaced with an empty directory`);
        sub = await this.#empty();
      }
      return this.#valid(sub === node.subtree ? node : { ...node, subtree: sub }, label);
    }
    return this.#valid(node, label);
  }

  /** The node, or undefined (dropped) when restic could not decode it. */
  #valid(node: TreeNode, label: string): TreeNode | undefined {
    const problems = nodeProblems(node);
    if (problems.length === 0) return node;
    this.changes.push(`node ${label}: removed (${problems[0]})`);
    return undefined;
  }

  async #empty(): Promise<BlobId> {
    this.#emptyTree ??= await this.#save({ nodes: [] });
    return this.#emptyTree;
  }

  async #save(tree: Tree): Promise<BlobId> {
    // A dry run computes the ID saveTree would give (compact JSON plus a newline).
    if (this.#dryRun) return sha256Hex(new TextEncoder().encode(stringifyJson(tree) + '\n')) as BlobId;
    return this.#repo.saveTree(tree, this.#signal);
  }
}

/** A repository whose index could not be loaded cannot be repaired: `repair index` comes first. */
export function indexFirst(err: unknown): unknown {
  if (err instanceof LifeboatError && err.code === 'integrity') {
    return new LifeboatError('integrity', `repair snapshots: the index does not load: ${err.message}`, {
      cause: err, hint: 'run `lifeboat repair index` first',
    });
  }
  return err;
}
