// backup's selection flags (--exclude-file, --iexclude, --files-from, --one-file-system,
// --exclude-caches, --exclude-if-present, --exclude-larger-than) and --time choose exactly what
// restic 0.14 chooses with the same flags; a files job's config takes the same options;
// --dry-run stores nothing; -v lists the files; the snapshot restores as listed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoBlock, workspace, type Workspace } from './e2e-support.ts';

async function tree(ws: Workspace): Promise<{ root: string; mounted: boolean }> {
  const root = join(ws.dir, 'd');
  for (const d of ['cache', 'skipme', 'keep', 'mnt']) await mkdir(join(root, d), { recursive: true });
  await writeFile(join(root, 'keep', 'A.TXT'), 'x\n');
  await writeFile(join(root, 'keep', 'b.log'), 'y\n');
  await writeFile(join(root, 'keep', 'c.dat'), 'z\n');
  await writeFile(join(root, 'keep', 'huge.bin'), randomBytes(1_500_000));
  await writeFile(join(root, 'cache', 'CACHEDIR.TAG'), 'Signature: 8a477f597d28d172789f06886806bc55\n# a cache\n');
  await writeFile(join(root, 'cache', 'data'), 'c\n');
  await writeFile(join(root, 'skipme', '.nobackup'), '');
  await writeFile(join(root, 'skipme', 'file'), 's\n');
  await writeFile(join(ws.dir, 'excludes'), '*.log\n# a comment\n\n');
  await writeFile(join(ws.dir, 'list'), `# what to back up\n${root}\n`);
  // A file system mounted inside, for --one-file-system (needs root; skipped otherwise).
  let mounted = false;
  if (process.getuid?.() === 0) {
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'none', join(root, 'mnt')]);
      mounted = true;
      await writeFile(join(root, 'mnt', 'inmount'), 'm\n');
    } catch { /* not allowed here */ }
  }
  return { root, mounted };
}

const flags = (dir: string) => ['--exclude-file', join(dir, 'excludes'), '--iexclude', '*.txt', '--files-from', join(dir, 'list'),
  '--one-file-system', '--exclude-caches', '--exclude-if-present', '.nobackup', '--exclude-larger-than', '1M', '--time', '2020-01-02 03:04:05'];

test('the selection flags choose what restic chooses, in a config too; --dry-run stores nothing', async () => {
  await using ws = await workspace();
  const { root, mounted } = await tree(ws);
  try {
    await selectionCase(ws, root, mounted);
  } finally {
    if (mounted) execFileSync('umount', [join(root, 'mnt')]);
  }
});

async function selectionCase(ws: Workspace, root: string, mounted: boolean): Promise<void> {
  const env = { LIFEBOAT_REPOSITORY: ws.repo, LIFEBOAT_PASSWORD_FILE: ws.passwordFile, TZ: 'UTC' };
  process.env.TZ = 'UTC';
  const packs = async () => (await ws.restic(['list', 'packs'])).trim().split('\n').filter(Boolean).length;

  const before = await packs();
  const dry = await ws.cli(['backup', root, '--dry-run', '-v'], { env });
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /^new +.*\/keep\/huge\.bin \(1\.43 MiB\)$/m);
  assert.match(dry.stdout, /Would add to the repository: 1\.4\d MiB/);
  assert.equal(await packs(), before, 'a dry run writes no pack');
  assert.equal((await ws.snapshots()).length, 0, 'and no snapshot');

  const ours = await ws.cli(['backup', '-v', ...flags(ws.dir)], { env });
  assert.equal(ours.code, 0, ours.stderr);
  assert.match(ours.stdout, /^new +.*\/keep\/c\.dat/m);
  assert.doesNotMatch(ours.stdout, /huge\.bin|b\.log|A\.TXT/);
  await ws.restic(['backup', '-q', '--host', 'restic', ...flags(ws.dir)]);
  const snaps = await ws.snapshots() as unknown as Array<{ id: string; time: string; hostname: string }>;
  assert.equal(snaps.length, 2);
  assert.equal(snaps[0]!.time.slice(0, 19), snaps[1]!.time.slice(0, 19), '--time as restic records it');
  assert.equal(snaps[0]!.time.slice(0, 19), '2020-01-02T03:04:05');
  const listing = async (id: string) => (await ws.restic(['ls', id])).split('\n').slice(1).filter(Boolean).sort();
  const [a, b] = [await listing(snaps[0]!.id), await listing(snaps[1]!.id)];
  assert.deepEqual(a, b);
  assert.ok(a.some((p) => p.endsWith('/cache/CACHEDIR.TAG')) && !a.some((p) => p.endsWith('/cache/data')), 'caches');
  assert.ok(a.some((p) => p.endsWith('/skipme/.nobackup')) && !a.some((p) => p.endsWith('/skipme/file')), 'exclude-if-present');
  if (mounted) assert.ok(a.some((p) => p.endsWith('/mnt')) && !a.some((p) => p.endsWith('/inmount')), 'one-file-system');

  // The same options in a files job.
  await ws.writeConfig(`${repoBlock(ws)}jobs:
  files:
    source:
      type: files
      files_from: [list]
      exclude_file: [excludes]
      iexclude: ['*.txt']
      one_file_system: true
      exclude_caches: true
      exclude_if_present: [.nobackup]
      exclude_larger_than: 1M
    repositories: [main]
`);
  const job = await ws.cli(['backup', '--job', 'files'], { env });
  assert.equal(job.code, 0, job.stderr);
  const jobSnap = (await ws.snapshots()).find((s) => s.tags?.includes('job=files'))!;
  assert.deepEqual(await listing(jobSnap.id), a);
  const target = join(ws.dir, 'restored');
  const r = await ws.cli(['restore', 'latest', '--job', 'files', '--target', target], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await readdir(join(target, root, 'keep')), ['c.dat']);
  assert.equal(await readFile(join(target, root, 'keep', 'c.dat'), 'utf8'), 'z\n');
  const dryJob = await ws.cli(['backup', '--job', 'files', '--dry-run'], { env });
  assert.equal(dryJob.code, 0, dryJob.stderr);
  assert.match(dryJob.stdout, /dry run: .* nothing stored/);
  assert.equal((await ws.snapshots()).length, 3);
  await ws.restic(['check', '--read-data']);
}
