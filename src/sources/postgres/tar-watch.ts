// Watches a tar stream go by (pg_basebackup's base.tar) and keeps the contents of a few small
// members (backup_manifest, backup_label), without holding up or changing the stream. The
// positions a base backup needs (timeline, start and end LSN) are in the manifest's WAL-Ranges:
// with `-X none` pg_basebackup prints neither.

const BLOCK = 512;

export interface TarWatch {
  /** The stream, unchanged. */
  stream: AsyncIterable<Uint8Array>;
  /** Contents of the watched members seen so far, by name. */
  members: Map<string, Buffer>;
}

export function watchTar(input: AsyncIterable<Uint8Array>, names: readonly string[], maxMemberBytes = 256 << 20): TarWatch {
  const members = new Map<string, Buffer>();
  let header = Buffer.alloc(0); // partial header block
  let remaining = 0; // bytes of the current member's data (plus padding) still to skip
  let keeping: { name: string; size: number; parts: Buffer[]; got: number } | undefined;

  function feed(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      if (remaining > 0) {
        const n = Math.min(remaining, chunk.length - off);
        if (keeping && keeping.got < keeping.size) {
          const take = Math.min(n, keeping.size - keeping.got);
          keeping.parts.push(Buffer.from(chunk.subarray(off, off + take)));
          keeping.got += take;
          if (keeping.got === keeping.size) { members.set(keeping.name, Buffer.concat(keeping.parts)); }
        }
        remaining -= n;
        off += n;
        if (remaining === 0) keeping = undefined;
        continue;
      }
      const need = BLOCK - header.length;
      const n = Math.min(need, chunk.length - off);
      header = Buffer.concat([header, chunk.subarray(off, off + n)]);
      off += n;
      if (header.length < BLOCK) break;
      const block = header;
      header = Buffer.alloc(0);
      if (block.every((b) => b === 0)) continue; // end-of-archive blocks
      const name = cstring(block.subarray(0, 100));
      const prefix = block.subarray(257, 262).toString('latin1') === 'ustar' ? cstring(block.subarray(345, 500)) : '';
      const full = prefix ? `${prefix}/${name}` : name;
      const size = parseInt(cstring(block.subarray(124, 136)).trim() || '0', 8);
      const type = String.fromCharCode(block[156]!);
      const dataBlocks = Math.ceil(size / BLOCK) * BLOCK;
      remaining = type === '0' || type === '\0' || type === 'x' || type === 'g' || type === 'L' ? dataBlocks : 0;
      if ((type === '0' || type === '\0') && names.includes(full) && size <= maxMemberBytes) {
        keeping = { name: full, size, parts: [], got: 0 };
        if (size === 0) { members.set(full, Buffer.alloc(0)); keeping = undefined; }
      }
    }
  }

  async function* stream(): AsyncGenerator<Uint8Array> {
    for await (const chunk of input) {
      feed(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      yield chunk;
    }
  }
  return { stream: stream(), members };
}

function cstring(b: Uint8Array): string {
  const end = b.indexOf(0);
  return Buffer.from(b.subarray(0, end < 0 ? b.length : end)).toString('utf8');
}

/** Timeline and positions from a backup manifest's WAL-Ranges (format version 1). */
export function manifestWalRange(manifest: Buffer): { timeline: number; startLsn: string; stopLsn: string } | undefined {
  let doc: { 'WAL-Ranges'?: Array<{ Timeline: number; 'Start-LSN': string; 'End-LSN': string }> };
  try { doc = JSON.parse(manifest.toString('utf8')); } catch { return undefined; }
  const ranges = doc['WAL-Ranges'];
  if (!Array.isArray(ranges) || ranges.length === 0) return undefined;
  // Ranges run newest timeline first when a standby's backup spans a timeline switch.
  const oldest = ranges[ranges.length - 1]!;
  const newest = ranges[0]!;
  return { timeline: oldest.Timeline, startLsn: oldest['Start-LSN'], stopLsn: newest['End-LSN'] };
}
