// zstd through node:zlib's async API: the work runs on libuv's threadpool, so several blobs
// compress in parallel while the main thread keeps chunking. Pure functions over bytes.

import { promisify } from 'node:util';
import { constants, zstdCompress, zstdDecompress } from 'node:zlib';

const compressAsync = promisify(zstdCompress);
const decompressAsync = promisify(zstdDecompress);

/** restic's "auto" compression corresponds to zstd's default level 3. */
export async function compress(data: Uint8Array, level = 3): Promise<Uint8Array> {
  return compressAsync(data, { params: { [constants.ZSTD_c_compressionLevel]: level } });
}

/**
 * Decompresses one or more zstd frames. restic's small frames carry no content size; node's
 * streaming decoder does not need it. `maxOutputLength` bounds memory for a damaged or
 * hostile frame when the expected size is known.
 */
export async function decompress(data: Uint8Array, expectedLength?: number): Promise<Uint8Array> {
  const opts = expectedLength === undefined ? {} : { maxOutputLength: Math.max(expectedLength, 1) };
  return decompressAsync(data, opts);
}
