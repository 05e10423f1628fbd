// Makes a repository whose index lists BLOBS synthetic data blobs (default 5 million) in index
// files of 50,000 blobs each, as restic writes them, plus one real tiny snapshot, so that opening
// it (`lifeboat ls latest`) measures what loading a huge index costs. The listed packs do not
// exist: only the index is real.
//   node bench/gen-big-index.ts REPO_DIR PASSWORD_FILE [BLOBS]
//   /usr/bin/time -v lifeboat ls --repo REPO_DIR --password-file PASSWORD_FILE latest

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { initRepository } from '../src/repo/open-repository.ts';
import { LocalStore } from '../src/storage/local/local-store.ts';
import { MAX_BLOBS_PER_INDEX_FILE } from '../src/repo/index-file.ts';

const [dir, passwordFile, blobsArg] = process.argv.slice(2);
if (!dir || !passwordFile) throw new Error('usage: gen-big-index.ts REPO_DIR PASSWORD_FILE [BLOBS]');
const total = Number(blobsArg ?? 5_000_000);
const password = readFileSync(passwordFile, 'utf8').replace(/\r?\n$/, '');
const repo = await initRepository(new LocalStore(dir), password);
const { id } = await repo.saveBlob('data', Buffer.from('hello, index\n'));
const tree = await repo.saveTree({ nodes: [{ name: 'hello.txt', type: 'file', mode: 0o644, mtime: '2025-01-01T00:00:00Z', uid: 0, gid: 0, size: 13, content: [id] }] });
await repo.flush();
await repo.saveSnapshot({ time: '2025-01-01T00:00:00Z', tree, paths: ['/hello'], hostname: 'bench', username: 'bench' });

const BLOBS_PER_PACK = 16; // ~1 MiB chunks in 16 MiB packs
for (let written = 0; written < total;) {
  const n = Math.min(MAX_BLOBS_PER_INDEX_FILE, total - written);
  const packs = [];
  for (let i = 0; i < n; i += BLOBS_PER_PACK) {
    const blobs = [];
    let offset = 0;
    for (let j = 0; j < Math.min(BLOBS_PER_PACK, n - i); j++) {
      const length = 500_000 + ((j * 7919) % 600_000);
      blobs.push({ id: randomBytes(32).toString('hex'), type: 'data', offset, length, uncompressed_length: length + 1000 });
      offset += length;
    }
    packs.push({ id: randomBytes(32).toString('hex'), blobs });
  }
  await repo.saveJson('index', { packs });
  written += n;
}
await repo.close();
console.log(`${dir}: ${total} blobs in ${Math.ceil(total / MAX_BLOBS_PER_INDEX_FILE)} index files`);
