// backupStreams: named byte streams (database dumps, stdin, a command's stdout) → one snapshot.
// Each entry becomes a regular file at its path inside the snapshot; the directories on the way
// are synthesised. Entries are consumed one after another with backpressure, and each entry's
// `done` is awaited after its stream drains: a producer that failed fails the whole backup
// before any snapshot is written (restic-format.md §2.12: snapshot last).

import { LifeboatError, UsageError, throwIfAborted } from '../../errors.ts';
import { RESTIC_CHUNKER, chunkerTables } from '../../repo/chunker.ts';
import type { Repository } from '../../repo/repository-api.ts';
import type { BlobId, TreeNode } from '../../repo/types.ts';
import type { StreamEntry } from '../../sources/types.ts';
import { GO_MODE_DIR } from '../fs-meta/file-mode.ts';
import { encodeNodeName } from '../fs-meta/node-name.ts';
import { createOwnerNames } from '../fs-meta/owner-names.ts';
import { dateToNs, formatTimestamp, parseTimestamp } from '../fs-meta/timestamp.ts';
import { finishSnapshot, linkedAbort, saveContent, type SaveContext } from './content-saver.ts';
import { interrupted } from './interrupted.ts';
import { createLimiter } from './limiter.ts';
import { buildSnapshot, snapshotTime } from './snapshot-meta.ts';
import { emptyStats, type BackupResult, type BackupStreamsOptions } from './types.ts';

interface VDir {
  dirs: Map<string, VDir>;
  files: Map<string, TreeNode>;
}

function splitEntryPath(path: string): string[] {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0 || parts.includes('..')) throw new UsageError(`backup stream: invalid path ${JSON.stringify(path)} inside the snapshot`);
  return parts;
}

function place(root: VDir, parts: string[], node: TreeNode, path: string): void {
  let dir = root;
  for (const p of parts.slice(0, -1)) {
    if (dir.files.has(p)) throw new UsageError(`backup stream: ${path}: ${p} is already a file`);
    let next = dir.dirs.get(p);
    if (!next) dir.dirs.set(p, (next = { dirs: new Map(), files: new Map() }));
    dir = next;
  }
  const leaf = parts.at(-1)!;
  if (dir.files.has(leaf) || dir.dirs.has(leaf)) throw new UsageError(`backup stream: two entries at ${path}`);
  dir.files.set(leaf, node);
}

/**
 * A stream that broke while being read: the producer's own failure (e.g. pg_dump's exit code and
 * stderr) explains it better than the read error, but repository failures and aborts stay as
 * they are. The wait is bounded: a producer blocked on a pipe nobody reads would never settle.
 */
async function explainFailure(err: unknown, done: Promise<void>): Promise<unknown> {
  done.catch(() => {});
  if (err instanceof LifeboatError && err.code !== 'source') return err;
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([
    done.then(() => undefined, (e: unknown) => e),
    new Promise<undefined>((r) => { timer = setTimeout(() => r(undefined), 5000); }),
  ]);
  clearTimeout(timer);
  return settled ?? err;
}

export async function backupStreams(repo: Repository, entries: AsyncIterable<StreamEntry>, opts: BackupStreamsOptions = {}): Promise<BackupResult> {
  const started = performance.now();
  const ac = linkedAbort(opts.signal);
  const ctx: SaveContext = {
    repo,
    tables: chunkerTables(repo.config.chunkerPolynomial),
    chunker: opts.chunker,
    // Small chunks: more in flight (the pool has small slots for them), same memory bound.
    blobSlots: createLimiter(opts.maxBlobSaves ?? (opts.chunker && opts.chunker.maxSize <= 512 * 1024 ? 12 : 3)),
    signal: ac.signal,
    stats: emptyStats(),
    started: new Date(),
    errors: [],
    opts,
  };
  const time = snapshotTime(opts);
  const timeNs = parseTimestamp(time)!;
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const owners = createOwnerNames();
  const owner = (n: TreeNode) => {
    n.uid = uid;
    n.gid = gid;
    const user = owners.user(uid);
    const group = owners.group(gid);
    if (user) n.user = user;
    if (group) n.group = group;
  };
  const root: VDir = { dirs: new Map(), files: new Map() };
  const paths: string[] = [];
  try {
    for await (const entry of entries) {
      throwIfAborted(ac.signal);
      const parts = splitEntryPath(entry.path);
      let saved;
      try {
        saved = await saveContent(ctx, entry.stream);
      } catch (err) {
        throw await explainFailure(err, entry.done);
      }
      await entry.done;
      const ts = formatTimestamp(entry.mtime ? dateToNs(entry.mtime) : timeNs);
      const node: TreeNode = { name: encodeNodeName(Buffer.from(parts.at(-1)!)), type: 'file', mode: (entry.mode ?? 0o600) & 0o777, mtime: ts, atime: ts, ctime: ts };
      owner(node);
      if (saved.size > 0) node.size = saved.size;
      node.content = saved.content;
      place(root, parts, node, entry.path);
      paths.push('/' + parts.join('/'));
      ctx.stats.files++;
      opts.onProgress?.({ files: ctx.stats.files, dirs: 0, bytesRead: ctx.stats.bytesRead, bytesAdded: ctx.stats.bytesAdded, path: entry.path });
    }
    if (paths.length === 0) throw new UsageError('backup: the source produced no streams');
    const dirTs = formatTimestamp(timeNs);
    const saveDir = async (dir: VDir): Promise<BlobId> => {
      const nodes: Array<{ raw: Buffer; node: TreeNode }> = [];
      for (const [name, sub] of dir.dirs) {
        const n: TreeNode = { name: encodeNodeName(Buffer.from(name)), type: 'dir', mode: GO_MODE_DIR + 0o700, mtime: dirTs, atime: dirTs, ctime: dirTs };
        owner(n);
        n.content = null;
        n.subtree = await saveDir(sub);
        ctx.stats.dirs++;
        nodes.push({ raw: Buffer.from(name), node: n });
      }
      for (const [name, n] of dir.files) nodes.push({ raw: Buffer.from(name), node: n });
      nodes.sort((a, b) => Buffer.compare(a.raw, b.raw));
      return repo.saveTree({ nodes: nodes.map((x) => x.node) }, ac.signal);
    };
    const tree = await saveDir(root);
    const tags = opts.lateTags ? [...new Set([...(opts.tags ?? []), ...opts.lateTags()])] : opts.tags;
    const extra = opts.chunker && opts.chunker.name !== RESTIC_CHUNKER.name ? { ...opts.extra, lifeboat_chunker: opts.chunker.name } : opts.extra;
    const snapshot = buildSnapshot({ ...opts, tags, extra }, { time, tree, paths: opts.paths ?? paths });
    const snapshotId = await finishSnapshot(ctx, snapshot);
    ctx.stats.durationMs = Math.round(performance.now() - started);
    return { snapshotId, snapshot, stats: ctx.stats, errors: ctx.errors };
  } catch (err) {
    ac.abort();
    if (opts.signal?.aborted) throw interrupted(err);
    throw err;
  }
}
