// Needs: the restic binary — not part of npm run test:unit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { LocalStore } from '../storage/local/local-store.ts';
import { UsageError, WrongPasswordError } from '../errors.ts';
import { initRepository, openRepository } from './open-repository.ts';
import { addKey, changePassword, listKeys, removeKey } from './key.ts';
import { FAST_SCRYPT, restic, resticOk, tempDir } from '../../test/support/repo.ts';

test('key add/list/remove/passwd, and restic opens with the keys we add', async () => {
  await using dir = await tempDir();
  const repoDir = join(dir.path, 'repo');
  // Default scrypt parameters here (N=32768, r=8, p=1): the real cost path.
  const repo = await initRepository(new LocalStore(repoDir), 'first');
  const second = await addKey(repo, 'second', { params: FAST_SCRYPT, host: 'otherhost', user: 'bob' });
  let keys = await listKeys(repo);
  assert.equal(keys.length, 2);
  assert.deepEqual(keys.filter((k) => k.current).map((k) => k.id), [repo.keyId]);
  const k2 = keys.find((k) => k.id === second)!;
  assert.equal(k2.hostname, 'otherhost');
  assert.equal(k2.username, 'bob');

  // restic opens the repository with the password of the key we added.
  await resticOk(repoDir, 'second', ['snapshots']);
  assert.match(await resticOk(repoDir, 'second', ['key', 'list']), new RegExp(second.slice(0, 8)));
  assert.notEqual((await restic(repoDir, 'wrong', ['snapshots'])).code, 0);

  // Refusals: the key in use, and (after removing the other) the last key.
  await assert.rejects(removeKey(repo, repo.keyId.slice(0, 10)), UsageError);
  const viaSecond = await openRepository(new LocalStore(repoDir), 'second');
  assert.equal(viaSecond.keyId, second);
  await removeKey(viaSecond, repo.keyId);
  keys = await listKeys(viaSecond);
  assert.deepEqual(keys.map((k) => k.id), [second]);
  await assert.rejects(openRepository(new LocalStore(repoDir), 'first'), WrongPasswordError);
  const other = await addKey(viaSecond, 'third', { params: FAST_SCRYPT });
  const tmp = await openRepository(new LocalStore(repoDir), 'third');
  await removeKey(tmp, second);
  await assert.rejects(removeKey(tmp, other), UsageError); // in use and last

  // passwd: new key replaces the one in use.
  const newId = await changePassword(tmp, 'fourth', { params: FAST_SCRYPT });
  assert.equal(tmp.keyId, newId);
  assert.deepEqual((await listKeys(tmp)).map((k) => k.id), [newId]);
  await assert.rejects(openRepository(new LocalStore(repoDir), 'third'), WrongPasswordError);
  const reopened = await openRepository(new LocalStore(repoDir), 'fourth');
  assert.equal(reopened.config.id, repo.config.id);
  await resticOk(repoDir, 'fourth', ['check']);
});

test('we open keys restic added (restic key add)', async () => {
  await using dir = await tempDir();
  const repoDir = join(dir.path, 'repo');
  const repo = await initRepository(new LocalStore(repoDir), 'ours', { scrypt: FAST_SCRYPT });
  const { writeFile } = await import('node:fs/promises');
  const pwFile = join(dir.path, 'newpw');
  await writeFile(pwFile, 'theirs\n');
  await resticOk(repoDir, 'ours', ['key', 'add', '--new-password-file', pwFile]);
  const viaTheirs = await openRepository(new LocalStore(repoDir), 'theirs');
  assert.equal(viaTheirs.config.id, repo.config.id);
  assert.equal((await listKeys(viaTheirs)).length, 2);
});
