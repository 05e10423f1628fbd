// PostgreSQL's WAL file names and positions, as pure functions: `0/2000028` (an LSN),
// `000000010000000000000002` (timeline 1, segment 2 of 16 MiB), `00000002.history`,
// `000000010000000000000002.00000028.backup`. Used to name a base backup's first and last
// segment, to find gaps in an archive and to decide which WAL retention may remove.

/** PostgreSQL's default; a cluster's own comes from `SHOW wal_segment_size`. */
export const DEFAULT_WAL_SEGMENT_SIZE = 16 * 1024 * 1024;

const SEGMENT = /^([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})$/;
const HISTORY = /^([0-9A-F]{8})\.history$/;
const BACKUP = /^([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})\.([0-9A-F]{8})\.backup$/;
const PARTIAL = /^([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})\.partial$/;

export type WalFileKind = 'segment' | 'history' | 'backup' | 'partial';

/** What a file in pg_wal (or the archive) is; undefined for anything else. */
export function walFileKind(name: string): WalFileKind | undefined {
  if (SEGMENT.test(name)) return 'segment';
  if (HISTORY.test(name)) return 'history';
  if (BACKUP.test(name)) return 'backup';
  if (PARTIAL.test(name)) return 'partial';
  return undefined;
}

/** `0/2000028` → 33554472n. */
export function parseLsn(lsn: string): bigint {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(lsn);
  if (!m) throw new Error(`not a WAL position (LSN): ${JSON.stringify(lsn)}`);
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

export function formatLsn(n: bigint): string {
  return `${(n >> 32n).toString(16).toUpperCase()}/${(n & 0xffffffffn).toString(16).toUpperCase()}`;
}

function hex8(n: bigint | number): string {
  return n.toString(16).toUpperCase().padStart(8, '0');
}

/** Segments per "xlogid" (the middle 8 hex digits): 256 for 16 MiB segments. */
function segmentsPerId(segmentSize: number): bigint {
  return 0x100000000n / BigInt(segmentSize);
}

/** The file name of segment number `segno` on `timeline`. */
export function segmentName(timeline: number, segno: bigint, segmentSize = DEFAULT_WAL_SEGMENT_SIZE): string {
  const per = segmentsPerId(segmentSize);
  return `${hex8(timeline)}${hex8(segno / per)}${hex8(segno % per)}`;
}

/** The segment holding the byte at `lsn`. */
export function segmentOfLsn(timeline: number, lsn: string | bigint, segmentSize = DEFAULT_WAL_SEGMENT_SIZE): string {
  const n = typeof lsn === 'string' ? parseLsn(lsn) : lsn;
  return segmentName(timeline, n / BigInt(segmentSize), segmentSize);
}

/** The segment holding the last byte before `lsn` (an end position: the last segment needed to reach it). */
export function segmentBeforeLsn(timeline: number, lsn: string | bigint, segmentSize = DEFAULT_WAL_SEGMENT_SIZE): string {
  const n = typeof lsn === 'string' ? parseLsn(lsn) : lsn;
  return segmentOfLsn(timeline, n === 0n ? 0n : n - 1n, segmentSize);
}

/** Timeline and segment number of a segment (or .backup/.partial) file name. */
export function parseSegmentName(name: string, segmentSize = DEFAULT_WAL_SEGMENT_SIZE): { timeline: number; segno: bigint } {
  const m = SEGMENT.exec(name.slice(0, 24));
  if (!m || !(SEGMENT.test(name) || BACKUP.test(name) || PARTIAL.test(name))) throw new Error(`not a WAL segment name: ${JSON.stringify(name)}`);
  return { timeline: parseInt(m[1]!, 16), segno: BigInt(`0x${m[2]}`) * segmentsPerId(segmentSize) + BigInt(`0x${m[3]}`) };
}

/** Timeline of a `.history` file name. */
export function historyTimeline(name: string): number | undefined {
  const m = HISTORY.exec(name);
  return m ? parseInt(m[1]!, 16) : undefined;
}

/** `0000000100000000000000A3–A5` style short range for messages. */
export function segmentRange(first: string, last: string): string {
  if (first === last) return first;
  let i = 0;
  while (i < 24 && first[i] === last[i]) i++;
  // Show the differing tail of `last`, at least 2 digits.
  return `${first}–${last.slice(Math.min(i, 22))}`;
}
