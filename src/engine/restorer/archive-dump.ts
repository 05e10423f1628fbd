// `dump SNAPSHOT DIR`: a directory of a snapshot as a tar (or zip) archive on a stream, as restic
// 0.14's dump writes it: entries named relative to `/` (`srv/app/a.txt`, directories ending in
// `/`), the directory's content without the directory itself, permission and set-id bits,
// owner, times, symlinks with their targets. One file's blobs stream at a time, verified as they
// are read, so memory stays bounded whatever the directory's size.

import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import yazl from 'yazl';
import { throwIfAborted, UsageError } from '../../errors.ts';
import type { Repository } from '../../repo/repository-api.ts';
import type { BlobId, SnapshotEntry, TreeNode } from '../../repo/types.ts';
import { posixPermFromGo } from '../fs-meta/file-mode.ts';
import { displayName } from '../fs-meta/node-name.ts';
import { blobStream, fileContent, findNode } from './snapshot-walk.ts';

export type ArchiveFormat = 'tar' | 'zip';

export interface ArchiveResult {
  entries: number;
  bytes: number;
}

interface Item { path: string; node: TreeNode }

async function* items(repo: Repository, tree: BlobId, prefix: string, signal?: AbortSignal): AsyncGenerator<Item> {
  throwIfAborted(signal);
  const t = await repo.loadTree(tree, signal);
  for (const node of t.nodes) {
    const path = `${prefix}/${displayName(node.name)}`;
    yield { path, node };
    if (node.type === 'dir' && typeof node.subtree === 'string') yield* items(repo, node.subtree as BlobId, path, signal);
  }
}

/** The directory at `path` (`/` for the whole snapshot) as an archive on `out` (not ended: it may be stdout). */
export async function dumpArchive(repo: Repository, snap: SnapshotEntry, path: string, out: Writable, format: ArchiveFormat, signal?: AbortSignal): Promise<ArchiveResult> {
  const node = await findNode(repo, snap, path, signal);
  const root = node === undefined ? snap.snapshot.tree : node.subtree;
  if (node !== undefined && node.type !== 'dir') throw new UsageError(`dump --archive ${path}: not a directory (dump a file without --archive)`);
  if (typeof root !== 'string') throw new UsageError(`dump ${path}: directory has no subtree`);
  const prefix = path.split('/').filter((p) => p && p !== '.').map((p) => `/${p}`).join('');
  const entries = items(repo, root as BlobId, prefix, signal);
  return format === 'tar' ? writeTar(repo, entries, out, signal) : writeZip(repo, entries, out, signal);
}

function mode(node: TreeNode): number {
  return posixPermFromGo(Number(node.mode ?? 0));
}

function time(t: unknown): Date | undefined {
  const ms = typeof t === 'string' ? Date.parse(t) : NaN;
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

function content(repo: Repository, node: TreeNode, path: string, signal?: AbortSignal): Readable {
  return Readable.from(blobStream(repo, fileContent(node, `dump ${path}`), signal, 2), { objectMode: false });
}

async function writeTar(repo: Repository, entries: AsyncIterable<Item>, out: Writable, signal?: AbortSignal): Promise<ArchiveResult> {
  const pack = tar.pack();
  const done = pipeline(pack, out, { end: false, signal });
  const result: ArchiveResult = { entries: 0, bytes: 0 };
  try {
    for await (const { path, node } of entries) {
      const header: Partial<tar.Header> & { name: string } = {
        name: path.slice(1) + (node.type === 'dir' ? '/' : ''), mode: mode(node), uid: node.uid ?? 0, gid: node.gid ?? 0,
        uname: node.user ?? '', gname: node.group ?? '', mtime: time(node.mtime) ?? new Date(0),
        type: node.type === 'dir' ? 'directory' : node.type === 'symlink' ? 'symlink' : 'file',
        size: node.type === 'file' ? node.size ?? 0 : 0,
        ...(node.type === 'symlink' ? { linkname: node.linktarget ?? '' } : {}),
      };
      result.entries++;
      if (node.type !== 'file') {
        await new Promise<void>((resolve, reject) => pack.entry(header, (err) => (err ? reject(err) : resolve())));
        continue;
      }
      const entry = pack.entry(header);
      await pipeline(content(repo, node, path, signal), entry);
      result.bytes += node.size ?? 0;
    }
    pack.finalize();
  } catch (err) {
    pack.destroy(err as Error);
    await done.catch(() => {});
    throw err;
  }
  await done;
  return result;
}

async function writeZip(repo: Repository, entries: AsyncIterable<Item>, out: Writable, signal?: AbortSignal): Promise<ArchiveResult> {
  const zip = new yazl.ZipFile();
  const done = pipeline(zip.outputStream, out, { end: false, signal });
  done.catch(() => {});
  const result: ArchiveResult = { entries: 0, bytes: 0 };
  for await (const { path, node } of entries) {
    const name = path.slice(1);
    // Unix mode with the file type bits, as Go's zip FileHeader.SetMode writes it.
    const opts = { mtime: time(node.mtime) ?? new Date(0), mode: 0o100000 | mode(node), compress: false };
    result.entries++;
    if (node.type === 'dir') zip.addEmptyDirectory(`${name}/`, { mtime: opts.mtime, mode: 0o40000 | mode(node) });
    else if (node.type === 'symlink') zip.addBuffer(Buffer.from(node.linktarget ?? ''), name, { ...opts, mode: 0o120000 | mode(node) });
    else if (node.type === 'file') {
      // One file at a time: the next is added once yazl has read this one to its end.
      const read = new Promise<void>((resolve, reject) => {
        zip.addReadStreamLazy(name, { ...opts, size: node.size ?? 0 }, (cb) => {
          const s = content(repo, node, path, signal);
          s.on('end', () => resolve());
          s.on('error', reject);
          cb(null, s);
        });
      });
      await read;
      result.bytes += node.size ?? 0;
    }
  }
  zip.end();
  await done;
  return result;
}
