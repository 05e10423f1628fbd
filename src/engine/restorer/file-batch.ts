// Writes a batch of files in pack order: every blob the batch needs is read once, pack by pack
// (repo.readPackBlobs: few ranged reads, opened on worker threads), and the worker that opened
// it writes it to each place it goes with synchronous fs calls; a one-blob file is created,
// written, finished and renamed there in one go. (An async call per open/write/chmod/rename
// through libuv's pool cost far more than the work, and one thread doing them all serialises
// file creation, which on a busy disk is the slowest part of a restore.) A file is written under
// a temporary name in its directory and renamed into place once complete, so it never appears
// half-written under its real name.
//
// Damage: a blob that cannot be read (MAC failure, missing pack) is tried at its other
// locations; if none is intact, the files that need it are left out and reported with the
// blob and pack, and every other file is still restored.

import { randomBytes } from 'node:crypto';
import { closeSync, constants, openSync, unlinkSync } from 'node:fs';
import { type BlobWrite, type FinishFile, finishFile, performWrites } from '../../repo/blob-writes.ts';
import type { PackBlobResult } from '../../repo/blob-reader.ts';
import type { Repository } from '../../repo/repository-api.ts';
import type { BlobId, BlobLocation, PackId, TreeNode } from '../../repo/types.ts';
import { LifeboatError, throwIfAborted } from '../../errors.ts';
import { posixPermFromGo } from '../fs-meta/file-mode.ts';
import { nsToSeconds, parseTimestamp } from '../fs-meta/timestamp.ts';

export const TEMP_PREFIX = '.lifeboat-restore-';

export interface FileJob {
  dst: Buffer;
  node: TreeNode;
  /** Path inside the snapshot, for reports. */
  where: string;
  tmp?: Buffer;
  /** Blob writes still to do. */
  remaining: number;
  /** Blob writes in all (1: the worker creates and finishes the file in one go). */
  writes: number;
  created: boolean;
  done: boolean;
  damage?: Damage;
  /** Resolves to whether the file was restored (hard links wait for it). */
  settled: PromiseWithResolvers<boolean>;
}

export interface Damage {
  path: string;
  blob: string;
  pack?: string;
  message: string;
}

interface Target {
  file: FileJob;
  pos: number;
  /** Handed to a worker with the blob's current read. */
  sent: boolean;
}

export interface BatchHooks {
  owner: boolean;
  onFileDone(f: FileJob): void;
  onDamaged(d: Damage): void;
  /** Metadata failures (the file is restored; restic goes on too). */
  onMetaError(where: string, err: unknown): void;
  bytesWritten(n: number): void;
}

const O_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
const O_MORE = constants.O_WRONLY | constants.O_NOFOLLOW;

function finishOf(f: FileJob, owner: boolean): FinishFile {
  const node = f.node;
  const out: FinishFile = { dst: f.dst, mode: posixPermFromGo(node.mode ?? 0) };
  if (owner && typeof node.uid === 'number' && typeof node.gid === 'number') {
    out.uid = node.uid;
    out.gid = node.gid;
  }
  const mtime = typeof node.mtime === 'string' ? parseTimestamp(node.mtime) : undefined;
  if (mtime !== undefined) {
    const atime = (typeof node.atime === 'string' ? parseTimestamp(node.atime) : undefined) ?? mtime;
    out.mtime = nsToSeconds(mtime);
    out.atime = nsToSeconds(atime);
  }
  return out;
}

const plainLength = (l: BlobLocation) => l.uncompressedLength ?? l.length - 32;

export class FileBatch {
  readonly files: FileJob[] = [];
  readonly #targets = new Map<string, Target[]>();
  readonly #byPack = new Map<PackId, BlobLocation[]>();
  readonly #repo: Repository;
  blobRefs = 0;

  constructor(repo: Repository) {
    this.#repo = repo;
  }

  get size(): number {
    return this.files.length;
  }

  add(dst: Buffer, node: TreeNode, where: string, ids: BlobId[]): FileJob {
    const f: FileJob = { dst, node, where, remaining: ids.length, writes: ids.length, created: false, done: false, settled: Promise.withResolvers<boolean>() };
    f.settled.promise.catch(() => {});
    this.files.push(f);
    let pos = 0;
    for (const id of ids) {
      const loc = this.#repo.lookupBlobAll('data', id)[0];
      if (!loc) {
        f.damage ??= { path: where, blob: id, message: `data blob ${id.slice(0, 8)} is not in the index` };
        continue;
      }
      let t = this.#targets.get(id);
      if (!t) {
        this.#targets.set(id, (t = []));
        let list = this.#byPack.get(loc.pack);
        if (!list) this.#byPack.set(loc.pack, (list = []));
        list.push(loc);
      }
      t.push({ file: f, pos, sent: false });
      pos += plainLength(loc);
      this.blobRefs++;
    }
    return f;
  }

  /** Writes every file of the batch; resolves once each is renamed into place or left out. */
  async run(hooks: BatchHooks, concurrency: number, signal?: AbortSignal): Promise<void> {
    const retry: BlobLocation[] = [];
    const sink = (loc: BlobLocation, r: PackBlobResult) => {
      if (r.written) this.#written(loc.id, r.written.error, r.written.metaErrors, hooks);
      else if (this.#repo.lookupBlobAll('data', loc.id).length > 1) retry.push(loc);
      else this.#fail(loc.id, { blob: loc.id, pack: loc.pack, message: r.error?.message ?? 'unreadable' }, hooks);
    };
    const writesFor = (loc: BlobLocation) => this.#writesFor(loc.id, hooks);
    try {
      for (const f of this.files) if (f.remaining === 0 || f.damage) this.#settle(f, hooks);
      const packs = [...this.#byPack.values()];
      let next = 0;
      const worker = async () => {
        while (next < packs.length) {
          throwIfAborted(signal);
          await this.#repo.readPackBlobs(packs[next++]!, sink, signal, writesFor);
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, packs.length) }, worker));
      // Blobs with a damaged copy: loadBlob tries every other location.
      for (const loc of retry) {
        throwIfAborted(signal);
        let plain: Uint8Array;
        try {
          plain = await this.#repo.loadBlob('data', loc.id, signal);
        } catch (err) {
          if (signal?.aborted) throw err;
          this.#fail(loc.id, { blob: loc.id, pack: loc.pack, message: (err as Error).message }, hooks);
          continue;
        }
        const out = performWrites(plain, this.#writesFor(loc.id, hooks));
        this.#written(loc.id, out.error, out.metaErrors, hooks);
      }
    } finally {
      // Whatever did not complete (an abort, a write error) leaves no temporary file behind.
      for (const f of this.files) {
        if (f.done) continue;
        f.done = true;
        if (f.created && f.tmp) {
          try {
            unlinkSync(f.tmp);
          } catch {
            // already gone
          }
        }
        f.settled.resolve(false);
      }
    }
  }

  /** The writes that put blob `id` in place, for the files still waiting for it. */
  #writesFor(id: string, hooks: BatchHooks): BlobWrite[] {
    const out: BlobWrite[] = [];
    for (const t of this.#targets.get(id) ?? []) {
      const f = t.file;
      if (f.done || f.damage) continue;
      const path = this.#tmpName(f);
      if (f.writes === 1) out.push({ path, pos: t.pos, create: true, finish: finishOf(f, hooks.owner) });
      else {
        if (!f.created) {
          closeSync(openSync(path, O_NEW, 0o600));
          f.created = true;
        }
        out.push({ path, pos: t.pos, create: false });
      }
      t.sent = true;
    }
    return out;
  }

  /** Accounts for the writes of blob `id` a worker (or this thread) carried out. */
  #written(id: string, error: string | undefined, metaErrors: string[] | undefined, hooks: BatchHooks): void {
    const targets = this.#targets.get(id) ?? [];
    if (error !== undefined) {
      const t = targets.find((x) => x.sent);
      throw new LifeboatError('error', `restore ${t?.file.where ?? ''}: write failed: ${error}`);
    }
    let firstFinished: FileJob | undefined;
    const n = plainSize(this.#repo, id);
    for (const t of targets) {
      if (!t.sent) continue;
      t.sent = false;
      const f = t.file;
      if (f.writes === 1) f.created = true;
      hooks.bytesWritten(n);
      if (--f.remaining > 0) continue;
      if (f.damage) {
        this.#settle(f, hooks);
        continue;
      }
      if (f.writes === 1) {
        // The worker finished and renamed it.
        f.done = true;
        firstFinished ??= f;
        f.settled.resolve(true);
        hooks.onFileDone(f);
      } else this.#finishHere(f, hooks);
    }
    for (const m of metaErrors ?? []) hooks.onMetaError(firstFinished?.where ?? '', new Error(m));
  }

  #fail(id: string, d: Omit<Damage, 'path'>, hooks: BatchHooks): void {
    for (const t of this.#targets.get(id) ?? []) {
      t.sent = false;
      const f = t.file;
      if (f.done) continue;
      f.damage ??= { path: f.where, ...d };
      if (--f.remaining === 0) this.#settle(f, hooks);
    }
  }

  #tmpName(f: FileJob): Buffer {
    const slash = f.dst.lastIndexOf(0x2f);
    return (f.tmp ??= Buffer.concat([f.dst.subarray(0, slash + 1), Buffer.from(`${TEMP_PREFIX}${randomBytes(6).toString('hex')}`)]));
  }

  /** A file without blobs to write (empty, or damaged from the start). */
  #settle(f: FileJob, hooks: BatchHooks): void {
    if (f.damage) {
      f.done = true;
      if (f.created && f.tmp) unlinkSync(f.tmp);
      f.settled.resolve(false);
      hooks.onDamaged(f.damage);
      return;
    }
    this.#finishHere(f, hooks);
  }

  /** Metadata through the descriptor, then the rename into place, on this thread. */
  #finishHere(f: FileJob, hooks: BatchHooks): void {
    const fd = openSync(this.#tmpName(f), f.created ? O_MORE : O_NEW, 0o600);
    f.created = true;
    const metaErrors: string[] = [];
    try {
      finishFile(fd, f.tmp!, finishOf(f, hooks.owner), metaErrors);
    } finally {
      closeSync(fd);
    }
    for (const m of metaErrors) hooks.onMetaError(f.where, new Error(m));
    f.done = true;
    f.settled.resolve(true);
    hooks.onFileDone(f);
  }
}

function plainSize(repo: Repository, id: string): number {
  const l = repo.lookupBlobAll('data', id as BlobId)[0];
  return l ? plainLength(l) : 0;
}
