import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, readdir, rm, stat, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createHash } from 'node:crypto';
import { storageContractSuite } from './support/storage-contract.ts';
import { LocalStore } from '../src/storage/local/local-store.ts';
import { NotFoundError, StorageError } from '../src/errors.ts';

const run = promisify(execFile);

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'lifeboat-local-'));
}

async function removeTree(dir: string): Promise<void> {
  // Our files are 0400 and folders 0700, so rm works for the owner without chmod.
  await rm(dir, { recursive: true, force: true });
}

storageContractSuite('local', async () => {
  const dir = await tempDir();
  return { store: new LocalStore(join(dir, 'repo')), cleanup: () => removeTree(dir) };
});

/** Every folder and file under root with its permission bits, as sorted `path mode` lines. */
async function tree(root: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(d: string): Promise<void> {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const mode = ((await stat(p)).mode & 0o777).toString(8);
      const rel = relative(root, p);
      if (e.isDirectory()) {
        out.push(`${rel}/ ${mode}`);
        await walk(p);
      } else {
        out.push(`${rel.replace(/^keys\/.*/, 'keys/*')} ${mode}`);
      }
    }
  }
  await walk(root);
  return out.sort();
}

const resticEnv = { ...process.env, RESTIC_PASSWORD: 'contract-test-password' };

test('local: our create() makes the same folders as restic init, and our files have its modes', async () => {
  const dir = await tempDir();
  try {
    await run('restic', ['init', '--repo', join(dir, 'restic')], { env: resticEnv });
    const ours = new LocalStore(join(dir, 'ours'));
    await ours.create();
    const cfg = new Uint8Array(200);
    await ours.save({ type: 'config', name: '' }, cfg);
    await ours.save({ type: 'key', name: 'a'.repeat(64) }, cfg);
    const resticTree = await tree(join(dir, 'restic'));
    const ourTree = await tree(join(dir, 'ours'));
    assert.equal(resticTree.filter((l) => l.startsWith('data/')).length, 257);
    assert.deepEqual(ourTree, resticTree);
  } finally {
    await removeTree(dir);
  }
});

test('local: a repository restic made is read through our store; restic reads files we save', async () => {
  const dir = await tempDir();
  const repo = join(dir, 'repo');
  try {
    await run('restic', ['init', '--repo', repo], { env: resticEnv });
    const src = join(dir, 'src');
    await mkdir(src);
    await writeFile(join(src, 'hello.txt'), 'hello from restic\n');
    await run('restic', ['backup', '--repo', repo, '--host', 'h', src], { env: resticEnv });
    const s = new LocalStore(repo);
    const keys = [];
    for await (const k of s.list('key')) keys.push(k);
    assert.equal(keys.length, 1);
    const key = await s.load({ type: 'key', name: keys[0].name });
    assert.equal(createHash('sha256').update(key).digest('hex'), keys[0].name);
    assert.equal(JSON.parse(Buffer.from(key).toString()).kdf, 'scrypt');
    const cfg = await s.load({ type: 'config', name: '' });
    assert.equal(cfg.length, (await s.stat({ type: 'config', name: '' })).size);
    for (const t of ['snapshot', 'index', 'data'] as const) {
      let n = 0;
      for await (const f of s.list(t)) {
        const b = await s.load({ type: t, name: f.name });
        assert.equal(createHash('sha256').update(b).digest('hex'), f.name, `${t} ${f.name}`);
        n++;
      }
      assert.ok(n >= 1, `restic wrote at least one ${t} file`);
    }
    // Copy the whole repository file by file through our store into a new folder: restic
    // must find a complete, valid repository there (so our writes are restic's layout).
    const copy = new LocalStore(join(dir, 'copy'));
    await copy.create();
    for (const t of ['config', 'key', 'snapshot', 'index', 'data'] as const) {
      for await (const f of s.list(t)) await copy.save({ type: t, name: f.name }, await s.load({ type: t, name: f.name }));
    }
    const { stdout } = await run('restic', ['check', '--read-data', '--repo', join(dir, 'copy')], { env: resticEnv });
    assert.match(stdout, /no errors were found/);
    const dump = await run('restic', ['dump', '--repo', join(dir, 'copy'), 'latest', join(src, 'hello.txt')], { env: resticEnv });
    assert.equal(dump.stdout, 'hello from restic\n');
  } finally {
    await removeTree(dir);
  }
});

test('local: missing repository folder -> NotFoundError for config; saves never create it', async () => {
  const dir = await tempDir();
  try {
    const s = new LocalStore(join(dir, 'nope'));
    await assert.rejects(s.load({ type: 'config', name: '' }), NotFoundError);
    await assert.rejects(s.save({ type: 'key', name: 'ab'.repeat(32) }, new Uint8Array(3)), NotFoundError);
    await assert.rejects(stat(join(dir, 'nope')), { code: 'ENOENT' });
    const keys = [];
    for await (const k of s.list('key')) keys.push(k);
    assert.equal(keys.length, 0);
  } finally {
    await removeTree(dir);
  }
});

test('local: a missing type folder is re-created on save (repos made by other tools)', async () => {
  const dir = await tempDir();
  try {
    const s = new LocalStore(join(dir, 'r'));
    await s.create();
    await s.save({ type: 'config', name: '' }, new Uint8Array(5));
    await rm(join(dir, 'r', 'locks'), { recursive: true });
    await rm(join(dir, 'r', 'data', 'ab'), { recursive: true });
    await s.save({ type: 'lock', name: 'cd'.repeat(32) }, new Uint8Array(7));
    await s.save({ type: 'data', name: 'ab'.repeat(32) }, new Uint8Array(9));
    assert.equal((await s.stat({ type: 'data', name: 'ab'.repeat(32) })).size, 9);
    assert.equal((await stat(join(dir, 'r', 'locks'))).mode & 0o777, 0o700);
  } finally {
    await removeTree(dir);
  }
});

test('local: a type folder that is a file gives a permanent StorageError naming the file', async () => {
  const dir = await tempDir();
  try {
    const s = new LocalStore(join(dir, 'r'));
    await s.create();
    await rm(join(dir, 'r', 'index'), { recursive: true });
    await writeFile(join(dir, 'r', 'index'), 'not a folder');
    await assert.rejects(s.save({ type: 'index', name: '12'.repeat(32) }, new Uint8Array(4)),
      (e: unknown) => e instanceof StorageError && e.permanent && /save index\/1212/.test(e.message) && e.message.includes(join(dir, 'r')));
  } finally {
    await removeTree(dir);
  }
});

test('local: removeLeftovers removes temporary files of dead writers only', async () => {
  const dir = await tempDir();
  try {
    const s = new LocalStore(join(dir, 'r'));
    await s.create();
    const locks = join(dir, 'r', 'locks');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadName = `${'ab'.repeat(32)}-tmp-${dead.stdout}-0123456789abcdef`;
    const liveName = `${'cd'.repeat(32)}-tmp-${process.pid}-0123456789abcdef`;
    await writeFile(join(locks, deadName), 'x');
    await writeFile(join(locks, liveName), 'y');
    const listed: string[] = [];
    for await (const f of s.list('lock')) listed.push(f.name);
    assert.deepEqual(listed, [], 'temporary files are never listed');
    assert.equal(await s.removeLeftovers('lock'), 1);
    assert.deepEqual(await readdir(locks), [liveName]);
  } finally {
    await removeTree(dir);
  }
});
