// Verifying blob bytes and loading trees through the checker's own index (built from the index
// files that decoded), so a broken index file does not stop the rest of the check.

import { IntegrityError, NotFoundError } from '../../errors.ts';
import { openBlob } from '../../repo/blob-codec.ts';
import type { MasterKey } from '../../repo/crypto.ts';
import type { MasterIndex } from '../../repo/index-file.ts';
import { parseJsonBytes } from '../../repo/json.ts';
import type { BlobId, BlobLocation, Tree } from '../../repo/types.ts';
import type { CheckableRepository } from './types.ts';

const short = (id: string) => id.slice(0, 8);

export function blobSubject(loc: BlobLocation): string {
  return `${loc.type} blob ${short(loc.id)} in pack ${short(loc.pack)}`;
}

/** MAC, decrypt, decompress, sha256 == ID. Throws IntegrityError naming blob and pack. */
export async function verifyBlob(key: MasterKey, loc: BlobLocation, stored: Uint8Array): Promise<Uint8Array> {
  return openBlob(key, stored, loc.id, loc.uncompressedLength, blobSubject(loc), 'verify');
}

/** Loads a blob from any of its locations; the error of the last one if none is intact. */
export async function loadBlobVia(repo: CheckableRepository, index: MasterIndex, loc: Pick<BlobLocation, 'type' | 'id'>, signal?: AbortSignal): Promise<Uint8Array> {
  const locs = index.lookupAll(loc.type, loc.id);
  if (locs.length === 0) throw new NotFoundError(`load ${loc.type} blob ${short(loc.id)}: not in index`);
  let last: unknown;
  for (const l of locs) {
    try {
      const bytes = await repo.storage.load({ type: 'data', name: l.pack }, { offset: l.offset, length: l.length }, signal);
      return await verifyBlob(repo.masterKey, l, bytes);
    } catch (err) {
      if (signal?.aborted) throw err;
      last = err;
    }
  }
  throw last;
}

export async function loadTreeVia(repo: CheckableRepository, index: MasterIndex, id: BlobId, signal?: AbortSignal): Promise<Tree> {
  const bytes = await loadBlobVia(repo, index, { type: 'tree', id }, signal);
  let v: Tree;
  try {
    v = parseJsonBytes(bytes) as Tree;
  } catch (err) {
    throw new IntegrityError(`load tree ${short(id)}: invalid JSON`, { cause: err });
  }
  if (!v || typeof v !== 'object') throw new IntegrityError(`load tree ${short(id)}: not a JSON object`);
  if (v.nodes === null) return { ...v, nodes: [] };
  if (!Array.isArray(v.nodes)) throw new IntegrityError(`load tree ${short(id)}: no nodes list`);
  return v;
}
