import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { openStorage, parseLocation } from '../src/storage/location.ts';
import { UsageError } from '../src/errors.ts';

test('location: plain paths and local:', () => {
  assert.deepEqual(parseLocation('/srv/repo'), { kind: 'local', path: '/srv/repo', display: '/srv/repo' });
  assert.deepEqual(parseLocation('local:rel/dir'), { kind: 'local', path: resolve('rel/dir'), display: resolve('rel/dir') });
  assert.equal(parseLocation('./x:y').kind, 'local');
  assert.deepEqual(parseLocation('memory:'), { kind: 'memory', name: '', display: 'memory:' });
});

test('location: restic s3 forms', () => {
  assert.deepEqual(parseLocation('s3:http://127.0.0.1:9000/bucket/some/prefix/'), {
    kind: 's3', endpoint: 'http://127.0.0.1:9000', bucket: 'bucket', prefix: 'some/prefix', region: undefined,
    display: 's3:http://127.0.0.1:9000/bucket/some/prefix',
  });
  assert.deepEqual(parseLocation('s3:s3.amazonaws.com/bucket/prefix'), {
    kind: 's3', endpoint: undefined, bucket: 'bucket', prefix: 'prefix', region: undefined,
    display: 's3:https://s3.amazonaws.com/bucket/prefix',
  });
  assert.deepEqual(parseLocation('s3:s3.eu-central-1.amazonaws.com/b'), {
    kind: 's3', endpoint: undefined, bucket: 'b', prefix: '', region: 'eu-central-1',
    display: 's3:https://s3.eu-central-1.amazonaws.com/b',
  });
  assert.deepEqual(parseLocation('s3:minio.example.com:9000/b/p'), {
    kind: 's3', endpoint: 'https://minio.example.com:9000', bucket: 'b', prefix: 'p', region: undefined,
    display: 's3:https://minio.example.com:9000/b/p',
  });
});

test('location: errors never echo credentials', () => {
  assert.throws(() => parseLocation('s3:http://AKIA:supersecret@host/b'), (e: unknown) =>
    e instanceof UsageError && !e.message.includes('supersecret') && !String(e.hint).includes('supersecret'));
  assert.throws(() => parseLocation('s3:http://host:9000/'), UsageError);
  assert.throws(() => parseLocation(''), UsageError);
  assert.throws(() => parseLocation('sftp:host:/x'), UsageError);
});

test('openStorage picks the adapter and prints the location without secrets', async () => {
  const m = await openStorage('memory:t');
  assert.equal(m.location, 'memory:t');
  const l = await openStorage('local:/tmp/lifeboat-never-created');
  assert.equal(l.location, '/tmp/lifeboat-never-created');
  const s = await openStorage('s3:http://127.0.0.1:9/bkt/pre', { s3: { credentials: { accessKeyId: 'AK', secretAccessKey: 'SECRETVALUE' } } });
  assert.equal(s.location, 's3:http://127.0.0.1:9/bkt/pre');
  await s.close();
});
