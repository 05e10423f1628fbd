// Acceptance (issue 13): `backup --all` of a PostgreSQL job and a files job, through the CLI as
// shipped (the compiled build), peaks under 250 MB of RSS, and restic checks what it wrote.
// The database dump (~150 MB) and the tree (2,000 files, ~100 MB) are large enough to reach the
// steady state of every buffer: packs, transfer slots, the dump chunker's many small blobs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pseudoRandom } from './support/random-data.ts';
import { PG, dropPgDatabases, pgQuery, repoBlock, workspace } from './e2e-support.ts';

const ROOT = resolve(import.meta.dirname, '..');
const PEAK_RSS = `data:text/javascript,${encodeURIComponent(await readFile(resolve(import.meta.dirname, 'support/report-peak-rss.js'), 'utf8'))}`;
const RSS_LIMIT_MB = 250;

test('backup --all (PostgreSQL + files) through the CLI peaks under 250 MB of RSS', { timeout: 600_000 }, async () => {
  const db = `lb_mem_${process.pid}`;
  await using ws = await workspace();
  const build = await mkdtemp(join(ROOT, '.test-build-'));
  try {
    const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', build], { encoding: 'utf8' });
    assert.equal(tsc.status, 0, `build failed: ${tsc.stdout}${tsc.stderr}`);
    await pgQuery('postgres', `CREATE DATABASE ${db}`);
    await pgQuery(db, `CREATE TABLE events AS SELECT i AS id, md5(i::text) AS a, repeat(md5((i * 7)::text), 3) AS b, now() AS at FROM generate_series(1, 700000) AS i`);
    const files = join(ws.dir, 'files');
    for (let d = 0; d < 20; d++) {
      await mkdir(join(files, `d${d}`), { recursive: true });
      for (let i = 0; i < 100; i++) {
        const n = d * 100 + i;
        // Mostly small files, some of several chunks; half compressible.
        const size = n % 50 === 0 ? (3 << 20) + n : 2000 + ((n * 7919) % 60_000);
        const bytes = n % 2 ? pseudoRandom(size, n) : Buffer.from(`line ${n} `.repeat(Math.ceil(size / 10))).subarray(0, size);
        await writeFile(join(files, `d${d}`, `f${n}`), bytes);
      }
    }
    await ws.writeConfig(`${repoBlock(ws)}jobs:
  db:
    source: { type: postgres, host: ${PG.host}, port: ${PG.port}, user: ${PG.user}, databases: [${db}], globals: false }
    repositories: [main]
  files:
    source: { type: files, paths: [${files}] }
    repositories: [main]
`);
    const rssFile = join(ws.dir, 'rss');
    const child = spawn(process.execPath, ['--import', PEAK_RSS, join(build, 'main.js'), '--quiet', 'backup', '--all'], {
      cwd: ws.dir, env: { ...process.env, LIFEBOAT_TEST_PEAK_RSS_FILE: rssFile, LIFEBOAT_REPOSITORY: '', RESTIC_REPOSITORY: '' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += String(d); });
    child.stdout.resume();
    const code = await new Promise<number | null>((r, j) => { child.on('error', j); child.on('close', r); });
    assert.equal(code, 0, stderr);
    const peakMb = Number(await readFile(rssFile, 'utf8')) / 1024;
    console.log(`backup --all peak RSS: ${peakMb.toFixed(0)} MB`);
    assert.equal((await ws.snapshots()).length, 2);
    await ws.restic(['check', '--read-data']);
    assert.ok(peakMb < RSS_LIMIT_MB, `backup --all peak RSS ${peakMb.toFixed(0)} MB ≥ ${RSS_LIMIT_MB} MB`);
  } finally {
    await dropPgDatabases([db]);
    await rm(build, { recursive: true, force: true });
  }
});
