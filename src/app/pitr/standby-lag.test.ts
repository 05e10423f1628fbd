import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replayLag, segmentPart } from './standby.ts';

const MB16 = 16 * 1024 * 1024;
const now = new Date('2026-12-01T12:00:00Z');

test('the WAL segment holding an LSN', () => {
  assert.equal(segmentPart('0/3000028', MB16), '0000000000000003');
  assert.equal(segmentPart('1/FF000000', MB16), '00000001000000FF');
});

test('caught up when the archive holds nothing newer than the replayed segment: lag 0, however old the last commit', () => {
  const state = { lsn: '0/5000060', lastReplayedCommit: new Date('2026-12-01T09:00:00Z'), now, walSegmentBytes: MB16 };
  assert.deepEqual(replayLag(state, '000000010000000000000005', undefined), { caughtUp: true, lagSeconds: 0 });
  // After a segment switch the replay position is already in the next segment.
  assert.deepEqual(replayLag({ ...state, lsn: '0/6000000' }, '000000010000000000000005'), { caughtUp: true, lagSeconds: 0 });
});

test('behind the archive: now minus the last replayed commit (or the base backup end)', () => {
  const state = { lsn: '0/5000060', lastReplayedCommit: new Date('2026-12-01T11:59:30Z'), now, walSegmentBytes: MB16 };
  assert.deepEqual(replayLag(state, '000000010000000000000007'), { caughtUp: false, lagSeconds: 30 });
  const { lastReplayedCommit: _, ...none } = state;
  assert.deepEqual(replayLag(none, '000000020000000000000007', new Date('2026-12-01T11:58:00Z')), { caughtUp: false, lagSeconds: 120 });
});
