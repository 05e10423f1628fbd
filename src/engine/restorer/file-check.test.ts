// contentMismatch: a file is compared with its blob IDs piece by piece (what restore --verify
// and --overwrite if-changed rely on), without loading a blob.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Repository } from '../../repo/repository-api.ts';
import type { BlobId, BlobLocation } from '../../repo/types.ts';
import { contentMismatch } from './file-check.ts';

test('a file equal to its blobs matches; a changed byte, size or a missing file is named', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-filecheck-'));
  try {
    const parts = [Buffer.from('first part '), Buffer.from('second part')];
    const ids = parts.map((p) => createHash('sha256').update(p).digest('hex') as BlobId);
    const locs = new Map(ids.map((id, i) => [id, { id, type: 'data', length: parts[i]!.length + 32, uncompressedLength: parts[i]!.length } as BlobLocation]));
    const repo = { lookupBlob: (_t: string, id: BlobId) => locs.get(id) } as unknown as Repository;
    const file = join(dir, 'f');
    await writeFile(file, Buffer.concat(parts));
    assert.equal(await contentMismatch(repo, file, ids), undefined);
    await writeFile(file, Buffer.concat([parts[0]!, Buffer.from('second pArt')]));
    assert.equal(await contentMismatch(repo, file, ids), 'content differs at offset 11');
    await writeFile(file, 'short');
    assert.match((await contentMismatch(repo, file, ids))!, /^size 5, expected 22$/);
    assert.match((await contentMismatch(repo, join(dir, 'gone'), ids))!, /cannot open: ENOENT/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
