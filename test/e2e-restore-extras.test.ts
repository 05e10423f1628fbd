// restore --exclude, --dry-run, --verify and --overwrite, and dump of a directory as tar and zip,
// compared with what restic 0.14 restores and dumps from the same snapshot.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { MAIN, workspace } from './e2e-support.ts';

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) out.push(relative(dir, join(e.parentPath, e.name)));
  return out.sort();
}

test('restore --exclude/--dry-run/--verify/--overwrite; dump a directory as tar and zip like restic', async () => {
  await using ws = await workspace();
  const data = join(ws.dir, 'data');
  await mkdir(join(data, 'sub'), { recursive: true });
  await writeFile(join(data, 'a.txt'), 'alpha\n');
  await writeFile(join(data, 'big.bin'), randomBytes(600_000));
  await writeFile(join(data, 'sub', 'B.TXT'), 'beta\n');
  await symlink('a.txt', join(data, 'link'));
  const env = { LIFEBOAT_REPOSITORY: ws.repo, LIFEBOAT_PASSWORD_FILE: ws.passwordFile };
  const lb = async (args: string[]) => {
    const r = await ws.cli(args, { env });
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  await lb(['backup', data]);

  // --exclude / --iexclude leave out what restic's do.
  const ours = join(ws.dir, 'ours');
  const theirs = join(ws.dir, 'theirs');
  await lb(['restore', 'latest', '--target', ours, '--exclude', '*.bin', '--iexclude', 'b.txt']);
  await ws.restic(['restore', 'latest', '--target', theirs, '--exclude', '*.bin', '--iexclude', 'b.txt']);
  assert.deepEqual(await files(ours), await files(theirs));
  assert.ok(!(await files(ours)).some((f) => f.endsWith('big.bin') || f.endsWith('B.TXT')));

  // --dry-run writes nothing and says what it would write.
  const dryTarget = join(ws.dir, 'dry');
  const dry = await lb(['restore', 'latest', '--target', dryTarget, '--dry-run']);
  assert.match(dry, /would write .*\/big\.bin \(585\.9 KiB\)/);
  assert.match(dry, /would restore snapshot .*: 3 files/);
  assert.equal(existsSync(dryTarget), false);

  // --verify reads everything back.
  const full = join(ws.dir, 'full');
  const v = JSON.parse(await lb(['restore', 'latest', '--target', full, '--verify', '--json']));
  assert.equal(v.files_verified, 3);
  assert.equal(v.verify_failures, 0);
  const inTarget = (...p: string[]) => join(full, data, ...p);

  // --overwrite never keeps what is there; if-changed rewrites only what differs.
  await writeFile(inTarget('a.txt'), 'edited\n');
  const mtimeBig = (await stat(inTarget('big.bin'))).mtimeMs;
  await lb(['restore', 'latest', '--target', full, '--overwrite', 'never']);
  assert.equal(await readFile(inTarget('a.txt'), 'utf8'), 'edited\n');
  const changed = await lb(['restore', 'latest', '--target', full, '--overwrite', 'if-changed', '-v']);
  assert.equal(await readFile(inTarget('a.txt'), 'utf8'), 'alpha\n');
  assert.match(changed, /^restored .*\/a\.txt/m);
  assert.match(changed, /^skipped .*\/big\.bin/m);
  assert.match(changed, /2 files left as they were/);
  assert.equal((await stat(inTarget('big.bin'))).mtimeMs, mtimeBig, 'an unchanged file is not rewritten');
  assert.equal((await ws.cli(['restore', 'latest', '--target', full, '--overwrite', 'sometimes'], { env })).code, 1);

  // dump of a directory: the same tar and zip entries as restic's.
  for (const archive of ['tar', 'zip']) {
    const ourFile = join(ws.dir, `ours.${archive}`);
    const theirFile = join(ws.dir, `theirs.${archive}`);
    // Bytes, not text: straight from each program's stdout into a file.
    const opts = { env: { ...process.env, ...env, RESTIC_PASSWORD_FILE: ws.passwordFile }, maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] as ('ignore' | 'pipe')[] };
    await writeFile(ourFile, execFileSync(process.execPath, [MAIN, 'dump', 'latest', data, '--archive', archive], opts));
    await writeFile(theirFile, execFileSync('restic', ['-r', ws.repo, '--no-cache', 'dump', 'latest', data, '--archive', archive], opts));
    const list = (f: string) => archive === 'tar'
      ? execFileSync('tar', ['-tvf', f], { encoding: 'utf8' })
      : execFileSync('python3', ['-c', 'import sys,zipfile\nfor i in zipfile.ZipFile(sys.argv[1]).infolist(): print(i.filename, i.file_size, oct(i.external_attr >> 16), i.date_time)', f], { encoding: 'utf8' });
    assert.equal(list(ourFile), list(theirFile), `dump --archive ${archive}`);
    const out = join(ws.dir, `x-${archive}`);
    await mkdir(out);
    if (archive === 'tar') execFileSync('tar', ['-xf', ourFile, '-C', out]);
    else execFileSync('unzip', ['-q', ourFile, '-d', out]);
    const rel = relative('/', data);
    assert.deepEqual(await readFile(join(out, rel, 'big.bin')), await readFile(join(data, 'big.bin')));
  }
});
