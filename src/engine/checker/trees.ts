// Step 3: snapshots → trees → blobs. Every tree reachable from any snapshot is loaded once and
// its nodes are checked against the index. The walk remembers, per tree, only whether a problem
// lies beneath it; a second, narrow walk then follows just those trees to name the snapshots
// and paths each problem affects (memory grows with the damage, not with the repository).

import { throwIfAborted } from '../../errors.ts';
import type { MasterIndex } from '../../repo/index-file.ts';
import { forEachLimit } from '../../repo/for-each-limit.ts';
import type { BlobId, SnapshotId, Tree, TreeNode } from '../../repo/types.ts';
import { loadTreeVia } from './blob-reader.ts';
import { nodeProblems } from './node-check.ts';
import { MAX_PATHS_PER_PROBLEM, type ProblemLog, blobKey, nodeKey } from './problem-log.ts';
import type { CheckableRepository, CheckProblem } from './types.ts';

const short = (id: string) => id.slice(0, 8);
const LOOKAHEAD = 8;

export interface SnapshotRef {
  id: SnapshotId;
  tree: BlobId;
}

/** Loads every snapshot file on its own; one that does not decode is an error, not a stop. */
export async function loadSnapshotRefs(repo: CheckableRepository, log: ProblemLog, signal?: AbortSignal): Promise<SnapshotRef[]> {
  const names: string[] = [];
  for await (const f of repo.storage.list('snapshot', signal)) names.push(f.name);
  names.sort();
  const refs: SnapshotRef[] = [];
  await forEachLimit(names, 4, async (name) => {
    try {
      const s = await repo.loadSnapshot(name as SnapshotId, signal);
      refs.push({ id: name as SnapshotId, tree: s.tree });
    } catch (err) {
      if (signal?.aborted) throw err;
      log.add({ kind: 'snapshot-unreadable', message: `snapshot ${short(name)}: ${(err as Error).message}`, snapshots: [name] });
    }
  });
  return refs.sort((a, b) => (a.id < b.id ? -1 : 1));
}

interface Hits {
  rels: string[];
  truncated: boolean;
}

export class TreeWalker {
  /** Tree ID → whether a problem lies in or beneath it; holds every reachable tree once. */
  readonly #tainted = new Map<string, boolean>();
  readonly #hits = new Map<string, Map<CheckProblem, Hits>>();
  readonly #repo: CheckableRepository;
  readonly #index: MasterIndex;
  readonly #log: ProblemLog;
  readonly #signal: AbortSignal | undefined;
  /** Subtrees loading ahead of the walk: tree loads are small reads, latency-bound on S3. */
  readonly #ahead = new Map<string, Promise<Tree>>();
  trees = 0;

  constructor(repo: CheckableRepository, index: MasterIndex, log: ProblemLog, signal?: AbortSignal) {
    this.#repo = repo;
    this.#index = index;
    this.#log = log;
    this.#signal = signal;
  }

  #prefetch(id: string): void {
    if (this.#tainted.has(id) || this.#ahead.has(id)) return;
    const p = loadTreeVia(this.#repo, this.#index, id as BlobId, this.#signal);
    p.catch(() => {}); // consumed (and reported) by #load
    this.#ahead.set(id, p);
  }

  async #load(id: BlobId): Promise<Tree | undefined> {
    const ahead = this.#ahead.get(id);
    this.#ahead.delete(id);
    try {
      return await (ahead ?? loadTreeVia(this.#repo, this.#index, id, this.#signal));
    } catch (err) {
      if (this.#signal?.aborted) throw err;
      const key = blobKey('tree', id);
      // A pack or blob problem already explains it (and gets the attribution).
      if (!this.#log.has(key)) {
        const missing = !this.#index.has('tree', id);
        this.#log.add({
          kind: missing ? 'tree-missing' : 'tree-unreadable',
          blob: id,
          message: missing ? `tree ${short(id)}: not in any index` : `tree ${short(id)}: ${(err as Error).message}`,
        }, [key]);
      }
      return undefined;
    }
  }

  /** Checks a tree and everything beneath it; true when a problem lies there. */
  async check(id: BlobId): Promise<boolean> {
    const memo = this.#tainted.get(id);
    if (memo !== undefined) {
      this.#ahead.delete(id); // reached by another path first
      return memo;
    }
    throwIfAborted(this.#signal);
    const tree = await this.#load(id);
    if (!tree) {
      this.#tainted.set(id, true);
      return true;
    }
    this.trees++;
    const log = this.#log;
    let bad = log.marked(blobKey('tree', id));
    const subtrees = tree.nodes.flatMap((n) => (n?.type === 'dir' && typeof n.subtree === 'string' && /^[0-9a-f]{64}$/.test(n.subtree) ? [n.subtree] : []));
    let nextAhead = 0;
    let dirs = 0;
    for (let i = 0; i < tree.nodes.length; i++) {
      const node = tree.nodes[i]!;
      const problems = nodeProblems(node);
      for (const msg of problems) log.add({ kind: 'node-invalid', blob: id, message: `tree ${short(id)}: ${msg}` }, [nodeKey(id, i)]);
      if (problems.length) bad = true;
      if (node?.type === 'file' && Array.isArray(node.content)) {
        for (const b of node.content) {
          if (typeof b !== 'string') continue;
          const key = blobKey('data', b);
          if (!log.has(key) && !this.#index.has('data', b)) {
            log.add({ kind: 'blob-missing', blob: b, message: `data blob ${short(b)}: used by a file but not in any index` }, [key]);
          }
          if (log.marked(key)) bad = true;
        }
      }
      if (node?.type === 'dir' && typeof node.subtree === 'string' && /^[0-9a-f]{64}$/.test(node.subtree)) {
        // Keep a few siblings loading while this one is walked (bounded: window × depth trees).
        while (nextAhead < subtrees.length && nextAhead < dirs + LOOKAHEAD) this.#prefetch(subtrees[nextAhead++]!);
        dirs++;
        if (await this.check(node.subtree)) bad = true;
      }
    }
    this.#tainted.set(id, bad);
    return bad;
  }

  /** Names the snapshot and paths for every problem beneath its root tree. */
  async attribute(snap: SnapshotRef): Promise<void> {
    if (this.#tainted.get(snap.tree) !== true) return;
    const hits = await this.#collect(snap.tree);
    for (const [p, h] of hits) {
      for (const rel of h.rels) this.#log.attribute(p, snap.id, rel === '' ? '/' : rel);
      if (h.truncated) this.#log.markTruncated(p, snap.id);
    }
  }

  /** Problem → paths (relative to this tree) beneath a tainted tree; memoised per tree. */
  async #collect(id: BlobId): Promise<Map<CheckProblem, Hits>> {
    const memo = this.#hits.get(id);
    if (memo) return memo;
    throwIfAborted(this.#signal);
    const out = new Map<CheckProblem, Hits>();
    const hitsOf = (p: CheckProblem): Hits => {
      let h = out.get(p);
      if (!h) out.set(p, (h = { rels: [], truncated: false }));
      return h;
    };
    const push = (problems: readonly CheckProblem[] | undefined, rel: string) => {
      for (const p of problems ?? []) {
        const h = hitsOf(p);
        if (h.rels.includes(rel)) continue;
        if (h.rels.length < MAX_PATHS_PER_PROBLEM) h.rels.push(rel);
        else h.truncated = true;
      }
    };
    push(this.#log.problemsOf(blobKey('tree', id)), '');
    let tree: Tree | undefined;
    try {
      tree = await loadTreeVia(this.#repo, this.#index, id, this.#signal);
    } catch (err) {
      if (this.#signal?.aborted) throw err;
    }
    for (const [i, node] of (tree?.nodes ?? []).entries()) {
      const rel = `/${node?.name ?? ''}`;
      push(this.#log.problemsOf(nodeKey(id, i)), rel);
      if (node?.type === 'file' && Array.isArray(node.content)) {
        for (const b of node.content) if (typeof b === 'string') push(this.#log.problemsOf(blobKey('data', b)), rel);
      }
      if (node?.type === 'dir' && typeof node.subtree === 'string' && this.#tainted.get(node.subtree) === true) {
        for (const [p, h] of await this.#collect(node.subtree)) {
          for (const r of h.rels) push([p], rel + r);
          if (h.truncated) hitsOf(p).truncated = true;
        }
      }
    }
    this.#hits.set(id, out);
    return out;
  }
}
