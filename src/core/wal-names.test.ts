import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLsn, parseLsn, parseSegmentName, segmentBeforeLsn, segmentName, segmentOfLsn, segmentRange, walFileKind } from './wal-names.ts';

test('LSNs and segment names follow PostgreSQL (16 MiB segments, 256 per xlogid)', () => {
  assert.equal(parseLsn('0/2000028'), 0x2000028n);
  assert.equal(formatLsn(parseLsn('1A/FF000000')), '1A/FF000000');
  assert.equal(segmentOfLsn(1, '0/2000028'), '000000010000000000000002');
  assert.equal(segmentOfLsn(3, '1/A3000000'), '0000000300000001000000A3');
  assert.equal(segmentBeforeLsn(1, '0/3000000'), '000000010000000000000002');
  assert.equal(segmentBeforeLsn(1, '0/3000001'), '000000010000000000000003');
  assert.equal(segmentName(1, 256n), '000000010000000100000000');
  assert.deepEqual(parseSegmentName('0000000200000001000000A3'), { timeline: 2, segno: 256n + 0xa3n });
  assert.deepEqual(parseSegmentName('000000010000000000000002.00000028.backup'), { timeline: 1, segno: 2n });
  assert.equal(segmentName(1, 5n, 64 * 1024 * 1024), '000000010000000000000005');
});

test('file kinds and message ranges', () => {
  assert.equal(walFileKind('000000010000000000000002'), 'segment');
  assert.equal(walFileKind('00000002.history'), 'history');
  assert.equal(walFileKind('000000010000000000000002.00000028.backup'), 'backup');
  assert.equal(walFileKind('000000010000000000000002.partial'), 'partial');
  assert.equal(walFileKind('archive_status'), undefined);
  assert.equal(segmentRange('0000000100000000000000A3', '0000000100000000000000A5'), '0000000100000000000000A3–A5');
});
