import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findWalGaps, walFilesToRemove, type ChainBackup } from './chain.ts';
import { segmentName } from '../../core/wal-names.ts';

const seg = (n: number, tl = 1) => segmentName(tl, BigInt(n));
function backup(id: string, start: number, stop: number, tl = 1): ChainBackup {
  return { id, info: {
    format: 1, job: 'pg', timeline: tl, startLsn: '0/0', startSegment: seg(start, tl), stopLsn: '0/0', stopSegment: seg(stop, tl),
    startTime: `t${start}`, stopTime: `t${stop}`, systemIdentifier: '1', serverVersion: '15.0', bytes: 1, walSegmentSize: 16 << 20,
  } };
}

test('a whole chain has no gaps; a missing run is reported with its range and the backups it breaks', () => {
  const all = Array.from({ length: 0xb0 }, (_, i) => seg(i + 1));
  const b1 = backup('aaaaaaaa11', 0x10, 0x11);
  const b2 = backup('bbbbbbbb22', 0xa0, 0xa1);
  const b3 = backup('cccccccc33', 0xa8, 0xa8);
  assert.deepEqual(findWalGaps(all, [b1, b2, b3]), []);
  const holed = all.filter((f) => !['0000000100000000000000A3', '0000000100000000000000A4', '0000000100000000000000A5'].includes(f));
  const gaps = findWalGaps(holed, [b1, b2, b3]);
  assert.equal(gaps.length, 1);
  assert.equal(gaps[0]!.range, '0000000100000000000000A3–A5');
  assert.deepEqual(gaps[0]!.blocked.map((b) => b.id), ['aaaaaaaa11', 'bbbbbbbb22']);
  assert.deepEqual(gaps[0]!.unusable, []);
  assert.match(gaps[0]!.message, /^missing 0000000100000000000000A3–A5: base backups aaaaaaaa \(t17\), bbbbbbbb \(t161\) cannot be restored past 0000000100000000000000A2$/);
  // A gap inside a backup's own WAL makes it unusable.
  const own = findWalGaps(all.filter((f) => f !== seg(0xa1)), [b2]);
  assert.equal(own[0]!.unusable[0]!.id, 'bbbbbbbb22');
  assert.match(own[0]!.message, /cannot be restored at all/);
});

test('a promotion continues on the next timeline; the missing tail of the newest segment counts', () => {
  const files = [seg(1), seg(2), seg(3), '00000002.history', seg(3, 2), seg(4, 2)];
  assert.deepEqual(findWalGaps(files, [backup('x', 1, 2)]), []);
  assert.equal(findWalGaps([seg(1), seg(3)], [backup('x', 1, 1)])[0]!.range, seg(2));
});

test('retention removes segments before the oldest kept base backup, on every timeline, and keeps history files', () => {
  const files = [seg(1), seg(2), `${seg(2)}.00000028.backup`, '00000002.history', seg(3, 2), seg(5), seg(6)];
  assert.deepEqual(walFilesToRemove(files, [backup('k', 5, 5), backup('m', 6, 6)]), [seg(1), seg(2), `${seg(2)}.00000028.backup`, seg(3, 2)]);
  assert.deepEqual(walFilesToRemove(files, []), []);
});
