// Needs: PostgreSQL 15 binaries, restic, root (the cluster runs as the postgres user)
// Continuous archiving end to end, as PostgreSQL drives it: a throw-away cluster whose
// archive_command is the real `lifeboat wal-push` (run by PostgreSQL as the postgres user), a
// base backup taken with `lifeboat backup --job` while writes go on, the archived segments
// fetched back byte-identical with `wal-fetch`, put-once conflicts refused, and a repository
// restic still checks with --read-data.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { workspace, repoBlock, TEST_STATE_DIR, type Workspace } from './e2e-support.ts';
import { grantToPostgres, startPgCluster, switchWalAndWaitArchived, type PgCluster } from './support/pg-cluster.ts';
import { selfCommandLine } from '../src/app/self-command.ts';

const run = promisify(execFile);
let ws: Workspace;
let pg: PgCluster;
let cfg: string;

before(async () => {
  ws = await workspace();
  cfg = join(ws.dir, 'lifeboat.yaml');
  await mkdir(TEST_STATE_DIR, { recursive: true });
  await grantToPostgres(TEST_STATE_DIR);
  pg = await startPgCluster({
    noStart: true,
    archiveCommand: selfCommandLine(['--config', cfg, 'wal-push', '--job', 'pg', '%p']),
    archiveTimeout: '10s',
    // Keep archived segments in pg_wal so the test can compare the archive with them.
    settings: { wal_keep_size: "'1GB'" },
    env: { LIFEBOAT_STATE_DIR: TEST_STATE_DIR },
  });
  await ws.writeConfig(`${repoBlock(ws)}jobs:\n  pg:\n    source:\n      type: postgres\n      host: 127.0.0.1\n` +
    `      port: ${pg.port}\n      user: postgres\n      wal:\n        enabled: true\n    repositories: [main]\n`);
  await grantToPostgres(ws.dir);
  await pg.start();
});

after(async () => {
  await pg?.[Symbol.asyncDispose]();
  await ws?.[Symbol.asyncDispose]();
});

test('PostgreSQL archives through wal-push; a base backup runs while writes continue; wal-fetch returns the segments byte for byte', async () => {
  await pg.query('CREATE TABLE t (id serial PRIMARY KEY, at timestamptz DEFAULT clock_timestamp(), pad text)');
  await pg.query(`INSERT INTO t (pad) SELECT repeat('x', 500) FROM generate_series(1, 20000)`);
  const first = await switchWalAndWaitArchived(pg);

  // A writer commits all through the base backup.
  let writing = true;
  let commits = 0;
  const writer = (async () => {
    while (writing) { await pg.query(`INSERT INTO t (pad) VALUES ('during')`); commits++; }
  })();
  const before = commits;
  const b = await ws.cli(['backup', '--job', 'pg']);
  const during = commits - before;
  writing = false;
  await writer;
  assert.equal(b.code, 0, b.stderr + (await pg.log()).slice(-3000));
  assert.ok(during > 5, `writes went on during the base backup: ${during} commits`);

  const { listBaseBackups } = await import('../src/app/wal/base-backups.ts');
  const access = { location: ws.repo, password: { kind: 'file' as const, path: ws.passwordFile } };
  const backups = await listBaseBackups(access, 'pg', AbortSignal.timeout(60_000));
  assert.equal(backups.length, 1);
  const info = backups[0]!.info;
  assert.equal(info.job, 'pg');
  assert.equal(info.timeline, 1);
  assert.match(info.startSegment, /^00000001[0-9A-F]{16}$/);
  assert.ok(info.stopSegment >= info.startSegment);
  assert.match(info.systemIdentifier, /^\d+$/);
  assert.match(info.serverVersion, /^15\./);
  assert.ok(info.bytes > 1_000_000, `base.tar ${info.bytes} bytes`);

  // pg_basebackup -X none returned only after the server archived the backup's last segment.
  const last = await switchWalAndWaitArchived(pg);
  const { stdout: ls } = await run('ls', [join(ws.repo, 'wal', 'pg')]);
  const archived = ls.split('\n').filter(Boolean);
  for (const seg of [first, info.startSegment, info.stopSegment, last]) assert.ok(archived.includes(seg), `${seg} archived: ${archived.join(' ')}`);
  assert.ok(archived.some((f) => f.endsWith('.backup')), 'the .backup history file is archived too');

  // Every archived segment still in pg_wal comes back identical.
  let compared = 0;
  for (const seg of archived.filter((f) => /^[0-9A-F]{24}$/.test(f))) {
    let original: Buffer;
    try { original = await readFile(join(pg.dataDir, 'pg_wal', seg)); } catch { continue; }
    const dest = join(ws.dir, `fetched-${seg}`);
    const f = await ws.cli(['wal-fetch', '--job', 'pg', seg, dest]);
    assert.equal(f.code, 0, f.stderr);
    assert.ok(original.equals(await readFile(dest)), `${seg} fetched byte-identical`);
    compared++;
  }
  assert.ok(compared >= 3, `compared ${compared} segments`);

  // Freshness for the metrics and the stale alert: the newest acknowledged segment, seconds ago.
  const { walFreshness } = await import('../src/app/wal/freshness.ts');
  const { loadConfigFile } = await import('../src/app/config-file.ts');
  const config = await loadConfigFile(cfg, process.env);
  const fresh = await walFreshness(config, config.jobs[0]!);
  assert.ok(fresh?.lastArchivedAt, JSON.stringify(fresh));
  assert.ok(Date.now() - fresh.lastArchivedAt.getTime() < 60_000, fresh.lastArchivedAt.toISOString());
  assert.ok(fresh.file! >= last && /^[0-9A-F]{24}$/.test(fresh.file!), fresh.file);

  // restic reads base.tar (with the manifest) and the info file; restic check --read-data passes
  // with the wal/ folder beside its own.
  const tarList = (await run('sh', ['-c', `restic -r ${ws.repo} --password-file ${ws.passwordFile} --no-cache dump latest /postgres/base.tar | tar -t`], { maxBuffer: 64 << 20 })).stdout;
  assert.match(tarList, /^PG_VERSION$/m);
  assert.match(tarList, /^backup_label$/m);
  assert.match(tarList, /^backup_manifest$/m);
  // withBaseTar streams the same bytes restic dumps.
  const { withBaseTar } = await import('../src/app/wal/base-backups.ts');
  const ours = await withBaseTar(access, 'pg', backups[0]!.id.slice(0, 8), AbortSignal.timeout(60_000), async (tar, bb) => {
    const h = createHash('sha256');
    let n = 0;
    for await (const chunk of tar) { h.update(chunk); n += chunk.length; }
    assert.equal(bb.id, backups[0]!.id);
    return { sha: h.digest('hex'), n };
  });
  assert.equal(ours.n, info.bytes);
  const theirs = (await run('sh', ['-c', `restic -r ${ws.repo} --password-file ${ws.passwordFile} --no-cache dump latest /postgres/base.tar | sha256sum`])).stdout.split(' ')[0];
  assert.equal(ours.sha, theirs);
  const j = JSON.parse(await ws.restic(['dump', 'latest', '/postgres/lifeboat-base-backup.json']));
  assert.deepEqual(j, info);
  await ws.restic(['check', '--read-data']);
});

test('wal-push: the same file again succeeds; the same name with other content fails naming file and repository; wal-fetch of a missing file exits 1', async () => {
  const seg = await switchWalAndWaitArchived(pg);
  const path = join(pg.dataDir, 'pg_wal', seg);
  const again = await ws.cli(['wal-push', '--job', 'pg', '--batch', '1', path]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, new RegExp(`${seg}: main same`));

  const forged = join(ws.dir, seg);
  const bytes = await readFile(path);
  bytes[100] = bytes[100]! ^ 0xff;
  await writeFile(forged, bytes);
  const bad = await ws.cli(['wal-push', '--job', 'pg', forged]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, new RegExp(`repository main: wal/pg/${seg} in .* already holds different content`));
  // The archived copy is untouched.
  const back = join(ws.dir, 'back');
  assert.equal((await ws.cli(['wal-fetch', '--job', 'pg', seg, back])).code, 0);
  assert.ok((await readFile(path)).equals(await readFile(back)));

  const missing = await ws.cli(['wal-fetch', '--job', 'pg', '0000000100000000000000FF', join(ws.dir, 'nope')]);
  assert.equal(missing.code, 1, missing.stderr);
  assert.match(missing.stderr, /not archived/);
  const history = await ws.cli(['wal-fetch', '--job', 'pg', '00000002.history', join(ws.dir, 'nope')]);
  assert.equal(history.code, 1, history.stderr);
  const notWal = await ws.cli(['wal-fetch', '--job', 'pg', '../../etc/passwd', join(ws.dir, 'nope')]);
  assert.equal(notWal.code, 2);
});

test('retention removes the WAL older than the oldest kept base backup; check finds a missing segment and names the range it breaks; --read-data finds a damaged file', async () => {
  await pg.query(`INSERT INTO t (pad) SELECT repeat('y', 500) FROM generate_series(1, 5000)`);
  await switchWalAndWaitArchived(pg);
  const b = await ws.cli(['backup', '--job', 'pg']);
  assert.equal(b.code, 0, b.stderr);
  for (let i = 0; i < 3; i++) {
    await pg.query(`INSERT INTO t (pad) SELECT repeat('z', 500) FROM generate_series(1, 2000)`);
    await switchWalAndWaitArchived(pg);
  }
  const walDir = join(ws.repo, 'wal', 'pg');
  const list = async () => (await run('ls', [walDir])).stdout.split('\n').filter(Boolean);
  const { listBaseBackups } = await import('../src/app/wal/base-backups.ts');
  const access = { location: ws.repo, password: { kind: 'file' as const, path: ws.passwordFile } };
  const [older, newer] = await listBaseBackups(access, 'pg', AbortSignal.timeout(60_000));
  assert.ok(older && newer && older.info.startSegment < newer.info.startSegment);

  const ok = await ws.cli(['check', '--job', 'pg']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /WAL of job pg: \d+ files, newest [0-9A-F]{24}, 2 base backups: no gaps/);

  const beforeForget = await list();
  assert.ok(beforeForget.some((f) => f.slice(0, 24) < newer.info.startSegment));
  const f = await ws.cli(['forget', '--job', 'pg', '--keep-last', '1']);
  assert.equal(f.code, 0, f.stderr);
  assert.match(f.stdout, /removed 1 snapshot/);
  assert.match(f.stdout, /removed \d+ WAL files? no kept base backup needs/);
  const afterForget = await list();
  assert.deepEqual(afterForget.filter((x) => x.slice(0, 24) < newer.info.startSegment), [], 'nothing older than the kept base backup is left');
  assert.deepEqual(afterForget, beforeForget.filter((x) => x.slice(0, 24) >= newer.info.startSegment), 'everything from its start segment on is kept');
  assert.ok(afterForget.includes(newer.info.startSegment));
  await ws.restic(['check']);

  // A segment after the base backup goes missing: check names the range and the backup.
  const segs = afterForget.filter((x) => /^[0-9A-F]{24}$/.test(x) && x > newer.info.stopSegment);
  assert.ok(segs.length >= 2, segs.join(' '));
  const victim = segs[0]!;
  await run('rm', ['-f', join(walDir, victim)]);
  const gap = await ws.cli(['check', '--job', 'pg']);
  assert.equal(gap.code, 1, gap.stdout + gap.stderr);
  assert.match(gap.stderr, new RegExp(`error: WAL of job pg: missing ${victim}: base backup ${newer.id.slice(0, 8)} \\(.*\\) cannot be restored past [0-9A-F]{24}`));

  // Damage inside a stored file shows with --read-data only.
  const damaged = segs[1]!;
  const bytes = await readFile(join(walDir, damaged));
  bytes[bytes.length - 40] = bytes[bytes.length - 40]! ^ 0x01;
  await run('chmod', ['u+w', join(walDir, damaged)]);
  await writeFile(join(walDir, damaged), bytes);
  const rd = await ws.cli(['check', '--job', 'pg', '--read-data']);
  assert.equal(rd.code, 1);
  assert.match(rd.stderr, new RegExp(`error: WAL of job pg: ${damaged}: `));
});
