import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseBaseBackup, recoveryTargetTime } from './base-backup-choice.ts';

const b = (id: string, stop: string) => ({ snapshotId: id.padEnd(64, '0'), stopTime: new Date(stop) });
const backups = [b('bb', '2026-12-01T10:00:00Z'), b('aa', '2026-12-01T08:00:00Z'), b('cc', '2026-12-01T12:00:00Z')];

test('the newest base backup consistent at or before the target', () => {
  assert.equal(chooseBaseBackup(backups, { at: new Date('2026-12-01T11:59:59Z') }, 'db').snapshotId.slice(0, 2), 'bb');
  assert.equal(chooseBaseBackup(backups, { at: new Date('2026-12-01T10:00:00Z') }, 'db').snapshotId.slice(0, 2), 'bb');
  assert.equal(chooseBaseBackup(backups, { at: new Date('2026-12-02T00:00:00Z') }, 'db').snapshotId.slice(0, 2), 'cc');
  assert.equal(chooseBaseBackup(backups, 'latest', 'db').snapshotId.slice(0, 2), 'cc');
});

test('a target before the oldest base backup is refused, naming the oldest', () => {
  assert.throws(() => chooseBaseBackup(backups, { at: new Date('2026-12-01T07:59:59Z') }, 'db'),
    (e: Error) => /before its oldest usable base backup/.test(e.message) && /snapshot aa000000/.test(e.message));
  assert.throws(() => chooseBaseBackup([], 'latest', 'db'), /no base backup/);
});

test('recovery_target_time carries its zone', () => {
  assert.equal(recoveryTargetTime(new Date('2026-12-01T10:00:00.250Z')), '2026-12-01 10:00:00.250+00');
});
