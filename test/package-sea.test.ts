// `npm run package` builds one executable that needs no Node and no checkout: copied to a folder
// of its own and run with PATH=/usr/bin:/bin (the system's Node 20, or none), it backs up files
// and a SQLite job, restores them, restic accepts the repository, and its daemon serves the
// dashboard's files from inside it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './support/redis-server.ts';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

const ROOT = resolve(import.meta.dirname, '..');

test('the single executable backs up and restores outside the checkout, without Node', { timeout: 300_000 }, async () => {
  execFileSync('npm', ['run', '--silent', 'package'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const dir = mkdtempSync(join(tmpdir(), 'lifeboat-sea-'));
  try {
    const exe = join(dir, 'lifeboat');
    copyFileSync(join(ROOT, 'dist-sea', 'lifeboat'), exe);
    execFileSync('chmod', ['+x', exe]);
    const data = join(dir, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'small.txt'), 'hello\n');
    writeFileSync(join(data, 'big.bin'), randomBytes(3_000_000)); // big enough for the worker threads
    const db = new DatabaseSync(join(dir, 'app.db'));
    db.exec("CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('one'), ('two');");
    db.close();
    writeFileSync(join(dir, 'pw'), 'sea-secret\n');
    writeFileSync(join(dir, 'lifeboat.yaml'), `version: 1
repositories:
  main: { location: repo, password_file: pw }
jobs:
  files: { source: { type: files, paths: [data] }, repositories: [main] }
  db: { source: { type: sqlite, path: app.db }, repositories: [main] }
`);
    // Nothing from this checkout or its Node: a bare environment, the system's PATH only.
    const env = { PATH: '/usr/bin:/bin', HOME: dir, LIFEBOAT_STATE_DIR: join(dir, 'state') };
    const run = (...args: string[]) => {
      const r = spawnSync(exe, args, { cwd: dir, env, encoding: 'utf8' });
      assert.equal(r.status, 0, `lifeboat ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    assert.match(run('version'), /^lifeboat \d+\.\d+\.\d+ \(Node\.js v24\./);
    run('config', 'check');
    run('init', '--all');
    run('backup', '--all');
    run('restore', 'latest', '--job', 'files', '--target', 'out');
    assert.deepEqual(readFileSync(join(dir, 'out', data, 'big.bin')), readFileSync(join(data, 'big.bin')));
    run('restore', 'latest', '--job', 'db', '--into', join(dir, 'restored.db'));
    const restored = new DatabaseSync(join(dir, 'restored.db'));
    assert.deepEqual(restored.prepare('SELECT x FROM t ORDER BY x').all().map((r) => r.x), ['one', 'two']);
    restored.close();
    assert.match(run('check', '--read-data', '--repository', 'main'), /no errors were found/);
    const restic = spawnSync('restic', ['-r', join(dir, 'repo'), '--no-cache', 'check', '--read-data'], { env: { ...env, RESTIC_PASSWORD_FILE: join(dir, 'pw') }, encoding: 'utf8' });
    assert.equal(restic.status, 0, restic.stderr);

    // The daemon serves the dashboard's files from inside the executable.
    const port = await freePort();
    writeFileSync(join(dir, 'lifeboat.yaml'), `${readFileSync(join(dir, 'lifeboat.yaml'), 'utf8')}server: { listen: 127.0.0.1:${port} }\n`);
    const daemon = spawn(exe, ['daemon'], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    daemon.stderr.on('data', (d) => { log += String(d); });
    try {
      const base = `http://127.0.0.1:${port}`;
      for (let i = 0; i < 100 && !(await fetch(`${base}/healthz`).then((r) => r.ok, () => false)); i++) await sleep(200);
      const css = await fetch(`${base}/static/dashboard.css`);
      assert.equal(css.status, 200, log);
      assert.equal(await css.text(), readFileSync(join(ROOT, 'src/server/dashboard/static/dashboard.css'), 'utf8'));
      assert.equal((await fetch(`${base}/static/uplot.esm.js`)).status, 200);
    } finally {
      const exited = once(daemon, 'exit');
      daemon.kill('SIGTERM');
      await exited;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
