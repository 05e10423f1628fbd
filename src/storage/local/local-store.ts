// A repository in a local directory, laid out exactly as restic's local backend does, so
// `restic -r DIR` opens what we write. Writes are crash-safe: temp file in the same folder,
// fsync, rename, fsync the folder; files end read-only (0400) and folders 0700, like restic.

import { constants } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import type { ByteRange, FileInfo, FileType, Handle, Storage, StorageCapabilities } from '../types.ts';
import { AbortedError, LifeboatError, NotFoundError, StorageError, throwIfAborted } from '../../errors.ts';
import { REPO_DIRS, TYPE_DIRS, checkRange, dataSubdirs, isNested, relPath, subject } from '../layout.ts';

const FILE_MODE = 0o400;
const DIR_MODE = 0o700;
/** Read in slices so a large load notices an abort between them. */
const READ_SLICE = 8 * 1024 * 1024;
/** Errors worth retrying on a local disk: resource exhaustion and interrupted calls. */
const TRANSIENT_CODES = new Set(['EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY', 'EINTR', 'ETIMEDOUT', 'EIO']);
const TMP_MARK = '-tmp-';
const LEFTOVER_MAX_AGE_MS = 24 * 3600_000;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return codeOf(err) === 'EPERM';
  }
}

export interface LocalStoreOptions {
  /** Skip fsync (tests on tmpfs only); durability is the default. */
  noSync?: boolean;
}

export class LocalStore implements Storage {
  readonly location: string;
  readonly capabilities: StorageCapabilities = { atomicWrites: true };
  readonly #root: string;
  readonly #sync: boolean;

  constructor(root: string, options: LocalStoreOptions = {}) {
    this.#root = resolve(root);
    this.location = this.#root;
    this.#sync = !options.noSync;
  }

  async create(): Promise<void> {
    const op = `create repository at ${this.location}`;
    try {
      await stat(join(this.#root, 'config'));
      throw new StorageError(`${op}: a config file already exists`, true);
    } catch (err) {
      if (err instanceof LifeboatError) throw err;
      if (codeOf(err) !== 'ENOENT') throw this.#mapError(err, op);
    }
    try {
      await mkdir(this.#root, { recursive: true, mode: DIR_MODE });
      for (const d of [...REPO_DIRS, ...dataSubdirs()]) {
        await mkdir(join(this.#root, d), { recursive: true, mode: DIR_MODE });
      }
      await this.#syncDir(join(this.#root, 'data'));
      await this.#syncDir(this.#root);
      await this.#syncDir(dirname(this.#root));
    } catch (err) {
      throw this.#mapError(err, op);
    }
  }

  async save(h: Handle, data: Uint8Array, signal?: AbortSignal): Promise<void> {
    const op = `save ${subject(h)}`;
    const final = join(this.#root, relPath(h));
    const dir = dirname(final);
    throwIfAborted(signal);
    // The writer's PID in the name lets removeLeftovers tell a dead writer's file from a live one.
    const tmp = join(dir, `${basename(final)}${TMP_MARK}${process.pid}-${randomBytes(8).toString('hex')}`);
    let fh: FileHandle | undefined;
    try {
      fh = await this.#openTemp(tmp, dir);
      await fh.writeFile(data, { signal });
      if (this.#sync) await fh.sync();
      // Read-only before it becomes visible, so the final name never points at a writable file.
      await fh.chmod(FILE_MODE);
      await fh.close();
      fh = undefined;
      // Last moment an abort can stop the save without publishing anything.
      throwIfAborted(signal);
      await rename(tmp, final);
    } catch (err) {
      await fh?.close().catch(() => {});
      await rm(tmp, { force: true }).catch(() => {});
      throw this.#mapError(err, op);
    }
    try {
      await this.#syncDir(dir);
    } catch (err) {
      throw this.#mapError(err, op);
    }
  }

  async load(h: Handle, range?: ByteRange, signal?: AbortSignal, into?: Uint8Array): Promise<Uint8Array> {
    const op = `load ${subject(h)}`;
    throwIfAborted(signal);
    let fh: FileHandle | undefined;
    try {
      fh = await open(join(this.#root, relPath(h)), constants.O_RDONLY);
      const size = (await fh.stat()).size;
      if (range) checkRange(h, range, size, this.location);
      const offset = range ? range.offset : 0;
      const length = range ? range.length : size;
      // The caller's buffer, or a fresh unpooled one: callers may keep it or view its ArrayBuffer.
      const buf = into && into.length >= length ? into.subarray(0, length) : new Uint8Array(length);
      let done = 0;
      while (done < length) {
        throwIfAborted(signal);
        const { bytesRead } = await fh.read(buf, done, Math.min(READ_SLICE, length - done), offset + done);
        if (bytesRead === 0) {
          throw new StorageError(`${op} in ${this.location}: unexpected end of file at ${offset + done} (file shrank while reading)`, true);
        }
        done += bytesRead;
      }
      return buf;
    } catch (err) {
      throw this.#mapError(err, op);
    } finally {
      await fh?.close().catch(() => {});
    }
  }

  async stat(h: Handle): Promise<FileInfo> {
    try {
      const st = await stat(join(this.#root, relPath(h)));
      return { name: h.type === 'config' ? 'config' : h.name, size: st.size };
    } catch (err) {
      throw this.#mapError(err, `stat ${subject(h)}`);
    }
  }

  async *list(type: FileType, signal?: AbortSignal): AsyncIterable<FileInfo> {
    throwIfAborted(signal);
    if (type === 'config') {
      try {
        const st = await stat(join(this.#root, 'config'));
        yield { name: 'config', size: st.size };
      } catch (err) {
        if (codeOf(err) !== 'ENOENT') throw this.#mapError(err, 'list config');
      }
      return;
    }
    const top = join(this.#root, TYPE_DIRS[type]);
    if (!isNested(type)) {
      yield* this.#listDir(top, type, signal);
      return;
    }
    for (const sub of await this.#readdir(top, type)) {
      if (!sub.isDirectory()) continue;
      // wal names carry their group folder (`GROUP/FILE`); data names are bare IDs.
      const group = type === 'wal' ? `${sub.name}/` : '';
      for await (const f of this.#listDir(join(top, sub.name), type, signal)) yield { ...f, name: group + f.name };
    }
  }

  async remove(h: Handle): Promise<void> {
    try {
      await unlink(join(this.#root, relPath(h)));
    } catch (err) {
      if (codeOf(err) === 'ENOENT') return;
      throw this.#mapError(err, `remove ${subject(h)}`);
    }
  }

  async close(): Promise<void> {}

  /**
   * Removes temporary files a killed writer left behind (a save cut off between create and
   * rename): those whose writer PID is gone from this host, or older than a day (a writer on
   * another host sharing the folder). They are never listed, so nothing else would see them.
   */
  async removeLeftovers(type: FileType): Promise<number> {
    if (type === 'config') return 0;
    const top = join(this.#root, TYPE_DIRS[type]);
    const dirs = isNested(type)
      ? (await this.#readdir(top, type)).filter((d) => d.isDirectory()).map((d) => join(top, d.name))
      : [top];
    let removed = 0;
    for (const dir of dirs) {
      for (const ent of await this.#readdir(dir, type)) {
        if (!ent.isFile() || !ent.name.includes(TMP_MARK)) continue;
        const path = join(dir, ent.name);
        const pid = Number(/-tmp-(\d+)-[0-9a-f]+$/.exec(ent.name)?.[1] ?? NaN);
        const old = await stat(path).then((st) => Date.now() - st.mtimeMs > LEFTOVER_MAX_AGE_MS, () => false);
        if (!old && Number.isInteger(pid) && processAlive(pid)) continue;
        if (!old && !Number.isInteger(pid)) continue;
        await rm(path, { force: true });
        removed++;
      }
    }
    return removed;
  }

  async *#listDir(dir: string, type: FileType, signal?: AbortSignal): AsyncIterable<FileInfo> {
    for (const ent of await this.#readdir(dir, type)) {
      throwIfAborted(signal);
      if (!ent.isFile() || ent.name.includes(TMP_MARK)) continue;
      try {
        const st = await stat(join(dir, ent.name));
        yield { name: ent.name, size: st.size };
      } catch (err) {
        // Removed between readdir and stat: it is simply no longer there.
        if (codeOf(err) !== 'ENOENT') throw this.#mapError(err, `list ${type}`);
      }
    }
  }

  async #readdir(dir: string, type: FileType) {
    try {
      return await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (codeOf(err) === 'ENOENT') return [];
      throw this.#mapError(err, `list ${type}`);
    }
  }

  async #openTemp(tmp: string, dir: string): Promise<FileHandle> {
    try {
      return await open(tmp, 'wx', 0o600);
    } catch (err) {
      if (codeOf(err) !== 'ENOENT') throw err;
    }
    // A type folder may be missing (repositories made by other tools), but never create the
    // repository itself implicitly: a mistyped path must not turn into a new empty repository.
    try {
      await stat(join(this.#root, 'config'));
    } catch (err) {
      if (codeOf(err) === 'ENOENT') {
        throw new NotFoundError(`no repository at ${this.location}: config file not found`);
      }
      throw err;
    }
    await mkdir(dir, { recursive: true, mode: DIR_MODE });
    return await open(tmp, 'wx', 0o600);
  }

  async #syncDir(dir: string): Promise<void> {
    if (!this.#sync) return;
    const fh = await open(dir, constants.O_RDONLY);
    try {
      await fh.sync();
    } catch (err) {
      // Some filesystems refuse fsync on directories; the rename is still done.
      if (codeOf(err) !== 'EINVAL' && codeOf(err) !== 'EISDIR') throw err;
    } finally {
      await fh.close();
    }
  }

  #mapError(err: unknown, op: string): LifeboatError {
    if (err instanceof LifeboatError) return err;
    if (err instanceof Error && err.name === 'AbortError') return new AbortedError(`${op}: interrupted`, { cause: err });
    const code = codeOf(err);
    const detail = err instanceof Error ? err.message : String(err);
    if (code === 'ENOENT') return new NotFoundError(`${op} in ${this.location}: file not found`, { cause: err });
    const permanent = !TRANSIENT_CODES.has(code ?? '');
    // A read-only mount or a folder we may not write: readers can go on without a lock.
    const readOnly = code === 'EROFS' || code === 'EACCES' || code === 'EPERM';
    return new StorageError(`${op} in ${this.location}: ${detail}`, permanent, { cause: err, context: { code, ...(readOnly ? { readOnly } : {}) } });
  }
}

function codeOf(err: unknown): string | undefined {
  const c = (err as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : undefined;
}
