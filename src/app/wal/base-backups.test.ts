import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NotFoundError } from '../../errors.ts';
import { chooseBaseBackup, type BaseBackupInfo } from './base-backups.ts';

const b = (id: string, stop: string) => ({ id, info: { stopTime: stop } as BaseBackupInfo });

test('chooseBaseBackup: the newest consistent by the target time; latest; none early enough is a NotFoundError', () => {
  const list = [b('a', '2026-12-01T01:00:00.000Z'), b('b', '2026-12-01T02:00:00.000Z'), b('c', '2026-12-01T03:00:00.000Z')];
  assert.equal(chooseBaseBackup(list, new Date('2026-12-01T02:30:00Z')).id, 'b');
  assert.equal(chooseBaseBackup(list, new Date('2026-12-01T02:00:00Z')).id, 'b');
  assert.equal(chooseBaseBackup(list, 'latest').id, 'c');
  assert.throws(() => chooseBaseBackup(list, new Date('2026-12-01T00:59:59Z')), (e: unknown) => e instanceof NotFoundError && /oldest kept one ended at 2026-12-01T01:00:00.000Z/.test(e.message));
  assert.throws(() => chooseBaseBackup([], 'latest'), NotFoundError);
});
