// In-memory Storage for fast tests. Behaves like the real stores where callers can tell:
// copies in and out (no aliasing), NotFoundError on missing files, range checks, abort checks.

import type { ByteRange, FileInfo, FileType, Handle, Storage, StorageCapabilities } from '../types.ts';
import { NotFoundError, StorageError, throwIfAborted } from '../../errors.ts';
import { checkRange, relPath, subject } from '../layout.ts';

export interface MemoryStoreOptions {
  /** Printable name; the location becomes `memory:<name>`. */
  name?: string;
}

export class MemoryStore implements Storage {
  readonly location: string;
  readonly capabilities: StorageCapabilities = { atomicWrites: true };
  // One map per store instance: the files, keyed by restic-layout relative path.
  readonly #files = new Map<string, { type: FileType; name: string; data: Uint8Array }>();
  #closed = false;

  constructor(options: MemoryStoreOptions = {}) {
    this.location = `memory:${options.name ?? ''}`;
  }

  async create(): Promise<void> {
    this.#open('create');
    if (this.#files.has('config')) {
      throw new StorageError(`create repository at ${this.location}: a config file already exists`, true);
    }
  }

  async save(h: Handle, data: Uint8Array, signal?: AbortSignal): Promise<void> {
    this.#open(`save ${subject(h)}`);
    throwIfAborted(signal);
    const key = relPath(h);
    // Copy: the caller may reuse its buffer after save returns.
    this.#files.set(key, { type: h.type, name: h.type === 'config' ? 'config' : h.name, data: new Uint8Array(data) });
  }

  async load(h: Handle, range?: ByteRange, signal?: AbortSignal): Promise<Uint8Array> {
    this.#open(`load ${subject(h)}`);
    throwIfAborted(signal);
    const f = this.#files.get(relPath(h));
    if (!f) throw new NotFoundError(`load ${subject(h)} in ${this.location}: file not found`);
    if (!range) return f.data.slice();
    checkRange(h, range, f.data.length, this.location);
    return f.data.slice(range.offset, range.offset + range.length);
  }

  async stat(h: Handle): Promise<FileInfo> {
    this.#open(`stat ${subject(h)}`);
    const f = this.#files.get(relPath(h));
    if (!f) throw new NotFoundError(`stat ${subject(h)} in ${this.location}: file not found`);
    return { name: f.name, size: f.data.length };
  }

  async *list(type: FileType, signal?: AbortSignal): AsyncIterable<FileInfo> {
    this.#open(`list ${type}`);
    // Snapshot first so saves/removes during iteration don't disturb it (like a directory read).
    const found: FileInfo[] = [];
    for (const f of this.#files.values()) if (f.type === type) found.push({ name: f.name, size: f.data.length });
    for (const info of found) {
      throwIfAborted(signal);
      yield info;
    }
  }

  async remove(h: Handle): Promise<void> {
    this.#open(`remove ${subject(h)}`);
    this.#files.delete(relPath(h));
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #open(op: string): void {
    if (this.#closed) throw new StorageError(`${op} in ${this.location}: store is closed`, true);
  }
}
