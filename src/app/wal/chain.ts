// Which archived WAL the kept base backups need, and where the archive breaks: pure functions
// over file names and base-backup infos (retention.ts and check.ts feed them).
//
// A base backup on timeline T starting in segment number s needs, for every segment number
// from s up to the newest archived one (and at least up to its own stop segment), a segment on
// T or a later timeline (a promotion continues the same numbering on the next timeline).

import { parseSegmentName, segmentName, segmentRange, walFileKind, DEFAULT_WAL_SEGMENT_SIZE } from '../../core/wal-names.ts';
import type { BaseBackupInfo } from '../../sources/postgres/index.ts';

export interface ChainBackup {
  id: string;
  info: BaseBackupInfo;
}

export interface WalGap {
  /** First and last missing segment names (on the backups' timeline). */
  first: string;
  last: string;
  /** `0000000100000000000000A3–A5` */
  range: string;
  /** Base backups that cannot replay past the gap (their start is before it). */
  blocked: ChainBackup[];
  /** Of those, the ones whose own backup WAL is in the gap: not restorable at all. */
  unusable: ChainBackup[];
  message: string;
}

function segnoOf(file: string, segSize: number): { timeline: number; segno: bigint } | undefined {
  const kind = walFileKind(file);
  return kind === 'segment' ? parseSegmentName(file, segSize) : undefined;
}

/** Gaps in the chain from each base backup's start segment to the newest archived segment. */
export function findWalGaps(files: readonly string[], backups: readonly ChainBackup[]): WalGap[] {
  if (backups.length === 0) return [];
  const segSize = backups[0]!.info.walSegmentSize ?? DEFAULT_WAL_SEGMENT_SIZE;
  const segs = files.map((f) => segnoOf(f, segSize)).filter((s) => s !== undefined);
  // Per segment number, the newest timeline holding it.
  const best = new Map<bigint, number>();
  let newest = -1n;
  for (const s of segs) {
    if ((best.get(s.segno) ?? 0) < s.timeline) best.set(s.segno, s.timeline);
    if (s.segno > newest) newest = s.segno;
  }
  const starts = backups.map((b) => ({ b, start: parseSegmentName(b.info.startSegment, segSize).segno, stop: parseSegmentName(b.info.stopSegment, segSize).segno }));
  const from = starts.reduce((m, x) => (x.start < m ? x.start : m), starts[0]!.start);
  const to = starts.reduce((m, x) => (x.stop > m ? x.stop : m), newest);
  const minTimeline = Math.min(...backups.map((b) => b.info.timeline));
  const gaps: WalGap[] = [];
  let gapStart: bigint | undefined;
  const close = (end: bigint) => {
    const a = gapStart!;
    gapStart = undefined;
    const blockedStarts = starts.filter((x) => x.start < a || (x.start <= end && x.start >= a));
    const blocked = blockedStarts.map((x) => x.b);
    const unusable = starts.filter((x) => x.start <= end && x.stop >= a).map((x) => x.b);
    if (blocked.length === 0) return;
    const tl = Math.min(...blocked.map((b) => b.info.timeline));
    const first = segmentName(tl, a, segSize);
    const last = segmentName(tl, end, segSize);
    const range = segmentRange(first, last);
    const describe = (b: ChainBackup) => `${b.id.slice(0, 8)} (${b.info.stopTime})`;
    const parts: string[] = [];
    const restorableUntil = blocked.filter((b) => !unusable.includes(b));
    if (restorableUntil.length) {
      parts.push(`base backup${restorableUntil.length > 1 ? 's' : ''} ${restorableUntil.map(describe).join(', ')} cannot be restored past ${a > 0n ? segmentName(tl, a - 1n, segSize) : 'the start'}`);
    }
    if (unusable.length) parts.push(`base backup${unusable.length > 1 ? 's' : ''} ${unusable.map(describe).join(', ')} cannot be restored at all (${unusable.length > 1 ? 'their' : 'its'} own WAL is missing)`);
    gaps.push({ first, last, range, blocked, unusable, message: `missing ${range}: ${parts.join('; ')}` });
  };
  for (let n = from; n <= to; n++) {
    const tl = best.get(n);
    const present = tl !== undefined && tl >= minTimeline;
    if (!present && gapStart === undefined) gapStart = n;
    if (present && gapStart !== undefined) close(n - 1n);
  }
  if (gapStart !== undefined) close(to);
  return gaps;
}

/**
 * The archived files no kept base backup needs: segments (and .backup/.partial files) numbered
 * before the oldest kept base backup's start segment, on every timeline. History files stay
 * (they are tiny and recovery reads them to follow timelines). No base backup kept: nothing
 * goes (the WAL may be all that is left to recover with).
 */
export function walFilesToRemove(files: readonly string[], kept: readonly ChainBackup[]): string[] {
  if (kept.length === 0) return [];
  const segSize = kept[0]!.info.walSegmentSize ?? DEFAULT_WAL_SEGMENT_SIZE;
  const oldest = kept.map((b) => parseSegmentName(b.info.startSegment, segSize).segno).reduce((m, s) => (s < m ? s : m));
  return files.filter((f) => {
    const kind = walFileKind(f);
    if (kind === undefined || kind === 'history') return false;
    return parseSegmentName(f, segSize).segno < oldest;
  });
}
